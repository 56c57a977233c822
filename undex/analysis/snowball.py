"""Analyzer for alphabetic languages (en, fr, es, ru, ar): tokenise, fold, stem."""

from __future__ import annotations

import re
import unicodedata

import Stemmer

from undex.analysis.base import AnalyzedText, Analyzer, Token
from undex.analysis.stopwords import stopwords

_STEMMERS = {"en": "english", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel
_ARABIC_ALEFS = str.maketrans("أإآٱ", "اااا")  # hamza carriers written either way
_ARABIC_CONJUNCTION = re.compile("^[وف](?=ال)")  # "and"/"so" before the article: والسلام


def _case_fold(word: str, language: str) -> str:
    """Case folded; accents removed in French and Spanish (the UNBIS labels are written
    without them), ё as е in Russian, Arabic without short vowels and tatweel."""
    word = unicodedata.normalize("NFKC", word).casefold()
    if language == "ar":
        return _ARABIC_MARKS.sub("", word)
    if language in ("fr", "es"):
        decomposed = unicodedata.normalize("NFD", word)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if language == "ru":
        return word.replace("ё", "е")
    return word


def fold(word: str, language: str) -> str:
    """A word as undex compares it (see :func:`_case_fold`), Arabic with one form of alef
    (أ إ آ are written without hamza as often as with it)."""
    folded = _case_fold(word, language)
    return folded.translate(_ARABIC_ALEFS) if language == "ar" else folded


class SnowballAnalyzer(Analyzer):
    _WORD_CACHE_SIZE = 100_000

    def __init__(self, language: str) -> None:
        if language not in _STEMMERS:
            raise ValueError(f"no Snowball stemmer for language {language!r}")
        self.language = language
        self._stemmer = Stemmer.Stemmer(_STEMMERS[language])
        self._stopwords = frozenset(fold(w, language) for w in stopwords(language))
        self._words: dict[str, tuple[str, str, bool]] = {}

    def normalize(self, text: str) -> str:
        return unicodedata.normalize("NFKC", text)

    def fold(self, word: str) -> str:
        return self._word(word)[1]

    def term(self, word: str) -> str:
        """The term of a word as written: its Snowball stem (digits as they are). Arabic
        keeps its hamza for the stemmer, which tells the article ال from the أل of ألبانيا
        by it, and loses a conjunction before the article (والسلام as السلام)."""
        return self._word(word)[0]

    def is_stopword(self, folded: str) -> bool:
        return folded in self._stopwords or (len(folded) == 1 and not folded.isdigit())

    def _word(self, word: str) -> tuple[str, str, bool]:
        """Term, folded form and stopword flag of a word as written (remembered: texts
        repeat their words)."""
        found = self._words.get(word)
        if found is None:
            base = _case_fold(word, self.language)
            folded = base.translate(_ARABIC_ALEFS) if self.language == "ar" else base
            if base.isdigit():
                term = base
            else:
                term = self._stemmer.stemWord(_ARABIC_CONJUNCTION.sub("", base) if self.language == "ar" else base)
            found = (term, folded, self.is_stopword(folded))
            if len(self._words) >= self._WORD_CACHE_SIZE:
                self._words.clear()
            self._words[word] = found
        return found

    def analyze(self, text: str) -> list[Token]:
        return self.analyzed(text).tokens()

    def columns(self, text: str) -> AnalyzedText:
        terms: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        stop: list[bool] = []
        words: list[str] = []
        folded_words: list[str] = []
        known = self._words.get
        for match in _WORD.finditer(text):
            word = match.group()
            term, folded, is_stop = known(word) or self._word(word)
            if folded:
                terms.append(term)
                starts.append(match.start())
                ends.append(match.end())
                stop.append(is_stop)
                words.append(word)
                folded_words.append(folded)
        return AnalyzedText(terms, starts, ends, stop, words, folded_words)
