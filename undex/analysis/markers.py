"""The numbered units of a document: lines, paragraph numbers, heading markers, and the
consecutive runs (1, 2, 3 ... or I, II, III ... or A, B, C ...) they form.

Text extracted from PDF or Word comes two ways: in lines (a heading or a paragraph number
opens a line) or flattened, a whole document on a few very long lines. Markers are read at
line starts everywhere, and inside *flat* lines too. What makes a number a paragraph
number and not a figure in a sentence is that UN documents number their paragraphs
consecutively: the longest run n, n+1, n+2 ... in text order is kept, whatever the layout.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from undex.analysis.drafting import (
    ARABIC_LETTERS,
    ARABIC_ORDINALS,
    CYRILLIC_LETTERS,
    HAN_NUMERAL,
    han_value,
    roman_value,
)

FLAT_LINE = 600
"""A line longer than this is a flattened run of several paragraphs: markers are read inside it."""


class Line(NamedTuple):
    """One line: ``start``/``end`` without the line break, ``first``/``last`` without
    the surrounding white space; ``flat`` when longer than :data:`FLAT_LINE`."""

    start: int
    end: int
    first: int
    last: int
    blank: bool
    flat: bool


class SpanSet:
    """Spans of text, for asking whether an offset falls in one of them."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(s for s in spans if s[1] > s[0]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def __contains__(self, offset: int) -> bool:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]


