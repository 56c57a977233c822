"""Normalisation of short strings (labels, subject headings) for lookup."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_label(label: str) -> str:
    """Fold case, width, accents and whitespace so that label variants compare equal.

    ``"Coordination  within UN system"`` and ``"COORDINATION WITHIN UN SYSTEM"`` and
    ``"ｃｏｏｒｄｉｎａｔｉｏｎ..."`` all map to the same key.
    """
    text = unicodedata.normalize("NFKC", label).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", unicodedata.normalize("NFC", stripped)).strip()
