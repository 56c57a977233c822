"""The analyzer interface shared by all languages."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


@dataclass(frozen=True)
class Token:
    """A normalised token with its character span in the *original* text."""

    term: str
    start: int
    end: int
    stop: bool = False


@dataclass(frozen=True)
class AnalyzedText:
    """The tokens of a text as columns: token ``i`` is ``terms[i]``, written
    ``words[i] == text[starts[i]:ends[i]]``, a stopword when ``stop[i]``. Columns of plain
    strings, ints and bools rather than :class:`Token` objects: a long document has tens of
    thousands of tokens, and objects the garbage collector must track make it scan the
    loaded models again and again."""

    terms: list[str]
    starts: list[int]
    ends: list[int]
    stop: list[bool]
    words: list[str]
    folded: list[str] | None = None
    """The words case-folded as the analyzer compares them (None: it does not fold)."""

    @classmethod
    def of_tokens(cls, text: str, tokens: list[Token]) -> AnalyzedText:
        return cls(
            [t.term for t in tokens],
            [t.start for t in tokens],
            [t.end for t in tokens],
            [t.stop for t in tokens],
            [text[t.start : t.end] for t in tokens],
        )

    def tokens(self) -> list[Token]:
        return list(map(Token, self.terms, self.starts, self.ends, self.stop))

    @cached_property
    def content_terms(self) -> tuple[str, ...]:
        """The terms of the tokens that are not stopwords."""
        return tuple(term for term, stop in zip(self.terms, self.stop, strict=True) if not stop)


class TextCache(Generic[Key, Value]):
    """What was computed from the texts seen last (keyed by the text, or the text and a
    setting), so that the backends of an ensemble, which all see the same batch of texts,
    compute it once. Bounded by texts and characters (a batch of long documents fits);
    emptied when full. Safe to share between threads."""

    def __init__(self, max_texts: int = 512, max_characters: int = 4_000_000) -> None:
        self.max_texts = max_texts
        self.max_characters = max_characters
        self._values: dict[Key, Value] = {}
        self._characters = 0
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        return self._values.get(key)

    def put(self, key: Key, value: Value, characters: int) -> None:
        """Remember ``value`` for ``key``, computed from a text of ``characters``."""
        if characters > self.max_characters:
            return
        with self._lock:
            if len(self._values) >= self.max_texts or self._characters + characters > self.max_characters:
                self._values, self._characters = {}, 0
            self._values[key] = value
            self._characters += characters

    def clear(self) -> None:
        with self._lock:
            self._values, self._characters = {}, 0


class Analyzer(ABC):
    """Turns text into normalised tokens for one language."""

    language: str

    @abstractmethod
    def normalize(self, text: str) -> str:
        """Normalised text (case, width, script) before tokenisation."""

    @abstractmethod
    def analyze(self, text: str) -> list[Token]:
        """All tokens with spans, stopwords flagged (not removed)."""

    def columns(self, text: str) -> AnalyzedText:
        """What :meth:`analyze` finds, as columns (not remembered)."""
        return AnalyzedText.of_tokens(text, self.analyze(text))

    def analyzed(self, text: str) -> AnalyzedText:
        """:meth:`columns` of a text, remembered for the texts of the last batch or so."""
        cache = self._text_cache()
        found = cache.get(text)
        if found is None:
            found = self.columns(text)
            cache.put(text, found, len(text))
        return found

    def forget_texts(self) -> None:
        """Forget the analysed texts (to time analysing them again)."""
        self._text_cache().clear()

    def _text_cache(self) -> TextCache[str, AnalyzedText]:
        cache = self.__dict__.get("_texts")
        if cache is None:
            cache = self.__dict__.setdefault("_texts", TextCache())
        return cache

    def tokens(self, text: str) -> list[str]:
        """Content tokens: normalised, stemmed, stopwords removed (analysed once for all
        the backends that ask, see :meth:`analyzed`)."""
        return list(self.analyzed(text).content_terms)

    def label_terms(self, label: str) -> list[str]:
        """Tokens of a thesaurus label, analysed like text (stopwords kept)."""
        return self.columns(label).terms
