"""Side-by-side quality and speed benchmark: undex against Annif on the same split.

    .venv/bin/python bench/quality.py            # everything, ~10-20 minutes on 2 cores
    .venv/bin/python bench/quality.py --reuse    # keep trained Annif models from bench/work

1. Installs Annif (1.4.3, with omikuji) into bench/.annif-venv (a benchmark peer,
   never a dependency of undex), converts the UNBIS vocabulary to SKOS and the labelled
   corpora to Annif's TSV format, trains Annif tfidf, omikuji (Parabel), mllm and an
   ensemble of the three whose weights ``annif hyperopt`` fits on the dev split.
2. Trains the undex projects of the repository's projects.toml (ensemble-en with
   ``--split train --dev-split dev``).
3. Gets every project's ranked suggestions (top 100) for the dev and test documents, one
   process per project, start-up excluded from the suggest time, and computes all metrics
   with undex's own evaluation code. F1 (doc avg) uses the limit/threshold that is best on
   dev (same search for both tools), applied to test.

Writes bench/results/quality.md.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from annif_peer import ANNIF_ENSEMBLE, ANNIF_PROJECTS, prepare_annif, trained_annif
from runner import BENCH, TERMS, Run, log, shared_corpora
from sidebyside import (
    LIMIT,
    SPEED_REPEATS,
    DocSet,
    Row,
    Suggester,
    load_undex_vocab,
    remeasure_speed,
    score_project,
    table,
    train_undex,
    undex_projects_defined,
)

from undex.corpus import CorpusStats, LabelledDoc, labelled_documents
from undex.vocab import Vocabulary, load_vocabulary_file

WORK = BENCH / "work"
RESULTS = BENCH / "results" / "quality.md"
SPLITS = ("train", "dev", "test")
UNDEX_SOURCES = ("tfidf-en", "lexical-en", "lexical-en-literal", "omikuji-en", "linear-en", "knn-en")
UNDEX_ENSEMBLE = "ensemble-en"


def load_splits(vocab: Vocabulary) -> dict[str, list[LabelledDoc]]:
    paths = shared_corpora()
    return {split: list(labelled_documents(paths, vocab, CorpusStats(), split)) for split in SPLITS}


def undex_projects() -> list[str]:
    defined = undex_projects_defined()
    return [p for p in (*UNDEX_SOURCES, UNDEX_ENSEMBLE) if p in defined]


def train_undex_projects(datadir: Path) -> dict[str, Run]:
    """Every source on train, then the ensemble's weights and calibration on dev."""
    load_undex_vocab(datadir, fresh=True)
    corpora = shared_corpora()
    runs = {p: train_undex(datadir, p, corpora, dev_split=False) for p in undex_projects() if p != UNDEX_ENSEMBLE}
    ens = train_undex(datadir, UNDEX_ENSEMBLE, corpora, dev_split=True)
    sources = undex_projects_defined()[UNDEX_ENSEMBLE]["sources"]
    runs[UNDEX_ENSEMBLE] = Run(
        ens.seconds + sum(runs[s].seconds for s in sources if s in runs),
        max([ens.max_rss_kb] + [runs[s].max_rss_kb for s in sources if s in runs]),
        ens.stdout,
    )
    return runs


