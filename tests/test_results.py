"""One document through every output of undex: ``undex suggest`` (JSON and text),
``undex index`` (TSV and JSONL), the Python API and the REST API must say the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import undex_here

import undex
from undex.corpus import read_document_file
from undex.project import ProjectRegistry
from undex.server import ServerSettings, create_app

PROJECTS = """
[lexical-en]
language = "en"
backend = "lexical"
vocab = "unbis"
"""
TEXT = (
    "The General Assembly stresses the need to protect human rights defenders and refugees, "
    "to improve water resources management and sanitation, and to support sustainable development "
    "in least developed countries."
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, unbis_datadir: Path) -> Path:
    root = tmp_path_factory.mktemp("results")
    (root / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "report.txt").write_text(TEXT + "\n", encoding="utf-8")
    return root


def test_cli_python_api_rest_and_index_agree(
    workdir: Path, unbis_datadir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cli(*args: str) -> str:
        where = ["--projects", str(workdir / "projects.toml"), "--datadir", str(unbis_datadir)]
        ran = undex_here([*args, *where], workdir, capsys, monkeypatch)
        assert ran.returncode == 0, ran.stderr
        return ran.stdout

    document = workdir / "docs" / "report.txt"
    text = read_document_file(document).text
    languages = ["--label-language", "fr", "--label-language", "en"]
    [cli_json] = json.loads(cli("suggest", "lexical-en", str(document), "--format", "json", *languages))
    cli_text = cli("suggest", "lexical-en", str(document), "--explain", *languages)

    python = undex.load_project("lexical-en", projects=workdir / "projects.toml", datadir=unbis_datadir)
    api = python.suggest(text, label_language="fr")

    registry = ProjectRegistry(workdir / "projects.toml", unbis_datadir)
    with TestClient(create_app(registry, ServerSettings(preload=False))) as client:
        response = client.post("/v1/projects/lexical-en/suggest", data={"text": text, "language": "fr"})
    assert response.status_code == 200, response.text
    rest = response.json()["results"]

    assert len(api) >= 3 and any(s.evidence for s in api)
    expected = [
        {
            "uri": s.uri,
            "label": s.label,
            "score": s.score,
            "labels": {"fr": s.label, "en": s.labels["en"]},
            "evidence": [
                {"start": e.start, "end": e.end, "label": e.label, "text": e.text, "part": e.part} for e in s.evidence
            ],
        }
        for s in api
    ]
    assert cli_json == {"document": str(document), "results": expected}
    assert [{"uri": r["uri"], "label": r["label"], "score": r["score"]} for r in rest] == [
        {"uri": s.uri, "label": s.label, "score": s.score} for s in api
    ]
    assert [r["undex"]["evidence"] for r in rest] == [
        [{"start": e.start, "end": e.end, "text": e.text, "label": e.label, "part": e.part} for e in s.evidence]
        for s in api
    ]
    subject_lines = [line for line in cli_text.splitlines() if line.startswith("<")]
    assert subject_lines == [f"<{s.uri}>\t{s.label} / {s.labels['en']}\t{s.score:.4f}" for s in api]
    assert cli_text.count("\t[") == sum(len(s.evidence) for s in api)

    index = ["index", "lexical-en", str(workdir / "docs"), "--label-language", "fr", "-q"]
    cli(*index)
    tsv = (workdir / "docs" / "report.undex.tsv").read_text(encoding="utf-8")
    assert tsv == "".join(f"<{s.uri}>\t{s.label}\t{s.score:.4f}\n" for s in api)
    out = workdir / "index.jsonl"
    cli(*index, "-o", str(out))
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record == {
        "id": "report",
        "document": str(document),
        "results": [{"uri": s.uri, "label": s.label, "score": s.score} for s in api],
    }
