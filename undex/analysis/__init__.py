"""Text analysis: one analyzer per language behind one interface."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from undex.analysis.base import AnalyzedText, Analyzer, TextCache, Token
from undex.analysis.chinese import ChineseAnalyzer
from undex.analysis.detect import LANGUAGES, detect_language, unsupported_language, unsupported_message
from undex.analysis.snowball import SnowballAnalyzer

__all__ = [
    "AnalyzedText",
    "Analyzer",
    "Token",
    "ChineseAnalyzer",
    "SnowballAnalyzer",
    "TextCache",
    "get_analyzer",
    "analyzer_for_vocabulary",
    "detect_language",
    "unsupported_language",
    "unsupported_message",
    "LANGUAGES",
]

_CACHE: dict[tuple[str, int], Analyzer] = {}


def get_analyzer(language: str, user_words: Iterable[str] = ()) -> Analyzer:
    """The analyzer for a language; for Chinese, ``user_words`` join the segmenter's
    dictionary. Analyzers are cached per language and word list."""
    words = tuple(sorted(set(user_words))) if language == "zh" else ()
    key = (language, hash(words))
    if key not in _CACHE:
        if language == "zh":
            _CACHE[key] = ChineseAnalyzer(words)
        elif language in ("en", "fr", "es", "ru", "ar"):
            _CACHE[key] = SnowballAnalyzer(language)
        else:
            from undex.errors import ConfigError

            raise ConfigError(f"unsupported language {language!r}; use one of {', '.join(LANGUAGES)}")
    return _CACHE[key]


class LabelledVocabulary(Protocol):
    """What the analysis needs of a vocabulary: its labels in a language."""

    def labels_in(self, language: str) -> Iterable[str]: ...


def analyzer_for_vocabulary(language: str, vocab: LabelledVocabulary) -> Analyzer:
    """The analyzer for texts indexed with ``vocab``. Chinese is written without spaces: every
    Chinese label of the vocabulary joins the segmenter's dictionary, so that a label met in a
    text stays one token. The other languages need no dictionary."""
    return get_analyzer(language, vocab.labels_in(language) if language == "zh" else ())
