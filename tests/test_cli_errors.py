"""Bad input on the command line: one ``undex: error:`` line on stderr, exit code 1, no traceback.

Runs ``undex.cli.main`` in-process (the console script's entry point) to stay fast;
tests/test_cli.py covers the same path through a real ``python -m undex`` process.
"""

from __future__ import annotations

import gzip
import json

import pytest
from helpers import CLI_RECORDS as CORPUS
from helpers import Cli, write_jsonl

# --------------------------------------------------------------------- unknown things


@pytest.mark.parametrize(
    "args",
    [["train", "nope", "corpus.jsonl"], ["eval", "nope", "corpus.jsonl"], ["show-project", "nope"]],
)
def test_unknown_project(cli: Cli, args: list[str]) -> None:
    cli.fails(*args, message="unknown project 'nope'; known: tfidf-mini")


def test_missing_projects_file(cli: Cli) -> None:
    cli.fails("list-projects", "--projects", "elsewhere.toml", message="projects file elsewhere.toml not found")


def test_project_with_vocabulary_not_loaded(cli: Cli) -> None:
    (cli.workdir / "other.toml").write_text('[p]\nlanguage = "en"\nbackend = "tfidf"\nvocab = "nosuch"\n')
    cli.fails("train", "p", "corpus.jsonl", "--projects", "other.toml", message="run: undex load-vocab nosuch FILE")


def test_unknown_backend_parameter_in_projects_file(cli: Cli) -> None:
    (cli.workdir / "other.toml").write_text('[p]\nlanguage = "en"\nbackend = "tfidf"\nmin_dff = 2\n')
    cli.fails("list-projects", "--projects", "other.toml", message="[p]: min_dff: Extra inputs are not permitted")


# ---------------------------------------------------------------------- missing files


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "tfidf-mini", "corpus.jsonl", "missing.jsonl"], "missing.jsonl: no such file or directory"),
        (["eval", "tfidf-mini", "missing.jsonl"], "missing.jsonl: no such file or directory"),
        (["suggest", "tfidf-mini", "corpus.jsonl", "missing.txt"], "missing.txt: no such file"),
        (["load-vocab", "x", "missing.tsv"], "vocabulary file missing.tsv does not exist"),
    ],
)
def test_missing_file(cli: Cli, args: list[str], message: str) -> None:
    cli.fails(*args, message=message)


# ---------------------------------------------------------------------- wrong encoding


def test_wrong_encoding_in_a_jsonl_corpus(cli: Cli) -> None:
    (cli.workdir / "latin.jsonl").write_bytes(b'{"text": "ok", "labels": ["OCEANS"]}\n{"text": "caf\xe9"}\n')
    cli.fails("train", "tfidf-mini", "latin.jsonl", message="latin.jsonl:2: not UTF-8 text (invalid byte at offset 50)")


def test_wrong_encoding_on_stdin(cli: Cli) -> None:
    cli.fails(
        "suggest", "tfidf-mini", stdin=b"oceans \xff", message="<stdin>: not UTF-8 text (invalid byte at offset 7)"
    )


def test_wrong_encoding_in_a_vocabulary(cli: Cli) -> None:
    (cli.workdir / "latin.tsv").write_bytes(b"<http://x/1>\tone\n<http://x/2>\tcaf\xe9\n")
    cli.fails("load-vocab", "latin", "latin.tsv", message="latin.tsv: not UTF-8 text (invalid byte at offset 33)")


# -------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "command, content, message",
    [
        ("eval", b"%%%OCEANS|\n\nm\xe9diterran\xe9e", "b.txt: not UTF-8 text (invalid byte at offset 13)"),
        ("train", b"%%%OCEANS|HUMAN RIGHTS\n\nbody", "b.txt: line 1: malformed '%%%' header"),
    ],
    ids=["wrong-encoding", "malformed-header"],
)
def test_bad_file_in_a_directory_corpus(cli: Cli, command: str, content: bytes, message: str) -> None:
    folder = cli.workdir / "docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"%%%OCEANS|\n\nseas")
    (folder / "b.txt").write_bytes(content)
    cli.fails(command, "tfidf-mini", "docs", message=message)


