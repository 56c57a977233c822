"""The analyzer interface shared by all languages."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    """A normalised token with its character span in the *original* text."""

    term: str
    start: int
    end: int
    stop: bool = False


class Analyzer(ABC):
    """Turns text into normalised tokens for one language."""

    language: str

    @abstractmethod
    def normalize(self, text: str) -> str:
        """Normalised text (case, width, script) before tokenisation."""

    @abstractmethod
    def analyze(self, text: str) -> list[Token]:
        """All tokens with spans, stopwords flagged (not removed)."""

    _TOKEN_CACHE_SIZE = 512

    def tokens(self, text: str) -> list[str]:
        """Content tokens: normalised, stemmed, stopwords removed.

        The last few hundred texts are remembered, so that the backends of an ensemble,
        which all see the same text, analyse it once."""
        cache: dict[str, tuple[str, ...]] = self.__dict__.setdefault("_token_cache", {})
        found = cache.get(text)
        if found is None:
            found = tuple(t.term for t in self.analyze(text) if not t.stop)
            if len(cache) >= self._TOKEN_CACHE_SIZE:
                cache.clear()
            cache[text] = found
        return list(found)

    def label_terms(self, label: str) -> list[str]:
        """Tokens of a thesaurus label, analysed like text (stopwords kept)."""
        return [t.term for t in self.analyze(label)]
