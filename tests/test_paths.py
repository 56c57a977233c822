"""Ids and links can never lead outside the data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import MODEL_CORPUS as CORPUS
from helpers import fresh, labelled

from undex.errors import InputError, ModelError
from undex.modelstore import artifact_dir, current_version
from undex.project import Project, ProjectConfig
from undex.vocab import load_vocabulary, save_vocabulary, vocab_dir

BAD_IDS = ["..", ".", "../x", "a/../../b", "a/b", "/etc", "", "a\n", "a\x00b", "x" * 101, ".hidden", "a\\b"]


@pytest.mark.parametrize("name", BAD_IDS)
def test_unsafe_ids_are_refused_before_touching_the_disk(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="invalid"):
        artifact_dir(tmp_path, "projects", name)
    with pytest.raises(InputError, match="invalid vocab id"):
        load_vocabulary(tmp_path, name)
    with pytest.raises(InputError):
        vocab_dir(tmp_path, name)


def test_project_built_in_code_with_an_unsafe_id_has_no_model_dir(tmp_path: Path) -> None:
    config = ProjectConfig(id="../../outside", language="en", backend="tfidf", vocab="mini")
    with pytest.raises(InputError, match="invalid project id"):
        _ = Project(config, tmp_path).model_dir


def test_saving_a_vocabulary_with_an_unsafe_id_is_refused(mini_workdir: Path) -> None:
    vocab = load_vocabulary(mini_workdir / "data", "mini")
    vocab.id = "../escaped"
    with pytest.raises(InputError):
        save_vocabulary(vocab, mini_workdir / "data")
    assert not (mini_workdir / "escaped").exists()


@pytest.mark.parametrize("target", ["/etc", "../../..", "../mini", "current"])
def test_current_link_must_name_a_version_beside_it(mini_workdir: Path, target: str) -> None:
    fresh(mini_workdir).train(labelled(mini_workdir / "data", CORPUS))
    folder = mini_workdir / "data" / "projects" / "tfidf-mini"
    (folder / "current").unlink()
    os.symlink(target, folder / "current")
    with pytest.raises(ModelError, match="points to"):
        current_version(folder)
    with pytest.raises(ModelError, match="points to"):
        _ = fresh(mini_workdir).backend
