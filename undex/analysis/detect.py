"""Language detection limited to the six UN languages, offline and deterministic."""

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
