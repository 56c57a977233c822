"""Both tools on the same documents: training undex projects, suggesting in child processes
(one thread, start-up not timed), and scoring every ranking with undex's own metric code.

Used by bench/quality.py (records) and bench/fulltext.py (full texts, records, the seed).
"""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from annif_peer import annif_bin, annif_env, annif_uri
from runner import BENCH, PROJECTS_TOML, SINGLE_THREAD, TERMS, Run, log, run

from undex.corpus import LabelledDoc
from undex.evaluation import Evaluation
from undex.optimize import best_setting
from undex.suggestion import SuggestionBatch
from undex.tuning import top_ranked
from undex.vocab import Vocabulary

LIMIT = 100
SPEED_REPEATS = 3
COLUMNS = ("Precision@1", "Precision@5", "F1@5", "NDCG@10", "LRAP", "F1 (doc avg)")


# ----------------------------------------------------------------------- undex


def undex_projects_defined() -> dict[str, dict]:
    """The project sections of the repository's projects.toml."""
    return tomllib.loads(PROJECTS_TOML.read_text(encoding="utf-8"))


def undex_cmd(datadir: Path, *args: str, projects: bool = True) -> list[str]:
    options = ["--datadir", str(datadir)]
    if projects:
        options += ["--projects", str(PROJECTS_TOML)]
    return [sys.executable, "-m", "undex", *args, *options]


def load_undex_vocab(datadir: Path, fresh: bool) -> None:
    if fresh:
        shutil.rmtree(datadir, ignore_errors=True)
    run(undex_cmd(datadir, "load-vocab", "unbis", str(TERMS), projects=False))


def train_undex(datadir: Path, project: str, corpora: list[Path], dev_split: bool) -> Run:
    """``undex train PROJECT CORPORA --split train`` (+ ``--dev-split dev``): an ensemble trains
    its untrained sources on train and fits itself on dev."""
    extra = ["--dev-split", "dev"] if dev_split else []
    log(f"undex: train {project} --split train {' '.join(extra)}")
    return run(undex_cmd(datadir, "train", project, *map(str, corpora), "--split", "train", *extra))


# ------------------------------------------------------------------ suggesting


