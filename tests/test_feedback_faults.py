"""The feedback store under faults: ``undex serve`` killed with SIGKILL while cataloguers
save, a read-only data directory and a full disk. Committed reviews survive, the file
passes SQLite's integrity check, no review is half written, and the client gets a 503."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import API_TOKEN as TOKEN
from helpers import MINI_VOCAB
from server_process import ServerProcess

from undex.feedback import Decision, FeedbackStore, NewReview
from undex.vocab import load_vocabulary_file, save_vocabulary

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

URIS = [f"http://example.org/t/200000{n}" for n in range(1, 6)]
PROJECTS = '[lexical-mini]\nlanguage = "zh"\nbackend = "lexical"\nvocab = "mini"\n'
WRITERS = 4


def review(number: int, text_chars: int = 50_000) -> dict:
    """Review ``number``: its text names it, and it has ``number % 5 + 1`` decisions."""
    kept = URIS[: number % 5 + 1]
    return {
        "project_id": "lexical-mini",
        "document_id": f"A/RES/{number}",
        "text": f"review {number} " + "水资源" * (text_chars // 3),
        "language": "zh",
        "cataloguer": f"writer {number % WRITERS}",
        "decisions": [{"uri": uri, "decision": "accepted"} for uri in kept],
        "suggestions": [{"uri": uri, "score": 0.5, "rank": rank} for rank, uri in enumerate(kept, start=1)],
    }


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    save_vocabulary(load_vocabulary_file("mini", MINI_VOCAB), tmp_path / "data")
    (tmp_path / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    return tmp_path


def post(url: str, body: dict, timeout: float = 30) -> int:
    request = urllib.request.Request(
        f"{url}/v1/undex/feedback",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        assert answer.status == 201
        return json.load(answer)["feedback_id"]


def save_until_killed(url: str, first: int, acknowledged: dict[int, int], stop: threading.Event) -> None:
    """Post reviews first, first + WRITERS, ... until the server is gone; record the ids answered."""
    number = first
    while not stop.is_set():
        try:
            acknowledged[number] = post(url, review(number))
        except (urllib.error.URLError, ConnectionError, OSError):
            return
        number += WRITERS


@pytest.mark.parametrize("seconds", [0.4, 1.5])
def test_sigkill_while_saving_loses_at_most_the_reviews_in_flight(workdir: Path, seconds: float, monkeypatch) -> None:
    monkeypatch.setenv("UNDEX_API_TOKEN", TOKEN)
    acknowledged: dict[int, int] = {}
    stop = threading.Event()
    with ServerProcess(workdir / "projects.toml", workdir / "data", ("--no-preload",)) as server:
        post(server.url, review(0, 10))  # the database exists before the kill
        writers = [
            threading.Thread(target=save_until_killed, args=(server.url, n + WRITERS, acknowledged, stop))
            for n in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        time.sleep(seconds)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    path = workdir / "data" / "feedback.sqlite3"
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with FeedbackStore(path) as store:
        stored = {int(r.document_id.rsplit("/", 1)[1]): r for r in store.reviews()}
        for number, stored_review in stored.items():  # complete: text, decisions, suggestions
            expected = review(number, 10 if number == 0 else 50_000)
            assert stored_review.text == expected["text"]
            assert [d.uri for d in stored_review.decisions] == [d["uri"] for d in expected["decisions"]]
            assert len(stored_review.suggestions) == len(expected["suggestions"])
        assert acknowledged, "no review was saved before the kill"
        assert {n: stored[n].id for n in acknowledged} == acknowledged, "an acknowledged review was lost"
        in_flight = set(stored) - set(acknowledged) - {0}
        assert len(in_flight) <= WRITERS, "more reviews stored than were ever in flight"
    with FeedbackStore(path) as reopened:  # the recovered file takes new reviews
        reopened.add(NewReview("lexical-mini", "mini", "zh", "新", "after", (Decision(URIS[0], "added"),)))
        assert reopened.count() == len(stored) + 1


# --------------------------------------------------------- read-only and full disks

SCRIPT = """
import json, sys
from pathlib import Path
from fastapi.testclient import TestClient
from undex.project import ProjectRegistry
from undex.server import ServerSettings, create_app

