"""Side by side with Annif on full-length UN documents (issue 15, item 5).

    .venv/bin/python bench/fulltext.py                    # everything
    .venv/bin/python bench/fulltext.py --reuse            # keep Annif models trained by an earlier run
    .venv/bin/python bench/fulltext.py --projects-to-compare unbis-en,unbis-zh

Annif 1.4.3 (tfidf, omikuji, mllm, and their ensemble with weights from ``annif hyperopt`` on
dev) and undex are trained on the same train split of all labelled shared corpora (full texts
and records together; undex ensembles and ``unbis-*`` projects with ``--dev-split dev``) and
scored with undex's own metric code on

  (a) the full-text test split (Security Council resolutions, ``cr_unsc_res_en.jsonl``),
  (b) the records test split (every other labelled corpus: titles, agenda items, notes),
  (c) the Chinese seed report (gold subjects in each project's top 12; Annif reads it as its
      English projects would, undex with its Chinese project, also unsegmented and in
      Traditional characters),

then times suggest on 2k, 20k and 100k-character documents made by joining real test
documents of each project's language. Writes bench/results/fulltext.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass

from annif_peer import ANNIF_ENSEMBLE, ANNIF_PROJECTS, prepare_annif, trained_annif
from longdocs import LongDocRow, long_doc_lines, measure_long_documents
from runner import BENCH, SEED, TERMS, Run, log, shared_corpora
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
    write_texts,
)

from undex.corpus import CorpusStats, LabelledDoc, SubjectResolver, labelled_documents, read_document_file
from undex.vocab import Vocabulary, load_vocabulary_file

WORK = BENCH / "work" / "fulltext"
ANNIF_WORK = BENCH / "work" / "annif"  # the same train and dev documents as bench/quality.py: models shared
RESULTS = BENCH / "results" / "fulltext.md"
FULLTEXT_CORPUS = "cr_unsc_res_en.jsonl"
SETS = {"full texts": "(a) full-text test split", "records": "(b) records test split"}
QUALITY_TARGETS = {"full texts": 1.15, "records": 1.10}
SPEED_TARGET = 3.0
SEED_TOP = 12
CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"


# ----------------------------------------------------------------------- data


def load_sets(vocab: Vocabulary) -> dict[str, dict[str, list[LabelledDoc]]]:
    """Labelled documents by split, then by set: full texts (the full-text corpus) or records."""
    sets: dict[str, dict[str, list[LabelledDoc]]] = {}
    for split in ("train", "dev", "test"):
        sets[split] = {"full texts": [], "records": []}
        for path in shared_corpora():
            kind = "full texts" if path.name == FULLTEXT_CORPUS else "records"
            sets[split][kind] += labelled_documents([path], vocab, CorpusStats(), split)
    if not sets["test"]["full texts"]:
        raise SystemExit(f"no labelled test documents in {FULLTEXT_CORPUS}: is ../shared up to date?")
    return sets


def unsegmented(text: str) -> str:
    """Chinese text without the spaces a word segmenter put between CJK characters."""
    return re.sub(rf"(?<=[{CJK}])\s+(?=[{CJK}])", "", text)


def seed_variants(text: str) -> dict[str, str]:
    from opencc import OpenCC

    plain = unsegmented(text)
    return {"pre-segmented": text, "unsegmented": plain, "Traditional": OpenCC("s2t").convert(plain)}


# ----------------------------------------------------------------------- projects


@dataclass
class Compared:
    """The undex projects compared: English ones on (a) and (b), Chinese ones on the seed."""

    english: list[str]
    chinese: list[str]
    defined: dict[str, dict]

    @classmethod
    def from_option(cls, option: str | None) -> Compared:
        defined = undex_projects_defined()
        if option:
            ids = [p.strip() for p in option.split(",") if p.strip()]
        else:
            ids = ["unbis-en" if "unbis-en" in defined else "ensemble-en"]
            ids += ["unbis-zh" if "unbis-zh" in defined else "lexical-zh-en"]
        unknown = [p for p in ids if p not in defined]
        if unknown:
            raise SystemExit(f"--projects-to-compare: not in projects.toml: {', '.join(unknown)}")
        language = {p: defined[p].get("language", "") for p in ids}
        others = [p for p in ids if language[p] not in ("en", "zh")]
        if others:
            raise SystemExit(f"--projects-to-compare: only English and Chinese projects have test documents: {others}")
        english = [p for p in ids if language[p] == "en"]
        if not english:
            raise SystemExit("--projects-to-compare: name at least one English project (compared on (a) and (b))")
        return cls(english, [p for p in ids if language[p] == "zh"], defined)

    def language(self, project: str) -> str:
        return self.defined[project].get("language", "")

    def uses_dev_split(self, project: str) -> bool:
        """Ensembles and the recommended ``unbis-*`` projects fit something on held-out documents."""
        return project.startswith("unbis-") or self.defined[project].get("backend") == "ensemble"

    def long_document_projects(self) -> list[str]:
        recommended = [p for p in self.defined if p.startswith("unbis-")]
        return list(dict.fromkeys([*self.english, *self.chinese, *recommended]))


def trained_undex(compared: Compared, needed: list[str], reuse: bool) -> dict[str, Run]:
    """Train the undex projects in a data directory of their own (kept with ``reuse``)."""
    datadir, record = WORK / "undex-data", WORK / "undex-runs.json"
    saved = json.loads(record.read_text(encoding="utf-8")) if reuse and record.exists() else {}
    runs = {p: Run(**saved[p]) for p in needed if p in saved}
    if not runs:
        load_undex_vocab(datadir, fresh=True)
    for project in needed:
        if project not in runs:
            runs[project] = train_undex(datadir, project, shared_corpora(), compared.uses_dev_split(project))
    record.write_text(json.dumps({k: vars(v) for k, v in runs.items()}), encoding="utf-8")
    return runs


# ----------------------------------------------------------------------- seed


@dataclass
class SeedRow:
    tool: str
    project: str
    variant: str
    found: list[str]
    gold: int


def seed_rows(suggester: Suggester, compared: Compared) -> list[SeedRow]:
    seed = read_document_file(SEED)
    gold = SubjectResolver(suggester.vocab).resolve_all(seed.subjects)
    if not gold:
        raise SystemExit(f"{SEED}: no gold subject of its %%% line is in the vocabulary")
    runs = [("Annif", p, "pre-segmented") for p in ANNIF_PROJECTS]
    runs += [("undex", p, "pre-segmented") for p in compared.english]
    runs += [("undex", p, v) for p in compared.chinese for v in ("pre-segmented", "unsegmented", "Traditional")]
    texts = seed_variants(seed.text)
    rows = []
    for tool, project, variant in runs:
        docs = write_texts([texts[variant]], WORK / "docs" / f"seed-{variant}.jsonl")
        top = suggester.suggest(tool, project, docs).ranked[0][:SEED_TOP]
        found = [suggester.vocab.concepts[c].label("en") for c in gold if c in top]
        rows.append(SeedRow(tool, project, variant, found, len(gold)))
        log(f"seed: {tool} {project} ({variant}): {len(found)} of {len(gold)} gold in its top {SEED_TOP}")
    return rows


# ----------------------------------------------------------------------- report


def ratio_lines(rows: dict[str, list[Row]], english: list[str]) -> list[str]:
    """undex / the best Annif project, per set and metric (the best Annif value of each metric)."""
    head = "| set | undex project | metric | undex | Annif best | ratio | target | met |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for kind, kind_rows in rows.items():
        for project in english:
            ours = next(r for r in kind_rows if r.tool == "undex" and r.project == project)
            for metric in ("F1@5", "NDCG@10"):
                best = max((r for r in kind_rows if r.tool == "Annif"), key=lambda r: r.metrics[metric])
                ratio = ours.metrics[metric] / best.metrics[metric]
                target = QUALITY_TARGETS[kind]
                lines.append(
                    f"| {SETS[kind]} | `{project}` | {metric} | {ours.metrics[metric]:.4f} | "
                    f"{best.metrics[metric]:.4f} (`{best.project}`) | **{ratio:.3f}** | ≥ {target:.2f} | "
                    f"{'yes' if ratio >= target else 'no'} |"
                )
    return lines


def speed_lines(full_text_rows: list[Row], english: list[str]) -> list[str]:
    annif = next(r for r in full_text_rows if r.tool == "Annif" and r.project == ANNIF_ENSEMBLE)
    head = f"| undex project | time | undex docs/s | Annif `{ANNIF_ENSEMBLE}` docs/s | ratio | target | met |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for project in english:
        ours = next(r for r in full_text_rows if r.tool == "undex" and r.project == project)
        for clock, speed in (("wall", "docs_per_second"), ("CPU", "docs_per_cpu_second")):
            mine, theirs = getattr(ours, speed), getattr(annif, speed)
            ratio = mine / theirs
            lines.append(
                f"| `{project}` | {clock} | {mine:.1f} | {theirs:.1f} | **{ratio:.2f}x** | "
                f"≥ {SPEED_TARGET:.0f}x | {'yes' if ratio >= SPEED_TARGET else 'no'} |"
            )
    return lines


def seed_lines(rows: list[SeedRow]) -> list[str]:
    lines = [f"| system | project | seed text | gold in top {SEED_TOP} | which |", "|---|---|---|---|---|"]
    for r in rows:
        which = ", ".join(r.found) or "none"
        lines.append(f"| {r.tool} | `{r.project}` | {r.variant} | **{len(r.found)} of {r.gold}** | {which} |")
    return lines


@dataclass
class Report:
    command: str
    seconds: float
    sets: dict[str, dict[str, list[LabelledDoc]]]
    annif_version: str
    annif_weights: str
    compared: Compared
    trained: list[str]
    rows: dict[str, list[Row]]
    seed: list[SeedRow]
    long_docs: list[LongDocRow]
    load: tuple[float, float]  # 1-minute load average at the start and the end

    def data_lines(self) -> list[str]:
        counts = {s: {k: len(v) for k, v in kinds.items()} for s, kinds in self.sets.items()}
        dev = " (+ `--dev-split dev`)"
        trained = [f"`{p}`" + (dev if self.compared.uses_dev_split(p) else "") for p in self.trained]
        return [
            "- Data: the labelled documents of `../shared/data/derived/corpora/*.jsonl` (text and `labels_unbis`), "
            "their own `split`. Train (both tools, full texts and records together): "
            f"{counts['train']['full texts']} full texts + {counts['train']['records']} records; dev "
            f"{counts['dev']['full texts']} + {counts['dev']['records']}; test {counts['test']['full texts']} full "
            f"texts (`{FULLTEXT_CORPUS}`) and {counts['test']['records']} records (the other corpora).",
            f"- Annif {self.annif_version} (own virtual environment): tfidf, omikuji (Parabel), mllm trained on "
            f"train; their ensemble with weights from `annif hyperopt` on all dev documents (`{self.annif_weights}`).",
            f"- undex: {', '.join(trained)} of `projects.toml`, trained with "
            "`undex train PROJECT ../shared/data/derived/corpora/*.jsonl --split train`.",
            "- Metrics: undex's evaluation code (`undex/evaluation.py`) on each tool's ranked top-"
            f"{LIMIT} suggestions. F1 (doc avg) at the limit/threshold best on the dev documents of the same set "
            "(full texts or records), the same search for both tools.",
            "- Speed: documents/second suggesting the test documents in batches of 32 in one process with one "
            "thread (`OMP/OPENBLAS/MKL/RAYON_NUM_THREADS=1`), start-up and one warm-up document excluded; on (a) "
            f"the median of {SPEED_REPEATS} runs, the tools taking turns. Wall time and the suggesting process's "
            "CPU time are both given: the machine is shared, and CPU time is what other load does not change "
            f"(load average {self.load[0]:.1f} at the start, {self.load[1]:.1f} at the end, on "
            f"{os.cpu_count()} cores). Both tools get the same raw text (line breaks kept); Annif trains and "
            "tunes on its TSV format (one line a document).",
        ]

    def text(self) -> str:
        lines = [
            "# Full texts, records and the seed: undex vs Annif",
            "",
            f"Made by `{self.command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{self.seconds / 60:.1f} min, {os.cpu_count()} cores).",
            "",
            *self.data_lines(),
            "",
            "## Targets: undex / Annif's best",
            "",
            *ratio_lines(self.rows, self.compared.english),
            "",
            "Suggest throughput on (a):",
            "",
            *speed_lines(self.rows["full texts"], self.compared.english),
        ]
        for kind, rows in self.rows.items():
            lines += ["", f"## {SETS[kind]}", "", *table(rows)]
        lines += ["", "## (c) the seed (`../shared/examples/seed.txt`, Chinese)", "", *seed_lines(self.seed)]
        lines += ["", "## Long documents", "", *long_doc_lines(self.long_docs), ""]
        return "\n".join(lines)


# ----------------------------------------------------------------------- main


def score_sets(suggester: Suggester, sets: dict, compared: Compared, runs: dict[str, dict[str, Run]]) -> dict:
    rows: dict[str, list[Row]] = {}
    for kind in SETS:
        slug = kind.replace(" ", "-")
        dev = DocSet.write(sets["dev"][kind], WORK / "docs" / f"{slug}-dev.jsonl")
        test = DocSet.write(sets["test"][kind], WORK / "docs" / f"{slug}-test.jsonl")
        rows[kind] = [score_project(suggester, "Annif", p, runs["Annif"][p], dev, test) for p in ANNIF_PROJECTS]
        rows[kind] += [score_project(suggester, "undex", p, runs["undex"][p], dev, test) for p in compared.english]
        if kind == "full texts":
            pair = [r for r in rows[kind] if r.tool == "undex" or r.project == ANNIF_ENSEMBLE]
            remeasure_speed(pair, test.path, suggester)
    return rows


def long_document_rows(suggester: Suggester, compared: Compared, sets: dict) -> list[LongDocRow]:
    """Every compared and ``unbis-*`` project, and Annif's ensemble for reference."""
    texts = {
        "en": [d.document.text for d in sets["test"]["full texts"]],
        "zh": [unsegmented(read_document_file(SEED).text)],
    }
    entries = [("undex", p, compared.language(p)) for p in compared.long_document_projects()]
    return measure_long_documents(suggester, [*entries, ("Annif", ANNIF_ENSEMBLE, "en")], texts, WORK / "docs")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse Annif models trained by an earlier run")
    parser.add_argument("--reuse-undex", action="store_true", help="reuse undex models trained by an earlier run")
    parser.add_argument(
        "--projects-to-compare",
        metavar="IDS",
        help="comma-separated undex projects (default: unbis-en and unbis-zh, else ensemble-en and lexical-zh-en)",
    )
    return parser.parse_args()


