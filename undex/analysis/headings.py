"""Headings of a UN document.

Marked headings carry a chapter or section marker ("I.", "A.", "一、", "（一）", "第一章",
"أولا -", "ألف -", "А."); they count when they open a short line without final
punctuation, or, inside flattened text, when a paragraph number or another heading follows
within a heading's length. Markers of one family must run on (I, II, III; A, B, C).
Numbered headings are a "1." on a short line of its own that is not a paragraph number.
Unmarked headings are short lines standing alone between blank lines, without final
punctuation, or in capitals.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

from undex.analysis.drafting import ANNEX_WORD, BODY_NAMES, DATE, JOB_NUMBER, SYMBOL
from undex.analysis.markers import HEADING_LEVEL, Lines, Marker, SpanSet, consecutive_runs

FINAL_PUNCTUATION = ".;,:。；，：、،؛!?！？"
_SENTENCE_END = re.compile(r"[。！？!?；;]|\.\s")
_SPACES = re.compile(r"\s+")

TOC_ENTRY = re.compile(
    r"(?:\.{3,}|…{2,}|(?:\s\.){3,}|·{3,}|[ \t]{3,})\s*\d+(?:\s*[-–]\s*\d+)?(?:\s+\d+)?\s*$"
    r"|\s\d+\s*[-–]\s*\d+\s+\d+\s*$"
)
"""A line of a table of contents: dot leaders or wide spacing, then paragraph and page numbers."""

_PAGE_FURNITURE = re.compile(r"^(?:page|página|pág\.|стр\.|страница|الصفحة)\s*\d+|^[-–\s\d/]+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading as written: ``label`` is its marker ("II", "A", "三"), None for an unmarked one."""

    start: int
    end: int
    level: int
    label: str | None
    text: str


def _shaped(lines: Lines, marker: Marker, longest: int = 150) -> bool:
    """Whether a marker at a line start opens a heading line: short, without final punctuation."""
    line = lines.at(marker.start)
    if TOC_ENTRY.search(lines.content(line)):
        return False
    rest = lines.text[marker.end : line.last].strip()
    if not rest:
        return marker.family != "number"
    return len(rest) <= longest and rest[-1] not in FINAL_PUNCTUATION and not rest[0].islower()


def _heading_gap(gap: str) -> bool:
    """Whether the text between an inline marker and what follows it can be a heading."""
    text = gap.strip()
    return 0 < len(text) <= 200 and "\n" not in text and not _SENTENCE_END.search(text)


def _followed(lines: Lines, inline: list[Marker], paragraph_starts: list[int]) -> list[Marker]:
    """Inline markers followed closely by a paragraph number or another such heading."""
    passing: list[Marker] = []
    next_heading: int | None = None
    for marker in sorted(inline, key=lambda m: m.start, reverse=True):
        i = bisect.bisect_right(paragraph_starts, marker.start)
        bounds = [paragraph_starts[i]] if i < len(paragraph_starts) else []
        if next_heading is not None and next_heading > marker.start:
            bounds.append(next_heading)
        if bounds and _heading_gap(lines.text[marker.end : min(bounds)]):
            passing.append(marker)
            next_heading = marker.start
    return passing[::-1]


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _end_of_heading(lines: Lines, marker: Marker, boundaries: list[int]) -> int:
    """Where a heading's text ends: at the next marker inside a flat line; otherwise at the
    end of its line, or of up to two following lines that continue it in lower case."""
    line_index = lines.index_at(marker.start)
    line = lines[line_index]
    if line.flat:
        i = bisect.bisect_right(boundaries, marker.start)
        end = min(boundaries[i], line.last) if i < len(boundaries) else line.last
        return marker.start + len(lines.text[marker.start : end].rstrip())
    end = line.last
    for following in lines[line_index + 1 : line_index + 3]:
        content = lines.content(following)
        if following.blank or following.flat or not content[0].islower() or following.last - marker.start > 250:
            break
        end = following.last
    return end


