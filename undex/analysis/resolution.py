"""The two parts of a resolution: preambular paragraphs, then operative paragraphs.

A resolution opens with its author ("The Security Council,", "L'Assemblée générale,",
"安全理事会，"), then unnumbered preambular paragraphs that open with a participle or an
adjective and end with a comma, then operative paragraphs, usually numbered, that open
with a verb and end with a semicolon (the last with a full stop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from undex.analysis.drafting import (
    AUTHOR,
    JOB_NUMBER,
    PREAMBLE_END,
    PREAMBLE_LINKS,
    SYMBOL,
    opens_operative,
    opens_preamble,
)
from undex.analysis.markers import Lines, Marker

_BREAK_AFTER = ",，،;；؛:：.。"
_COMMA_IN_FLAT_LINE = re.compile(r"[,，،](?:\s+\d{1,3}(?=\s))*\s+")
"""A comma, and the footnote numbers after it, where a new block may open inside a flat line."""
_CONTINUATION = re.compile(r"[(（\-–—•·]|[a-zа-яё]")
SEMICOLONS = ";；؛"


@dataclass(frozen=True, slots=True)
class Block:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Resolution:
    """Preambular paragraphs (start, end) and unnumbered operative paragraphs found in a span."""

    opener: int | None
    preamble: list[Block]
    operative: list[Block]


def tail(text: str, start: int = 0, end: int | None = None) -> str:
    """The last character of ``text[start:end]``, a paragraph, before trailing footnote
    numbers ("... 1951, 9"); read backwards, without copying the paragraph."""
    stop = _before_spaces(text, start, len(text) if end is None else end)
    for _ in range(3):
        digits = stop
        while digits > start and stop - digits <= 3 and text[digits - 1].isdigit():
            digits -= 1
        if digits == stop or stop - digits > 3 or digits == start or not text[digits - 1].isspace():
            break
        stop = _before_spaces(text, start, digits)
    return text[stop - 1] if stop > start else ""


def _before_spaces(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def ends_preamble(text: str) -> bool:
    """Whether a paragraph ends the way a preambular one does: with a comma, or with
    "; and" as older resolutions link them."""
    if tail(text) in PREAMBLE_END:
        return True
    words = text[-12:].split()
    return bool(words) and words[-1] in PREAMBLE_LINKS


def _furniture(text: str) -> bool:
    """A page header or footer standing between paragraphs (symbol, job number, page number)."""
    stripped = text.strip()
    symbol = SYMBOL.fullmatch(stripped)
    return not stripped or bool(symbol or JOB_NUMBER.fullmatch(stripped)) or stripped.isdigit()


def _lead_in(text: str) -> bool:
    """A short line that introduces the operative paragraphs ("Resolves:", "Decides:")."""
    stripped = text.strip()
    return len(stripped) <= 80 and stripped[-1:] in ":："


def _continues(text: str, language: str) -> bool:
    """Whether a line continues the paragraph before it rather than opening one: it opens
    with a digit, a bracket (a sub-item "(a)") or, unless it opens the way a resolution
    paragraph does, a lower-case letter."""
    head = text[:1]
    if head.isdigit() or head in "(（[":
        return True
    return head.islower() and not (opens_preamble(text, language) or opens_operative(text, language))


def blocks(lines: Lines, start: int, end: int, language: str) -> list[Block]:
    """Paragraph-like blocks of ``[start, end)``: a block opens a line that follows a blank
    line or a line ending in punctuation, unless the line continues the one before; inside
    a flat line, a block opens after a comma and at the author of a resolution."""
    text = lines.text
    starts: list[int] = []
    previous = None
    for index in range(lines.index_at(start), len(lines)):
        line = lines[index]
        if line.start >= end:
            break
        if line.blank:
            previous = None
            continue
        opens = previous is None or tail(text, previous.first, previous.last) in _BREAK_AFTER
        if opens and line.first >= start and not (starts and _continues(text[line.first : line.first + 60], language)):
            starts.append(line.first)
        if line.flat:
            span = (max(line.first, start), min(line.last, end))
            starts += [m.end() for m in _COMMA_IN_FLAT_LINE.finditer(text, *span)]
            starts += [m.start() for m in AUTHOR.finditer(text, *span)]
        previous = line
    starts = sorted(set(starts))
    if not starts or starts[0] > start:
        starts.insert(0, start)
    bounds = starts + [end]
    return [Block(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()]


def _paragraphs(text: str, group: list[Block], language: str, opens) -> list[Block]:
    """Blocks merged into paragraphs: a paragraph opens at a block that ``opens`` says is
    a new one; the blocks after it that do not open one continue it."""
    merged: list[Block] = []
    for block in group:
        if not merged or opens(text[block.start : block.end], language):
            merged.append(block)
        else:
            merged[-1] = Block(merged[-1].start, block.end)
    return merged


def preamble_before(lines: Lines, start: int, end: int, run: list[Marker], language: str) -> Resolution | None:
    """The preambular paragraphs of ``[start, end)`` that end where the numbered
    paragraphs of ``run`` begin (after a lead-in such as "Resolves:"), if the run reads
    as operative or one of them ends with a comma."""
    text = lines.text
    found = blocks(lines, start, end, language)
    preamble: list[Block] = []
    for block in reversed(found):
        piece = text[block.start : block.end]
        if _furniture(piece) or (not preamble and _lead_in(piece)):
            continue
        if _opener(piece) or not (opens_preamble(piece, language) or ends_preamble(piece)):
            break
        preamble.append(block)
    preamble.reverse()
    return _preamble_from(text, preamble, found, language, end, operative_run(text, run, language))


def _preamble_from(
    text: str, run: list[Block], found: list[Block], language: str, end: int, confirmed: bool
) -> Resolution | None:
    """The preamble in ``run`` from its first preambular opening; unless operative
    paragraphs are known to follow (``confirmed``), one of them must end with a comma."""
    first = next((i for i, b in enumerate(run) if opens_preamble(text[b.start : b.end], language)), None)
    if first is None:
        return None
    paragraphs = _paragraphs(text, run[first:], language, opens_preamble)
    if paragraphs:
        paragraphs[-1] = Block(paragraphs[-1].start, end)
    if not confirmed and not any(ends_preamble(text[p.start : p.end]) for p in paragraphs):
        return None
    index = found.index(run[first])
    opened = index and tail(text, found[index - 1].start, run[first].start) in PREAMBLE_END
    opener = found[index - 1].start if opened else None
    return Resolution(opener, paragraphs, [])


def _opener(text: str) -> bool:
    """Whether a block is the author line that opens a resolution ("The Security Council,")."""
    return bool(AUTHOR.fullmatch(text.strip()))


def unnumbered_resolution(lines: Lines, start: int, end: int, language: str) -> Resolution | None:
    """A resolution without paragraph numbers: after its author line, or from its first
    preambular paragraph, preambular paragraphs, then paragraphs that open with an
    operative verb."""
    text = lines.text
    found = blocks(lines, start, end, language)
    opener = next((i for i, b in enumerate(found) if _opener(text[b.start : b.end])), None)
    if opener is not None:
        first = opener + 1
    else:
        first = next((i for i, b in enumerate(found) if opens_preamble(text[b.start : b.end], language)), None)
        if first is None:
            return None
    index = first
    while index < len(found):
        piece = text[found[index].start : found[index].end]
        if opens_operative(piece, language) and not opens_preamble(piece, language):
            break
        if not (_furniture(piece) or opens_preamble(piece, language) or ends_preamble(piece)):
            break
        index += 1
    operative = _operative_blocks(text, found[index:], language)
    stop = found[index].start if index < len(found) else end
    preamble = _preamble_from(text, found[first:index], found, language, stop, bool(operative))
    if preamble is None and not (opener is not None and operative):
        return None
    opened = found[opener].start if opener is not None else preamble.opener if preamble else None
    return Resolution(opened, preamble.preamble if preamble else [], operative)


def _operative_blocks(text: str, found: list[Block], language: str) -> list[Block]:
    group: list[Block] = []
    for block in found:
        piece = text[block.start : block.end]
        if opens_operative(piece, language) or (group and _CONTINUATION.match(piece.lstrip())):
            group.append(block)
        elif not _furniture(piece):
            break
    return _paragraphs(text, group, language, opens_operative)


def operative_run(text: str, run: list[Marker], language: str) -> bool:
    """Whether numbered paragraphs read as operative ones: most open with an operative
    verb or end with a semicolon."""
    votes = 0
    for marker, following in zip(run, run[1:] + [None], strict=False):
        end = following.start if following else min(len(text), marker.end + 300)
        opening = text[marker.end : min(end, marker.end + 200)]
        votes += opens_operative(opening, language) or tail(text, marker.end, end) in SEMICOLONS
    return votes * 2 >= len(run)
