"""The opening of a UN document: the symbol block (symbol, distribution, date, session,
agenda item) and the title on the first page, the summary, and the table of contents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from undex.analysis.drafting import (
    BODY_NAMES,
    CONTENTS_WORD,
    DATE,
    FRONT_MARK,
    JOB_NUMBER,
    SESSION,
    SUMMARY_WORD,
    SYMBOL,
)
from undex.analysis.headings import TOC_ENTRY
from undex.analysis.markers import Lines, SpanSet

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_STARS = re.compile(r"[\s*＊]*")
_SPACES = re.compile(r"\s+")
LONGEST_TITLE = 400
LONGEST_FRONT_BLOCK = 400
"""A block of lines longer than this before any other part is prose, not the first page's furniture."""


@dataclass(frozen=True, slots=True)
class Span:
    kind: str
    start: int
    end: int
    heading: str | None = None


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether a heading word found inside flat text stands as a word of its own."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if _HAN.match(text[end - 1]):
        return not _HAN.match(before) and not before.isalnum()
    return not before.isalnum() and not after.isalnum() and not text[start].islower()


def heading_word(
    lines: Lines, word: re.Pattern[str], limit: int, skip: SpanSet | None = None
) -> tuple[int, int] | None:
    """The first line that is only ``word`` ("Summary", "目录"), or the word standing alone
    inside a flat line, before ``limit`` and outside ``skip``."""
    text = lines.text
    for line in lines:
        if line.first >= limit:
            break
        if line.blank or (skip and line.first in skip):
            continue
        if not line.flat:
            if word.fullmatch(lines.content(line).rstrip(":： ")):
                return line.first, line.last
            continue
        for m in word.finditer(text, line.first, min(line.last, limit)):
            if _stands_alone(text, m.start(), m.end()):
                return m.start(), m.end()
    return None


def summary_heading(lines: Lines, limit: int, contents: SpanSet) -> tuple[int, int] | None:
    """The heading of the summary, before the first heading or numbered paragraph."""
    return heading_word(lines, SUMMARY_WORD, limit, contents)


def contents_heading(lines: Lines) -> tuple[int, int] | None:
    """The heading of a table of contents on the first pages."""
    return heading_word(lines, CONTENTS_WORD, max(3000, len(lines.text) * 3 // 10))


def contents_end(lines: Lines, heading: tuple[int, int]) -> int | None:
    """Where a table of contents laid out in lines ends: after its last entry (dot leaders,
    paragraph and page numbers). None when it is not laid out in lines."""
    index = lines.index_at(heading[0])
    if lines[index].flat:
        return None
    last_entry, misses = None, 0
    for line in lines[index + 1 :]:
        if line.blank:
            continue
        if TOC_ENTRY.search(lines.content(line)):
            last_entry, misses = line.last, 0
            continue
        misses += 1
        if misses > 3:
            break
    return last_entry


def is_front_matter(content: str) -> bool:
    """Whether a line of the first page is furniture rather than title."""
    symbol = SYMBOL.search(content)
    return bool(
        (symbol and any(ch.isdigit() for ch in symbol.group(0)))
        or DATE.search(content)
        or FRONT_MARK.search(content)
        or (len(content) <= 60 and SESSION.search(content))
        or BODY_NAMES.match(content)
        or JOB_NUMBER.search(content)
        or content.startswith(("*", "＊"))
        or not any(ch.isalpha() for ch in content)
    )


def prose_start(lines: Lines, limit: int) -> int:
    """The first block of lines before ``limit`` long enough to be prose, or ``limit``."""
    block_start, size = None, 0
    for line in lines:
        if line.first >= limit:
            break
        if line.blank:
            block_start, size = None, 0
            continue
        if line.flat and line.last <= limit:
            return line.first
        block_start = line.first if block_start is None else block_start
        size += line.last - line.first
        if size > LONGEST_FRONT_BLOCK and not is_front_matter(lines.content(line)):
            return block_start
    return limit


def _symbol_of(text: str) -> str | None:
    return next((m.group(0) for m in SYMBOL.finditer(text) if any(ch.isdigit() for ch in m.group(0))), None)


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def front_parts(lines: Lines, end: int) -> list[Span]:
    """The symbol block(s) and the title within the first ``end`` characters."""
    text = lines.text
    first = next((line for line in lines if not line.blank), None)
    if first is None or first.first >= end:
        return []
    if first.flat and first.last >= end:
        return _flat_front(text, first.first, end)
    segments = []
    for line in lines:
        if line.first >= end:
            break
        if not line.blank:
            last = min(line.last, end)
            segments.append((line.first, last, is_front_matter(text[line.first : last])))
    runs: list[list[tuple[int, int, bool]]] = []
    for segment in segments:
        if runs and runs[-1][-1][2] == segment[2]:
            runs[-1].append(segment)
        else:
            runs.append([segment])
    spans = [Span("symbol", r[0][0], r[-1][1], _symbol_of(text[r[0][0] : r[-1][1]])) for r in runs if r[0][2]]
    titles = [r for r in runs if not r[0][2] and r[-1][1] - r[0][0] <= LONGEST_TITLE]
    if titles:
        start, stop = titles[-1][0][0], titles[-1][-1][1]
        spans.append(Span("title", start, stop, _fold(text[start:stop])))
    return sorted(spans, key=lambda s: s.start)


def _flat_front(text: str, start: int, end: int) -> list[Span]:
    """The first page flattened into one line: furniture up to the last symbol, date or
    agenda item, the title after it."""
    last = None
    for pattern in (SYMBOL, DATE, FRONT_MARK, SESSION):
        for m in pattern.finditer(text, start, end):
            if pattern is not SYMBOL or any(ch.isdigit() for ch in m.group(0)):
                last = max(last or 0, m.end())
    if last is None:
        return []
    stop = _STARS.match(text, last).end()
    spans = [Span("symbol", start, min(last, end), _symbol_of(text[start:last]))]
    title_end = start + len(text[start:end].rstrip(" \t*＊"))
    if stop < title_end and title_end - stop <= LONGEST_TITLE:
        spans.append(Span("title", stop, title_end, _fold(text[stop:title_end])))
    return spans
