"""The server under time and misconfiguration: errors of its own configuration, slow
clients and oversized uploads."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from undex.project import ProjectRegistry
from undex.server import ServerSettings, create_app
from undex.vocab import load_vocabulary_file, save_vocabulary

BROKEN_PROJECT = """
[lexical-zh]
language = "zh"
backend = "lexical"
vocab = "english-only"
"""


def save_english_only_vocabulary(workdir: Path, mini_vocab_path: Path) -> None:
    """The mini vocabulary without its Chinese labels: a Chinese project on it cannot work."""
    header, *rows = mini_vocab_path.read_text(encoding="utf-8").splitlines()
    zh = header.split("\t").index("zh")
    blanked = ["\t".join("" if i == zh else v for i, v in enumerate(row.split("\t"))) for row in rows]
    path = workdir / "english-only.tsv"
    path.write_text("\n".join([header, *blanked]) + "\n", encoding="utf-8")
    save_vocabulary(load_vocabulary_file("english-only", path), workdir / "data")


def test_a_broken_projects_section_is_a_server_error_logged_once(
    mini_workdir: Path, mini_vocab_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    save_english_only_vocabulary(mini_workdir, mini_vocab_path)
    (mini_workdir / "projects.toml").write_text(BROKEN_PROJECT, encoding="utf-8")
    registry = ProjectRegistry(mini_workdir / "projects.toml", mini_workdir / "data")
    caplog.set_level(logging.INFO, logger="undex.server")
    with TestClient(create_app(registry, ServerSettings()), raise_server_exceptions=False) as client:
        for _ in range(3):
            response = client.post("/v1/projects/lexical-zh/suggest", data={"text": "水资源"})
            assert response.status_code == 500, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            detail = response.json()["detail"]
            assert "configuration" in detail and "no usable labels" in detail, detail
    logged = [r for r in caplog.records if "no usable labels" in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].levelno == logging.ERROR
