"""Concept search for type-ahead: which concepts have a label, in any language of the
vocabulary, that matches what a cataloguer is typing.

Labels and queries are folded alike (case, width, accents, punctuation; Traditional to
Simplified Chinese), so ``ressources en eau``, ``Ressources En Éau`` and ``水資源`` find
what ``水资源`` finds. A concept matches in one of four tiers, best first:

0. a label equals the query;
1. a label starts with the query;
2. the query starts at a word of a label (any character of a Chinese label, after the
   article ``ال`` of an Arabic word), so ``resources`` finds WATER RESOURCES and
   ``水资源`` finds 淡水资源;
3. every word of the query starts a word of the label, in any order.

Within a tier preferred labels come before alternative ones, then shorter labels, then
labels in the asked language. Two sorted arrays answer tiers 0-2 by binary search, so a
query over the whole thesaurus takes well under a millisecond or two.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from undex.analysis.chinese import to_simplified
from undex.textnorm import normalize_label
from undex.vocab import Vocabulary

HAN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_PUNCTUATION = re.compile(rf"(?:(?!{HAN})[\W_])+")
_SPACE_AT_HAN = re.compile(rf" (?={HAN})|(?<={HAN}) ")
_WORD_START = re.compile(rf"(?<![^ ])(?=[^ ])|(?={HAN})|(?<={HAN})(?=[^ ])")
_ARABIC_ARTICLE = re.compile(r"(?<![^ ])ال(?=[^ ])")
HIGHEST = "\U0010ffff"
CACHED_VOCABULARIES = 4


def search_keys(texts: list[str]) -> list[str]:
    """``texts`` folded for matching: no case, accents, width or punctuation differences,
    Simplified Chinese, no spaces next to Han characters (pre-segmented input)."""
    folded = [" ".join(_PUNCTUATION.sub(" ", normalize_label(text)).split()) for text in texts]
    simplified = to_simplified("\n".join(folded)).split("\n")  # one OpenCC call for all
    return [_SPACE_AT_HAN.sub("", key) for key in simplified]


def search_key(text: str) -> str:
    return search_keys([text.replace("\n", " ")])[0]


def word_starts(key: str) -> list[int]:
    """Positions in ``key`` where a query may start matching: words, every Han character,
    and Arabic words after their article."""
    starts = {m.start() for m in _WORD_START.finditer(key)}
    starts.update(m.start() + 2 for m in _ARABIC_ARTICLE.finditer(key))
    return sorted(starts)


@dataclass(frozen=True)
class Label:
    concept: int
    language: str
    text: str
    key: str
    preferred: bool


@dataclass(frozen=True)
class Match:
    """A concept found, with the label that matched best."""

    concept: int
    label: Label
    tier: int


class ConceptSearch:
    """An index of every label of a vocabulary (built once, then read by any thread)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.labels = _labels(vocab)
        self._by_key = sorted(range(len(self.labels)), key=lambda i: self.labels[i].key)
        words = [(i, start) for i, label in enumerate(self.labels) for start in word_starts(label.key)[1:]]
        self._by_word = sorted(words, key=self._suffix)

    def _suffix(self, entry: tuple[int, int]) -> str:
        return self.labels[entry[0]].key[entry[1] :]

    def search(self, query: str, language: str = "en", limit: int = 10) -> list[Match]:
        """The best ``limit`` concepts for ``query``, best first."""
        key = search_key(query)
        found: dict[int, Match] = {}
        if not key or limit < 1:
            return []
        for tier, labels in enumerate(self._tiers(key)):
            labels.sort(key=lambda label: (not label.preferred, len(label.key), label.language != language, label.key))
            for label in labels:  # a concept's first label here is its best one
                if label.concept not in found:
                    found[label.concept] = Match(label.concept, label, tier)
                    if len(found) == limit:
                        return list(found.values())
        return list(found.values())

    def _tiers(self, key: str) -> Iterable[list[Label]]:
        prefixed = [self.labels[i] for i in self._range(self._by_key, key, lambda i: self.labels[i].key)]
        yield [label for label in prefixed if label.key == key]
        yield [label for label in prefixed if label.key != key]
        yield [self.labels[i] for i, _ in self._range(self._by_word, key, self._suffix)]
        words = key.split()
        if len(words) > 1:
            candidates = min((self._starting_a_word(w) for w in words), key=len)
            yield [label for label in candidates if _all_words_start(words, label.key)]

    def _starting_a_word(self, word: str) -> list[Label]:
        """Labels with a word that starts with ``word`` (at the label's start or later)."""
        first = self._range(self._by_key, word, lambda i: self.labels[i].key)
        later = self._range(self._by_word, word, self._suffix)
        return [self.labels[i] for i in first] + [self.labels[i] for i, _ in later]

    @staticmethod
    def _range(entries: list, prefix: str, key) -> list:
        """The entries whose key starts with ``prefix`` (a slice of a sorted list)."""
        start = bisect_left(entries, prefix, key=key)
        end = bisect_left(entries, prefix + HIGHEST, lo=start, key=key)
        return entries[start:end]


def _labels(vocab: Vocabulary) -> list[Label]:
    found = []
    for index, concept in enumerate(vocab.concepts):
        found += [(index, language, text, True) for language, text in concept.prefLabel.items()]
        found += [(index, language, text, False) for language, texts in concept.altLabel.items() for text in texts]
    keys = search_keys([text.replace("\n", " ") for _, _, text, _ in found])
    return [
        Label(index, language, text, key, preferred)
        for (index, language, text, preferred), key in zip(found, keys, strict=True)
    ]


def _all_words_start(words: list[str], key: str) -> bool:
    label_words = key.split()
    return all(any(w.startswith(q) for w in label_words) for q in words)


_INDEXES: OrderedDict[str, ConceptSearch] = OrderedDict()
_BUILDING = threading.Lock()


def concept_search(vocab: Vocabulary) -> ConceptSearch:
    """The search index of a loaded vocabulary, built on first use and kept (a few per process)."""
    with _BUILDING:
        found = _INDEXES.get(vocab.checksum)
        if found is None:
            found = _INDEXES[vocab.checksum] = ConceptSearch(vocab)
            while len(_INDEXES) > CACHED_VOCABULARIES:
                _INDEXES.popitem(last=False)
        return found
