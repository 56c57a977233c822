"""The label matcher of one language (see :mod:`undex.matching`)."""

from __future__ import annotations

import bisect
import gc
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

import ahocorasick
import rjieba

from undex.analysis import Analyzer
from undex.analysis.chinese import normalize_with_offsets, normalize_zh
from undex.analysis.frequency import frequency_table, phrase_zipf
from undex.analysis.lemmas import Lemmatizer
from undex.analysis.stopwords import coordinators
from undex.errors import ConfigError
from undex.matching.labels import (
    ARTICLE_UNIT,
    FUNCTION,
    NAME_KEY,
    LabelEntry,
    Units,
    compile_labels,
    organization_names,
    units_of,
)
from undex.matching.overlaps import longest_first
from undex.vocab import Vocabulary

_NAMED_CACHE_SIZE = 50_000
_SENTENCE_ENDS = ".!?…\n"
_OPENINGS = " \t\"'«“„([-–—"


@dataclass(frozen=True)
class Match:
    """One occurrence of a label key: a span in the original text."""

    key: str
    start: int
    end: int
    size: int
    """Length in matching units (characters for Chinese, content tokens otherwise)."""
    unit_start: int
    """Start in matching units (normalised characters or content tokens)."""
    entries: tuple[LabelEntry, ...] = field(default=(), compare=False, repr=False)
    """Other languages: the labels of the key whose words the text has."""
    shared: range = field(default=range(0), compare=False, repr=False)
    """Units of the text between its words that belong to another label coordinated with
    it (the "social and" of "economic and social development"): that label stays whole."""


@dataclass
class MatchResult:
    matches: list[Match]
    contained: list[Match]
    text_units: int
    """Length of the text in matching units."""
    text_words: int
    """Number of words in the text (segmented words for Chinese, content tokens otherwise)."""


