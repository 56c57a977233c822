"""Thesaurus labels compiled for matching, and the labels left out of it.

Outside Chinese, a label becomes a sequence of *units* (see :mod:`undex.matching`): content
words by their stem, function words folded, marked with ``_`` so they never meet a stem.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from undex.analysis import AnalyzedText, Analyzer, get_analyzer
from undex.analysis.chinese import normalize_zh
from undex.analysis.lemmas import Lemmatizer
from undex.analysis.snowball import fold
from undex.analysis.stopwords import ARTICLE, articles, connectors, function_units, stopwords
from undex.vocab import Vocabulary

_ARABIC_CACHE_SIZE = 100_000
MAX_SHARED = 3
"""A label naming this many concepts or more says nothing about which one is meant."""
NO_CONTENT = "with no content word (stopwords or single letters only)"
FRAGMENT = "fragments (starting or ending with a preposition or conjunction, or ending with an article)"
SHARED = f"shared by {MAX_SHARED} or more concepts"
_INVERTED = re.compile(r"^(?P<head>[^,()]+?)\s*(?:,\s*(?P<rest>[^,()]+)|\((?P<brackets>[^()]+)\))\s*$")
_PUNCTUATION = "()[],.;:'’\"«»"
FUNCTION = "_"
"""Marks function-word units (no word token contains it), so they never meet a stem."""
ARTICLE_UNIT = FUNCTION + ARTICLE
NAME_KEY = "="
"""Starts the key of a name matched as written (:func:`_written_name`); no unit has it."""
ORGANIZATION_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("United Nations",),
    "fr": ("Nations Unies", "ONU"),
    "es": ("Naciones Unidas", "ONU"),
    "ru": ("Организация Объединенных Наций", "ООН"),
    "ar": ("الأمم المتحدة",),
}
"""The Organization's name, which UN documents insert into general terms: "операции
Организации Объединенных Наций по поддержанию мира" are peacekeeping operations."""


@dataclass(frozen=True)
class LabelEntry:
    concept: int
    label: str
    preferred: bool
    surface: tuple[str, ...] = ()
    """The label's content words folded, not stemmed (empty for Chinese)."""
    written: tuple[str, ...] = ()
    """The label's content words as written (for the lemma dictionary)."""


@dataclass
class LabelSet:
    """The labels of one language by matching key, and those left out, by reason."""

    entries: dict[str, list[LabelEntry]]
    """One label per concept and key (its first: the preferred label where it has the key)."""
    forms: dict[str, list[LabelEntry]]
    """Every label per key whose words differ ("ADOLESCENTS" and "ADOLESCENCE" share a stem)."""
    ignored: dict[str, list[str]]

    def ignored_summary(self, examples: int = 3) -> str:
        """``N labels ignored: 2 with no content word (IT, ITS); ...`` (empty when none is)."""
        if not self.ignored:
            return ""
        parts = [
            f"{len(labels)} {reason} ({', '.join(labels[:examples])}{', ...' if len(labels) > examples else ''})"
            for reason, labels in sorted(self.ignored.items())
        ]
        total = sum(len(labels) for labels in self.ignored.values())
        return f"{total} label{'s' if total != 1 else ''} ignored: {'; '.join(parts)}"


@dataclass
class Units:
    """A text or label as matching units (see the module docstring)."""

    terms: list[str] = field(default_factory=list)
    content: list[bool] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    """Where each unit's word starts in the text (and ends, in ``ends``)."""
    ends: list[int] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    """The content words as written."""
    surface: list[str] = field(default_factory=list)
    """The content words folded."""


