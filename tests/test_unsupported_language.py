"""A text in a language undex does not cover is told so, naming the language, in the CLI,
the Python API and the REST API, instead of a silent empty answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from undex.analysis import unsupported_language
from undex.api import load_project
from undex.cli import main
from undex.corpus import Document, LabelledDoc
from undex.project import ProjectRegistry
from undex.server import ServerSettings, create_app

GERMAN = (
    "Die Generalversammlung fordert alle Staaten auf, die Rechte der Wanderarbeitnehmer und ihrer "
    "Familienangehörigen zu schützen und den Zugang zu sauberem Trinkwasser sicherzustellen."
)
ENGLISH = "The General Assembly calls upon all States to protect the human rights of migrant workers."


@pytest.fixture
def trained(mini_workdir: Path) -> Path:
    registry = ProjectRegistry(mini_workdir / "projects.toml", mini_workdir / "data")
    project = registry.get("tfidf-mini")
    docs = [LabelledDoc(Document("d0", "human rights and water resources"), [0, 3])]
    project.train(docs)
    return mini_workdir


@pytest.mark.parametrize(
    ("text", "expected"),
    [(GERMAN, "de"), (ENGLISH, None), ("Menschenrechte", None), ("Droits de l'homme et eau potable pour tous", None)],
)
def test_only_clearly_foreign_texts_are_unsupported(text: str, expected: str | None) -> None:
    assert unsupported_language(text) == expected


def test_cli_warns_naming_the_language_and_exits_0(
    trained: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(trained)
    text = trained / "german.txt"
    text.write_text(GERMAN, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["suggest", "tfidf-mini", str(text), "--datadir", str(trained / "data")])
    assert info.value.code == 0
    err = capsys.readouterr().err
    assert "German (de)" in err and "ar, zh, en, fr, ru, es" in err


def test_python_api_sets_a_warning_field(trained: Path) -> None:
    indexer = load_project("tfidf-mini", trained / "projects.toml", trained / "data")
    german, english = indexer.suggest_many([GERMAN, ENGLISH])
    assert german.language == "de" and "German" in (german.warning or "")
    assert english.language == "en" and english.warning is None


def test_rest_reports_detected_language_and_warning(trained: Path) -> None:
    registry = ProjectRegistry(trained / "projects.toml", trained / "data")
    client = TestClient(create_app(registry, ServerSettings()))
    body = client.post("/v1/projects/tfidf-mini/suggest", data={"text": GERMAN}).json()
    assert body["undex"]["detected_language"] == "de"
    assert "German (de)" in body["undex"]["warning"]
    body = client.post("/v1/projects/tfidf-mini/suggest", data={"text": ENGLISH}).json()
    assert body["undex"]["warning"] is None
