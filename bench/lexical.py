"""Benchmark of the thesaurus-matching backend (issue 5): matcher build time, matching
speed on a 20,000-character document, suggest documents/second, peak memory, and the seed
result of the zero-shot and cross-lingual Chinese projects.

    python bench/lexical.py            # writes bench/results/lexical.md
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from undex.backends.lexical.matchers import MATCHERS  # noqa: E402
from undex.corpus import CorpusStats, SubjectResolver, labelled_documents, read_document_file  # noqa: E402
from undex.evaluation import Evaluation  # noqa: E402
from undex.project import ProjectRegistry  # noqa: E402
from undex.vocab import load_vocabulary_file, save_vocabulary  # noqa: E402

CORPORA = SHARED / "data" / "derived" / "corpora"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    start = time.perf_counter()
    for _ in range(repeat):
        result = fn()
    return (time.perf_counter() - start) / repeat, result


def english_quality(project, docs, title: str) -> str:
    """One table row: the project's metrics on labelled documents."""
    evaluation = Evaluation(len(project.vocab))
    evaluation.add([d.concepts for d in docs], project.suggest_batch([d.document.text for d in docs], limit=10).scores)
    r = evaluation.results()
    return f"| {title} | {r['F1@5']:.4f} | {r['NDCG@10']:.4f} | {r['Precision@1']:.4f} |"


def main() -> None:
    if not (SHARED / "data").is_dir():
        sys.exit(f"error: {SHARED / 'data'} not found: put the shared folder beside the repository")
    datadir = Path(tempfile.mkdtemp(prefix="undex-bench-"))
    save_vocabulary(load_vocabulary_file("unbis", SHARED / "data/derived/unbis_terms.tsv"), datadir)
    registry = ProjectRegistry(ROOT / "projects.toml", datadir)
    rows: list[tuple[str, str]] = []

    for pid, language in (("lexical-zh", "zh"), ("lexical-en", "en")):
        project = registry.get(pid)
        MATCHERS.clear()
        seconds, matcher = timed(lambda p=project, lang=language: p.backend.matcher(lang))
        rows.append((f"{pid}: build matcher ({len(matcher.entries)} label keys)", f"{seconds * 1000:.0f} ms"))

    seed = read_document_file(SHARED / "examples/seed.txt")
    zh = registry.get("lexical-zh")
    long_zh = (seed.text.replace(" ", "") * 3)[:20000]
    zh.suggest_batch([long_zh])  # warm up: the matcher is built once per process
    seconds, _ = timed(lambda: zh.suggest_batch([long_zh]), repeat=5)
    rows.append(("lexical-zh: suggest, one 20,000-character Chinese document", f"{seconds * 1000:.1f} ms"))
    seconds, _ = timed(lambda: zh.backend.matcher("zh").find(long_zh), repeat=5)
    rows.append(("lexical-zh: matching only, same document", f"{seconds * 1000:.1f} ms"))

    en = registry.get("lexical-en")
    stats = CorpusStats()
    test = list(labelled_documents([CORPORA / "unbisnet_drafts_neth.jsonl"], en.vocab, stats, split="test"))
    texts = [d.document.text for d in test]
    seconds, _ = timed(lambda: en.suggest_batch(texts))
    rows.append((f"lexical-en: suggest {len(texts)} English test records", f"{len(texts) / seconds:.0f} docs/s"))

    corpora = sorted(CORPORA.glob("*.jsonl"))
    train = list(labelled_documents(corpora, en.vocab, CorpusStats(), split="train"))
    test_all = list(labelled_documents(corpora, en.vocab, CorpusStats(), split="test"))
    quality = [english_quality(en, test_all, "lexical-en, zero-shot (not trained)")]
    for pid in ("lexical-en-literal", "lexical-en", "tfidf-en"):
        started = time.perf_counter()
        registry.get(pid).train(train)
        rows.append((f"{pid}: train on the English train split", f"{time.perf_counter() - started:.1f} s"))
        quality.append(english_quality(registry.get(pid), test_all, f"{pid}, trained"))

    started = time.perf_counter()
    zh_en = registry.get("lexical-zh-en")
    zh_en.train(train)
    rows.append(("lexical-zh-en: train on the English train split", f"{time.perf_counter() - started:.1f} s"))
    zh_en.suggest_batch([long_zh])
    seconds, _ = timed(lambda: zh_en.suggest_batch([long_zh]), repeat=5)
    rows.append(("lexical-zh-en: suggest, one 20,000-character Chinese document", f"{seconds * 1000:.1f} ms"))

    gold = SubjectResolver(zh.vocab).resolve_all(seed.subjects)
    seed_rows = []
    for project in (zh, zh_en):
        top = [c for c, _ in project.suggest_batch([seed.text], limit=12).ranked(0)]
        found = [zh.vocab.concepts[c].prefLabel["en"] for c in gold if c in top]
        rows.append((f"{project.id}: gold subjects of the seed in its top 12", f"{len(found)} of {len(gold)}"))
        seed_rows.append(f"| {project.id} | {len(found)} of {len(gold)} | {', '.join(found)} |")
    rows.append(("peak RSS of this process", f"{peak_rss_mb():.0f} MB"))

    table = "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    table += (
        f"\n\nEnglish test split of all labelled corpora ({len(test_all)} documents):\n\n"
        "| project | F1@5 | NDCG@10 | Precision@1 |\n|---|---|---|---|\n" + "\n".join(quality)
    )
    table += (
        "\n\nThe seed (`../shared/examples/seed.txt`), top 12:\n\n"
        "| project | gold in top 12 | which |\n|---|---|---|\n" + "\n".join(seed_rows)
    )
    print(table)
    out = ROOT / "bench" / "results" / "lexical.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "# lexical backend benchmark\n\nMade by `python bench/lexical.py` on a 2-core machine.\n\n" + table + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
