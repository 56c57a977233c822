"""Limits and access rules of the REST API: oversized input is 413/400 with a JSON problem,
state-changing endpoints need the API token, ids never reach outside the data directory."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import API_TOKEN as TOKEN
from helpers import make_app
from pydantic import ValidationError

from undex.cli.serve import serve
from undex.server import ServerSettings

LEARN = [{"text": "water", "subjects": [{"uri": "http://example.org/t/2000001"}]}]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    app = make_app(tmp_path_factory.mktemp("guard"), api_token=TOKEN, max_text_chars=1000, max_batch_documents=3)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def problem(response, status: int, words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and words in body["detail"], body
    return body


# ---------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    "path, kwargs",
    [
        ("/v1/projects/tfidf-mini/suggest", {"data": {"text": "x" * 1001}}),
        ("/v1/projects/tfidf-mini/suggest-batch", {"json": {"documents": [{"text": "ok"}, {"text": "x" * 1001}]}}),
        ("/v1/detect-language", {"json": {"text": "x" * 1001, "languages": ["en"]}}),
    ],
)
def test_text_longer_than_the_limit_is_413(client: TestClient, path: str, kwargs: dict) -> None:
    problem(client.post(path, **kwargs), 413, "the limit is 1000")


def test_text_at_the_limit_is_answered(client: TestClient) -> None:
    response = client.post("/v1/projects/tfidf-mini/suggest", data={"text": ("water " * 200)[:1000]})
    assert response.status_code == 200 and response.json()["results"], response.text


@pytest.mark.parametrize(
    "path, kwargs, words",
    [
        ("/v1/projects/tfidf-mini/suggest", {"data": {"text": "water", "limit": "1001"}}, "limit"),
        ("/v1/projects/tfidf-mini/suggest", {"data": {"text": "water", "limit": "-1"}}, "limit"),
        ("/v1/projects/tfidf-mini/suggest-batch?limit=5000", {"json": {"documents": [{"text": "a"}]}}, "limit"),
        ("/v1/projects/tfidf-mini/suggest-batch", {"json": {"documents": [{"text": "a"}] * 4}}, "at most 3"),
        ("/v1/projects/tfidf-mini/suggest-batch", {"json": {"documents": "many"}}, "documents"),
    ],
)
def test_out_of_range_values_are_400(client: TestClient, path: str, kwargs: dict, words: str) -> None:
    problem(client.post(path, **kwargs), 400, words)


def test_body_over_the_limit_is_413_before_reading_it(client: TestClient) -> None:
    big = json.dumps({"documents": [{"text": "x" * 300_000}]})
    headers = {"content-type": "application/json"}
    response = client.post("/v1/projects/tfidf-mini/suggest-batch", content=big, headers=headers)
    problem(response, 413, "request body larger")


# ---------------------------------------------------------------------- access


def test_state_changing_endpoint_needs_the_token(client: TestClient) -> None:
    url = "/v1/projects/tfidf-mini/learn"
    missing = client.post(url, json=LEARN)
    problem(missing, 401, "API token is required")
    assert missing.headers["www-authenticate"] == "Bearer"
    problem(client.post(url, json=LEARN, headers={"Authorization": f"Bearer {TOKEN}x"}), 401, "API token")
    problem(client.post(url, json=LEARN, headers={"Authorization": f"Basic {TOKEN}"}), 401, "API token")
    # the right token passes the guard; this backend then says it cannot learn
    problem(client.post(url, json=LEARN, headers={"Authorization": f"Bearer {TOKEN}"}), 503, "does not learn")


def test_without_a_configured_token_state_changes_are_refused(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path), raise_server_exceptions=False) as c:
        url = "/v1/projects/tfidf-mini/learn"
        problem(c.post(url, json=LEARN), 403, "no API token is configured")
        problem(c.post(url, json=LEARN, headers={"Authorization": "Bearer anything-at-all-here"}), 403, "no API")


def test_token_must_be_long_and_stays_out_of_logs() -> None:
    with pytest.raises(ValidationError):
        ServerSettings(api_token="short")
    assert TOKEN not in repr(ServerSettings(api_token=TOKEN))


def test_server_binds_localhost_by_default() -> None:
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/projects/..%2F..%2F..%2Fetc%2Fpasswd",
        "/v1/projects/%2E%2E",
        "/v1/vocabs/..%2Fvocabs%2Fmini/concepts/2000001",
        "/v1/vocabs/mini/concepts/..%2F..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_ids_never_reach_outside_the_data_directory(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert "root:" not in response.text


def test_server_answers_from_a_model_retrained_meanwhile(tmp_path: Path) -> None:
    """`undex train` in another process while the server runs: the next request uses the new
    model, without a restart and without an error."""
    from undex.corpus import Document, LabelledDoc
    from undex.project import ProjectRegistry

    with TestClient(make_app(tmp_path), raise_server_exceptions=False) as c:
        url = "/v1/projects/tfidf-mini/suggest"
        before = c.post(url, data={"text": "oceans and human rights"}).json()["results"]
        other = ProjectRegistry(tmp_path / "projects.toml", tmp_path / "data").get("tfidf-mini")
        other.train([LabelledDoc(Document("o", "oceans and seas"), [4])])
        after = c.post(url, data={"text": "oceans and human rights"}).json()["results"]
    assert [r["label"] for r in before] == ["HUMAN RIGHTS"]
    assert [r["label"] for r in after] == ["OCEANS"]


def test_learn_adds_documents_to_a_knn_model_and_saves_them(tmp_path: Path) -> None:
    """With the token, /learn feeds a backend that learns incrementally (knn), and the
    learned documents survive a restart (a new registry reads the saved model)."""
    from helpers import MINI_VOCAB

    from undex.corpus import Document, LabelledDoc
    from undex.project import ProjectRegistry
    from undex.server import create_app
    from undex.vocab import load_vocabulary_file, save_vocabulary

    data = tmp_path / "data"
    save_vocabulary(load_vocabulary_file("mini", MINI_VOCAB), data)
    (tmp_path / "p.toml").write_text('[knn-mini]\nlanguage="en"\nbackend="knn"\nvocab="mini"\nk=1\n', encoding="utf-8")
    registry = ProjectRegistry(tmp_path / "p.toml", data)
    registry.get("knn-mini").train([LabelledDoc(Document("a", "water resources in lakes"), [0])])
    app = create_app(registry, ServerSettings(api_token=TOKEN, preload=False))
    text = "oceans and seas and water"
    lesson = [{"text": text, "subjects": [{"uri": "http://example.org/t/2000005"}]}]
    with TestClient(app, raise_server_exceptions=False) as c:
        before = c.post("/v1/projects/knn-mini/suggest", data={"text": text}).json()["results"]
        assert [r["label"] for r in before] == ["WATER RESOURCES"]
        answer = c.post("/v1/projects/knn-mini/learn", json=lesson, headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 204, answer.text
        after = c.post("/v1/projects/knn-mini/suggest", data={"text": text}).json()["results"]
        assert after[0]["label"] == "OCEANS"
    reloaded = ProjectRegistry(tmp_path / "p.toml", data).get("knn-mini")
    assert reloaded.manifest["learned_documents"] == 1
    top = reloaded.suggest_batch([text]).ranked(0)[0][0]
    assert reloaded.vocab.concepts[top].prefLabel["en"] == "OCEANS"
