"""Foundation benchmark (run on demand, not part of the test suite).

Trains the ``tfidf-en`` project of the repository's projects.toml on the train split of
every shared corpus, in a temporary data directory, then evaluates it on the test split
of ``unbisnet_drafts_neth.jsonl`` like ``undex eval --limit 10``. Prints a table and
writes it to bench/results/foundation.md.

    .venv/bin/python bench/foundation.py [--shared ../shared] [--project tfidf-en]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from undex.corpus import CorpusStats, LabelledDoc, labelled_documents
from undex.evaluation import Evaluation
from undex.project import Project, ProjectRegistry
from undex.vocab import load_vocabulary_file, save_vocabulary

ROOT = Path(__file__).resolve().parent.parent
EVAL_CORPUS = "unbisnet_drafts_neth.jsonl"
LIMIT = 10
BATCH = 64


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def read(paths: list[Path], project: Project, split: str) -> tuple[list[LabelledDoc], CorpusStats, float]:
    started = time.perf_counter()
    stats = CorpusStats()
    docs = list(labelled_documents(paths, project.vocab, stats, split))
    return docs, stats, time.perf_counter() - started


def evaluate(project: Project, docs: list[LabelledDoc]) -> tuple[dict, float]:
    """Metrics at --limit 10, and the seconds spent suggesting (evaluation excluded)."""
    evaluation = Evaluation(len(project.vocab))
    suggest_seconds = 0.0
    for start in range(0, len(docs), BATCH):
        batch = docs[start : start + BATCH]
        started = time.perf_counter()
        scores = project.suggest_batch([d.document.text for d in batch], LIMIT, 0.0).scores
        suggest_seconds += time.perf_counter() - started
        evaluation.add([d.concepts for d in batch], scores)
    return evaluation.results(), suggest_seconds


def run(shared: Path, project_id: str) -> dict:
    derived = shared / "data" / "derived"
    corpora = sorted((derived / "corpora").glob("*.jsonl"))
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="undex-bench-") as tmp:
        datadir = Path(tmp)
        started = time.perf_counter()
        save_vocabulary(load_vocabulary_file("unbis", derived / "unbis_terms.tsv"), datadir)
        figures["vocab_seconds"] = time.perf_counter() - started

        project = ProjectRegistry(ROOT / "projects.toml", datadir).get(project_id)
        train_docs, train_stats, figures["read_train_seconds"] = read(corpora, project, "train")
        started = time.perf_counter()
        manifest = project.train(train_docs, {"paths": [p.name for p in corpora], "split": "train"})
        figures["train_seconds"] = time.perf_counter() - started
        figures["train_summary"] = train_stats.summary()
        figures["model_summary"] = manifest["summary"]
        figures["model_mb"] = sum(f.stat().st_size for f in (datadir / "projects").rglob("*") if f.is_file()) / 2**20

        started = time.perf_counter()
        loaded = ProjectRegistry(ROOT / "projects.toml", datadir).get(project_id)
        loaded.backend  # noqa: B018 -- load the saved model as a new process would
        figures["load_seconds"] = time.perf_counter() - started
        test_docs, test_stats, _ = read([derived / "corpora" / EVAL_CORPUS], loaded, "test")
        figures["test_summary"] = test_stats.summary()
        figures["metrics"], suggest_seconds = evaluate(loaded, test_docs)
        figures["suggest_docs_per_second"] = len(test_docs) / suggest_seconds
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def machine() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        revision = commit.stdout.strip() or "unknown"
    except OSError:
        revision = "unknown"
    return (
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {revision}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPU(s), {platform.machine()}"
    )


def report(figures: dict, project_id: str) -> str:
    m = figures["metrics"]
    head = ["train s", "suggest docs/s", "peak RSS MB", "F1@5", "NDCG@10", "P@5"]
    row = [
        f"{figures['train_seconds']:.1f}",
        f"{figures['suggest_docs_per_second']:.0f}",
        f"{figures['peak_rss_mb']:.0f}",
        f"{m['F1@5']:.4f}",
        f"{m['NDCG@10']:.4f}",
        f"{m['Precision@5']:.4f}",
    ]
    lines = [
        f"# Foundation benchmark: `{project_id}`",
        "",
        f"Trained on the train split of all shared corpora; evaluated on the test split of `{EVAL_CORPUS}`",
        f"(suggestions at --limit {LIMIT}, as `undex eval`). {machine()}.",
        "Command: `.venv/bin/python bench/foundation.py`",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---:" for _ in head) + "|",
        "| " + " | ".join(row) + " |",
        "",
        f"* training corpus: {figures['train_summary']}; model: {figures['model_summary']}, "
        f"{figures['model_mb']:.1f} MB on disk",
        f"* reading the training corpora {figures['read_train_seconds']:.1f} s (not in train s, which is fit + "
        f"atomic save); loading the vocabulary table {figures['vocab_seconds']:.1f} s; loading the saved model "
        f"{figures['load_seconds']:.2f} s",
        f"* evaluation corpus: {figures['test_summary']}; docs/s counts suggestion only, in batches of {BATCH}",
        "",
        "All metrics:",
        "",
        "| metric | value |",
        "|---|---:|",
        *(f"| {name} | {value if isinstance(value, int) else f'{value:.4f}'} |" for name, value in m.items()),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("UNDEX_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--project", default="tfidf-en")
    args = parser.parse_args()
    if not (args.shared / "data" / "derived" / "unbis_terms.tsv").exists():
        sys.exit(f"error: {args.shared}/data/derived/unbis_terms.tsv not found (use --shared or UNDEX_SHARED)")
    text = report(run(args.shared, args.project), args.project)
    out = ROOT / "bench" / "results" / "foundation.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(text, end="")
    print(f"(written to {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
