"""The cataloguing endpoints: feedback saved (with the token) and listed newest first,
concept search, MARCXML; bad input is a 4xx naming the field and stores nothing."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pymarc
import pytest
from fastapi.testclient import TestClient
from helpers import API_TOKEN as TOKEN
from helpers import MINI_VOCAB, make_app

from undex.corpus import Document, LabelledDoc
from undex.errors import ConfigError
from undex.project import ProjectRegistry, parse_projects
from undex.server import ServerSettings, create_app
from undex.vocab import load_vocabulary_file, save_vocabulary

AUTH = {"Authorization": f"Bearer {TOKEN}"}
WATER, FRESH, HUMAN, OCEANS = (f"http://example.org/t/200000{n}" for n in (1, 2, 4, 5))


def body(**changes) -> dict:
    base = {
        "project_id": "lexical-mini",
        "document_id": "A/RES/58/217",
        "text": "关切淡水资源短缺和海洋保护",
        "language": "zh",
        "cataloguer": "Li Wei",
        "decisions": [
            {"uri": WATER, "decision": "accepted"},
            {"uri": OCEANS, "decision": "rejected"},
            {"uri": HUMAN, "decision": "added"},
        ],
        "suggestions": [{"uri": WATER, "score": 0.8, "rank": 1}, {"uri": OCEANS, "score": 0.3, "rank": 2}],
    }
    return {**base, **changes}


@pytest.fixture
def client(tmp_path: Path):
    app = make_app(tmp_path, api_token=TOKEN, max_text_chars=1000)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def problem(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"], response.json()


def stored(client: TestClient, **params) -> list[dict]:
    response = client.get("/v1/undex/feedback", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()["feedback"]


# ---------------------------------------------------------------------- saving


def test_feedback_is_saved_and_listed_with_labels(client: TestClient) -> None:
    answer = client.post("/v1/undex/feedback", json=body(), headers=AUTH)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"feedback_id": 1, "learned": False}
    [saved] = stored(client, language="fr")
    assert saved["feedback_id"] == 1 and saved["project_id"] == "lexical-mini" and saved["vocab_id"] == "mini"
    assert (saved["document_id"], saved["language"], saved["cataloguer"]) == ("A/RES/58/217", "zh", "Li Wei")
    assert saved["model_version"] is None, "a zero-shot project has no model version"
    assert saved["text"] is None, "texts only on request"
    assert [(d["uri"], d["decision"], d["label"]) for d in saved["decisions"]] == [
        (WATER, "accepted", "ressources en eau"),
        (OCEANS, "rejected", "oceans"),
        (HUMAN, "added", "droits de l'homme"),
    ]
    assert saved["suggestions"] == body()["suggestions"]
    assert stored(client, include_text="true")[0]["text"] == body()["text"]


def test_the_list_is_newest_first_paged_and_filtered(client: TestClient) -> None:
    for number in range(5):
        project = "tfidf-mini" if number % 2 else "lexical-mini"
        review = body(project_id=project, document_id=f"d{number}")
        assert client.post("/v1/undex/feedback", json=review, headers=AUTH).status_code == 201
    page = client.get("/v1/undex/feedback", params={"limit": 2}, headers=AUTH).json()
    assert [f["document_id"] for f in page["feedback"]] == ["d4", "d3"]
    rest = client.get("/v1/undex/feedback", params={"before": page["next_before"]}, headers=AUTH).json()
    assert [f["document_id"] for f in rest["feedback"]] == ["d2", "d1", "d0"] and rest["next_before"] is None
    assert [f["document_id"] for f in stored(client, project_id="tfidf-mini")] == ["d3", "d1"]
    assert stored(client, since="2000-01-01") and not stored(client, since="2999-01-01")
    problem(client.get("/v1/undex/feedback", params={"since": "yesterday"}, headers=AUTH), 400, "since")


def test_a_blank_document_id_is_no_id(client: TestClient) -> None:
    assert client.post("/v1/undex/feedback", json=body(document_id="  "), headers=AUTH).status_code == 201
    assert stored(client)[0]["document_id"] is None


def test_a_trained_project_records_its_model_version(client: TestClient, tmp_path: Path) -> None:
    client.post("/v1/undex/feedback", json=body(project_id="tfidf-mini"), headers=AUTH)
    [saved] = stored(client)
    assert saved["model_version"] == (tmp_path / "data/projects/tfidf-mini/current").resolve().name


def test_feedback_needs_the_token(client: TestClient, tmp_path: Path) -> None:
    problem(client.post("/v1/undex/feedback", json=body()), 401, "API token")
    problem(client.get("/v1/undex/feedback"), 401, "API token")
    with TestClient(make_app(tmp_path / "other"), raise_server_exceptions=False) as without:
        problem(without.post("/v1/undex/feedback", json=body(), headers=AUTH), 403, "no API token")
    assert stored(client) == []


@pytest.mark.parametrize(
    "changes, status, words",
    [
        ({"project_id": "nope"}, 404, "unknown project 'nope'"),
        ({"decisions": [{"uri": WATER, "decision": "accepted"}, {"uri": "http://x/9", "decision": "added"}]}, 400,
         "decisions[1].uri: 'http://x/9' is not a concept of vocabulary 'mini'"),
        ({"suggestions": [{"uri": "urn:nothing", "score": 0.5, "rank": 1}]}, 400, "suggestions[0].uri"),
        ({"decisions": [{"uri": WATER, "decision": "maybe"}]}, 400, "decisions.0.decision"),
        ({"decisions": [{"uri": WATER, "decision": "accepted"}, {"uri": WATER, "decision": "added"}]}, 400,
         "decisions[1].uri"),
        ({"decisions": []}, 400, "decisions"),
        ({"language": "de"}, 400, "language"),
        ({"cataloguer": ""}, 400, "cataloguer"),
        ({"text": "x" * 1001}, 413, "the limit is 1000"),
        ({"decisions": [{"uri": WATER, "decision": "accepted"}] * 1001}, 400, "decisions"),
        ({"suggestions": [{"uri": WATER, "score": 1.5, "rank": 1}]}, 400, "score"),
        ({"project_id": "no-vocab"}, 503, "cannot take feedback"),
    ],
)  # fmt: skip
def test_bad_feedback_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, changes: dict, status: int, words: str
) -> None:
    problem(client.post("/v1/undex/feedback", json=body(**changes), headers=AUTH), status, words)
    assert stored(client) == []


def test_text_with_a_lone_surrogate_is_400(client: TestClient) -> None:
    raw = json.dumps(body()).replace("Li Wei", "Li \\ud800 Wei")
    headers = {**AUTH, "Content-Type": "application/json"}
    answer = client.post("/v1/undex/feedback", content=raw, headers=headers)
    problem(answer, 400, "cataloguer: Input should be a valid string")
    assert stored(client) == []


def test_a_body_over_the_size_limit_is_413(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_token=TOKEN, max_body_bytes=4096)
    with TestClient(app, raise_server_exceptions=False) as c:
        problem(c.post("/v1/undex/feedback", json=body(text="水" * 5000), headers=AUTH), 413, "request body larger")
        assert c.get("/v1/undex/feedback", headers=AUTH).json()["feedback"] == []


def test_an_unopenable_database_is_503_and_the_rest_of_the_api_still_works(tmp_path: Path) -> None:
    (tmp_path / "a-directory.sqlite3").mkdir()
    app = make_app(tmp_path, api_token=TOKEN, feedback_db=tmp_path / "a-directory.sqlite3")
    with TestClient(app, raise_server_exceptions=False) as c:
        problem(c.post("/v1/undex/feedback", json=body(), headers=AUTH), 503, "feedback database is unavailable")
        problem(c.get("/v1/undex/feedback", headers=AUTH), 503, "unable to open database file")
        assert c.post("/v1/projects/tfidf-mini/suggest", data={"text": "water"}).status_code == 200


def test_without_store_text_only_the_hash_is_kept(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_token=TOKEN, store_text=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/v1/undex/feedback", json=body(), headers=AUTH).status_code == 201
        [saved] = c.get("/v1/undex/feedback", params={"include_text": "true"}, headers=AUTH).json()["feedback"]
    assert saved["text"] is None and len(saved["text_sha256"]) == 64


# -------------------------------------------------------------------- learning


def test_learn_on_feedback_adds_the_document_to_a_knn_model(tmp_path: Path) -> None:
    data = tmp_path / "data"
    save_vocabulary(load_vocabulary_file("mini", MINI_VOCAB), data)
    (tmp_path / "p.toml").write_text(
        '[knn-mini]\nlanguage="en"\nbackend="knn"\nvocab="mini"\nk=1\nlearn_on_feedback=true\n', encoding="utf-8"
    )
    registry = ProjectRegistry(tmp_path / "p.toml", data)
    registry.get("knn-mini").train([LabelledDoc(Document("a", "water resources in lakes"), [0])])
    text = "oceans and seas and water"
    review = body(project_id="knn-mini", text=text, language="en", decisions=[{"uri": OCEANS, "decision": "added"}])
    with TestClient(create_app(registry, ServerSettings(api_token=TOKEN, preload=False))) as c:
        before = c.post("/v1/projects/knn-mini/suggest", data={"text": text}).json()["results"]
        answer = c.post("/v1/undex/feedback", json=review, headers=AUTH)
        after = c.post("/v1/projects/knn-mini/suggest", data={"text": text}).json()["results"]
    assert answer.status_code == 201 and answer.json()["learned"] is True
    assert before[0]["label"] == "WATER RESOURCES" and after[0]["label"] == "OCEANS"
    assert ProjectRegistry(tmp_path / "p.toml", data).get("knn-mini").manifest["learned_documents"] == 1


def test_learn_on_feedback_needs_a_backend_that_learns() -> None:
    with pytest.raises(ConfigError, match=r"\[lexical-x\]: learn_on_feedback needs a learning backend"):
        parse_projects('[lexical-x]\nlanguage="en"\nbackend="lexical"\nlearn_on_feedback=true\n', "p.toml")


# -------------------------------------------------------------- concept search


def test_search_finds_concepts_in_any_language(client: TestClient) -> None:
    queries = (("水資源", "水资源"), ("RESSOURCES", "ressources en eau"), ("supply", "WATER SUPPLY SOURCES"))
    for query, matched in queries:
        answer = client.get("/v1/vocabs/mini/search", params={"q": query, "language": "es"})
        assert answer.status_code == 200, answer.text
        best = answer.json()["results"][0]
        assert best["uri"] == WATER and best["label"] == "recursos hidricos" and best["concept_id"] == "2000001"
        assert best["matched"]["label"] == matched
        assert best["labels"]["zh"] == "水资源" and len(best["labels"]) == 6


def test_search_answers_best_first_within_the_limit(client: TestClient) -> None:
    results = client.get("/v1/vocabs/mini/search", params={"q": "水", "limit": 2, "language": "zh"}).json()["results"]
    assert [r["label"] for r in results] == ["水资源", "淡水"]  # starts with 水, then has it inside


@pytest.mark.parametrize(
    "path, params, status, words",
    [
        ("/v1/vocabs/missing/search", {"q": "water"}, 404, "unknown vocabulary"),
        ("/v1/vocabs/mini/search", {}, 400, "q"),
        ("/v1/vocabs/mini/search", {"q": ""}, 400, "q"),
        ("/v1/vocabs/mini/search", {"q": "x" * 201}, 400, "q"),
        ("/v1/vocabs/mini/search", {"q": "water", "language": "de"}, 400, "label language"),
        ("/v1/vocabs/mini/search", {"q": "water", "limit": 0}, 400, "limit"),
        ("/v1/vocabs/..%2Fvocabs%2Fmini/search", {"q": "water"}, 404, "Not Found"),
    ],
)
def test_bad_searches_are_clear_errors(client: TestClient, path: str, params: dict, status: int, words: str) -> None:
    problem(client.get(path, params=params), status, words)


# --------------------------------------------------------------------- MARCXML


def test_marcxml_of_chosen_subjects_reads_back_with_pymarc(client: TestClient) -> None:
    document = {"document_id": "A/RES/58/217", "uris": [WATER, FRESH]}
    request = {"language": "fr", "vocab_id": "mini", "documents": [document]}
    answer = client.post("/v1/undex/marcxml", json=request)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/marcxml+xml")
    [record] = pymarc.parse_xml_to_array(BytesIO(answer.content))
    assert record["191"]["a"] == "A/RES/58/217"
    assert [(f["a"], f["2"], f["0"]) for f in record.get_fields("650")] == [
        ("ressources en eau", "unbist", WATER),
        ("eau douce", "unbist", FRESH),
    ]


def test_marcxml_refuses_unknown_subjects_naming_them(client: TestClient) -> None:
    request = {"vocab_id": "mini", "documents": [{"uris": [WATER, "http://x/none"]}]}
    problem(client.post("/v1/undex/marcxml", json=request), 400, "documents[0].uris[1]")
    problem(client.post("/v1/undex/marcxml", json={**request, "vocab_id": "other"}), 404, "unknown vocabulary")
