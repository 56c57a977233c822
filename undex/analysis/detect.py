"""Language detection: the six UN languages, and texts in any other language told apart.

Offline and deterministic (py3langid's bundled model)."""

from __future__ import annotations

import re
from functools import lru_cache

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
_SCRIPTS = {
    "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "ar": re.compile(r"[\u0600-\u06ff\u0750-\u077f]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
}
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")
MIN_LETTERS = 30
"""Shorter texts are not called unsupported: a few words are too easily mistaken."""
SURE = 0.9
"""Probability another language needs, among all py3langid knows, to call a text unsupported."""
UN_AT_MOST = 0.05
"""...while no UN language reaches this."""


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(["en", "fr", "es"])
    return identifier


def detect_language(text: str, sample: int = 5000) -> str | None:
    """The UN language the text is written in, or None for text without letters.

    Han, Arabic and Cyrillic are told apart by script (a Chinese text counts as Chinese
    even with Latin document symbols in it); Latin-script text goes to py3langid
    restricted to English, French and Spanish.
    """
    head = text[:sample]
    counts = {lang: len(rx.findall(head)) for lang, rx in _SCRIPTS.items()}
    latin = len(_LATIN.findall(head))
    counts["zh"] *= 2  # one Han character carries about a word's worth of text
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0 and latin == 0:
        return None
    if counts[best] >= latin:
        return best
    language, _ = _identifier().classify(head)
    return language


@lru_cache(maxsize=1)
def _all_languages_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def unsupported_language(text: str, sample: int = 5000) -> str | None:
    """The ISO 639 code of the language ``text`` is written in when it is clearly none of
    the six UN languages (German, Japanese...); None for UN-language, mixed or short texts."""
    head = text[:sample]
    if len(_LETTER.findall(head)) < MIN_LETTERS:
        return None
    ranked = _all_languages_identifier().rank(head)
    best, probability = ranked[0]
    if best in LANGUAGES or probability < SURE:
        return None
    if max((p for lang, p in ranked if lang in LANGUAGES), default=0.0) > UN_AT_MOST:
        return None
    return best


def language_name(code: str) -> str:
    """An English name for an ISO 639 code (the code itself when unknown)."""
    import langcodes

    try:
        return langcodes.Language.get(code).display_name()
    except (ValueError, LookupError, ImportError):
        return code


def unsupported_message(code: str) -> str:
    """The sentence telling a user that undex does not cover a text's language."""
    return (
        f"the text looks like {language_name(code)} ({code}), which undex does not cover; "
        f"supported languages: {', '.join(LANGUAGES)} - subjects, if any, are unreliable"
    )
