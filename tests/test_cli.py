"""End-to-end CLI behaviour on a small hand-made corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import DOCS
from helpers import undex as run

from undex.evaluation import METRICS

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]


@pytest.fixture
def workdir(tmp_path: Path, mini_vocab_path: Path, mini_projects: str) -> Path:
    (tmp_path / "projects.toml").write_text(mini_projects, encoding="utf-8")
    with open(tmp_path / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for i, (text, labels) in enumerate(DOCS):
            handle.write(
                json.dumps({"id": f"d{i}", "lang": "en", "text": text, "labels": labels, "split": "train"}) + "\n"
            )
    result = run(["load-vocab", "mini", str(mini_vocab_path)], tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_train_suggest_eval_round_trip(workdir: Path) -> None:
    result = run(["train", "tfidf-mini", "corpus.jsonl", "--split", "train"], workdir)
    assert result.returncode == 0, result.stderr
    assert "6 of 8 documents used" in result.stderr
    assert "1 skipped without text" in result.stderr
    assert "NO SUCH SUBJECT (1)" in result.stderr

    result = run(["suggest", "tfidf-mini", "--limit", "2"], workdir, stdin="freshwater and water resources\n")
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert {lines[0][1], lines[1][1]} == {"WATER RESOURCES", "FRESHWATER"}
    assert lines[0][0].startswith("<http://example.org/t/")

    result = run(["suggest", "tfidf-mini", "--format", "json", "--label-language", "zh", "-"], workdir, "human rights")
    data = json.loads(result.stdout)
    assert data[0]["results"][0]["label"] == "人权"

    result = run(["eval", "tfidf-mini", "corpus.jsonl", "--format", "json"], workdir)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert list(metrics) == list(METRICS)
    assert metrics["Documents evaluated"] == 6
    assert metrics["Precision@1"] == 1.0


@pytest.mark.parametrize(
    "args, message",
    [
        (["suggest", "nope"], "unknown project 'nope'"),
        (["suggest", "tfidf-mini", "missing.txt"], "missing.txt: no such file"),
        (["suggest", "tfidf-mini"], "not trained"),
        (["train", "tfidf-mini", "empty.jsonl"], "no training documents"),
    ],
)
def test_errors_are_one_line(workdir: Path, args: list[str], message: str) -> None:
    (workdir / "empty.jsonl").write_text("", encoding="utf-8")
    result = run(args, workdir, stdin="some text")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_wrong_encoding_names_file_and_offset(workdir: Path) -> None:
    run(["train", "tfidf-mini", "corpus.jsonl"], workdir)
    (workdir / "latin1.txt").write_bytes("caf\xe9 water".encode("latin-1"))
    result = run(["suggest", "tfidf-mini", "latin1.txt"], workdir)
    assert result.returncode == 1
    assert "latin1.txt: not UTF-8 text (invalid byte at offset 3)" in result.stderr


def test_malformed_header_and_empty_document(workdir: Path) -> None:
    run(["train", "tfidf-mini", "corpus.jsonl"], workdir)
    (workdir / "bad.txt").write_text("%%%WATER RESOURCES|FRESHWATER\n\nbody", encoding="utf-8")
    (workdir / "empty.txt").write_text("%%%OCEANS|\n\n   \n", encoding="utf-8")
    bad = run(["suggest", "tfidf-mini", "bad.txt"], workdir)
    assert "malformed '%%%' header" in bad.stderr and bad.returncode == 1
    empty = run(["suggest", "tfidf-mini", "empty.txt"], workdir)
    assert "empty document" in empty.stderr and empty.returncode == 1
