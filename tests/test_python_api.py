"""The Python API: ``undex.load_project(...).suggest(...)`` and streaming ``suggest_batch``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import undex
from undex.api import EvidenceSpan, Subject, Suggestions
from undex.errors import InputError, NotFoundError

PROJECTS = """
[lexical-zh]
language = "zh"
backend = "lexical"
vocab = "unbis"

[lexical-en]
language = "en"
backend = "lexical"
vocab = "unbis"
"""
ZH = "重申可持续发展问题世界首脑会议的成果，关切淡水资源短缺和卫生设施不足。"
EN = "The Assembly stresses the need to protect human rights and to improve water resources management."


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "projects.toml"
    path.write_text(PROJECTS, encoding="utf-8")
    return path


def test_suggest_returns_typed_subjects_with_evidence(projects: Path, unbis_datadir: Path) -> None:
    p = undex.load_project("lexical-zh", projects=projects, datadir=unbis_datadir)
    result = p.suggest(ZH, limit=5)
    assert isinstance(result, Suggestions) and 0 < len(result) <= 5
    assert result.language == "zh" and result.label_language == "zh"
    assert all(isinstance(s, Subject) for s in result)
    scores = [s.score for s in result]
    assert scores == sorted(scores, reverse=True)
    sd = next(s for s in result if s.label == "可持续发展")
    assert sd.labels["en"] == "SUSTAINABLE DEVELOPMENT" and sd.uri.startswith("http")
    assert sd.evidence and all(isinstance(e, EvidenceSpan) and ZH[e.start : e.end] == e.text for e in sd.evidence)
    assert sd.microthesauri and sd.microthesauri[0].name

    english = p.suggest(ZH, limit=5, label_language="en")
    assert [s.uri for s in english] == [s.uri for s in result]
    assert "SUSTAINABLE DEVELOPMENT" in {s.label for s in english}


def test_suggest_batch_streams_lazily_and_keeps_ids(projects: Path, unbis_datadir: Path) -> None:
    p = undex.load_project("lexical-en", projects=projects, datadir=unbis_datadir)
    pulled = 0

    def documents() -> Iterator[tuple[str, str]]:
        nonlocal pulled
        for i in range(7):
            pulled += 1
            yield f"doc-{i}", EN

    stream = p.suggest_batch(documents(), limit=3, batch_size=3)
    first = next(stream)
    assert pulled == 3, "reads one batch at a time, not the whole iterable"
    rest = list(stream)
    assert [r.document_id for r in [first, *rest]] == [f"doc-{i}" for i in range(7)]
    assert all(len(r) <= 3 for r in rest) and "HUMAN RIGHTS" in {s.label for s in first}
    plain = list(p.suggest_batch([EN, ZH]))
    assert [r.document_id for r in plain] == [None, None]


def test_errors_are_undex_errors(projects: Path, unbis_datadir: Path) -> None:
    with pytest.raises(NotFoundError, match="unknown project 'nope'"):
        undex.load_project("nope", projects=projects, datadir=unbis_datadir)
    p = undex.load_project("lexical-en", projects=projects, datadir=unbis_datadir)
    with pytest.raises(InputError, match="label language"):
        p.suggest(EN, label_language="de")
    with pytest.raises(InputError, match="string"):
        p.suggest(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="batch_size"):
        list(p.suggest_batch([EN], batch_size=0))
    concept = p.concept("1000102", label_language="fr")
    assert concept.labels["en"] == "AFRICAN REFUGEES" and concept.broader
