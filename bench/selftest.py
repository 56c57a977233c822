"""Thesaurus self-test: does every label find its own concept?

For every concept and each of the six UN languages, a neutral sentence is built around the
concept's preferred label (and one around each alternative label), written as the thesaurus
writes it, and given to the zero-shot ``lexical-<lang>`` project. A label passes when its
concept is among the top 3 suggestions; a sentence brings in a *false confident concept*
when some other concept scores above 0.5. Where several concepts share the very same label
(the same words once case, accents and punctuation are folded: "COMPUTER AIDED DESIGN" and
"COMPUTER-AIDED DESIGN"), any of them counts as found and none of them as false: the
sentence cannot tell them apart.

    python bench/selftest.py          # all concepts; writes bench/results/selftest.md
    python bench/selftest.py --step 20 --languages en,fr

The test suite runs the same check on a sample of concepts (tests/test_thesaurus_selftest.py).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from undex.project import Project, ProjectRegistry  # noqa: E402
from undex.textnorm import normalize_label  # noqa: E402
from undex.vocab import Vocabulary, load_vocabulary_file, save_vocabulary  # noqa: E402

LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
CARRIERS = {
    "en": "The Committee discussed {label} at its last session.",
    "fr": "Le Comité a examiné {label} lors de sa dernière séance.",
    "es": "El Comité examinó {label} en su última sesión.",
    "ru": "На своей последней сессии Комитет рассмотрел вопрос «{label}».",
    "ar": "ناقشت اللجنة موضوع {label} في اجتماعها الأخير.",
    "zh": "委员会在上届会议上讨论了“{label}”问题。",
}
"""Neutral sentences, one per language; on their own they name no concept (the test checks)."""
TOP = 3
CONFIDENT = 0.5
BATCH = 256


@dataclass(frozen=True)
class LabelCase:
    concept: int
    label: str
    preferred: bool
    owners: frozenset[int]
    """Every concept with this very label in the language (the concept itself included)."""


@dataclass
class SelftestResult:
    language: str
    cases: int = 0
    found: int = 0
    confident_false: int = 0
    misses: list[str] = field(default_factory=list)
    false_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return self.found / self.cases if self.cases else 0.0

    @property
    def false_rate(self) -> float:
        return self.confident_false / self.cases if self.cases else 0.0


def label_cases(vocab: Vocabulary, language: str, concepts: list[int] | None = None) -> list[LabelCase]:
    """The labels to test in ``language``: every label of the chosen concepts (all by default)."""
    owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for index, concept in enumerate(vocab.concepts):
        for label in concept.labels(language):
            owners[_words(label)].add(index)
    chosen = range(len(vocab)) if concepts is None else concepts
    cases = []
    for index in chosen:
        concept = vocab.concepts[index]
        for label in dict.fromkeys(concept.labels(language)):
            preferred = label == concept.prefLabel.get(language)
            cases.append(LabelCase(index, label, preferred, frozenset(owners[_words(label)])))
    return cases


def _words(label: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^\W_]+", normalize_label(label)))


def run_selftest(project: Project, language: str, concepts: list[int] | None = None) -> SelftestResult:
    """The self-test of one language on ``project`` (a zero-shot lexical project)."""
    cases = label_cases(project.vocab, language, concepts)
    result = SelftestResult(language, cases=len(cases))
    started = time.perf_counter()
    for begin in range(0, len(cases), BATCH):
        chunk = cases[begin : begin + BATCH]
        texts = [CARRIERS[language].format(label=case.label) for case in chunk]
        batch = project.suggest_batch(texts, limit=50)
        for row, case in enumerate(chunk):
            _score_case(project.vocab, case, batch.ranked(row), result)
    result.seconds = time.perf_counter() - started
    return result


def _score_case(vocab: Vocabulary, case: LabelCase, ranked: list[tuple[int, float]], result: SelftestResult) -> None:
    if any(c in case.owners for c, _ in ranked[:TOP]):
        result.found += 1
    else:
        top = ", ".join(_name(vocab, c) for c, _ in ranked[:TOP]) or "nothing"
        result.misses.append(f"{case.label} ({_name(vocab, case.concept)}) -> {top}")
    false = [(c, s) for c, s in ranked if s > CONFIDENT and c not in case.owners]
    if false:
        result.confident_false += 1
        named = ", ".join(f"{_name(vocab, c)} {s:.2f}" for c, s in false)
        result.false_examples.append(f"{case.label} ({_name(vocab, case.concept)}) -> {named}")


def _name(vocab: Vocabulary, concept: int) -> str:
    return vocab.concepts[concept].prefLabel.get("en", vocab.concepts[concept].id)


def registry_with_unbis(datadir: Path) -> ProjectRegistry:
    """The repository's projects with the UNBIS vocabulary loaded into ``datadir``."""
    save_vocabulary(load_vocabulary_file("unbis", SHARED / "data/derived/unbis_terms.tsv"), datadir)
    return ProjectRegistry(ROOT / "projects.toml", datadir)


def report(results: list[SelftestResult], step: int, examples: int) -> str:
    sample = "all concepts" if step == 1 else f"every {step}th concept"
    lines = [
        f"Labels of {sample}, each in the sentence of its language; found = the concept (or one with the",
        f"very same label) among the top {TOP} of `lexical-<lang>`; false = another concept scores over {CONFIDENT}.",
        "Labels that matching leaves out by rule (listed by `undex load-vocab`) count as missed.",
        "",
        "| language | labels | recall@3 | false confident | seconds |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        false = f"{r.false_rate:.4f} ({r.confident_false})"
        lines.append(f"| {r.language} | {r.cases} | {r.recall:.4f} | {false} | {r.seconds:.0f} |")
    for r in results:
        lines += ["", f"## {r.language}: {len(r.misses)} missed, {r.confident_false} with a false confident concept"]
        lines += [f"- missed: {m}" for m in r.misses[:examples]]
        lines += [f"- false: {m}" for m in r.false_examples[:examples]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", type=int, default=1, help="test every STEP-th concept (1: all)")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--examples", type=int, default=25, help="misses and false concepts listed per language")
    args = parser.parse_args()
    if not (SHARED / "data").is_dir():
        sys.exit(f"error: {SHARED / 'data'} not found: put the shared folder beside the repository")
    registry = registry_with_unbis(Path(tempfile.mkdtemp(prefix="undex-selftest-")))
    results = []
    for language in args.languages.split(","):
        project = registry.get(f"lexical-{language}")
        concepts = list(range(0, len(project.vocab), args.step))
        results.append(run_selftest(project, language, concepts))
        print(f"{language}: recall {results[-1].recall:.4f}, false {results[-1].false_rate:.4f}", flush=True)
    text = report(results, args.step, args.examples)
    print(text)
    if args.step == 1 and args.languages == ",".join(LANGUAGES):
        out = ROOT / "bench" / "results" / "selftest.md"
        out.write_text(
            "# Thesaurus self-test\n\nMade by `python bench/selftest.py` on a 2-core machine.\n\n" + text + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
