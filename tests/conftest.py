"""Shared fixtures. Tests that need the real UNBIS tables or corpora read ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import CLI_RECORDS, MINI_PROJECTS, MINI_VOCAB, Cli, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("UNDEX_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"{path} is missing: the tests need the shared data folder beside the repository "
            "(../shared) or UNDEX_SHARED pointing to it",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def unbis_terms() -> Path:
    return shared_path("data", "derived", "unbis_terms.tsv")


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return shared_path("examples", "seed.txt")


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    return shared_path("data", "derived", "corpora")


@pytest.fixture(scope="session")
def unbis_datadir(tmp_path_factory: pytest.TempPathFactory, unbis_terms: Path) -> Path:
    """A data directory with the real UNBIS vocabulary loaded (shared by the session)."""
    from undex.vocab import load_vocabulary_file, save_vocabulary

    datadir = tmp_path_factory.mktemp("datadir")
    save_vocabulary(load_vocabulary_file("unbis", unbis_terms), datadir)
    return datadir


@pytest.fixture
def mini_vocab_path() -> Path:
    return MINI_VOCAB


@pytest.fixture
def mini_projects() -> str:
    """projects.toml text declaring ``tfidf-mini`` on the mini vocabulary."""
    return MINI_PROJECTS


@pytest.fixture
def mini_workdir(tmp_path: Path, mini_vocab_path: Path) -> Path:
    """A working directory with ``projects.toml`` (project ``tfidf-mini``) and a data
    directory ``data`` holding the mini vocabulary."""
    from undex.vocab import load_vocabulary_file, save_vocabulary

    (tmp_path / "projects.toml").write_text(MINI_PROJECTS, encoding="utf-8")
    save_vocabulary(load_vocabulary_file("mini", mini_vocab_path), tmp_path / "data")
    return tmp_path


@pytest.fixture
def cli(mini_workdir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """In-process ``undex`` runner in ``mini_workdir`` whose ``tfidf-mini`` is trained on CLI_RECORDS."""
    runner = Cli(mini_workdir, capsys, monkeypatch)
    write_jsonl(mini_workdir / "corpus.jsonl", CLI_RECORDS)
    code, _, err = runner("train", "tfidf-mini", "corpus.jsonl")
    assert code == 0, err
    return runner