def compile_labels(vocab: Vocabulary, language: str, analyzer: Analyzer) -> LabelSet:
    """Every label of ``language`` by matching key, but those that cannot stand alone.

    Outside Chinese, a label is left out when, by rule: it has no content word once
    analysed (stopwords and single letters only: French "mais"), unless it is a name written
    with a capital (Russian "Того", Togo: see :func:`_written_name`); it is a
    fragment, starting with a preposition or conjunction or ending with one or an article
    (the alternative label "RIGHT OF"), unless it is an inverted name ("GERMANY, FEDERAL
    REPUBLIC OF", "bolivie (etat plurinational de)", also matched in natural order); or it
    names :data:`MAX_SHARED` or more concepts ("TRADE"), where it is kept only for the one
    concept, if any, whose preferred label it is."""
    forms: dict[str, list[LabelEntry]] = defaultdict(list)
    ignored: dict[str, list[str]] = defaultdict(list)
    for index, concept in enumerate(vocab.concepts):
        for label in concept.labels(language):
            if _written_name(label, language, analyzer):
                key = NAME_KEY + label
                forms[key].append(LabelEntry(index, label, label == concept.prefLabel.get(language), (), (label,)))
                continue
            reason = None if language == "zh" else _reason_to_ignore(label, language, analyzer)
            if reason:
                ignored[reason].append(label)
                continue
            for variant in label_variants(label, language):
                key, units = _label_key(variant, language, analyzer)
                surface = tuple(units.surface)
                if not key:
                    ignored[NO_CONTENT].append(label)
                elif all(e.concept != index or e.surface != surface for e in forms[key]):
                    preferred = label == concept.prefLabel.get(language)
                    forms[key].append(LabelEntry(index, label, preferred, surface, tuple(units.written)))
    if language != "zh":
        _drop_shared(forms, ignored)
    forms = {k: v for k, v in forms.items() if v}
    entries = {k: list({e.concept: e for e in reversed(v)}.values())[::-1] for k, v in forms.items()}
    return LabelSet(entries, forms, dict(ignored))


def ignored_labels_report(vocab: Vocabulary) -> list[str]:
    """One line per language with labels left out of matching (see :func:`compile_labels`)."""
    lines = []
    for language in sorted(vocab.label_counts()):
        if language in ("en", "fr", "es", "ru", "ar"):
            summary = compile_labels(vocab, language, get_analyzer(language)).ignored_summary()
            if summary:
                lines.append(f"{language}: {summary}")
    return lines


@lru_cache(maxsize=16)
def organization_names(language: str, analyzer: Analyzer) -> tuple[tuple[str, ...], ...]:
    """:data:`ORGANIZATION_NAMES` of ``language`` as sequences of content units."""
    names = (analyze_units(name, language, analyzer) for name in ORGANIZATION_NAMES.get(language, ()))
    return tuple(tuple(t for t, c in zip(u.terms, u.content, strict=True) if c) for u in names)


def label_variants(label: str, language: str) -> list[str]:
    """A label and its other forms: United Nations spelled out (UNBIS abbreviates it UN),
    an inverted name in natural order ("KOREA, REPUBLIC OF": "REPUBLIC OF KOREA"), two
    adjectives after a French or Spanish noun in the other order, a Chinese label without
    its particle 的."""
    variants = [label]
    if language == "en" and re.search(r"\bUN\b", label):
        variants.append(re.sub(r"\bUN\b", "United Nations", label))
    natural = _natural_order(label, language)
    if natural:
        variants.append(natural)
    swapped = _adjectives_swapped(label, language)
    if swapped:
        variants.append(swapped)
    if language == "zh" and "的" in label and len(label.replace("的", "")) >= 3:
        variants.append(label.replace("的", ""))  # 组织间的合作 is written 组织间合作 too
    return variants


def _adjectives_swapped(label: str, language: str) -> str | None:
    """French and Spanish: a noun with two adjectives after it, in the other order ("droit
    humanitaire international" is written "droit international humanitaire",
    "derecho consuetudinario internacional" "derecho internacional consuetudinario")."""
    words = label.split()
    if language not in ("fr", "es") or len(words) != 3 or not all(w.isalpha() for w in words):
        return None
    if any(_fold_word(w, language) in stopwords(language) for w in words):
        return None
    return f"{words[0]} {words[2]} {words[1]}"


def _natural_order(label: str, language: str) -> str | None:
    found = _INVERTED.match(label.strip())
    if language == "zh" or not found:
        return None
    rest = (found["rest"] or found["brackets"]).strip()
    if _fold_word(rest.split()[-1], language) not in connectors(language):
        return None
    return rest + ("" if rest.endswith(("'", "’")) else " ") + found["head"].strip()


def _fold_word(word: str, language: str) -> str:
    return fold(word.strip(_PUNCTUATION), language)


def _written_name(label: str, language: str, analyzer: Analyzer) -> bool:
    """A one-word name that is also a function word (Russian "Того", Togo, and "того", "of
    that"): matched only where the text writes it with its capital, not at the start of a
    sentence (see :class:`~undex.matching.matcher.LabelMatcher`)."""
    cased = language in ("en", "fr", "es", "ru") and label.isalpha() and label.istitle() and len(label) > 1
    return cased and all(t.stop for t in analyzer.analyze(label))


