"""Finding thesaurus labels in text.

Chinese labels are matched on the normalised, unsegmented text with an Aho-Corasick
automaton, so results do not depend on how (or whether) the input was segmented; a match
counts only where it starts and ends at word boundaries of undex's own segmentation of the
normalised text. Other
languages are matched as sequences of stemmed content tokens, allowing at most one
stopword between two label words. Where matches overlap, the longest wins; the shorter
ones are kept aside as *contained* matches (a ranking feature).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import rjieba

from undex.analysis import Analyzer
from undex.analysis.chinese import normalize_with_offsets, normalize_zh
from undex.analysis.frequency import frequency_table, phrase_zipf
from undex.errors import ConfigError
from undex.textnorm import normalize_label
from undex.vocab import Vocabulary


@dataclass(frozen=True)
class LabelEntry:
    concept: int
    label: str
    preferred: bool
    surface: tuple[str, ...] = ()
    """The label's content words as written (folded, not stemmed)."""


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
        self.entries: dict[str, list[LabelEntry]] = defaultdict(list)
        self.skipped_labels = 0
        for index, concept in enumerate(vocab.concepts):
            for label in concept.labels(language):
                for variant in self.label_variants(label):
                    key = self.label_key(variant)
                    if not key:
                        self.skipped_labels += 1
                        continue
                    if all(e.concept != index for e in self.entries[key]):
                        preferred = label == concept.prefLabel.get(language)
                        entry = LabelEntry(index, label, preferred, self.surface_words(variant))
                        self.entries[key].append(entry)
        if not self.entries:
            counts = ", ".join(f"{lang}: {n}" for lang, n in sorted(vocab.label_counts().items()))
            raise ConfigError(
                f"vocabulary {vocab.id!r} has no usable labels in language {language!r} (labels per language: {counts})"
            )
        self._automaton = ahocorasick.Automaton()
        for key in self.entries:
            self._automaton.add_word(key if self.is_chinese else f" {key} ", key)
        self._automaton.make_automaton()
        self.containment = self._containment_counts()
        table = frequency_table(language)
        self.commonness = {key: self._commonness(entries[0].label, table) for key, entries in self.entries.items()}

    @property
    def is_chinese(self) -> bool:
        return self.language == "zh"

    def label_key(self, label: str) -> str:
        """The form a label is matched in: normalised characters or stemmed content tokens."""
        if self.is_chinese:
            return normalize_zh(label).strip()
        return " ".join(t.term for t in self.analyzer.analyze(label) if not t.stop)

    def label_variants(self, label: str) -> list[str]:
        """A label and its spelled-out forms (UNBIS abbreviates United Nations as UN)."""
        variants = [label]
        if self.language == "en" and re.search(r"\bUN\b", label):
            variants.append(re.sub(r"\bUN\b", "United Nations", label))
        return variants

    def _commonness(self, label: str, table: dict[str, float]) -> float:
        """Zipf frequency of the label in general language (segmented without the
        thesaurus dictionary for Chinese, so compounds fall back to their parts)."""
        if self.is_chinese:
            words = _plain_segmenter().cut(normalize_zh(label), False)
        else:
            words = re.findall(r"[^\W_]+", label.casefold())
        return phrase_zipf([w for w in words if w.strip()], self.language, table)

    def surface_words(self, text: str) -> tuple[str, ...]:
        """Content words as written (case and accents folded, not stemmed); empty for Chinese."""
        if self.is_chinese:
            return ()
        return tuple(normalize_label(text[t.start : t.end]) for t in self.analyzer.analyze(text) if not t.stop)

    def entries_for(self, match: Match, text: str) -> list[LabelEntry]:
        """The concepts a match names. When stemming makes labels collide ("developing
        countries" / "developed countries"), those whose words are written as in the text win."""
        entries = self.entries[match.key]
        if self.is_chinese:
            return entries
        written = self.surface_words(text[match.start : match.end])
        exact = [e for e in entries if e.surface == written]
        if exact or self.language != "en":
            return exact or entries
        # English: stemming may join words that differ in more than inflection
        # ("reporters"/"report"); keep entries whose words differ only by a plural ending
        light = tuple(_singular(w) for w in written)
        return [e for e in entries if tuple(_singular(w) for w in e.surface) == light]

    def keys_inside(self, keys: set[str]) -> set[str]:
        """Label keys occurring inside one of ``keys`` (other than itself)."""
        inside = set()
        for key in keys:
            for _, found in self._automaton.iter(key if self.is_chinese else f" {key} "):
                if found != key:
                    inside.add(found)
        return inside

    def key_size(self, key: str) -> int:
        return len(key) if self.is_chinese else key.count(" ") + 1

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
        kept, contained = _longest_first(matches)
        return MatchResult(kept, contained, units, words)

    def _find_chinese(self, text: str) -> tuple[list[tuple[int, int, Match]], int, int]:
        normalized, origins = normalize_with_offsets(text)
        boundaries = self._word_boundaries(normalized)
        found = []
        for end, key in self._automaton.iter(normalized):
            start = end - len(key) + 1
            if start not in boundaries or end + 1 not in boundaries:
                continue  # cuts through a word: 海地 "Haiti" inside 沿海/地区 "coastal areas"
            match = Match(key, origins[start], origins[end] + 1, len(key), start)
            found.append((start, end + 1, match))
        return found, len(normalized), max(len(boundaries) - 1, 1)

    def _word_boundaries(self, normalized: str) -> set[int]:
        """Offsets where the segmenter puts a word boundary in the normalised text."""
        boundaries, position = {0}, 0
        for word in self.analyzer.segment(normalized):
            position += len(word)
            boundaries.add(position)
        return boundaries

    def _find_tokens(self, text: str) -> tuple[list[tuple[int, int, Match]], int, int]:
        tokens = self.analyzer.analyze(text)
        content = [t for t in tokens if not t.stop]
        # stopwords between consecutive content tokens, to allow a gap of at most one
        gaps, stops = [], 0
        for token in tokens:
            if token.stop:
                stops += 1
            else:
                gaps.append(stops)
                stops = 0
        joined, starts = " ", []
        for token in content:
            starts.append(len(joined))
            joined += token.term + " "
        position = {offset: i for i, offset in enumerate(starts)}
        found = []
        for end, key in self._automaton.iter(joined):
            first = position.get(end - len(key))
            if first is None:
                continue
            last = first + key.count(" ")
            if any(gaps[i] > 1 for i in range(first + 1, last + 1)):
                continue
            match = Match(key, content[first].start, content[last].end, last - first + 1, first)
            found.append((first, last + 1, match))
        return found, len(content), max(len(content), 1)


def _singular(word: str) -> str:
    """English plural ending removed (countries -> country, rights -> right)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _plain_segmenter() -> rjieba.Jieba:
    return rjieba.Jieba()


def _longest_first(found: list[tuple[int, int, Match]]) -> tuple[list[Match], list[Match]]:
    """Keep non-overlapping matches, longest first (then leftmost); return kept and contained."""
    order = sorted(found, key=lambda item: (-(item[1] - item[0]), item[0]))
    covered = bytearray(max((end for _, end, _ in found), default=0))
    kept, contained = [], []
    for start, end, match in order:
        if any(covered[start:end]):
            contained.append(match)
        else:
            covered[start:end] = b"\x01" * (end - start)
            kept.append(match)
    kept.sort(key=lambda m: m.start)
    return kept, contained
