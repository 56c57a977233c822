"""A trained tiny project and corpora for the batch-indexing tests."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import MINI_PROJECTS as PROJECTS
from test_cli import DOCS

from undex.batch import IndexSpec, ProjectRef
from undex.cli import main
from undex.corpus import CorpusStats, labelled_documents
from undex.project import ProjectRegistry
from undex.vocab import load_vocabulary_file, save_vocabulary

TEXTS = [doc for doc in DOCS if doc[0] and "NO SUCH SUBJECT" not in doc[1]] + [
    ("Water for sustainable development and the oceans", ["WATER RESOURCES", "SUSTAINABLE DEVELOPMENT", "OCEANS"]),
    ("Human rights and access to freshwater", ["HUMAN RIGHTS"]),
]


def write_corpus(path: Path, n: int, repeat_text: int = 1) -> list[str]:
    """A JSONL corpus of ``n`` records cycling through TEXTS; returns the ids in order."""
    ids = []
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            text, labels = TEXTS[i % len(TEXTS)]
            ids.append(f"doc-{i:05d}")
            record = {"id": ids[-1], "lang": "en", "text": " ".join([text] * repeat_text), "labels": labels}
            handle.write(json.dumps(record) + "\n")
    return ids


def write_directory(folder: Path, n: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n):
        text, labels = TEXTS[i % len(TEXTS)]
        names.append(f"report-{i:04d}")
        (folder / f"{names[-1]}.txt").write_text(f"%%%{'|'.join(labels)}|\n\n{text}\n", encoding="utf-8")
    return names


def make_workdir(root: Path, vocab_path: Path) -> Path:
    """projects.toml, the mini vocabulary and a trained ``tfidf-mini`` under ``root``."""
    (root / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    datadir = root / "data"
    save_vocabulary(load_vocabulary_file("mini", vocab_path), datadir)
    write_corpus(root / "train.jsonl", 64)
    project = ProjectRegistry(root / "projects.toml", datadir).get("tfidf-mini")
    docs = list(labelled_documents([root / "train.jsonl"], project.vocab, CorpusStats()))
    project.train(docs)
    return root


def spec_for(root: Path, **kwargs) -> IndexSpec:
    return IndexSpec(ProjectRef.of(root / "projects.toml", root / "data", "tfidf-mini"), "en", **kwargs)


def undex(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``undex`` in a new process (as a user does)."""
    return subprocess.run(
        [sys.executable, "-m", "undex", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def undex_here(args: list[str], cwd: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Ran:
    """Run the ``undex`` entry point in this process (faster: no start-up)."""
    monkeypatch.chdir(cwd)
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