def test_malformed_header_on_stdin(cli: Cli) -> None:
    cli.fails("suggest", "tfidf-mini", stdin=b"%%%OCEANS|\nno blank line", message="line 2 must be blank")


def test_invalid_json_line(cli: Cli) -> None:
    (cli.workdir / "bad.jsonl").write_text('{"text": "a", "labels": ["OCEANS"]}\n{"text": \n', encoding="utf-8")
    cli.fails("eval", "tfidf-mini", "bad.jsonl", message="bad.jsonl:2: invalid JSON")


def test_truncated_gzip_corpus(cli: Cli) -> None:
    data = gzip.compress(("".join(json.dumps(r) + "\n" for r in CORPUS) * 500).encode())
    (cli.workdir / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    cli.fails("train", "tfidf-mini", "cut.jsonl.gz", message="cut.jsonl.gz: cannot read (truncated or corrupt gzip?)")


# ----------------------------------------------------------------------- empty things


@pytest.mark.parametrize("command", ["train", "eval"])
def test_empty_corpus(cli: Cli, command: str) -> None:
    (cli.workdir / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    (cli.workdir / "empty-dir").mkdir()
    expected = "no training documents" if command == "train" else "cannot evaluate: no documents"
    lines = cli.fails(command, "tfidf-mini", "empty.jsonl", "empty-dir", message=expected)
    assert "0 of 0 documents used" in lines


def test_split_that_selects_nothing(cli: Cli) -> None:
    cli.fails("train", "tfidf-mini", "corpus.jsonl", "--split", "train", message="no training documents")


@pytest.mark.parametrize("stdin", [b"", b"  \n\t\n", b"\xef\xbb\xbf%%%OCEANS|\n\n   \n"])
def test_empty_document_on_stdin(cli: Cli, stdin: bytes) -> None:
    cli.fails("suggest", "tfidf-mini", "-", stdin=stdin, message="-: empty document")


def test_empty_document_among_several(cli: Cli) -> None:
    (cli.workdir / "full.txt").write_text("oceans and seas", encoding="utf-8")
    (cli.workdir / "blank.txt").write_text("%%%OCEANS|\n\n", encoding="utf-8")
    cli.fails("suggest", "tfidf-mini", "full.txt", "blank.txt", message="blank.txt: empty document")


@pytest.mark.parametrize("command", ["train", "eval"])
def test_corpus_with_no_subject_in_the_vocabulary(cli: Cli, command: str) -> None:
    write_jsonl(cli.workdir / "alien.jsonl", [{"text": "Mars", "labels": ["MARS*", "MARS--MOONS"]}, {"text": "Venus"}])
    lines = cli.fails(command, "tfidf-mini", "alien.jsonl", message="no ")
    assert any(
        line.startswith("note: alien.jsonl: 2 gold subject(s) (2 distinct) match no concept") for line in lines
    ), lines
    assert "0 of 2 documents used; 2 skipped without gold subjects in the vocabulary" in lines


def test_eval_of_an_untrained_project(cli: Cli) -> None:
    (cli.workdir / "projects.toml").write_text(
        (cli.workdir / "projects.toml").read_text() + '\n[fresh]\nlanguage = "en"\nbackend = "tfidf"\nvocab = "mini"\n'
    )
    cli.fails("eval", "fresh", "corpus.jsonl", message="project 'fresh' is not trained; run: undex train fresh")


def test_good_input_still_succeeds(cli: Cli) -> None:
    """Guard for the harness above: the same calls with good input exit 0."""
    code, out, err = cli("eval", "tfidf-mini", "corpus.jsonl", "--format", "json")
    assert code == 0 and json.loads(out)["Documents evaluated"] == 3, err
    code, out, err = cli("suggest", "tfidf-mini", stdin=b"\xef\xbb\xbf%%%OCEANS|\r\n\r\npolluted oceans")
    assert code == 0 and out.split("\t")[1] == "OCEANS", err