def write_texts(texts: list[str], path: Path) -> Path:
    """The documents both tools' suggest scripts read: JSON lines with the raw text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for text in texts:
            out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    return path


@dataclass
class DocSet:
    """Labelled documents written for the suggest scripts, with their gold concepts."""

    path: Path
    gold: list[list[int]]

    @classmethod
    def write(cls, docs: list[LabelledDoc], path: Path) -> DocSet:
        write_texts([d.document.text for d in docs], path)
        return cls(path, [d.concepts for d in docs])

    def __len__(self) -> int:
        return len(self.gold)


@dataclass
class Suggested:
    """One suggest run: its timing, the score matrix, and each document's concepts best first
    (in the order the tool ranked them)."""

    seconds: float
    cpu_seconds: float
    documents: int
    max_rss_kb: int
    scores: sp.csr_matrix
    ranked: list[list[int]]

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    @property
    def docs_per_cpu_second(self) -> float:
        """Documents per second of the suggesting process's own CPU time: what the machine's
        other load does not change (one thread, so equal to wall time on an idle machine)."""
        return self.documents / self.cpu_seconds if self.cpu_seconds else 0.0


@dataclass
class Suggester:
    """Runs bench/annif_suggest.py (Annif's Python) or bench/undex_suggest.py (undex's) on a
    file of texts and reads their ranked top-``LIMIT`` suggestions into a score matrix."""

    vocab: Vocabulary
    annif_dir: Path
    undex_datadir: Path
    outdir: Path

    def command(self, tool: str, project: str, docs: Path, out: Path) -> tuple[list[str], dict[str, str]]:
        if tool == "Annif":
            script = [annif_bin("python"), str(BENCH / "annif_suggest.py"), project]
            return [*script, str(docs), str(out), str(LIMIT)], {**annif_env(self.annif_dir), **SINGLE_THREAD}
        script = [sys.executable, str(BENCH / "undex_suggest.py"), str(PROJECTS_TOML), str(self.undex_datadir)]
        return [*script, project, str(docs), str(out), str(LIMIT)], SINGLE_THREAD

    def suggest(self, tool: str, project: str, docs: Path) -> Suggested:
        out = self.outdir / f"{tool.lower()}-{project}-{docs.stem}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        run(*self.command(tool, project, docs, out))
        data = json.loads(out.read_text(encoding="utf-8"))
        ranked = [self.indices(pairs) for pairs in data["suggestions"]]
        rows = [row for row, pairs in enumerate(ranked) for _ in pairs]
        cols = [index for pairs in ranked for index, _ in pairs]
        vals = [score for pairs in ranked for _, score in pairs]
        scores = sp.csr_matrix((vals, (rows, cols)), shape=(data["documents"], len(self.vocab)))
        order = [[i for i, _ in r] for r in ranked]
        return Suggested(data["seconds"], data["cpu_seconds"], data["documents"], data["max_rss_kb"], scores, order)

    def indices(self, pairs: list[list]) -> list[tuple[int, float]]:
        """(vocabulary index, score) of a ranked list of (URI, score); unknown URIs and zero scores dropped."""
        index_of = self.index_of_uri
        found = ((index_of.get(uri, self.vocab.index_of_uri(uri)), score) for uri, score in pairs)
        return [(index, score) for index, score in found if index is not None and score > 0]

    @cached_property
    def index_of_uri(self) -> dict[str, int]:
        """Vocabulary index by URI as Annif writes it (see annif_peer.annif_uri)."""
        return {annif_uri(c.uri): i for i, c in enumerate(self.vocab.concepts)}


# ------------------------------------------------------------------ evaluation


@dataclass
class Row:
    tool: str
    project: str
    metrics: dict[str, float] = field(default_factory=dict)
    limit: int = 0
    threshold: float = 0.0
    train_seconds: float = 0.0
    docs_per_second: float = 0.0
    docs_per_cpu_second: float = 0.0
    max_rss_mb: float = 0.0


def evaluate(row: Row, dev: Suggested, test: Suggested, gold_dev: list[list[int]], gold_test: list[list[int]]) -> None:
    """Ranking metrics on test; F1 (doc avg) at the limit/threshold that is best on dev."""
    n = test.scores.shape[1]
    full = Evaluation(n)
    full.add(gold_test, test.scores)
    results = full.results()
    best = best_setting(top_ranked(dev.scores, gold_dev, k=15))
    tuned = Evaluation(n)
    tuned.add(gold_test, SuggestionBatch(test.scores).filter(best.limit, best.threshold).scores)
    row.metrics = {k: float(results[k]) for k in COLUMNS if k in results}
    row.metrics["F1 (doc avg)"] = float(tuned.results()["F1 score (doc avg)"])
    row.limit, row.threshold = best.limit, best.threshold
    row.docs_per_second = test.docs_per_second
    row.docs_per_cpu_second = test.docs_per_cpu_second


def score_project(suggester: Suggester, tool: str, project: str, trained: Run, dev: DocSet, test: DocSet) -> Row:
    """One table row: the project's suggestions for ``dev`` and ``test``, scored."""
    log(f"{tool}: suggest {project} ({dev.path.stem}, {test.path.stem})")
    dev_suggested = suggester.suggest(tool, project, dev.path)
    test_suggested = suggester.suggest(tool, project, test.path)
    row = Row(tool, project, train_seconds=trained.seconds)
    row.max_rss_mb = max(trained.max_rss_kb, dev_suggested.max_rss_kb, test_suggested.max_rss_kb) / 1024
    evaluate(row, dev_suggested, test_suggested, dev.gold, test.gold)
    log(f"  F1@5 {row.metrics['F1@5']:.4f} NDCG@10 {row.metrics['NDCG@10']:.4f} {row.docs_per_second:.1f} docs/s")
    return row


def table(rows: list[Row]) -> list[str]:
    head = ["system", "project", *COLUMNS, "limit/threshold", "train s", "suggest docs/s (wall / CPU)", "peak RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            r.tool,
            r.project,
            *(f"{r.metrics[c]:.4f}" for c in COLUMNS),
            f"{r.limit} / {r.threshold:.2f}",
            f"{r.train_seconds:.1f}",
            f"{r.docs_per_second:.1f} / {r.docs_per_cpu_second:.1f}",
            f"{r.max_rss_mb:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def best_by(rows: list[Row], tool: str, metric: str = "F1@5") -> Row:
    return max((r for r in rows if r.tool == tool), key=lambda r: r.metrics[metric])


def remeasure_speed(pair: list[Row], docs: Path, suggester: Suggester, repeats: int = SPEED_REPEATS) -> None:
    """The compared rows' documents/second: the median of ``repeats`` runs, the tools taking
    turns, so that a passing change in machine speed cannot decide the ratio."""
    wall = {id(r): [r.docs_per_second] for r in pair}
    cpu = {id(r): [r.docs_per_cpu_second] for r in pair}
    for _ in range(repeats - 1):
        for row in pair:
            again = suggester.suggest(row.tool, row.project, docs)
            wall[id(row)].append(again.docs_per_second)
            cpu[id(row)].append(again.docs_per_cpu_second)
    for row in pair:
        row.docs_per_second = float(np.median(wall[id(row)]))
        row.docs_per_cpu_second = float(np.median(cpu[id(row)]))
        measured = ", ".join(f"{w:.0f}/{c:.0f}" for w, c in zip(wall[id(row)], cpu[id(row)], strict=True))
        log(f"{row.tool} {row.project}: docs/s (wall/CPU) {measured}")
