"""The REST API in process (FastAPI TestClient): Annif-compatible shapes, undex's extras,
and every error as problem+json with the right status."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import pdf_bytes as _pdf

from undex.corpus import Document, LabelledDoc
from undex.project import ProjectRegistry
from undex.server import ServerSettings, create_app
from undex.vocab import load_vocabulary_file, save_vocabulary

PROJECTS = """
[tfidf-mini]
name = "TF-IDF mini"
language = "en"
backend = "tfidf"
vocab = "mini"
min_df = 1

[untrained]
language = "en"
backend = "tfidf"
vocab = "mini"

[lexical-en]
language = "en"
backend = "lexical"
vocab = "unbis"

[lexical-zh]
language = "zh"
backend = "lexical"
vocab = "unbis"

[no-vocab]
language = "en"
backend = "lexical"
vocab = "missing"
"""

TRAINING = [
    ("Water resources and freshwater management in arid regions", ["2000001", "2000002"]),
    ("Freshwater lakes and rivers: water resources protection", ["2000002", "2000001"]),
    ("Human rights violations and the protection of human rights defenders", ["2000004"]),
    ("Sustainable development goals and sustainable development financing", ["2000003"]),
]
PROBLEM = {"type", "title", "status", "detail"}


@pytest.fixture(scope="module")
def datadir(tmp_path_factory: pytest.TempPathFactory, unbis_datadir: Path) -> Path:
    """The real UNBIS vocabulary (as 'unbis') plus the mini fixture vocabulary, and a trained tfidf project."""
    root = tmp_path_factory.mktemp("api")
    data = root / "data"
    (data / "vocabs").mkdir(parents=True)
    (data / "vocabs" / "unbis").symlink_to(unbis_datadir / "vocabs" / "unbis")
    mini = Path(__file__).parent / "fixtures" / "mini_unbis" / "mini_terms.tsv"
    save_vocabulary(load_vocabulary_file("mini", mini), data)
    (root / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    registry = ProjectRegistry(root / "projects.toml", data)
    project = registry.get("tfidf-mini")
    index = {c.id: i for i, c in enumerate(project.vocab.concepts)}
    docs = [LabelledDoc(Document(f"d{i}", text), [index[c] for c in ids]) for i, (text, ids) in enumerate(TRAINING)]
    project.train(docs)
    return data


def make_client(datadir: Path, **settings) -> TestClient:
    registry = ProjectRegistry(datadir.parent / "projects.toml", datadir)
    return TestClient(create_app(registry, ServerSettings(**settings)), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(datadir: Path) -> Iterator[TestClient]:
    with make_client(datadir, max_body_bytes=64 * 1024, max_batch_documents=4, preload=False) as c:
        yield c


def assert_problem(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == PROBLEM and body["status"] == status
    assert "Traceback" not in body["detail"]
    for word in words:
        assert word in body["detail"], body["detail"]


def test_info_projects_vocabs_in_annif_shapes(client: TestClient) -> None:
    info = client.get("/v1/").json()
    assert set(info) == {"title", "version"}

    projects = {p["project_id"]: p for p in client.get("/v1/projects").json()["projects"]}
    assert set(projects) == {"tfidf-mini", "untrained", "lexical-en", "lexical-zh", "no-vocab"}
    assert projects["no-vocab"]["vocab"] == {"vocab_id": "missing", "languages": [], "size": None, "loaded": False}
    mini = projects["tfidf-mini"]
    assert mini["backend"] == {"backend_id": "tfidf"} and mini["language"] == "en"
    assert mini["is_trained"] is True and mini["modification_time"].endswith("Z")
    assert mini["vocab"]["vocab_id"] == "mini" and mini["vocab"]["size"] == 5
    assert projects["untrained"]["is_trained"] is False and projects["untrained"]["undex"]["is_ready"] is False
    assert projects["lexical-zh"]["undex"]["is_ready"] is True  # zero-shot

    assert client.get("/v1/projects/tfidf-mini").json() == mini
    vocabs = {v["vocab_id"]: v for v in client.get("/v1/vocabs").json()["vocabs"]}
    assert vocabs["unbis"]["size"] > 7000 and set(vocabs["unbis"]["languages"]) == {"ar", "zh", "en", "fr", "ru", "es"}


def test_suggest_form_with_limit_threshold_and_label_language(client: TestClient) -> None:
    response = client.post(
        "/v1/projects/tfidf-mini/suggest",
        data={"text": "freshwater and water resources", "limit": "1", "language": "zh", "metadata_title": "x"},
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 1
    assert results[0]["uri"].startswith("http://example.org/t/") and results[0]["label"] in {"水资源", "淡水"}
    assert 0.0 < results[0]["score"] <= 1.0
    strict = client.post("/v1/projects/tfidf-mini/suggest", data={"text": "freshwater", "threshold": "0.99"})
    assert strict.json()["results"] == []


def test_suggest_batch_keeps_document_ids_and_caps_the_batch(client: TestClient) -> None:
    documents = [
        {"text": "human rights defenders", "document_id": "a"},
        {"text": "freshwater lakes", "document_id": "b"},
    ]
    response = client.post("/v1/projects/tfidf-mini/suggest-batch?limit=2&language=fr", json={"documents": documents})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [d["document_id"] for d in body] == ["a", "b"]
    assert body[0]["results"][0]["label"] == "droits de l'homme"
    assert all(len(d["results"]) <= 2 for d in body)
    too_many = {"documents": [{"text": "water"}] * 5}
    assert_problem(client.post("/v1/projects/tfidf-mini/suggest-batch", json=too_many), 400, "at most 4")


def test_lexical_suggestions_carry_evidence_groups_and_all_labels(client: TestClient) -> None:
    text = "重申可持续发展问题世界首脑会议的成果，关切淡水资源短缺。"
    response = client.post("/v1/projects/lexical-zh/suggest", data={"text": text, "language": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = {"detected_language": "zh", "label_language": "en", "project_language": "zh", "warning": None}
    assert body["undex"] == expected
    by_label = {r["label"]: r for r in body["results"]}
    sd = by_label["SUSTAINABLE DEVELOPMENT"]
    assert sd["undex"]["labels"]["zh"] == "可持续发展"
    spans = sd["undex"]["evidence"]
    assert spans and all(text[e["start"] : e["end"]] == e["text"] for e in spans)
    assert any(e["text"] == "可持续发展" for e in spans)
    assert (
        sd["undex"]["microthesauri"]
        and sd["undex"]["microthesauri"][0]["name"] != sd["undex"]["microthesauri"][0]["code"]
    )


def test_concept_with_labels_and_neighbours(client: TestClient) -> None:
    response = client.get("/v1/vocabs/unbis/concepts/1000102", params={"language": "zh"})
    assert response.status_code == 200, response.text
    concept = response.json()
    assert concept["labels"]["en"] == "AFRICAN REFUGEES" and len(concept["labels"]) == 6
    assert concept["broader"] and concept["narrower"] and concept["related"]
    assert all(set(n) == {"id", "uri", "label"} for n in concept["narrower"])
    by_uri = client.get(f"/v1/vocabs/unbis/concepts/{concept['uri']}")
    assert by_uri.json()["id"] == "1000102"
    assert_problem(client.get("/v1/vocabs/unbis/concepts/nope"), 404, "nope")
    assert_problem(client.get("/v1/vocabs/nope/concepts/1000102"), 404, "nope")


def test_detect_language(client: TestClient) -> None:
    body = client.post("/v1/detect-language", json={"text": "人权理事会的报告", "languages": ["en", "zh"]}).json()
    assert body["results"][0] == {"language": "zh", "score": 1.0}
    other = client.post(
        "/v1/detect-language", json={"text": "Rapport du Conseil des droits de l'homme", "languages": ["en"]}
    )
    assert other.json()["results"][0] == {"language": None, "score": 1.0}


@pytest.mark.parametrize(
    "method, path, kwargs, status, words",
    [
        ("post", "/v1/projects/nope/suggest", {"data": {"text": "x"}}, 404, ["unknown project 'nope'"]),
        ("get", "/v1/projects/nope", {}, 404, ["nope"]),
        ("post", "/v1/projects/untrained/suggest", {"data": {"text": "water"}}, 503, ["not trained"]),
        ("post", "/v1/projects/no-vocab/suggest", {"data": {"text": "water"}}, 503, ["load-vocab missing"]),
        ("post", "/v1/projects/tfidf-mini/suggest", {"data": {"text": "x", "limit": "many"}}, 400, ["limit"]),
        ("post", "/v1/projects/tfidf-mini/suggest", {"data": {"text": "x", "threshold": "2"}}, 400, ["threshold"]),
        ("post", "/v1/projects/tfidf-mini/suggest", {"data": {"text": "x", "language": "de"}}, 400, ["de"]),
        ("post", "/v1/projects/tfidf-mini/suggest", {"data": {"limit": "3"}}, 400, ["text"]),
        ("post", "/v1/projects/tfidf-mini/suggest", {"json": {"text": "x"}}, 415, ["application/json"]),
        ("post", "/v1/projects/tfidf-mini/suggest-batch", {"data": {"text": "x"}}, 415, ["application/json"]),
        (
            "post",
            "/v1/projects/tfidf-mini/suggest-batch",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            ["JSON"],
        ),
        ("post", "/v1/projects/tfidf-mini/suggest-batch", {"json": {"docs": []}}, 400, ["documents"]),
        ("post", "/v1/projects/tfidf-mini/suggest", {"data": {"text": "x" * 70_000}}, 413, ["limit"]),
        (
            "post",
            "/v1/projects/tfidf-mini/learn",
            {"json": [{"text": "water", "subjects": [{"uri": "http://example.org/t/2000001"}]}]},
            403,
            ["no API token is configured"],
        ),
        (
            "post",
            "/v1/undex/extract",
            {"files": {"file": ("a.exe", b"MZ\x00", "application/octet-stream")}},
            400,
            ["unsupported"],
        ),
        ("post", "/v1/undex/extract", {"files": {"file": ("a.pdf", b"not a pdf", "application/pdf")}}, 400, ["PDF"]),
        ("post", "/v1/undex/extract", {"files": {"file": ("a.docx", b"PK broken", "application/zip")}}, 400, [".docx"]),
        (
            "post",
            "/v1/undex/extract",
            {"files": {"file": ("a.txt", b"\xff\xfe\xfa bad", "text/plain")}},
            400,
            ["UTF-8"],
        ),
    ],
)
def test_errors_are_problem_documents(client: TestClient, method, path, kwargs, status, words) -> None:
    assert_problem(getattr(client, method)(path, **kwargs), status, *words)


def test_streamed_body_over_the_limit_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"text="
        for _ in range(100):
            yield b"x" * 1024

    response = client.post(
        "/v1/projects/tfidf-mini/suggest",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 413)


def test_upload_extracts_un_format_docx_and_pdf(client: TestClient) -> None:
    un = "%%%WATER RESOURCES|FRESHWATER|\n\n淡水资源的管理".encode()
    body = client.post("/v1/undex/extract", files={"file": ("doc.txt", un, "text/plain")}).json()
    assert body["subjects"] == ["WATER RESOURCES", "FRESHWATER"]
    assert body["text"] == "淡水资源的管理" and body["detected_language"] == "zh"

    import docx

    document = docx.Document()
    document.add_paragraph("可持续发展问题世界首脑会议")
    document.add_paragraph("Second paragraph")
    buffer = io.BytesIO()
    document.save(buffer)
    body = client.post("/v1/undex/extract", files={"file": ("doc.docx", buffer.getvalue())}).json()
    assert body["text"].splitlines() == ["可持续发展问题世界首脑会议", "Second paragraph"]

    body = client.post("/v1/undex/extract", files={"file": ("report.pdf", _pdf("Human rights and freshwater"))}).json()
    assert "Human rights and freshwater" in body["text"] and body["detected_language"] == "en"


def test_openapi_docs_cors_and_web_page(datadir: Path) -> None:
    with make_client(datadir, cors_origins=("https://catalogue.example.org",), preload=False) as c:
        schema = c.get("/v1/openapi.json").json()
        for path in (
            "/v1/projects/{project_id}/suggest",
            "/v1/projects/{project_id}/suggest-batch",
            "/v1/detect-language",
        ):
            assert path in schema["paths"]
        assert c.get("/v1/ui").status_code == 200
        preflight = c.options(
            "/v1/projects/tfidf-mini/suggest",
            headers={"Origin": "https://catalogue.example.org", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == "https://catalogue.example.org"
        token_preflight = c.options(
            "/v1/undex/feedback",
            headers={
                "Origin": "https://catalogue.example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert token_preflight.status_code == 200
        assert "authorization" in token_preflight.headers["access-control-allow-headers"].lower()
        other = c.get("/v1/", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers
        page = c.get("/")
        assert page.status_code == 200 and '<script src="/static/app.js">' in page.text
        assert c.get("/static/app.js").status_code == 200
    with make_client(datadir, preload=False) as c:
        plain = c.get("/v1/", headers={"Origin": "https://catalogue.example.org"})
        assert "access-control-allow-origin" not in plain.headers


def test_health_reports_loaded_projects_after_preload(datadir: Path) -> None:
    with make_client(datadir, preload=True) as c:
        health = c.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["projects"]["tfidf-mini"] == "ready" and health["projects"]["lexical-zh"] == "ready"
    assert health["projects"]["untrained"].startswith("unavailable: project 'untrained' is not trained")
    assert health["projects"]["no-vocab"].startswith("unavailable: vocabulary 'missing' is not loaded")


def test_internal_errors_hide_the_stack_trace(datadir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from undex.api import Indexer

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Indexer, "suggest_many", broken)
    with make_client(datadir, preload=False) as c:
        response = c.post("/v1/projects/tfidf-mini/suggest", data={"text": "water"})
    assert response.status_code == 500
    body = response.json()
    assert set(body) == PROBLEM and "secret internals" not in json.dumps(body) and "Traceback" not in body["detail"]


def test_concurrent_requests_get_the_same_answers_as_sequential_ones(client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        ("lexical-zh", "重申可持续发展问题世界首脑会议的成果，关切淡水资源短缺和卫生设施不足。"),
        ("lexical-en", "Calls upon States to promote human rights and gender equality and protect freshwater."),
        ("lexical-zh", "呼吁各国促进人权和性别平等，并加强对发展中国家的技术援助。"),
    ]

    def ask(item: tuple[str, str]) -> list[tuple[str, float]]:
        project, text = item
        response = client.post(f"/v1/projects/{project}/suggest", data={"text": text})
        assert response.status_code == 200, response.text
        return [(r["uri"], r["score"]) for r in response.json()["results"]]

    sequential = [ask(item) for item in texts]
    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(ask, texts * 8))
    assert concurrent == sequential * 8
