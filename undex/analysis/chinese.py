"""Chinese analysis: NFKC, Traditional -> Simplified (OpenCC), re-joined segmentation,
and rjieba word segmentation with the thesaurus's Chinese labels in its dictionary.

Pre-segmented input (spaces between Han characters) is joined back before segmenting,
so the same text raw or pre-segmented gives the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import opencc
import rjieba

from undex.analysis.base import Analyzer, Token
from undex.analysis.stopwords import stopwords

_CONTENT = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]", re.UNICODE)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _is_latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def to_simplified(text: str) -> str:
    """Traditional -> Simplified, keeping the string length (needed for offsets)."""
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the offset in ``text``.

    NFKC (full-width digits and Latin become half-width), lower case, whitespace removed
    except between two Latin letters (where it separates words), Simplified script.
    """
    whole = unicodedata.normalize("NFKC", text).lower()
    if len(whole) == len(text):  # the usual case: one character in, one out
        chars, origins = list(whole), list(range(len(text)))
    else:
        chars, origins = [], []
        for i, ch in enumerate(text):
            for out in unicodedata.normalize("NFKC", ch).lower():
                chars.append(out)
                origins.append(i)
    kept_chars: list[str] = []
    kept_origins: list[int] = []
    n = len(chars)
    i = 0
    while i < n:
        if chars[i].isspace():
            j = i
            while j < n and chars[j].isspace():
                j += 1
            if kept_chars and j < n and _is_latin_letter(kept_chars[-1]) and _is_latin_letter(chars[j]):
                kept_chars.append(" ")
                kept_origins.append(origins[i])
            i = j
            continue
        kept_chars.append(chars[i])
        kept_origins.append(origins[i])
        i += 1
    return to_simplified("".join(kept_chars)), kept_origins


def normalize_zh(text: str) -> str:
    return normalize_with_offsets(text)[0]


class ChineseAnalyzer(Analyzer):
    """Chinese analyzer; ``user_words`` (e.g. thesaurus labels) stay whole when segmenting."""

    language = "zh"

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self._jieba = rjieba.Jieba()
        for word in user_words:
            word = normalize_zh(word)
            if len(word) > 1 and " " not in word:
                self._jieba.add_word(word, None, None)
        self._stopwords = stopwords("zh")

    def normalize(self, text: str) -> str:
        return normalize_zh(text)

    def is_word(self, word: str) -> bool:
        """Whether the segmenter's dictionary has ``word`` (normalised)."""
        return self._jieba.has_word(word)

    def segment(self, normalized: str) -> list[str]:
        """Words of already normalised text (see :func:`normalize_with_offsets`)."""
        return self._jieba.cut(normalized, True)

    def analyze(self, text: str) -> list[Token]:
        normalized, origins = normalize_with_offsets(text)
        tokens = []
        position = 0
        for word in self.segment(normalized):
            start, position = position, position + len(word)
            if not _CONTENT.search(word):
                continue
            stop = word in self._stopwords
            end_origin = origins[position - 1] + 1
            tokens.append(Token(word, origins[start], end_origin, stop))
        return tokens


def han_runs(normalized: str) -> list[str]:
    """Maximal runs of Han characters (for character n-gram features)."""
    return re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", normalized)
