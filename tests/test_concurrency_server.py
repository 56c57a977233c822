"""The server under time and misconfiguration: errors of its own configuration, slow
clients and oversized uploads."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_process import ServerProcess

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


# ------------------------------------------------- a real `undex serve`: uploads and slow clients


@pytest.fixture
def served(mini_workdir: Path) -> Iterator[ServerProcess]:
    args = ("--max-body-mb", "1", "--header-timeout", "2", "--body-timeout", "3", "--no-preload")
    with ServerProcess(mini_workdir / "projects.toml", mini_workdir / "data", args) as server:
        yield server


def test_an_oversized_upload_gets_a_413_the_client_reads(served: ServerProcess) -> None:
    body = urllib.parse.urlencode({"text": "water " * (4 * 1024 * 1024)}).encode()  # 24 MB, limit 1 MB
    request = urllib.request.Request(f"{served.url}/v1/projects/tfidf-mini/suggest", data=body)
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=60)
    assert answer.value.code == 413
    problem = json.loads(answer.value.read())
    assert problem["status"] == 413 and "limit of 1048576 bytes" in problem["detail"]


def _dropped_within(sock: socket.socket, seconds: float, trickle: bytes) -> float | None:
    """Send ``trickle`` a byte a second; the seconds until the server closed, None if it did not."""
    started = time.monotonic()
    sock.settimeout(1.0)
    for byte in trickle:
        if time.monotonic() - started > seconds:
            return None
        try:
            sock.sendall(bytes([byte]))
            sock.recv(4096, socket.MSG_PEEK)  # the end, or an answer (408): the server gave up on it
            return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    return None


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_slow_client_is_dropped_while_others_are_answered(served: ServerProcess, part: str) -> None:
    host, port = "127.0.0.1", served.port
    if part == "headers":
        opening, trickle = b"", b"GET /v1/projects HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60
    else:
        opening = b"POST /v1/projects/tfidf-mini/suggest HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
        opening += b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        trickle = b"text=" + b"w" * 95
    answered: list[float] = []
    stop = threading.Event()

    def other_client() -> None:
        while not stop.is_set():
            started = time.monotonic()
            with urllib.request.urlopen(f"{served.url}/v1/projects", timeout=10) as response:
                assert response.status == 200
            answered.append(time.monotonic() - started)
            time.sleep(0.2)

    others = threading.Thread(target=other_client)
    others.start()
    try:
        with socket.create_connection((host, port)) as slow:
            slow.sendall(opening)
            dropped_after = _dropped_within(slow, 20, trickle)
    finally:
        stop.set()
        others.join(30)
    assert dropped_after is not None and dropped_after < 8, f"the slow client was not dropped ({dropped_after})"
    assert len(answered) >= 5 and max(answered) < 2.0, answered


def test_the_web_page_refuses_a_too_large_file_before_sending_it(served: ServerProcess, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from test_web_page import CHROMIUM, CHROMIUM_ARGS

    large = tmp_path / "large.txt"
    large.write_text("water resources " * 140_000, encoding="utf-8")  # 2.2 MB, limit 1 MB
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            uploads: list[str] = []
            page.on("request", lambda r: uploads.append(r.url) if "/extract" in r.url else None)
            page.goto(f"{served.url}/?lang=en")
            page.set_input_files("#file", str(large))
            page.wait_for_function("document.querySelector('#status').textContent.includes('MB')", timeout=10_000)
            assert "large.txt: 2.1 MB > 1.0 MB" in page.inner_text("#status")
            assert uploads == []
        finally:
            browser.close()