def main() -> None:
    args = arguments()
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    compared = Compared.from_option(args.projects_to_compare)
    vocab = load_vocabulary_file("unbis", TERMS)
    sets = load_sets(vocab)
    log("documents: " + "; ".join(f"{s}: " + ", ".join(f"{k} {len(v)}" for k, v in d.items()) for s, d in sets.items()))
    annif_dir = ANNIF_WORK
    pairs = {s: [(d.document.text, d.concepts) for docs in sets[s].values() for d in docs] for s in ("train", "dev")}
    annif_version = prepare_annif(annif_dir, vocab, pairs)
    runs = {"Annif": trained_annif(annif_dir, annif_dir / "train.tsv", annif_dir / "dev.tsv", LIMIT, args.reuse)}
    with_text = [p for p in compared.long_document_projects() if compared.language(p) in ("en", "zh")]
    runs["undex"] = trained_undex(compared, with_text, args.reuse_undex)

    suggester = Suggester(vocab, annif_dir, WORK / "undex-data", WORK / "suggestions")
    rows = score_sets(suggester, sets, compared, runs)
    seed = seed_rows(suggester, compared)
    long_docs = long_document_rows(suggester, compared, sets)
    command = shlex.join([".venv/bin/python", "bench/fulltext.py", *sys.argv[1:]])
    weights = runs["Annif"][ANNIF_ENSEMBLE].stdout
    seconds = time.perf_counter() - started
    trained = list(runs["undex"])
    load = (load_before, os.getloadavg()[0])
    report = Report(command, seconds, sets, annif_version, weights, compared, trained, rows, seed, long_docs, load)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report.text(), encoding="utf-8")
    print(report.text())


if __name__ == "__main__":
    main()
