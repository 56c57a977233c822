"""Load test of ``undex serve`` on 127.0.0.1 (bounded; stops by itself).

Starts the server, then N client threads each send M suggest requests: Chinese and English
UN documents of varied length, about 10% malformed on purpose (missing text, bad limit,
threshold out of range, wrong media type, unknown project, body over the limit). Prints
requests/second, latency percentiles, responses by status and the server's resident memory
before and after; writes bench/results/serve_load.md.

    python bench/serve_load.py --datadir data --projects projects.toml

Needs the UNBIS vocabulary loaded (``undex load-vocab unbis ../shared/data/derived/unbis_terms.tsv``)
and the shared data beside the repository (texts come from ../shared).
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import random
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # server_process: the test helper that runs undex serve

from server_process import ServerProcess  # noqa: E402

from undex.corpus import read_document_file  # noqa: E402

SHARED = ROOT.parent / "shared"
MAX_BODY_MB = 1.0
MAX_TEXT_CHARS = 200_000
MAX_BATCH = 16
GROWTH_AFTER = 200  # RSS is compared after this many requests and after all of them


@dataclass(frozen=True)
class Call:
    path: str
    body: bytes
    content_type: str
    expected: int  # status a correct server answers
    kind: str


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    good_latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    unexpected: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def chinese_texts(rng: random.Random, count: int) -> list[str]:
    """Windows of varied length over the body of the Chinese UN document in ../shared/examples."""
    body = read_document_file(SHARED / "examples" / "seed.txt").text
    texts = []
    for _ in range(count):
        size = rng.choice((300, 800, 2000, 5000))
        start = rng.randrange(0, max(1, len(body) - size))
        texts.append(body[start : start + size])
    return texts


def english_texts(rng: random.Random, count: int) -> list[str]:
    """Security Council resolutions and draft resolutions from the shared corpora."""
    texts = []
    for name in ("cr_unsc_res_en.jsonl", "unbisnet_drafts_neth.jsonl"):
        with open(SHARED / "data" / "derived" / "corpora" / name, encoding="utf-8") as handle:
            texts += [r["text"][:20_000] for r in map(json.loads, handle) if len(r.get("text") or "") > 100]
    return rng.sample(texts, count)


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode("utf-8")


def make_calls(args: argparse.Namespace, rng: random.Random) -> list[Call]:
    total = args.clients * args.requests
    zh, en = chinese_texts(rng, total), english_texts(rng, total)
    urlenc = "application/x-www-form-urlencoded"
    suggest = "/v1/projects/{}/suggest"
    malformed = [
        lambda t: Call(suggest.format(args.en_project), form(limit="5"), urlenc, 400, "missing text"),
        lambda t: Call(suggest.format(args.en_project), form(text=t, limit="many"), urlenc, 400, "bad limit"),
        lambda t: Call(suggest.format(args.zh_project), form(text=t, threshold="7"), urlenc, 400, "bad threshold"),
        lambda t: Call(
            suggest.format(args.en_project), json.dumps({"text": t}).encode(), "application/json", 415, "JSON body"
        ),
        lambda t: Call(suggest.format("no-such-project"), form(text=t), urlenc, 404, "unknown project"),
        lambda t: Call(
            suggest.format(args.zh_project),
            form(text="水" * int(MAX_BODY_MB * 1024 * 1024 / 9 * 1.2)),
            urlenc,
            413,
            "too large",
        ),
        lambda t: Call(
            suggest.format(args.en_project), form(text="x" * (MAX_TEXT_CHARS + 1)), urlenc, 413, "long text"
        ),
        lambda t: Call(suggest.format(args.en_project), form(text=t, limit="5000"), urlenc, 400, "limit out of range"),
        lambda t: Call(suggest.format(args.zh_project), b"text=%FF%FE%00" + b"\xff" * 8, urlenc, 200, "bad bytes"),
        lambda t: Call(
            f"/v1/projects/{args.en_project}/suggest-batch",
            json.dumps({"documents": [{"text": t[:50]}] * (MAX_BATCH + 1)}).encode(),
            "application/json",
            400,
            "batch too big",
        ),
        lambda t: Call(
            f"/v1/projects/{args.en_project}/suggest-batch", b'{"documents": [[[[', "application/json", 400, "bad JSON"
        ),
        lambda t: Call(
            f"/v1/projects/{args.en_project}/learn",
            json.dumps([{"text": t[:50], "subjects": []}]).encode(),
            "application/json",
            403,
            "learn without token",
        ),
        lambda t: Call(suggest.format("..%2F..%2Fetc"), form(text=t), urlenc, 404, "traversal id"),
    ]
    calls = []
    for i in range(total):
        chinese = i % 2 == 0
        text = zh[i] if chinese else en[i]
        if rng.random() < args.malformed:
            calls.append(rng.choice(malformed)(text))
        else:
            project = args.zh_project if chinese else args.en_project
            calls.append(
                Call(suggest.format(project), form(text=text, limit="10"), urlenc, 200, "zh" if chinese else "en")
            )
    return calls


def client(port: int, calls: list[Call], outcome: Outcome, deadline: float, timeout: float) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    for call in calls:
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            connection.request("POST", call.path, body=call.body, headers={"Content-Type": call.content_type})
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as exc:
            status = f"connection error ({type(exc).__name__})"
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        elapsed = time.perf_counter() - started
        with outcome.lock:
            outcome.latencies.append(elapsed)
            outcome.statuses[status] += 1
            if status != call.expected:
                outcome.unexpected[f"{call.kind}: got {status}, expected {call.expected}"] += 1
            if call.expected == 200:
                outcome.good_latencies.append(elapsed)
    connection.close()


def run_phase(port: int, calls: list[Call], outcome: Outcome, deadline: float, args: argparse.Namespace) -> None:
    """Send ``calls`` from ``args.clients`` concurrent clients and wait for all answers."""
    threads = [
        threading.Thread(target=client, args=(port, calls[i :: args.clients], outcome, deadline, args.timeout))
        for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=Path, default=ROOT / "projects.toml")
    parser.add_argument("--datadir", type=Path, default=ROOT / "data")
    parser.add_argument("--zh-project", default="lexical-zh")
    parser.add_argument("--en-project", default="lexical-en")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="requests per client")
    parser.add_argument("--malformed", type=float, default=0.10, help="share of malformed requests")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop sending after this long")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request socket timeout")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "serve_load.md")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    calls = make_calls(args, rng)
    extra = ("--max-body-mb", str(MAX_BODY_MB), "--max-text-chars", str(MAX_TEXT_CHARS), "--max-batch", str(MAX_BATCH))
    with ServerProcess(args.projects, args.datadir, extra) as server:
        warm = http.client.HTTPConnection("127.0.0.1", server.port, timeout=args.timeout)
        for project, text in ((args.zh_project, "可持续发展"), (args.en_project, "sustainable development")):
            warm.request(
                "POST",
                f"/v1/projects/{project}/suggest",
                form(text=text),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = warm.getresponse()
            response.read()
            if response.status != 200:
                print(f"warm-up on {project} failed with {response.status}", file=sys.stderr)
                return 1
        warm.close()
        rss_before = server.rss_bytes()
        outcome = Outcome()
        deadline = time.monotonic() + args.max_seconds
        started = time.perf_counter()
        run_phase(server.port, calls[:GROWTH_AFTER], outcome, deadline, args)
        rss_early = server.rss_bytes()
        run_phase(server.port, calls[GROWTH_AFTER:], outcome, deadline, args)
        wall = time.perf_counter() - started
        rss_after = server.rss_bytes()
        alive = server.healthy()

    report = render(args, calls, outcome, wall, (rss_before, rss_early, rss_after), alive)
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    five_xx = sum(n for s, n in outcome.statuses.items() if isinstance(s, int) and s >= 500)
    growth = (rss_after - rss_early) / rss_early
    return 0 if not outcome.unexpected and not five_xx and alive and growth < 0.10 else 1


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def render(args, calls, outcome: Outcome, wall, rss, alive) -> str:
    rss_before, rss_early, rss_after = rss
    sent = len(outcome.latencies)
    good = sum(1 for c in calls if c.expected == 200)
    rows = [
        ("requests sent", f"{sent} of {len(calls)} ({args.clients} clients × {args.requests})"),
        ("well-formed / malformed", f"{good} / {len(calls) - good}"),
        ("wall time", f"{wall:,.1f} s"),
        ("throughput", f"{sent / wall:,.1f} requests/s"),
        ("latency p50 / p95 / p99 (all)", " / ".join(ms(percentile(outcome.latencies, q)) for q in (50, 95, 99))),
        (
            "latency p50 / p95 / p99 (well-formed)",
            " / ".join(ms(percentile(outcome.good_latencies, q)) for q in (50, 95, 99)),
        ),
        ("responses by status", ", ".join(f"{s}: {n}" for s, n in sorted(outcome.statuses.items(), key=str))),
        ("unexpected statuses", ", ".join(f"{k} ×{n}" for k, n in outcome.unexpected.items()) or "none"),
        ("server RSS before / after", f"{rss_before / 2**20:,.0f} MB / {rss_after / 2**20:,.0f} MB"),
        (
            f"server RSS after {GROWTH_AFTER} / after {len(calls)} requests",
            f"{rss_early / 2**20:,.0f} MB / {rss_after / 2**20:,.0f} MB "
            f"(growth {(rss_after - rss_early) / rss_early:+.1%}; target under +10%)",
        ),
        ("5xx responses", str(sum(n for s, n in outcome.statuses.items() if isinstance(s, int) and s >= 500))),
        ("server healthy afterwards", "yes" if alive else "NO"),
    ]
    lines = [
        "# undex serve under load",
        "",
        f"`python bench/serve_load.py` — projects {args.zh_project} (Chinese) and {args.en_project} (English), "
        f"{args.malformed:.0%} malformed requests, body limit {MAX_BODY_MB} MB, seed {args.seed}; "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in rows],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
