"""A dev-split search of the parameters of unbis-en's word sources (issue 15).

Each variant is a copy of a source project of projects.toml with some parameters changed,
written to a temporary projects file. It is trained on the train split and scored on its own
on two dev sets: the full texts (dev of cr_unsc_res_en.jsonl) and all dev documents (full texts
and records). The test split is never read.

    UNDEX_DATADIR=data .venv/bin/python bench/tune_sources.py \\
        linear-en: linear-en:alpha=0.5 'omikuji-en:n_trees=5,cluster_k=4' [--jobs 2]

A variant is ``SOURCE:KEY=VALUE,...`` with TOML values, applied over the source's section of
projects.toml as it is when the variant runs (``SOURCE:`` alone is that section unchanged).
Results are kept in ``$UNDEX_DATADIR/tune_sources.jsonl`` (a variant already there is not run
again; edit its label there when projects.toml changes) and all of them are written to
bench/results/tune_sources.md, each compared with the first row of its source.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from runner import CORPORA, PROJECTS_TOML, ROOT, log, run, shared_corpora

UNDEX = str(Path(sys.executable).with_name("undex"))
FULLTEXT = CORPORA / "cr_unsc_res_en.jsonl"
RESULTS = ROOT / "bench" / "results" / "tune_sources.md"
METRICS = ("F1@5", "NDCG@10")


@dataclass(frozen=True)
class Variant:
    source: str
    overrides: tuple[tuple[str, str], ...]
    """(key, TOML value text) pairs, in the order given."""

    @property
    def label(self) -> str:
        changed = ", ".join(f"{key}={value}" for key, value in self.overrides)
        return f"{self.source} ({changed or 'as in projects.toml'})"

    @property
    def project_id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", "-".join(f"{k}-{v}" for k, v in self.overrides).lower()).strip("-")
        return f"tune-{self.source}-{slug or 'base'}"


@dataclass
class Result:
    label: str
    train_s: float
    fulltext: dict[str, float]
    all_dev: dict[str, float]


def parse_variant(spec: str) -> Variant:
    source, sep, rest = spec.partition(":")
    if not sep:
        raise SystemExit(f"variant {spec!r}: expected SOURCE:KEY=VALUE,... (SOURCE: for the project as it is)")
    pairs = []
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise SystemExit(f"variant {spec!r}: {item!r} is not KEY=VALUE")
        tomllib.loads(f"x = {value}")  # a clear error for a value that is not TOML
        pairs.append((key.strip(), value.strip()))
    return Variant(source, tuple(pairs))


def projects_text(variants: list[Variant]) -> str:
    """projects.toml with one section per variant: its source's settings, overrides applied."""
    base = tomllib.loads(PROJECTS_TOML.read_text(encoding="utf-8"))
    sections = [PROJECTS_TOML.read_text(encoding="utf-8")]
    for variant in variants:
        if variant.source not in base:
            raise SystemExit(f"variant {variant.label}: no project {variant.source!r} in {PROJECTS_TOML}")
        settings = {key: json.dumps(value) for key, value in base[variant.source].items()}
        settings.update(dict(variant.overrides))
        lines = [f"[{variant.project_id}]", *(f"{key} = {value}" for key, value in settings.items())]
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


def scores(project_id: str, paths: list[Path], env: dict[str, str]) -> dict[str, float]:
    out = run([UNDEX, "eval", project_id, *map(str, paths), "--split", "dev", "--format", "json"], env).stdout
    report = json.loads(out[out.index("{") :])
    return {metric: report[metric] for metric in METRICS}


def evaluate(variant: Variant, env: dict[str, str]) -> Result:
    corpora = shared_corpora()
    started = time.perf_counter()
    run([UNDEX, "train", variant.project_id, *map(str, corpora), "--split", "train"], env)
    train_s = time.perf_counter() - started
    fulltext, all_dev = (scores(variant.project_id, paths, env) for paths in ([FULLTEXT], corpora))
    result = Result(variant.label, train_s, fulltext, all_dev)
    log(f"{result.label}: full texts {result.fulltext}, all dev {result.all_dev}, train {train_s:.0f} s")
    return result


def load_cache(path: Path) -> dict[str, Result]:
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["label"]: Result(**row) for row in rows}


def cell(result: Result, base: Result, part: str) -> str:
    values = getattr(result, part)
    shown = []
    for metric in METRICS:
        text = f"{values[metric]:.4f}"
        if result is not base:
            text += f" ({values[metric] - getattr(base, part)[metric]:+.4f})"
        shown.append(text)
    return " | ".join(shown)


def write_report(results: dict[str, Result]) -> None:
    lines = [
        "# unbis-en's sources on dev: a parameter search",
        "",
        "Made by `bench/tune_sources.py`. Each variant is trained on the train split (full texts and "
        "records) and scored on its own on the dev split: the 47 full texts of `cr_unsc_res_en.jsonl` "
        "and all 428 dev documents (in brackets: the difference to the first row of the source, "
        "its settings before the search). Omikuji's training is randomised: see its rows trained "
        "again for the noise. Dev only: the test split is not read.",
    ]
    for source in sorted({label.split(" ")[0] for label in results}):
        rows = {label: r for label, r in results.items() if label.split(" ")[0] == source}
        base = next(iter(rows.values()))
        lines += ["", f"## {source}", ""]
        lines += ["| variant | full texts F1@5 | full texts NDCG@10 | all dev F1@5 | all dev NDCG@10 | train s |"]
        lines += ["|---|---|---|---|---|---|"]
        for label, r in rows.items():
            lines.append(f"| {label} | {cell(r, base, 'fulltext')} | {cell(r, base, 'all_dev')} | {r.train_s:.0f} |")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="*", help="SOURCE:KEY=VALUE,... (none: rewrite the report)")
    parser.add_argument("--jobs", type=int, default=1, help="variants trained at the same time")
    args = parser.parse_args()
    datadir = Path(os.environ.get("UNDEX_DATADIR", ROOT / "data"))
    cache_path = datadir / "tune_sources.jsonl"
    results = load_cache(cache_path)
    variants = [v for v in map(parse_variant, args.variants) if v.label not in results]
    with tempfile.TemporaryDirectory() as tmp:
        projects = Path(tmp) / "projects.toml"
        projects.write_text(projects_text(variants), encoding="utf-8")
        env = {"UNDEX_PROJECTS": str(projects), "UNDEX_DATADIR": str(datadir)}
        with ThreadPoolExecutor(args.jobs) as pool:
            for result in pool.map(lambda v: evaluate(v, env), variants):
                results[result.label] = result
                with cache_path.open("a", encoding="utf-8") as cache:
                    cache.write(json.dumps(asdict(result)) + "\n")
    write_report(results)


if __name__ == "__main__":
    main()
