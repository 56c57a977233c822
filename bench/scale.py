"""Scaling benchmark of ``undex index``: one process, ``--jobs 2`` and a Dask LocalCluster
with 2 workers, on corpora of 1k, 10k and 100k documents.

The corpora are built by REPEATING the real English documents of the shared corpora
(``../shared/data/derived/corpora``) until the size is reached, each copy with its own id;
the report says so. Each run is a fresh ``undex index ... --output`` subprocess; wall time
is measured around it, and ``--report`` gives the peak resident memory of every process
that indexed (the Dask scheduler and nanny processes are not included).

    .venv/bin/python bench/scale.py                      # 1k, 10k, 100k (about half an hour on 2 cores)
    .venv/bin/python bench/scale.py --sizes 1000,10000   # quicker

Writes the table to ``bench/results/scale.md``. Work files go to ``bench/work/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("UNDEX_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "data" / "derived" / "corpora"
MODES = {"single process": [], "--jobs 2": ["--jobs", "2"], "Dask LocalCluster(2)": ["--dask", "local:2"]}


def undex(args: list[str], work: Path) -> subprocess.CompletedProcess:
    projects = [] if args[0] == "load-vocab" else ["--projects", str(ROOT / "projects.toml")]
    command = [sys.executable, "-m", "undex", *args, *projects, "--datadir", str(work / "data")]
    result = subprocess.run(command, capture_output=True, text=True, cwd=work)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    return result


def prepare_project(project: str, work: Path) -> None:
    """Load UNBIS and train ``project`` on the shared training split, unless done before."""
    if not (work / "data" / "projects" / project / "current").exists():
        undex(["load-vocab", "unbis", str(SHARED / "data" / "derived" / "unbis_terms.tsv")], work)
        undex(["train", project, *map(str, sorted(CORPORA.glob("*.jsonl"))), "--split", "train"], work)


def real_documents(language: str) -> tuple[list[dict], list[str]]:
    docs, sources = [], []
    for path in sorted(CORPORA.glob("*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            found = [r for r in map(json.loads, handle) if r.get("text", "").strip() and r.get("lang") == language]
        if found:
            docs += found
            sources.append(f"{path.name} ({len(found)})")
    return docs, sources


def build_corpus(docs: list[dict], size: int, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(size):
            doc = docs[i % len(docs)]
            record = {"id": f"{doc['id']}#copy{i // len(docs)}", "lang": doc["lang"], "text": doc["text"]}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def build_long_corpus(docs: list[dict], count: int, chars: int, path: Path) -> float:
    """``count`` documents of at least ``chars`` characters, each joining consecutive real
    documents (the shared corpora hold few full-length reports); returns the mean length."""
    total, i = 0, 0
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(count):
            parts: list[str] = []
            while sum(map(len, parts)) < chars:
                parts.append(docs[i % len(docs)]["text"])
                i += 1
            text = "\n\n".join(parts)
            total += len(text)
            handle.write(json.dumps({"id": f"long-{n}", "lang": docs[0]["lang"], "text": text}) + "\n")
    return total / count


def measure(project: str, corpus: Path, mode: list[str], work: Path) -> dict:
    out, report = work / "out.jsonl", work / "report.json"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    undex(["index", project, str(corpus), "-o", str(out), "--force", "--quiet", "--report", str(report), *mode], work)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    data = json.loads(report.read_text(encoding="utf-8"))
    out.unlink()
    rss = data["peak_rss_mb"]
    workers = [v for k, v in rss.items() if k != "main"]
    return {
        "wall": wall,
        "cpu": cpu,
        "indexing": data["seconds"],
        "documents": data["documents"],
        "rate": data["documents"] / wall,
        "main_mb": rss["main"],
        "worker_mb": max(workers) if mode else rss["main"],
        "processes": len(workers) if mode else 1,
    }


def table(rows: list[tuple[int, str, dict]]) -> list[str]:
    lines = [
        "| documents | mode | wall time (s) | docs/s (wall) | docs/s (indexing) | CPU ms/doc "
        "| peak RSS main (MB) | peak RSS per worker (MB) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size, mode, m in rows:
        plural = "processes" if m["processes"] > 1 else "process"
        lines.append(
            f"| {size:,} | {mode} | {m['wall']:.1f} | {m['rate']:.0f} | {m['documents'] / m['indexing']:.0f} "
            f"| {1000 * m['cpu'] / m['documents']:.2f} "
            f"| {m['main_mb']:.0f} | {m['worker_mb']:.0f} ({m['processes']} {plural}) |"
        )
    return lines


def estimate(rows: list[tuple[int, str, dict]]) -> list[str]:
    """Time for 1 million documents on N workers from the per-document cost measured on the
    largest corpus: the CPU time per document of the Dask run (start-up and the Dask
    overhead included; CPU time, unlike wall time, is not inflated when other work shares
    the cores). Assumes one core per worker and linear scaling, as on separate machines
    whose shared storage and scheduler are not the limit."""
    size, _, run = max((r for r in rows if r[1].startswith("Dask")), key=lambda r: r[0])
    cost = run["cpu"] / run["documents"]
    lines = [
        f"Per-document cost on Dask, {size:,} documents: **{cost * 1000:.2f} ms CPU** per document "
        f"(all processes, start-up included).",
        "",
        "| worker processes (1 core each) | estimated time for 1,000,000 documents |",
        "|---:|---:|",
    ]
    for n in (1, 2, 8, 32, 128):
        seconds = 1_000_000 * cost / n
        lines.append(f"| {n} | {seconds / 3600:.2f} h ({seconds / 60:.1f} min) |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", default="tfidf-en")
    parser.add_argument("--language", default="en")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--long", type=int, default=300, help="Documents of ~30,000 characters to time.")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "scale.md")
    args = parser.parse_args()
    work = ROOT / "bench" / "work" / "scale"
    work.mkdir(parents=True, exist_ok=True)
    prepare_project(args.project, work)
    docs, sources = real_documents(args.language)
    mean_chars = sum(len(d["text"]) for d in docs) / len(docs)
    load_before = os.getloadavg()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        corpus = work / f"scale-{size}.jsonl"
        build_corpus(docs, size, corpus)
        for mode, extra in MODES.items():
            result = measure(args.project, corpus, extra, work)
            rows.append((size, mode, result))
            print(f"{size:>7} {mode:<22} {result['wall']:7.1f} s {result['rate']:7.0f} docs/s", flush=True)
        corpus.unlink()
    stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    long_corpus = work / "long.jsonl"
    long_chars = build_long_corpus(docs, args.long, 30_000, long_corpus)
    long_run = measure(args.project, long_corpus, [], work)
    long_corpus.unlink()
    report = [
        "# `undex index` scaling",
        "",
        f"Project `{args.project}` (backend from `projects.toml`), output one JSONL file (`--output`), "
        "partitions of 100 documents.",
        f"**The corpora repeat real documents**: {len(docs):,} distinct {args.language} documents with text from "
        f"{', '.join(sources)}, copied in turn until each size is reached (each copy has its own id).",
        f"Machine: {os.cpu_count()} CPU cores, Python {platform.python_version()}, {platform.system()}; "
        f"load average before the runs {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f} "
        "(other work shared the machine, so absolute figures are pessimistic).",
        "",
        "Wall time includes start-up (imports, model load in every worker, the Dask cluster); "
        "*docs/s (indexing)* is measured from the first to the last document; *CPU ms/doc* is the CPU "
        "time of all processes of the run (workers, Dask scheduler and nannies included) per document.",
        "",
        *table(rows),
        "",
        "## Estimate for 1 million documents",
        "",
        *estimate(rows),
        "",
        f"**Long documents.** The documents above are short (mean {mean_chars:,.0f} characters). "
        f"{args.long} documents of {long_chars:,.0f} characters on average (each joining consecutive "
        f"real documents), one process: {long_run['indexing']:.1f} s indexing, "
        f"**{1000 * long_run['indexing'] / long_run['documents']:.1f} ms per document** "
        f"({1000 * long_run['cpu'] / long_run['documents']:.1f} ms CPU per document with start-up), "
        f"peak RSS {long_run['main_mb']:.0f} MB. A million such documents: "
        f"{long_run['indexing'] / long_run['documents'] * 1e6 / 3600:.1f} h on one worker, "
        f"{long_run['indexing'] / long_run['documents'] * 1e6 / 3600 / 8 * 60:.0f} min on 8, "
        f"{long_run['indexing'] / long_run['documents'] * 1e6 / 3600 / 32 * 60:.0f} min on 32.",
        "",
        f"Generated by `python bench/scale.py --sizes {args.sizes} --long {args.long}` on {stamp} UTC.",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
