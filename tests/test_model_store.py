"""A trained model's save/load round trip, and every way a saved model can go bad."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import MODEL_CORPUS as CORPUS
from helpers import MODEL_QUERIES as QUERIES
from helpers import fresh, labelled, model_version, scores

from undex import __version__
from undex.errors import ModelError, NotTrainedError
from undex.modelstore import MANIFEST, sha256_file
from undex.vocab import load_vocabulary_file, save_vocabulary, vocabulary_checksum


@pytest.fixture
def workdir(mini_workdir: Path) -> Path:
    return mini_workdir


def load_model(workdir: Path):
    return fresh(workdir).backend


@pytest.fixture
def trained(workdir: Path) -> tuple[Path, np.ndarray]:
    """A workdir with a trained model, and the scores of the model that was just fitted."""
    project = fresh(workdir)
    project.train(labelled(workdir / "data", CORPUS), {"paths": ["inline"], "documents": len(CORPUS)})
    return workdir, scores(project)


def test_round_trip_gives_identical_scores(trained: tuple[Path, np.ndarray]) -> None:
    workdir, before = trained
    assert before.shape == (len(QUERIES), 5)
    best = before.argmax(axis=1)
    assert set(np.argsort(-before[0])[:2]) == {0, 1}  # water resources and freshwater lead the water query
    assert best[1:4].tolist() == [3, 4, 2]  # rights, oceans, development
    assert before[4].sum() == 0.0 and 0.0 < before.max() <= 1.0
    after = scores(fresh(workdir))
    np.testing.assert_array_equal(after, before)


def test_manifest_describes_the_model(trained: tuple[Path, np.ndarray]) -> None:
    workdir, _ = trained
    version = model_version(workdir)
    manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["undex_version"] == __version__
    assert manifest["backend"] == "tfidf" and manifest["params"]["min_df"] == 1
    assert manifest["vocab"] == "mini" and manifest["vocab_checksum"] == vocabulary_checksum(workdir / "data", "mini")
    assert manifest["training_documents"] == len(CORPUS)
    assert manifest["files"] and all(sha256_file(version / n) == h for n, h in manifest["files"].items())
    assert not any(name.endswith((".pkl", ".pickle", ".joblib")) for name in os.listdir(version))


def test_untrained_project(workdir: Path) -> None:
    with pytest.raises(NotTrainedError, match="run: undex train tfidf-mini"):
        fresh(workdir).suggest_batch(["text"])


@pytest.mark.parametrize("name", ["centroids.npz", "features-terms.json", "features-idf.npy"])
def test_truncated_model_file_is_a_model_error(trained: tuple[Path, np.ndarray], name: str) -> None:
    workdir, _ = trained
    path = model_version(workdir) / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelError, match=f"{name} is corrupt or was modified"):
        load_model(workdir)


def test_modified_or_missing_model_file_is_a_model_error(trained: tuple[Path, np.ndarray]) -> None:
    workdir, _ = trained
    terms = model_version(workdir) / "features-terms.json"
    terms.write_text(terms.read_text(encoding="utf-8").replace("water", "wader"), encoding="utf-8")
    with pytest.raises(ModelError, match="checksum mismatch"):
        load_model(workdir)
    terms.unlink()
    with pytest.raises(ModelError, match="features-terms.json is missing"):
        load_model(workdir)
    (model_version(workdir) / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="manifest.json is unreadable"):
        load_model(workdir)


def test_model_of_another_vocabulary_is_refused(trained: tuple[Path, np.ndarray], mini_vocab_path: Path) -> None:
    workdir, _ = trained
    changed = workdir / "unbis_terms.tsv"
    text = mini_vocab_path.read_text(encoding="utf-8")
    changed.write_text(text + text.splitlines()[-1].replace("2000005", "2000006").replace("OCEANS", "SEAS2") + "\n")
    save_vocabulary(load_vocabulary_file("mini", changed), workdir / "data")
    with pytest.raises(ModelError, match=r"trained on another vocabulary than the loaded 'mini'.*retrain it"):
        load_model(workdir)


def test_retraining_swaps_the_model_under_a_loaded_project(trained: tuple[Path, np.ndarray]) -> None:
    workdir, before = trained
    loaded = fresh(workdir)
    np.testing.assert_array_equal(scores(loaded), before)
    fresh(workdir).train(labelled(workdir / "data", CORPUS[:6]))
    after = scores(loaded)  # the same Project object picks up the new version
    assert not np.array_equal(after, before)
    np.testing.assert_array_equal(after, scores(fresh(workdir)))


def _limit_file_size() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))


@pytest.mark.subprocess
@pytest.mark.slow
def test_failing_write_leaves_the_previous_model_loadable(trained: tuple[Path, np.ndarray]) -> None:
    """A real write failure (files limited to 256 bytes: EFBIG) during ``undex train``."""
    workdir, before = trained
    old_version = model_version(workdir)
    corpus = workdir / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t, "labels": s}) + "\n" for t, s in CORPUS[:5]), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "undex", "train", "tfidf-mini", str(corpus)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size,
    )
    assert result.returncode == 1, result.stderr
    assert "undex: error: cannot write" in result.stderr and "Traceback" not in result.stderr
    assert model_version(workdir) == old_version
    np.testing.assert_array_equal(scores(fresh(workdir)), before)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_datadir_leaves_the_previous_model_loadable(trained: tuple[Path, np.ndarray]) -> None:
    workdir, before = trained
    model_dir = workdir / "data" / "projects" / "tfidf-mini"
    model_dir.chmod(0o555)
    try:
        with pytest.raises(ModelError, match="cannot write"):
            fresh(workdir).train(labelled(workdir / "data", CORPUS[:5]))
    finally:
        model_dir.chmod(0o755)
    np.testing.assert_array_equal(scores(fresh(workdir)), before)
