"""Where an ensemble's suggest time goes (issue 15): each source backend and the ensemble
timed on the same documents, on one thread, and a cProfile of the ensemble's suggest.

Trains nothing: it loads the projects already trained in the data directory
(``UNDEX_DATADIR``; projects file ``UNDEX_PROJECTS``, else the repository's projects.toml).
Train them first with

    undex train unbis-en ../shared/data/derived/corpora/*.jsonl --split train --dev-split dev

then

    UNDEX_DATADIR=data .venv/bin/python bench/profile_suggest.py [--project unbis-en] [--explain]

Documents: the full texts of the dev split of cr_unsc_res_en.jsonl, then documents of 2k,
20k and 100k characters cut from those texts joined (as bench/longdocs.py makes them).
Each stage is timed as bench/undex_suggest.py times a project: batches of 32, the first
document a warm-up, CPU and wall time; the median of ``--repeats`` runs. A source is timed
with the analysers' text caches emptied first, so its time includes analysing the text; the
ensemble analyses each text once for all its sources.
"""

from __future__ import annotations

import os
import sys

from runner import SINGLE_THREAD

if any(os.environ.get(name) != value for name, value in SINGLE_THREAD.items()):
    # the thread counts of the numerical libraries are read when they are first imported
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **SINGLE_THREAD})

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from longdocs import long_documents  # noqa: E402
from runner import CORPORA, PROJECTS_TOML, ROOT  # noqa: E402

from undex import features  # noqa: E402
from undex.analysis import Analyzer, structure  # noqa: E402
from undex.corpus import read_corpus  # noqa: E402
from undex.project import Project, ProjectRegistry  # noqa: E402

BATCH = 32
LIMIT = 10
FULLTEXT = CORPORA / "cr_unsc_res_en.jsonl"
LENGTHS = {2_000: 40, 20_000: 10, 100_000: 4}
"""Characters of a made-up document: how many are timed at that length."""


@dataclass
class Timing:
    cpu_ms: float
    """CPU milliseconds per document."""
    wall_ms: float

    @property
    def docs_per_cpu_second(self) -> float:
        return 1000 / self.cpu_ms if self.cpu_ms else float("inf")


def forget_texts(analyzers: Sequence[Analyzer]) -> None:
    """Empty the caches of what was computed from the texts last seen: analyses, document
    structures, features (the analysers' word caches stay: they are warm in a running
    service). Runs on older undex versions too, to compare."""
    for analyzer in analyzers:
        if hasattr(analyzer, "forget_texts"):
            analyzer.forget_texts()
        else:  # undex before the shared analysis cache: only the token lists were remembered
            analyzer.__dict__.pop("_token_cache", None)
    for forget in (getattr(structure, "forget_parsed", None), getattr(features, "forget_transformed", None)):
        if forget is not None:
            forget()


def time_batches(suggest: Callable[[list[str]], object], texts: list[str], before: Callable[[], None]) -> Timing:
    """Per-document CPU and wall time of ``suggest`` over ``texts`` in batches, after one
    warm-up document."""
    suggest(texts[:1])
    before()
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), BATCH):
        suggest(texts[i : i + BATCH])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Timing(1000 * cpu / len(texts), 1000 * wall / len(texts))


def median_timing(
    suggest: Callable[[list[str]], object], texts: list[str], before: Callable[[], None], repeats: int
) -> Timing:
    runs = [time_batches(suggest, texts, before) for _ in range(repeats)]
    return Timing(statistics.median(r.cpu_ms for r in runs), statistics.median(r.wall_ms for r in runs))


def stages(project: Project, registry: ProjectRegistry, explain: bool) -> dict[str, Callable[[list[str]], object]]:
    """What is timed: the analysis of a text, each source backend as the ensemble calls it,
    and the ensemble as a user calls it (cut to ``LIMIT``)."""
    analyzer = project.analyzer_for(project.config.language, project.vocab)
    timed: dict[str, Callable[[list[str]], object]] = {"analysis (tokens)": lambda t: [analyzer.tokens(x) for x in t]}
    source_ids = project.config.params.get("sources", [])
    for source_id in source_ids:
        source = registry.get(source_id)
        timed[source_id] = lambda t, s=source: s.snapshot().backend.suggest_batch(t)
    timed[project.id] = lambda t: project.suggest_batch(t, LIMIT, 0.0)
    if explain:
        timed[f"{project.id} --explain"] = lambda t: project.suggest_batch(t, LIMIT, 0.0, explain=True)
    return timed


def report(title: str, timings: dict[str, Timing], sources: Sequence[str]) -> None:
    print(f"\n## {title}\n")
    print(f"| {'stage':<32} | CPU ms/doc | wall ms/doc | docs/CPU s |")
    print(f"|{'-' * 34}|-----------:|------------:|-----------:|")
    for name, t in timings.items():
        print(f"| {name:<32} | {t.cpu_ms:10.2f} | {t.wall_ms:11.2f} | {t.docs_per_cpu_second:10.1f} |")
    summed = sum(timings[s].cpu_ms for s in sources if s in timings)
    if sources:
        print(f"\nsum of the sources, each analysing on its own: {summed:.2f} CPU ms/doc")


def profile(project: Project, texts: list[str], top: int, out: Path | None) -> None:
    """cProfile of the ensemble's suggest over ``texts`` (after a warm-up document)."""
    project.suggest_batch(texts[:1], LIMIT, 0.0)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(0, len(texts), BATCH):
        project.suggest_batch(texts[i : i + BATCH], LIMIT, 0.0)
    profiler.disable()
    if out:
        profiler.dump_stats(out)
    for order in ("tottime", "cumulative"):
        print(f"\n## cProfile of {project.id} suggest, by {order}\n")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", default="unbis-en")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="Also time suggest with evidence.")
    parser.add_argument("--no-lengths", action="store_true", help="Skip the 2k/20k/100k-character documents.")
    parser.add_argument("--profile-top", type=int, default=25, help="Functions listed (0: no cProfile).")
    parser.add_argument("--profile-out", type=Path, help="Also write the cProfile statistics here.")
    args = parser.parse_args()
    datadir = Path(os.environ.get("UNDEX_DATADIR", ROOT / "data"))
    registry = ProjectRegistry(Path(os.environ.get("UNDEX_PROJECTS", PROJECTS_TOML)), datadir)
    project = registry.get(args.project)
    texts = [doc.text for doc in read_corpus(FULLTEXT, split=args.split) if doc.text.strip()]
    if len(texts) < 2:
        sys.exit(f"error: fewer than 2 {args.split} documents with text in {FULLTEXT}")
    sources = project.config.params.get("sources", [])
    analyzers = [p.analyzer_for(p.config.language) for p in (project, *map(registry.get, sources))]
    timed = stages(project, registry, args.explain)
    sets = {f"full texts, {args.split} split of {FULLTEXT.name} ({len(texts)} documents)": texts}
    if not args.no_lengths:
        for chars, n in LENGTHS.items():
            sets[f"{chars // 1000}k characters ({n} documents)"] = long_documents(texts, chars, n)
    print(f"# {args.project} suggest, one thread, batches of {BATCH}, median of {args.repeats}")
    for title, docs in sets.items():
        timings = {}
        for name, suggest in timed.items():
            timings[name] = median_timing(suggest, docs, lambda: forget_texts(analyzers), args.repeats)
        report(title, timings, sources)
    if args.profile_top:
        forget_texts(analyzers)
        profile(project, texts, args.profile_top, args.profile_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
