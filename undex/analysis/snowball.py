"""Analyzer for alphabetic languages (en, fr, es, ru, ar): tokenise, fold, stem."""

from __future__ import annotations

import re
import unicodedata

import Stemmer

from undex.analysis.base import Analyzer, Token
from undex.analysis.stopwords import stopwords

_STEMMERS = {"en": "english", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel


def _fold(word: str, language: str) -> str:
    word = unicodedata.normalize("NFKC", word).casefold()
    if language == "ar":
        return _ARABIC_MARKS.sub("", word)
    if language in ("fr", "es"):
        # the UNBIS French and Spanish labels are written without accents: fold both sides
        decomposed = unicodedata.normalize("NFD", word)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if language == "ru":
        return word.replace("ё", "е")
    return word


class SnowballAnalyzer(Analyzer):
    def __init__(self, language: str) -> None:
        if language not in _STEMMERS:
            raise ValueError(f"no Snowball stemmer for language {language!r}")
        self.language = language
        self._stemmer = Stemmer.Stemmer(_STEMMERS[language])
        self._stopwords = frozenset(_fold(w, language) for w in stopwords(language))

    def normalize(self, text: str) -> str:
        return unicodedata.normalize("NFKC", text)

    def analyze(self, text: str) -> list[Token]:
        tokens = []
        for match in _WORD.finditer(text):
            word = _fold(match.group(), self.language)
            if not word:
                continue
            stop = word in self._stopwords or (len(word) == 1 and not word.isdigit())
            term = word if word.isdigit() else self._stemmer.stemWord(word)
            tokens.append(Token(term, match.start(), match.end(), stop))
        return tokens