class LabelMatcher:
    """All labels of one language of a vocabulary, compiled for fast matching."""

    def __init__(self, vocab: Vocabulary, language: str, analyzer: Analyzer) -> None:
        self.language = language
        self.analyzer = analyzer
        labels = compile_labels(vocab, language, analyzer)
        self.entries = labels.entries
        """Per key, the concepts it names (one entry each)."""
        self._forms = labels.forms
        self.ignored = labels.ignored
        """Labels left out of matching, by reason (see :func:`compile_labels`)."""
        if not self.entries:
            counts = ", ".join(f"{lang}: {n}" for lang, n in sorted(vocab.label_counts().items()))
            raise ConfigError(
                f"vocabulary {vocab.id!r} has no usable labels in language {language!r} (labels per language: {counts})"
            )
        if self.is_chinese:
            self._compile_characters()
        else:
            self._compile_words()
        self.containment = self._containment_counts()
        table = frequency_table(language)
        self.commonness = {key: self._commonness(entries[0].label, table) for key, entries in self.entries.items()}

    def _compile_characters(self) -> None:
        """Chinese: one Aho-Corasick automaton over the normalised label keys."""
        self._automaton = ahocorasick.Automaton()
        for key in self.entries:
            self._automaton.add_word(key, key)
        self._automaton.make_automaton()

    def _compile_words(self) -> None:
        """Other languages: a trie of label keys, unit by unit, and the lemma dictionary."""
        self._lemmatizer = Lemmatizer(self.language, self.analyzer.fold)
        self._lemmatizer.load()  # when the matcher is built, not on the first document
        self._trie: dict = {}
        names = [key[len(NAME_KEY) :] for key in self.entries if key.startswith(NAME_KEY)]
        self._written_names = re.compile(rf"\b(?:{'|'.join(map(re.escape, names))})\b") if names else None
        for key in self.entries:
            if key.startswith(NAME_KEY):
                continue
            node = self._trie
            for unit in key.split(" "):
                node = node.setdefault(unit, {})
            node[""] = key
        self._content_units = {key: len(entries[0].surface) for key, entries in self.entries.items()}
        self._names = organization_names(self.language, self.analyzer)
        self._coordinators = {FUNCTION + word for word in coordinators(self.language)}
        self._named_cache: dict[tuple[str, ...], list[LabelEntry]] = {}
        self._written_as: dict[tuple[str, tuple[str, ...]], list[LabelEntry]] = defaultdict(list)
        for key, forms in self._forms.items():
            for entry in forms:
                if all(e.concept != entry.concept for e in self._written_as[key, entry.surface]):
                    self._written_as[key, entry.surface].append(entry)

    @property
    def is_chinese(self) -> bool:
        return self.language == "zh"

    def _commonness(self, label: str, table: dict[str, float]) -> float:
        """Zipf frequency of the label in general language (segmented without the
        thesaurus dictionary for Chinese, so compounds fall back to their parts)."""
        if self.is_chinese:
            words = _plain_segmenter().cut(normalize_zh(label), False)
        else:
            words = re.findall(r"[^\W_]+", label.casefold())
        return phrase_zipf([w for w in words if w.strip()], self.language, table)

    def entries_for(self, match: Match, text: str) -> list[LabelEntry]:
        """The concepts a match names: for Chinese all of its key's, otherwise those whose
        words the text has (where stemming makes labels collide, "developing countries" /
        "developed countries", those written as in the text)."""
        return self.entries[match.key] if self.is_chinese else list(match.entries)

    def keys_inside(self, keys: set[str]) -> set[str]:
        """Label keys occurring inside one of ``keys`` (other than itself)."""
        inside = set()
        for key in keys:
            if self.is_chinese:
                found = {k for _, k in self._automaton.iter(key)}
            else:
                units = key.split(" ")
                found = {walked[-1] for walked in self._walk(units, [False] * len(units))}
            inside |= found - {key}
        return inside

    def key_size(self, key: str) -> int:
        """Length of a key: characters (Chinese) or content words."""
        return len(key) if self.is_chinese else self._content_units[key]

    def _containment_counts(self) -> dict[str, int]:
        """For each label key, how many *other* label keys contain it: a measure of how
        generic a label is, taken from the thesaurus alone."""
        counts: dict[str, int] = defaultdict(int)
        for key in self.entries:
            for found in self.keys_inside({key}):
                counts[found] += 1
        return counts

    def find(self, text: str) -> MatchResult:
        if self.is_chinese:
            raw = self._find_chinese(text)
        else:
            raw = self._find_tokens(text)
        matches, units, words = raw
        kept, contained = longest_first(matches, crossing=not self.is_chinese)
        return MatchResult(kept, contained, units, words)

    def _find_chinese(self, text: str) -> tuple[list[tuple[int, int, Match]], int, int]:
        normalized, origins = normalize_with_offsets(text)
        boundaries = self._word_boundaries(normalized)
        ordered = sorted(boundaries)
        found = []
        for end, key in self._automaton.iter(normalized):
            start = end - len(key) + 1
            if not self._stands_alone(normalized, start, end + 1, boundaries, ordered):
                continue  # cuts through a word: 海地 "Haiti" inside 沿海/地区 "coastal areas"
            match = Match(key, origins[start], origins[end] + 1, len(key), start)
            found.append((start, end + 1, match))
        return found, len(normalized), max(len(boundaries) - 1, 1)

    def _stands_alone(self, normalized: str, start: int, end: int, boundaries: set[int], ordered: list[int]) -> bool:
        """Whether a match is whole words: it starts and ends at word boundaries, or one of
        its ends is inside a compound whose other part is a word of two or more characters
        (停火协定 "ceasefire agreement" is 停火 + 协定, so CEASEFIRES is there)."""
        starts, ends = start in boundaries, end in boundaries
        if starts and ends:
            return True
        if starts:
            rest = normalized[end : ordered[bisect.bisect_right(ordered, end)]]
        elif ends:
            rest = normalized[ordered[bisect.bisect_left(ordered, start) - 1] : start]
        else:
            return False
        return len(rest) >= 2 and self.analyzer.is_word(rest)

    def _word_boundaries(self, normalized: str) -> set[int]:
        """Offsets where the segmenter puts a word boundary in the normalised text."""
        boundaries, position = {0}, 0
        for word in self.analyzer.segment(normalized):
            position += len(word)
            boundaries.add(position)
        return boundaries

    def _find_tokens(self, text: str) -> tuple[list[tuple[int, int, Match]], int, int]:
        units = units_of(self.analyzer.analyzed(text), self.language, self.analyzer)
        ordinals = list(accumulate(units.content, initial=0))  # content words before each unit
        words = ordinals[-1]
        found = []
        insertions = self._insertions(units.terms, units.content) if self._names else None
        for first, last, skipped, coordinated, key in self._walk(units.terms, units.content, insertions):
            words_at = [ordinals[p] for p in range(first, last + 1) if units.content[p] and p not in skipped]
            entries = self._named(key, [units.written[w] for w in words_at], [units.surface[w] for w in words_at])
            if entries:
                start, end = words_at[0], words_at[-1] + 1
                shared = skipped if coordinated else range(0)
                match = Match(key, units.starts[first], units.ends[last], end - start, start, tuple(entries), shared)
                found.append((first, last + 1, match))
        if self._written_names is not None:
            found.extend(self._find_written_names(text, units, ordinals))
        return found, words, max(words, 1)

    def _find_written_names(self, text: str, units: Units, ordinals: list[int]) -> Iterator[tuple[int, int, Match]]:
        """Names that are also function words (Russian Того), where the text writes them
        with their capital inside a sentence."""
        for found in self._written_names.finditer(text):
            before = text[max(found.start() - 80, 0) : found.start()].rstrip(_OPENINGS)
            if not before or before[-1] in _SENTENCE_ENDS:
                continue  # a capital at the start of a sentence says nothing
            unit = bisect.bisect_left(units.starts, found.start())
            key = NAME_KEY + found.group()
            match = Match(key, found.start(), found.end(), 1, ordinals[unit], tuple(self.entries[key]))
            yield unit, unit + 1, match

    def _walk(
        self, terms: list[str], content: list[bool], insertions: dict[int, int] | None = None
    ) -> list[tuple[int, int, range, bool, str]]:
        """Every label key in a unit sequence: first and last unit, the units skipped (a
        content word right after a function word of the label, the Organization's name
        inserted after a content word, see :meth:`_insertions`, or a word coordinated with
        one of the label's, see :meth:`_coordinated`), whether those are a coordinated word
        and the key."""
        found = []
        no_gap = range(0)
        for begin, term in enumerate(terms):
            node = self._trie.get(term)
            stack = [(node, begin, no_gap, False)] if node is not None else []
            while stack:
                node, at, skipped, coordinated = stack.pop()
                if "" in node:
                    found.append((begin, at, skipped, coordinated, node[""]))
                if at + 1 < len(terms) and (child := node.get(terms[at + 1])) is not None:
                    stack.append((child, at + 1, skipped, coordinated))
                if at + 2 < len(terms) and terms[at + 1] == ARTICLE_UNIT and (child := node.get(terms[at + 2])):
                    stack.append((child, at + 2, skipped, coordinated))  # an article the label lacks
                if skipped:
                    continue
                if not content[at] and at + 2 < len(terms) and content[at + 1]:
                    if (child := node.get(terms[at + 2])) is not None:
                        stack.append((child, at + 2, range(at + 1, at + 2), False))
                if content[at] and at + 3 < len(terms) and self._coordinated(terms, content, at):
                    if (child := node.get(terms[at + 3])) is not None:
                        stack.append((child, at + 3, range(at + 1, at + 3), True))
                resume = insertions.get(at + 1) if insertions and content[at] else None
                if resume is not None and resume < len(terms):
                    for child in _after_function_units(node, terms[resume]):
                        stack.append((child, resume, range(at + 1, resume), False))
        return found

    def _coordinated(self, terms: list[str], content: list[bool], at: int) -> bool:
        """Whether a content word of the label is coordinated with the next word, which
        shares what follows ("economic and social development": ECONOMIC DEVELOPMENT,
        "armes légères et de petit calibre": armes de petit calibre)."""
        first, second = at + 1, at + 2
        if terms[first] in self._coordinators:
            return content[second]
        return content[first] and terms[second] in self._coordinators

    def _insertions(self, terms: list[str], content: list[bool]) -> dict[int, int]:
        """Where the text has the Organization's name inside a term ("операции Организации
        Объединенных Наций по поддержанию мира", "operaciones de las Naciones Unidas para
        el mantenimiento de la paz"): the unit where the insertion begins, with the function
        words before it, and the content unit after it and the function words that follow.
        A label's own function words there are not required (:func:`_after_function_units`)."""
        insertions: dict[int, int] = {}
        for name in self._names:
            size = len(name)
            for p in (i for i, term in enumerate(terms) if term == name[0]):
                if tuple(terms[p : p + size]) != name:
                    continue
                begin, end = p, p + size
                while begin > 0 and not content[begin - 1]:
                    begin -= 1
                while end < len(terms) and not content[end]:
                    end += 1
                if begin > 0:
                    insertions[begin] = end
        return insertions

    def _named(self, key: str, written: list[str], surface: list[str]) -> list[LabelEntry]:
        """The labels of ``key`` whose content words are the text's words (``written`` as
        in the text, ``surface`` folded): those written just as in the text if any, else
        those with the same words (:meth:`Lemmatizer.same_word`); one per concept."""
        exact = self._written_as.get((key, tuple(surface)))
        if exact:
            return exact
        found = self._named_cache.get((key, *written))
        if found is None:
            same = self._lemmatizer.same_word
            named = [e for e in self._forms[key] if all(map(same, e.written, written))]
            found = list({e.concept: e for e in reversed(named)}.values())[::-1]
            if len(self._named_cache) >= _NAMED_CACHE_SIZE:
                self._named_cache.clear()
            self._named_cache[(key, *written)] = found
        return found


@contextmanager
def paused_collection() -> Iterator[None]:
    """No cyclic garbage collection while matching a document and reading its candidates.

    A long document makes tens of thousands of matches that live until its candidates are
    read; collected meanwhile, they would count as long-lived and soon set off a full
    collection, which walks every object of the loaded models (a few hundred milliseconds).
    Paused, they are freed by reference counting before the collector runs again. The
    collector is switched back on only by the call that switched it off."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _after_function_units(node: dict, term: str, depth: int = 3) -> list[dict]:
    """The children for ``term`` of ``node`` and of the nodes below it through at most
    ``depth`` function-word units (a label's "de", "по" where the text has another)."""
    children = [node[term]] if term in node else []
    if depth:
        for unit, below in node.items():
            if unit.startswith(FUNCTION):
                children.extend(_after_function_units(below, term, depth - 1))
    return children


@lru_cache(maxsize=1)
def _plain_segmenter() -> rjieba.Jieba:
    return rjieba.Jieba()