def ratio_lines(rows: list[Row]) -> list[str]:
    annif = [r for r in rows if r.tool == "Annif"]
    best_annif = max(annif, key=lambda r: r.metrics["F1@5"])
    ours = next(r for r in rows if r.tool == "undex" and r.project == UNDEX_ENSEMBLE)
    lines = [f"undex `{ours.project}` / Annif best by F1@5 (`{best_annif.project}`):", ""]
    for metric in ("F1@5", "NDCG@10"):
        ratio = ours.metrics[metric] / best_annif.metrics[metric]
        lines.append(
            f"- {metric}: {ours.metrics[metric]:.4f} / {best_annif.metrics[metric]:.4f} = **{ratio:.3f}** "
            f"({(ratio - 1) * 100:+.1f} %; target +10 %)"
        )
    speed = ours.docs_per_second / best_annif.docs_per_second
    cpu = ours.docs_per_cpu_second / best_annif.docs_per_cpu_second
    lines.append(
        f"- documents/second: {ours.docs_per_second:.1f} / {best_annif.docs_per_second:.1f} = **{speed:.2f}x** "
        f"(per CPU second: {cpu:.2f}x; target 3x)"
    )
    sources = [r for r in rows if r.tool == "undex" and r.project != UNDEX_ENSEMBLE]
    beaten = all(ours.metrics["F1@5"] > r.metrics["F1@5"] for r in sources)
    lines.append(f"- ensemble beats each of its sources on F1@5: **{'yes' if beaten else 'no'}**")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse Annif models trained by an earlier run")
    args = parser.parse_args()
    started = time.perf_counter()
    vocab = load_vocabulary_file("unbis", TERMS)
    docs = load_splits(vocab)
    log("documents: " + ", ".join(f"{s} {len(d)}" for s, d in docs.items()))
    annif_dir = WORK / "annif"
    pairs = {split: [(d.document.text, d.concepts) for d in docs[split]] for split in ("train", "dev")}
    annif_version = prepare_annif(annif_dir, vocab, pairs)
    annif_runs = trained_annif(annif_dir, annif_dir / "train.tsv", annif_dir / "dev.tsv", LIMIT, args.reuse)
    undex_runs = train_undex_projects(WORK / "undex-data")

    suggester = Suggester(vocab, annif_dir, WORK / "undex-data", WORK / "suggestions")
    dev, test = (DocSet.write(docs[s], WORK / "docs" / f"{s}.jsonl") for s in ("dev", "test"))
    rows = [score_project(suggester, "Annif", p, annif_runs[p], dev, test) for p in ANNIF_PROJECTS]
    rows += [score_project(suggester, "undex", p, undex_runs[p], dev, test) for p in undex_projects()]
    remeasure_speed([r for r in rows if r.project in (ANNIF_ENSEMBLE, UNDEX_ENSEMBLE)], test.path, suggester)
    write_report(rows, docs, annif_version, annif_runs[ANNIF_ENSEMBLE].stdout, time.perf_counter() - started)


def write_report(
    rows: list[Row], docs: dict[str, list[LabelledDoc]], annif_version: str, annif_weights: str, seconds: float
) -> None:
    lines = [
        "# Quality and speed: undex vs Annif on UN documents",
        "",
        "Made by `.venv/bin/python bench/quality.py` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {seconds / 60:.1f} min, {os.cpu_count()} cores).",
        "",
        f"- Data: the labelled English documents of `../shared/data/derived/corpora/*.jsonl` "
        f"(text and `labels_unbis`), their own split: train {len(docs['train'])}, dev {len(docs['dev'])}, "
        f"test {len(docs['test'])} documents; vocabulary UNBIS Thesaurus (`unbis_terms.tsv`, as SKOS for Annif).",
        f"- Annif {annif_version} (own virtual environment): tfidf, omikuji (Parabel), mllm trained on train; "
        f"ensemble of the three with weights from `annif hyperopt` on dev (`{annif_weights}`).",
        "- undex: the projects of `projects.toml`; `ensemble-en` trained with `--split train --dev-split dev`.",
        "- Metrics: computed here with undex's evaluation code (`undex/evaluation.py`) from each tool's ranked "
        f"top-{LIMIT} suggestions on the test split. F1 (doc avg) uses the limit/threshold that is best on dev "
        "(limits 1-15, thresholds 0.00-0.95, same search for both tools).",
        "- Speed: documents/second of suggesting the test documents in batches of 32 in one process "
        "with one thread (`OMP/OPENBLAS/MKL/RAYON_NUM_THREADS=1`), after loading and one warm-up document; "
        f"for the two ensembles the median of {SPEED_REPEATS} runs taken in turns; wall time and, after the "
        "slash, the suggesting process's own CPU time (which other load on the machine does not change). "
        "Training seconds are wall time of the train commands (an ensemble: its sources plus its own fitting). "
        "Peak RSS is the largest of the project's train and suggest processes.",
        "- Variation: Annif's hyperopt (random trials) and the multi-threaded Omikuji training of both tools "
        "are not deterministic; in the runs made while building this benchmark Annif's ensemble F1@5 moved "
        "between 0.406 and 0.416 and undex's between 0.419 and 0.424 on the same split.",
        "",
        *table(rows),
        "",
        *ratio_lines(rows),
        "",
    ]
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
