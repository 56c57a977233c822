"""How common a word or phrase is in general language (wordfreq's Zipf scale, 0..8).

A label that is rare in general language but frequent in a document is a likely subject
(the idea behind TF-IDF, with general-language frequency standing in for a corpus). The
lists come with the ``wordfreq`` package, offline, for all six UN languages.
"""

from __future__ import annotations

import math
import unicodedata

from wordfreq import get_frequency_dict, get_frequency_list

FLOOR_ZIPF = 1.0
PHRASE_PENALTY = 1.0


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def frequency_table(language: str) -> dict[str, float]:
    """Word -> frequency, keys folded like undex folds text (case, accents).

    Large (hundreds of thousands of words): build it, use it, let it go."""
    folded: dict[str, float] = {}
    for word, freq in get_frequency_dict(language, "best").items():
        key = _fold(word)
        folded[key] = folded.get(key, 0.0) + freq
    for cached in (get_frequency_dict, get_frequency_list):  # wordfreq keeps every list it read
        cached.cache_clear()
    return folded


def phrase_zipf(words: list[str], language: str, table: dict[str, float]) -> float:
    """Zipf frequency of a phrase given as words: the whole phrase if listed; else the
    words combined (1/f = sum of 1/f_i, as wordfreq does) and made ten times rarer for
    each word beyond the first, since a phrase is far rarer than its rarest word.
    Floored at ``FLOOR_ZIPF``."""
    if not words:
        return FLOOR_ZIPF
    whole = table.get(_fold(("" if language == "zh" else " ").join(words)))
    if whole:
        return max(math.log10(whole) + 9, FLOOR_ZIPF)
    floor = 10 ** (FLOOR_ZIPF - 9)
    inverse = sum(1.0 / max(table.get(_fold(w), floor), floor) for w in words)
    return max(math.log10(1.0 / inverse) + 9 - PHRASE_PENALTY * (len(words) - 1), FLOOR_ZIPF)