root, bodies = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
registry = ProjectRegistry(root / "projects.toml", root / "data")
app = create_app(registry, ServerSettings(api_token=sys.argv[3], preload=False))
headers = {"Authorization": "Bearer " + sys.argv[3]}
with TestClient(app, raise_server_exceptions=False) as client:
    for body in bodies:
        answer = client.post("/v1/undex/feedback", json=body, headers=headers)
        print(json.dumps({"status": answer.status_code, "body": answer.json()}))
    answer = client.get("/v1/undex/feedback", headers=headers)
    print(json.dumps({"status": answer.status_code, "body": answer.json()}))
"""


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def script_files(folder: Path, bodies: list[dict]) -> tuple[Path, Path]:
    """The client script and its request bodies, as files (a body can be too long for argv)."""
    (folder / "client.py").write_text(SCRIPT, encoding="utf-8")
    (folder / "bodies.json").write_text(json.dumps(bodies), encoding="utf-8")
    return folder / "client.py", folder / "bodies.json"


def run_script(root: Path, bodies: list[dict], prefix: tuple[str, ...] = ()) -> list[dict]:
    script, requests = script_files(root, bodies)
    command = [*prefix, sys.executable, str(script), str(root), str(requests), TOKEN]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


NO_CAPABILITIES = ("unshare", "--user") if os.geteuid() == 0 else ()


@pytest.mark.skipif(
    os.geteuid() == 0 and not _works(["unshare", "--user", "true"]), reason="no user namespaces (unshare --user)"
)
def test_a_read_only_data_directory_is_503_and_keeps_the_reviews(workdir: Path) -> None:
    data, database = workdir / "data", workdir / "data" / "feedback.sqlite3"
    with FeedbackStore(database) as store:
        store.add(
            NewReview(
                "lexical-mini", "mini", "zh", "水", "before", (Decision(URIS[0], "added"),), document_id="A/RES/1"
            )
        )
    data.chmod(0o555)
    database.chmod(0o444)
    try:
        refused, listed = run_script(workdir, [review(2, 10)], prefix=NO_CAPABILITIES)
    finally:
        data.chmod(0o755)
        database.chmod(0o644)
    assert refused["status"] == 503, refused
    assert refused["body"]["detail"].startswith("the feedback database is unavailable: feedback database ")
    assert "readonly" in refused["body"]["detail"] or "unable to open" in refused["body"]["detail"]
    assert listed["status"] in (200, 503)
    with FeedbackStore(database) as store:
        assert [r.document_id for r in store.recent()] == ["A/RES/1"]


FULL_DISK = """
set -e
mount -t tmpfs -o size=320k undex-full "{mnt}"
cp -a "{root}/data" "{root}/projects.toml" "{mnt}/"
"{python}" "{script}" "{mnt}" "{bodies}" {token}
"{python}" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "{mnt}/data/feedback.sqlite3"
"""


@pytest.mark.skipif(
    not _works(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs none /mnt"]),
    reason="cannot mount a small tmpfs in a user namespace",
)
def test_a_full_disk_is_503_and_nothing_is_half_written(workdir: Path, tmp_path: Path) -> None:
    """A real ENOSPC: the data directory on a 320 kB tmpfs; a small review fits, a 600 kB one does not."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    client, bodies = script_files(tmp_path, [review(1, 10), review(2, 600_000), review(3, 10)])
    script = FULL_DISK.format(mnt=mnt, root=workdir, python=sys.executable, script=client, bodies=bodies, token=TOKEN)
    result = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    *answers, integrity = result.stdout.splitlines()
    small, big, after, listed = (json.loads(line) for line in answers)
    assert small["status"] == 201 and after["status"] == 201, (small, after)
    assert big["status"] == 503 and "database or disk is full" in big["body"]["detail"], big
    assert [f["document_id"] for f in listed["body"]["feedback"]] == ["A/RES/3", "A/RES/1"]
    assert integrity == "ok"