def _reason_to_ignore(label: str, language: str, analyzer: Analyzer) -> str | None:
    if all(t.stop for t in analyzer.analyze(label)):
        return NO_CONTENT
    words = label.split()
    first, last = _fold_word(words[0], language), _fold_word(words[-1], language)
    if first in connectors(language):
        return FRAGMENT
    ends_open = not label.rstrip().endswith(")") and _natural_order(label, language) is None
    if ends_open and last in connectors(language) | articles(language):
        return FRAGMENT
    return None


def _label_key(label: str, language: str, analyzer: Analyzer) -> tuple[str, Units]:
    """The form a label is matched in: normalised characters (Chinese) or units."""
    if language == "zh":
        return normalize_zh(label).strip(), Units()
    units = analyze_units(label, language, analyzer)
    return (" ".join(units.terms) if any(units.content) else ""), units


def analyze_units(text: str, language: str, analyzer: Analyzer) -> Units:
    """A label as units (analysed afresh: labels are not remembered as texts are)."""
    return units_of(analyzer.columns(text), language, analyzer)


def units_of(analyzed: AnalyzedText, language: str, analyzer: Analyzer) -> Units:
    """An analysed text (or label) as units: stems of content words, marked folded function
    words."""
    units = Units()
    add_term, add_content = units.terms.append, units.content.append
    add_start, add_end = units.starts.append, units.ends.append
    add_written, add_surface = units.written.append, units.surface.append
    folded_words = analyzed.folded if analyzed.folded is not None else list(map(analyzer.fold, analyzed.words))
    columns = zip(
        analyzed.terms, analyzed.starts, analyzed.ends, analyzed.stop, analyzed.words, folded_words, strict=True
    )
    arabic_term = _arabic_terms(analyzer) if language == "ar" else None
    for term, start, end, stop, written, folded in columns:
        if arabic_term is not None and not stop:
            term = arabic_term(written, term)
        if stop:
            for unit in _function_terms(folded, language):
                add_term(unit)
                add_content(False)
                add_start(start)
                add_end(end)
        else:
            add_term(term)
            add_content(True)
            add_start(start)
            add_end(end)
            add_written(written)
            add_surface(folded)
    return units


@lru_cache(maxsize=4)
def _arabic_terms(analyzer: Analyzer) -> Callable[[str, str], str]:
    """Arabic content words are matched by the stem of their dictionary lemma where that is
    part of the word's own stem: the stemmer keeps a plural ending (عمليات: عمليا, where
    عملية gives عمل) and a joined preposition li- (لحقوق). Other words keep their stem."""
    lemmatizer = Lemmatizer("ar", analyzer.fold)
    known: dict[str, str] = {}

    def term_of(written: str, stem: str) -> str:
        found = known.get(written)
        if found is None:
            lemma = lemmatizer.headword(written)
            lemma_stem = analyzer.term(lemma) if lemma else stem
            # the dictionary's lemma is taken where its stem is inside the word's, never a
            # word of its own (it gives التأميم "nationalization" the lemma أمم "nations")
            found = lemma_stem if lemma_stem in stem else stem
            if len(known) >= _ARABIC_CACHE_SIZE:
                known.clear()
            known[written] = found
        return found

    return term_of


@lru_cache(maxsize=4096)
def _function_terms(folded: str, language: str) -> tuple[str, ...]:
    """The marked units of a folded function word."""
    return tuple(FUNCTION + unit for unit in function_units(folded, language))


def _drop_shared(entries: dict[str, list[LabelEntry]], ignored: dict[str, list[str]]) -> None:
    """Keep a label naming :data:`MAX_SHARED` or more concepts only for the one concept
    whose preferred label it is (none when that is not a single one)."""
    for key, key_entries in entries.items():
        by_words: dict[tuple[str, ...], list[LabelEntry]] = defaultdict(list)
        for entry in key_entries:
            by_words[entry.surface].append(entry)
        for same in by_words.values():
            if len(same) >= MAX_SHARED:
                preferred = [e for e in same if e.preferred]
                drop = [e for e in same if len(preferred) != 1 or not e.preferred]
                ignored[SHARED].extend(dict.fromkeys(e.label for e in drop))
                entries[key] = [e for e in entries[key] if e not in drop]