class Lines(Sequence[Line]):
    """The lines of a text, with lookup of the line an offset is on."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[Line] = []
        offset = 0
        for raw in text.splitlines(keepends=True):
            body = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
            stripped = body.lstrip()
            first = offset + len(body) - len(stripped)
            last = offset + len(body.rstrip())
            self._lines.append(Line(offset, offset + len(body), first, last, first >= last, last - first > FLAT_LINE))
            offset += len(raw)
        self._starts = [line.start for line in self._lines]

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, index):  # type: ignore[override]
        return self._lines[index]

    def __iter__(self) -> Iterator[Line]:
        return iter(self._lines)

    def index_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def at(self, offset: int) -> Line:
        return self._lines[self.index_at(offset)]

    def opens_line(self, offset: int) -> bool:
        """Whether only white space stands between the start of its line and ``offset``."""
        return self.at(offset).first >= offset

    def content(self, line: Line) -> str:
        return self.text[line.first : line.last]


class Marker(NamedTuple):
    """A paragraph number or heading marker: ``family`` says which numbering it belongs
    to ("number", "roman", "han", "chapter", "ar_ordinal", "letter", "cyrillic",
    "han_paren", "ar_letter"), ``value`` its place in that numbering (1 for I, A, 一)."""

    start: int
    end: int
    family: str
    value: int
    line_start: bool
    label: str


_BEFORE = r"(?<![^\s\u3000-\u303f\u3400-\u9fff\uff00-\uffef])(?<!\d)"
"""A marker follows white space, the start of the text, or CJK text (unsegmented Chinese)."""

_NUMBER = re.compile(_BEFORE + r"(\d{1,3})(?:\s?[.。．](?=\s|[^\x00-\x7f])|\s?[-–](?=\s)|,(?=[ \t]+[A-Z]))[ \t\u3000]*")
"""A paragraph number: "12." followed by a space or by CJK or Arabic text ("12.《"), not
"5.A.2" or "1.5"; "12 -" as Arabic documents write it; "12, Decides" as OCR misreads
it (the last two only at a line start)."""
_HEADING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("roman", re.compile(_BEFORE + r"([IVXL]{1,7})[.．](?=\s|[\u3400-\u9fff])\s*")),
    ("letter", re.compile(_BEFORE + r"([A-Z])[.．](?=\s|[\u3400-\u9fff])\s*")),
    ("cyrillic", re.compile(_BEFORE + rf"([{CYRILLIC_LETTERS}])[.．](?=\s)\s*")),
    ("han", re.compile(rf"(?<![第{HAN_NUMERAL}百千万])([{HAN_NUMERAL}]{{1,3}})\s?[、.．]\s*")),
    ("han_paren", re.compile(rf"[（(]([{HAN_NUMERAL}]{{1,3}})[）)]\s*")),
    ("chapter", re.compile(rf"第\s?([{HAN_NUMERAL}]{{1,3}}|\d{{1,2}})\s?[章编編]\s*")),
    ("ar_ordinal", re.compile(r"(?<!\S)(" + "|".join(ARABIC_ORDINALS) + r")\u064b?\s?[-–.:]\s*")),
    ("ar_letter", re.compile(r"(" + "|".join(ARABIC_LETTERS) + r")\s?[-–.]\s+")),
)
_LONE = re.compile(r"([A-Z]|[IVXL]{2,7})")
"""A letter or numeral alone on its line ("A" over a group of operative paragraphs)."""

_ANCHOR = re.compile(r"[.．、。）)章编編\-–]")
"""The characters a marker ends with: inside a flat line, markers are looked for before them."""
_ANCHOR_FAMILIES = {
    ".": ("number", "roman", "letter", "cyrillic", "han"),
    "．": ("number", "roman", "letter", "cyrillic", "han"),
    "。": ("number",),
    "、": ("han",),
    ")": ("han_paren",),
    "）": ("han_paren",),
    "章": ("chapter",),
    "编": ("chapter",),
    "編": ("chapter",),
    "-": ("ar_ordinal",),
    "–": ("ar_ordinal",),
}
_LAST_MARKER_CHAR = set("IVXLABCDEFGHIJKLMNOPQRSTUVWXYZ" + CYRILLIC_LETTERS + HAN_NUMERAL + "ًا")
_PATTERNS = dict(_HEADING_PATTERNS) | {"number": _NUMBER}

HEADING_LEVEL = {
    "roman": 1,
    "han": 1,
    "chapter": 1,
    "ar_ordinal": 1,
    "letter": 2,
    "cyrillic": 2,
    "han_paren": 2,
    "ar_letter": 2,
    "number": 3,
}


def _value(family: str, token: str) -> int | None:
    if family == "number":
        return int(token)
    if family == "roman":
        return roman_value(token)
    if family == "letter":
        return ord(token) - ord("A") + 1
    if family == "cyrillic":
        return CYRILLIC_LETTERS.index(token) + 1
    if family in ("han", "han_paren"):
        return han_value(token)
    if family == "chapter":
        return int(token) if token.isdigit() else han_value(token)
    if family == "ar_ordinal":
        return ARABIC_ORDINALS.index(token) + 1
    return ARABIC_LETTERS.index(token) + 1


def _marker(family: str, m: re.Match[str], line_start: bool) -> Marker | None:
    value = _value(family, m.group(1))
    if not value:
        return None
    label = str(value) if family == "number" else m.group(1)
    return Marker(m.start(), m.end(), family, value, line_start, label)


def _families_opening_with(ch: str) -> tuple[str, ...]:
    """The marker families whose markers can open with ``ch``."""
    if ch.isdigit():
        return ("number",)
    if ch in "IVXL":
        return ("roman", "letter")
    if "A" <= ch <= "Z":
        return ("letter",)
    if ch in CYRILLIC_LETTERS:
        return ("cyrillic",)
    if ch in HAN_NUMERAL:
        return ("han",)
    if ch in "（(":
        return ("han_paren",)
    if ch == "第":
        return ("chapter",)
    return ("ar_ordinal", "ar_letter") if "\u0600" <= ch <= "\u06ff" else ()


def _line_start_markers(lines: Lines, line: Line) -> list[Marker]:
    text = lines.text
    families = _families_opening_with(text[line.first])
    if not families and line.last - line.first > 7:
        return []  # no marker opens with its first character, and too long for a lone one
    found = [_marker(f, m, True) for f in families if (m := _PATTERNS[f].match(text, line.first, line.last))]
    lone = _LONE.fullmatch(text, line.first, line.last) if line.last - line.first <= 7 else None
    if lone:
        token = lone.group(1)
        families = ("letter", "roman") if len(token) == 1 else ("roman",)
        found += [_marker(f, lone, True) for f in families if f == "letter" or set(token) <= set("IVXL")]
    return [m for m in found if m]


_TOKEN_CHARS = {
    "number": "0123456789",
    "roman": "IVXL",
    "letter": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "cyrillic": CYRILLIC_LETTERS,
    "han": HAN_NUMERAL,
    "han_paren": HAN_NUMERAL,
    "chapter": HAN_NUMERAL + "0123456789",
    "ar_ordinal": "".join(set("".join(ARABIC_ORDINALS))) + "\u064b",
}
_OPENING = {"han_paren": "（(", "chapter": "第"}


def _token_start(text: str, end: int, family: str, floor: int) -> int:
    """Where a marker of ``family`` would start if it ended just before ``end``."""
    chars = _TOKEN_CHARS[family]
    start = end - 1 if text[end - 1] in " \u3000" else end
    while start > floor and end - start < 10 and (text[start - 1] in chars or text[start - 1].isdigit()):
        start -= 1
    opening = _OPENING.get(family)
    if opening:
        start -= 1 if text[start - 1] in " \u3000" else 0
        start -= 1 if text[start - 1] in opening else 0
    return start


def _inline_markers(lines: Lines, line: Line) -> list[Marker]:
    """Markers inside a flat line, looked for just before each character a marker can
    end with (a handful of regex matches per sentence, whatever the line's length)."""
    text = lines.text
    found = []
    for anchor in _ANCHOR.finditer(text, line.first + 1, line.last):
        end = anchor.start()
        before = text[end - 1] if text[end - 1] not in " \u3000" else text[end - 2]
        if not (before.isdigit() or before in _LAST_MARKER_CHAR):
            continue
        for family in _ANCHOR_FAMILIES[anchor.group(0)]:
            start = _token_start(text, end, family, line.first)
            m = _PATTERNS[family].match(text, start, line.last)
            if m and m.end() > end:
                found.append(_marker(family, m, False))
    return [m for m in found if m]


def find_markers(lines: Lines) -> tuple[list[Marker], list[Marker]]:
    """Paragraph-number candidates ("12.", "12。", "١٢ -") and heading-marker candidates of
    every family ("I." is read both as a Roman numeral and as the ninth letter), at line
    starts and inside flat lines, in text order."""
    found: list[Marker] = []
    for line in lines:
        if line.blank:
            continue
        found += _line_start_markers(lines, line)
        if line.flat:
            found += _inline_markers(lines, line)
    found = sorted(set(found), key=lambda k: (k.start, k.family))
    numbers = [m for m in found if m.family == "number" and (m.line_start or _dotted(lines.text, m))]
    return numbers, [m for m in found if m.family != "number"]


def _dotted(text: str, marker: Marker) -> bool:
    """Whether a paragraph number ends with a full stop (the "1 -" form opens lines only)."""
    return any(ch in text[marker.start : marker.end] for ch in ".。．")


def _best_chain(markers: Sequence[Marker]) -> list[int]:
    """Indices of the longest run numbered n, n+1, n+2 ... in text order; among equally
    long runs, the one with more markers opening a line, then the one that starts last
    (a resolution's paragraphs 1-5 do not run on into its annex's 6-17)."""
    best_by_value: dict[int, tuple[tuple[int, int, int], int]] = {}
    previous = [-1] * len(markers)
    first = list(range(len(markers)))
    scores: list[tuple[int, int, int]] = []
    for i, marker in enumerate(markers):
        score = (1, int(marker.line_start), marker.start)
        before = best_by_value.get(marker.value - 1)
        if before is not None and markers[before[1]].start < marker.start:
            (length, line_starts, _), j = before
            first[i] = first[j]
            score = (length + 1, line_starts + int(marker.line_start), markers[first[i]].start)
            previous[i] = j
        scores.append(score)
        current = best_by_value.get(marker.value)
        if current is None or score > current[0]:
            best_by_value[marker.value] = (score, i)
    if not markers:
        return []
    i = max(range(len(markers)), key=lambda k: scores[k])
    chain = []
    while i >= 0:
        chain.append(i)
        i = previous[i]
    return chain[::-1]


def consecutive_runs(markers: Sequence[Marker], accept: Callable[[list[Marker]], bool]) -> list[list[Marker]]:
    """Runs of consecutive numbering, each in text order and none inside the span of
    another: a report's paragraphs 1-50, then an annex's 1-8. The longest run is taken
    first, then the longest before it and after it, and so on."""
    runs: list[list[Marker]] = []
    pending = [(0, len(markers))]
    while pending:
        lo, hi = pending.pop()
        if lo >= hi:
            continue
        indices = _best_chain(markers[lo:hi])
        chain = [markers[lo + i] for i in indices]
        if not accept(chain):
            continue
        runs.append(chain)
        pending += [(lo, lo + indices[0]), (lo + indices[-1] + 1, hi)]
    return sorted(runs, key=lambda run: run[0].start)