def marked_headings(
    lines: Lines, candidates: list[Marker], paragraph_starts: list[int], blocked: SpanSet
) -> list[Heading]:
    """Headings with a chapter or section marker, each family numbered consecutively."""
    usable = [c for c in candidates if c.start not in blocked]
    strong = [c for c in usable if c.line_start and not lines.at(c.start).flat and _shaped(lines, c)]
    inline = _followed(lines, [c for c in usable if lines.at(c.start).flat], paragraph_starts)
    chosen: dict[int, tuple[int, Marker]] = {}
    for family in HEADING_LEVEL:
        members = sorted((c for c in strong + inline if c.family == family), key=lambda m: m.start)
        runs = consecutive_runs(members, lambda run: len(run) >= 2 or not lines.at(run[0].start).flat)
        for run in runs:
            for marker in run:
                if marker.start not in chosen or len(run) > chosen[marker.start][0]:
                    chosen[marker.start] = (len(run), marker)
    markers = sorted((m for _, m in chosen.values()), key=lambda m: m.start)
    boundaries = sorted(paragraph_starts + [m.start for m in markers])
    return [_heading(lines, m, HEADING_LEVEL[m.family], boundaries) for m in markers]


def _heading(lines: Lines, marker: Marker, level: int, boundaries: list[int]) -> Heading:
    end = _end_of_heading(lines, marker, boundaries)
    return Heading(marker.start, end, level, marker.label, _fold(lines.text[marker.start : end]))


def numbered_headings(
    lines: Lines, numbers: list[Marker], paragraph_starts: list[int], blocked: SpanSet
) -> list[Heading]:
    """ "1. Freshwater" on a short line standing alone, not one of the numbered paragraphs."""
    taken = set(paragraph_starts)
    found = []
    for m in numbers:
        index = lines.index_at(m.start)
        if m.start in taken or not m.line_start or lines[index].flat or m.start in blocked:
            continue
        if _alone(lines, index) and _shaped(lines, m, longest=100):
            found.append(_heading(lines, m, HEADING_LEVEL["number"], []))
    return found


def _alone(lines: Lines, index: int) -> bool:
    """Whether a line stands between blank lines (or the ends of the text)."""
    return (index == 0 or lines[index - 1].blank) and (index + 1 == len(lines) or lines[index + 1].blank)


def _looks_like_heading(content: str) -> bool:
    if not 2 <= len(content) <= 100 or content[-1] in FINAL_PUNCTUATION or len(content.split()) > 14:
        return False
    if not content[0].isalpha() or content[0].islower():
        return False
    symbol = SYMBOL.search(content)
    furniture = (symbol and any(ch.isdigit() for ch in symbol.group(0))) or JOB_NUMBER.search(content)
    return not (
        furniture
        or DATE.search(content)
        or BODY_NAMES.match(content)
        or _PAGE_FURNITURE.match(content)
        or TOC_ENTRY.search(content)
    )


def unmarked_headings(lines: Lines, after: int, blocked: SpanSet, taken: set[int], level: int) -> list[Heading]:
    """Short lines standing alone between blank lines (or in capitals, or opening an
    annex), without final punctuation, with text after them; page headers repeated on
    every page are not headings."""
    counts: Counter[str] | None = None  # how often each line recurs, counted when first needed
    last = max((i for i, line in enumerate(lines) if not line.blank), default=0)
    found = []
    for i, line in enumerate(lines[:last]):
        if line.first < after or line.blank or line.flat or i in taken or line.first in blocked:
            continue
        content = lines.content(line)
        if not 2 <= len(content) <= 100:  # the cheapest test of _looks_like_heading, first
            continue
        capitals = content.isupper() and sum(ch.isalpha() for ch in content) >= 4
        annex = bool(ANNEX_WORD.fullmatch(content))
        if not (capitals or annex or _alone(lines, i)) or not _looks_like_heading(content):
            continue
        if counts is None:
            counts = Counter(lines.content(line) for line in lines if not line.blank and not line.flat)
        if counts[content] < 3:
            found.append(Heading(line.first, line.last, 1 if annex else level, None, _fold(content)))
    return found
