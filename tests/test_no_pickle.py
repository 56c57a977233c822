"""Models are never unpickled: no module imports a pickle-like loader, every ``numpy.load``
passes ``allow_pickle=False``, and a model file replaced by a pickle payload (with its
checksum updated, as someone with write access could) is refused without running it."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import MODEL_CORPUS as CORPUS
from helpers import fresh, labelled, model_version

import undex
from undex.errors import ModelError
from undex.modelstore import MANIFEST, sha256_file

SOURCES = sorted(Path(undex.__file__).parent.rglob("*.py"))
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal", "torch"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            yield (owner.id if isinstance(owner, ast.Name) else ""), node.func.attr, node


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(Path(undex.__file__).parent)))
def test_no_pickle_loader_in_the_source(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module.split(".")[0]]
        assert not set(names) & UNSAFE_MODULES, f"{source}:{node.lineno} imports {names}"
    for owner, attr, call in _calls(tree):
        if owner in ("np", "numpy") and attr == "load":
            flags = {k.arg: k.value for k in call.keywords}
            value = flags.get("allow_pickle")
            assert isinstance(value, ast.Constant) and value.value is False, (
                f"{source}:{call.lineno}: numpy.load without allow_pickle=False"
            )
        assert attr not in ("read_pickle", "loads") or owner not in UNSAFE_MODULES | {"pd", "pandas"}, (
            f"{source}:{call.lineno}: {owner}.{attr}"
        )


class Payload:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _replace(version: Path, name: str, write) -> None:
    write(version / name)
    manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"][name] = sha256_file(version / name)
    (version / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("name", ["features-idf.npy", "centroids.npz"])
def test_pickled_model_file_is_refused_and_never_run(mini_workdir: Path, tmp_path: Path, name: str) -> None:
    fresh(mini_workdir).train(labelled(mini_workdir / "data", CORPUS))
    marker = tmp_path / "payload-ran"
    evil = np.array([Payload(marker)], dtype=object)
    if name.endswith(".npy"):
        _replace(model_version(mini_workdir), name, lambda p: np.save(p, evil, allow_pickle=True))
    else:
        _replace(model_version(mini_workdir), name, lambda p: np.savez(p, format=evil, data=evil))
    with pytest.raises(ModelError, match="cannot read"):
        _ = fresh(mini_workdir).backend
    assert not marker.exists(), "a pickle in a model file was executed"
    with pytest.raises(ValueError):  # scipy's loader refuses object arrays too
        sp.load_npz(model_version(mini_workdir) / name) if name.endswith(".npz") else np.load(
            model_version(mini_workdir) / name, allow_pickle=False
        )
    assert not marker.exists()
