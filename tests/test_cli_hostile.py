"""More bad input on the command line: broken projects files, bad option values,
unusable data directories. Always one ``undex: error:`` line, a non-zero exit, no
traceback (``UNDEX_DEBUG=1`` shows it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import Cli

PROJECT = '[p]\nlanguage = "en"\nbackend = "tfidf"\nvocab = "mini"\n'


def one_error_line(code: int, err: str, expected_code: int, message: str) -> None:
    lines = err.strip().splitlines()
    assert code == expected_code, err
    assert "Traceback" not in err
    assert len(lines) >= 1 and lines[-1].startswith("undex: error: "), err
    assert sum(line.startswith("undex: error") for line in lines) == 1, err
    assert message in lines[-1], err


@pytest.mark.parametrize(
    "content, message",
    [
        (PROJECT + "[q\n", "bad.toml: invalid TOML: Expected ']' at the end of a table declaration (at line 5"),
        ("limit = 3\n", "bad.toml: 'limit' must be a [section]"),
        (PROJECT.replace("[p]", '["../../etc"]'), "invalid project id '../../etc'"),
        (PROJECT.replace("[p]", '["p\\n"]'), "invalid project id 'p\\n'"),
        (PROJECT.replace('"mini"', '"../../../tmp/x"'), "[p]: vocab: String should match pattern"),
        (PROJECT.replace('"tfidf"', '"nope"'), "unknown backend 'nope'"),
        (PROJECT.replace('"en"', '"xx"'), "[p]: language must be one of ar, zh, en, fr, ru, es"),
        (PROJECT + "limit = 0\n", "[p]: limit: Input should be greater than or equal to 1"),
        (PROJECT + 'threshold = "high"\n', "[p]: threshold: Input should be a valid number"),
        (PROJECT + 'min_df = "two"\n', "[p]: min_df: Input should be a valid integer"),
        (PROJECT + "word_ngrams = [1, 2]\n", "[p]: word_ngrams: Input should be a valid integer"),
        (PROJECT + "[p.extra]\nx = 1\n", "[p]: extra: Extra inputs are not permitted"),
    ],
    ids=[
        "toml-syntax",
        "not-a-section",
        "traversal-id",
        "newline-id",
        "traversal-vocab",
        "unknown-backend",
        "language",
        "limit-range",
        "threshold-type",
        "param-type",
        "param-list",
        "nested-table",
    ],
)
def test_bad_projects_file(cli: Cli, content: str, message: str) -> None:
    (cli.workdir / "bad.toml").write_text(content, encoding="utf-8")
    code, _, err = cli("list-projects", "--projects", "bad.toml")
    one_error_line(code, err, 1, message)


def test_projects_file_not_utf8_or_a_directory(cli: Cli) -> None:
    (cli.workdir / "bad.toml").write_bytes(b"\xff\xfe[p]\n")
    code, _, err = cli("list-projects", "--projects", "bad.toml")
    one_error_line(code, err, 1, "cannot read bad.toml")
    code, _, err = cli("list-projects", "--projects", str(cli.workdir))
    one_error_line(code, err, 1, "not found")


@pytest.mark.parametrize(
    "args, message",
    [
        (["suggest", "tfidf-mini", "--limit", "0"], "Invalid value for '--limit' / '-l': Input should be greater than"),
        (["suggest", "tfidf-mini", "--limit", "-5"], "Invalid value for '--limit'"),
        (
            ["suggest", "tfidf-mini", "--limit", "ten"],
            "Invalid value for '--limit' / '-l': Input should be a valid int",
        ),
        (["suggest", "tfidf-mini", "--threshold", "1.5"], "Invalid value for '--threshold'"),
        (["eval", "tfidf-mini", "corpus.jsonl", "--batch-size", "0"], "Invalid value for '--batch-size'"),
        (["suggest", "tfidf-mini", "--format", "xml"], "Invalid value for '--format'"),
        (["suggest"], "Missing argument 'project_id'"),
        (["train", "tfidf-mini"], "Missing argument"),
        (["suggest", "tfidf-mini", "--no-such-option"], "No such option: --no-such-option"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line(cli: Cli, args: list[str], message: str) -> None:
    code, _, err = cli(*args, stdin=b"oceans")
    one_error_line(code, err, 2, message)
    assert "--help" in err


def test_suggest_with_invalid_label_language(cli: Cli) -> None:
    code, _, err = cli("suggest", "tfidf-mini", "--label-language", "xx", stdin=b"oceans")
    one_error_line(code, err, 1, "--label-language must be one of")


def test_invalid_vocabulary_id(cli: Cli, mini_vocab_path: Path) -> None:
    for vocab_id in ("../evil", "a/b", ".hidden", "x" * 101):
        code, _, err = cli("load-vocab", vocab_id, str(mini_vocab_path))
        one_error_line(code, err, 1, "invalid vocabulary id")
    assert sorted(p.name for p in (cli.workdir / "data" / "vocabs").iterdir()) == ["mini"]
    assert not (cli.workdir / "evil").exists()


def test_data_directory_that_is_a_file(cli: Cli, mini_vocab_path: Path) -> None:
    (cli.workdir / "afile").write_text("not a directory", encoding="utf-8")
    code, _, err = cli("load-vocab", "mini", str(mini_vocab_path), "--datadir", "afile")
    one_error_line(code, err, 1, "cannot write afile/vocabs/mini: Not a directory")
    code, _, err = cli("train", "tfidf-mini", "corpus.jsonl", "--datadir", "afile")
    one_error_line(code, err, 1, "vocabulary 'mini' is not loaded in afile")


# -------------------------------------------- subprocesses: permissions and the debug switch


def run(workdir: Path, *args: str, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()):
    return subprocess.run(
        [*prefix, sys.executable, "-m", "undex", *args],
        cwd=workdir,
        input="oceans and seas",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "UNDEX_PROJECTS": "projects.toml", "UNDEX_DATADIR": "data", **(env or {})},
    )


def _userns() -> bool:
    try:
        return subprocess.run(["unshare", "--user", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


# root has no capability over the real file system inside a new user namespace,
# so permission bits apply to it as to anyone
WITHOUT_CAPABILITIES = ("unshare", "--user") if os.geteuid() == 0 else ()


@pytest.mark.subprocess
@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() == 0 and not _userns(), reason="no user namespaces (unshare --user)")
@pytest.mark.parametrize(
    "folder, args, message",
    [
        ("data", ["suggest", "tfidf-mini"], "data/projects/tfidf-mini/current: Permission denied"),
        ("data", ["list-vocabs"], "data/vocabs: Permission denied"),
        ("data/vocabs/mini", ["suggest", "tfidf-mini"], "Permission denied"),
        ("data/projects/tfidf-mini/current", ["suggest", "tfidf-mini"], "manifest.json is unreadable"),
    ],
)
def test_unreadable_data_directory(cli: Cli, folder: str, args: list[str], message: str) -> None:
    target = cli.workdir / folder
    target.chmod(0)
    try:
        result = run(cli.workdir, *args, prefix=WITHOUT_CAPABILITIES)
    finally:
        target.chmod(0o755)
    one_error_line(result.returncode, result.stderr, 1, message)


@pytest.mark.subprocess
@pytest.mark.slow
def test_debug_switch_shows_the_traceback(cli: Cli) -> None:
    quiet = run(cli.workdir, "suggest", "nope")
    one_error_line(quiet.returncode, quiet.stderr, 1, "unknown project 'nope'")
    loud = run(cli.workdir, "suggest", "nope", env={"UNDEX_DEBUG": "1"})
    assert loud.returncode != 0
    assert "Traceback (most recent call last)" in loud.stderr and "NotFoundError: unknown project" in loud.stderr
