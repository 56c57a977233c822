"""Soak test of ``undex serve`` on 127.0.0.1 (bounded; stops by itself).

8 clients suggest and 2 clients learn (a knn project) without pause while, half-way, a new
vocabulary is loaded (``undex load-vocab``: the same concepts reordered, under other URIs) and
the project retrained (``undex train``) by separate processes. Every answer is checked: no 5xx,
and every URI of an answer from one vocabulary (the one the answering model was trained with:
the old one before the retrain, the new one once it is done). Reports requests, statuses,
answers with foreign or mixed URIs, and the server's resident memory growth.

    python bench/soak.py --seconds 120          # writes a section into bench/results/reliability.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # server_process: the test helper that runs undex serve

from server_process import ServerProcess  # noqa: E402

MINI_VOCAB = ROOT / "tests" / "fixtures" / "mini_unbis" / "mini_terms.tsv"
TOKEN = "soak-token-0123456789abcdef"
PROJECTS = '[knn-mini]\nlanguage = "en"\nbackend = "knn"\nvocab = "mini"\nmin_df = 1\nk = 5\n'
TEXTS = {
    "WATER RESOURCES": "water resources groundwater supply rivers irrigation",
    "FRESHWATER": "freshwater lakes rivers drinking water",
    "SUSTAINABLE DEVELOPMENT": "sustainable development goals financing growth",
    "HUMAN RIGHTS": "human rights defenders detention torture",
    "OCEANS": "oceans seas marine pollution fisheries",
}
QUERIES = [f"report on {text} in the region" for text in TEXTS.values()]


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    foreign: int = 0
    """Answers with a URI of the vocabulary the model answering was not trained with."""
    mixed: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, kind: str, status: int, detail: str = "") -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if status >= 500 and len(self.errors) < 5:
                self.errors.append(f"{kind} {status}: {detail[:300]}")


def write_vocabularies(folder: Path) -> tuple[Path, Path, dict[str, str]]:
    """The mini vocabulary, and the same concepts reversed under other URIs; concept -> both URIs."""
    header, *rows = MINI_VOCAB.read_text(encoding="utf-8").splitlines()
    old, new = folder / "old.tsv", folder / "new.tsv"
    old.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    moved = [row.replace("http://example.org/t/", "http://example.org/t2/") for row in reversed(rows)]
    new.write_text("\n".join([header, *moved]) + "\n", encoding="utf-8")
    return old, new, {row.split("\t")[0]: row.split("\t")[7] for row in rows}


def write_corpus(path: Path, copies: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(copies):
            for label, text in TEXTS.items():
                handle.write(json.dumps({"id": f"{label}-{i}", "text": f"{text} item {i}", "labels": [label]}) + "\n")
    return path


def undex(workdir: Path, *args: str) -> float:
    env = {**os.environ, "UNDEX_PROJECTS": str(workdir / "projects.toml"), "UNDEX_DATADIR": str(workdir / "data")}
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "undex", *args], env=env, check=True, capture_output=True)
    return time.monotonic() - started


def post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def suggester(url: str, stop: threading.Event, tally: Tally, phase: dict, number: int) -> None:
    old_uris, new_uris = phase["old_uris"], phase["new_uris"]
    while not stop.is_set():
        started_in = phase["name"]
        text = QUERIES[number % len(QUERIES)]
        number += 1
        status, body = post(f"{url}/v1/projects/knn-mini/suggest", urllib.parse.urlencode({"text": text}).encode(), {})
        tally.count("suggest", status, body)
        if status != 200:
            continue
        uris = {r["uri"] for r in json.loads(body)["results"]}
        ended_in = phase["name"]
        allowed = {"old": old_uris, "new": new_uris}
        if uris and not (uris <= old_uris or uris <= new_uris):
            with tally.lock:
                tally.mixed += 1
        elif uris and started_in == ended_in and started_in in allowed and not uris <= allowed[started_in]:
            with tally.lock:
                tally.foreign += 1


def learner(url: str, stop: threading.Event, tally: Tally, both_uris: dict[str, list[str]]) -> None:
    labels = list(TEXTS)
    number = 0
    while not stop.is_set():
        label = labels[number % len(labels)]
        number += 1
        # both URIs of the concept: the server uses the one of the vocabulary its model has
        document = {"text": f"{TEXTS[label]} learned {number}", "subjects": [{"uri": u} for u in both_uris[label]]}
        status, body = post(
            f"{url}/v1/projects/knn-mini/learn",
            json.dumps([document]).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        )
        tally.count("learn", status, body)
        time.sleep(0.05)


def soak(seconds: float, folder: Path) -> dict:
    """Run the soak for ``seconds`` in ``folder``; returns the figures."""
    old_vocab, new_vocab, old_uri_of = write_vocabularies(folder)
    new_uri_of = {label: uri.replace("/t/", "/t2/") for label, uri in old_uri_of.items()}
    (folder / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    corpus = write_corpus(folder / "corpus.jsonl", 20)
    undex(folder, "load-vocab", "mini", str(old_vocab))
    undex(folder, "train", "knn-mini", str(corpus))
    phase = {"name": "old", "old_uris": set(old_uri_of.values()), "new_uris": set(new_uri_of.values())}
    both = {label: [old_uri_of[label], new_uri_of[label]] for label in TEXTS}
    tally, stop = Tally(), threading.Event()
    os.environ["UNDEX_API_TOKEN"] = TOKEN
    with ServerProcess(folder / "projects.toml", folder / "data") as server:
        threads = [threading.Thread(target=suggester, args=(server.url, stop, tally, phase, i)) for i in range(8)]
        threads += [threading.Thread(target=learner, args=(server.url, stop, tally, both)) for _ in range(2)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(min(3.0, seconds / 4))
        rss_start = server.rss_bytes()
        time.sleep(max(0.0, seconds / 2 - (time.monotonic() - started)))
        phase["name"] = "changing"  # answers from now until the retrain is done may be either
        cycle = undex(folder, "load-vocab", "mini", str(new_vocab)) + undex(folder, "train", "knn-mini", str(corpus))
        time.sleep(1.0)  # the first request after the swap loads the new model
        phase["name"] = "new"
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        stop.set()
        for thread in threads:
            thread.join(60)
        rss_end = server.rss_bytes()
        elapsed = time.monotonic() - started
    requests = sum(tally.statuses.values())
    return {
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1),
        "statuses": {f"{kind} {status}": n for (kind, status), n in sorted(tally.statuses.items())},
        "server_errors": sum(n for (_, status), n in tally.statuses.items() if status >= 500),
        "foreign_uri_answers": tally.foreign,
        "mixed_uri_answers": tally.mixed,
        "load_vocab_and_train_seconds": round(cycle, 1),
        "rss_start_mb": round(rss_start / 2**20, 1),
        "rss_end_mb": round(rss_end / 2**20, 1),
        "rss_growth_mb": round((rss_end - rss_start) / 2**20, 1),
        "first_errors": tally.errors,
    }


def report(figures: dict, command: str) -> str:
    lines = [
        f"\n## Soak: 8 suggesting, 2 learning (knn), load-vocab + train half-way ({figures['seconds']} s)\n",
        f"`{command}` on {os.cpu_count()} cores shared with other work, 127.0.0.1.\n",
        "| figure | value |",
        "| --- | --- |",
    ]
    lines += [f"| {key} | {value} |" for key, value in figures.items() if key != "first_errors"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--no-write", action="store_true", help="print only; do not append to reliability.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="undex-soak-") as folder:
        figures = soak(args.seconds, Path(folder))
    print(json.dumps(figures, indent=2))
    if not args.no_write:
        with open(ROOT / "bench" / "results" / "reliability.md", "a", encoding="utf-8") as handle:
            handle.write(report(figures, f"python bench/soak.py --seconds {args.seconds:g}"))


if __name__ == "__main__":
    main()
