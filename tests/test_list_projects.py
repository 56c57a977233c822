"""``undex list-projects`` fits the terminal: long identifiers wrap, long names are cut with an ellipsis."""

from __future__ import annotations

from pathlib import Path

import pytest

from undex.cli import main
from undex.cli.app import fit_widths

LONG_ID = "general-assembly-resolutions-of-the-seventies-in-english-with-tfidf"
LONG_NAME = "A very long project name describing General Assembly resolutions of the seventies, in English"
PROJECTS = f"""
[tfidf-mini]
name = "mini"
language = "en"
backend = "tfidf"
vocab = "mini"

[{LONG_ID}]
name = "{LONG_NAME}"
language = "en"
backend = "lexical"
vocab = "mini"
"""


def list_projects(workdir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, columns: int) -> str:
    (workdir / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit) as info:
        main(["list-projects", "--datadir", str(workdir / "data")])
    assert info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", [80, 60])
def test_every_line_fits_the_terminal_width(
    mini_workdir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    out = list_projects(mini_workdir, capsys, monkeypatch, columns)
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "…" in out and LONG_NAME not in out  # the name is cut, not run into the next column
    assert "".join(line.split()[0] for line in out.splitlines()[2:] if line.strip()) == "tfidf-mini" + LONG_ID
    assert "zero-shot" in out and "False" in out


def test_a_wide_terminal_shows_everything_in_full(
    mini_workdir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = list_projects(mini_workdir, capsys, monkeypatch, 250)
    assert LONG_ID in out and LONG_NAME in out and "…" not in out


def test_widest_columns_give_way_first() -> None:
    assert fit_widths([10, 50, 30], 100) == [10, 50, 30]
    assert fit_widths([10, 50, 30], 70) == [10, 30, 30]
    assert sum(fit_widths([40, 50, 30], 60)) <= 60
    assert fit_widths([12, 12], 5) == [10, 10]  # never below the floor
