"""The parts of a UN document, with character offsets into the original text.

>>> s = parse_structure("Resolution 1 (2046)\\n\\nThe Security Council,\\n\\nRecalling its resolutions,\\n\\n"
...                     "1. Decides to remain seized of the matter.\\n", language="en")
>>> [(p.kind, p.number) for p in s.parts]
[('front', None), ('title', None), ('body', None), ('preamble', None), ('operative', '1')]
>>> part_label(s, s.parts[-1].start + 3)
'operative 1'

The top-level parts follow one another without gaps, so that every offset is in one of
them: ``front`` (the first page's ``symbol`` block and ``title``), ``summary``,
``contents``, ``section`` (a heading and what follows it up to the next heading) and
``body`` (what no heading opens). Inside them are the ``heading`` of a section, numbered
``paragraph``\\s, and, in a resolution, ``preamble`` and ``operative`` paragraphs.
Text extracted from PDF or Word, pre-segmented and unsegmented Chinese, Simplified and
Traditional, read alike; a text with no recognisable parts is one ``body``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from undex.analysis.base import TextCache
from undex.analysis.detect import LANGUAGES, detect_language
from undex.analysis.frontmatter import (
    contents_end,
    contents_heading,
    front_parts,
    is_front_matter,
    prose_start,
    summary_heading,
)
from undex.analysis.headings import Heading, marked_headings, numbered_headings, unmarked_headings
from undex.analysis.markers import Lines, Marker, SpanSet, consecutive_runs, find_markers
from undex.analysis.resolution import Resolution, operative_run, preamble_before, unnumbered_resolution
from undex.errors import InputError

TOP_LEVEL = ("front", "summary", "contents", "section", "body")


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a document: ``text[start:end]``.

    ``level`` is a heading's depth (1 for "I.", 2 for "A.", 3 for "1." or an unmarked
    heading) on ``section`` and ``heading`` parts, 0 elsewhere; ``heading`` is a
    section's heading, the summary's or contents' heading word, the symbol of a symbol
    block, the text of a title; ``number`` is a paragraph's number or a heading's marker.
    """

    kind: str
    start: int
    end: int
    level: int = 0
    heading: str | None = None
    number: str | None = None

    def __contains__(self, offset: int) -> bool:
        return self.start <= offset < self.end


@dataclass(frozen=True)
class DocumentStructure:
    """The parts of one text, outer parts before the parts inside them."""

    length: int
    parts: tuple[Part, ...]
    language: str | None = None
    _leaf_starts: list[int] = field(init=False, repr=False, compare=False)
    _leaf_parts: list[Part] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        leaves = _leaf_partition(self.parts)
        object.__setattr__(self, "_leaf_starts", [offset for offset, _ in leaves])
        object.__setattr__(self, "_leaf_parts", [part for _, part in leaves])

    def part_at(self, offset: int) -> Part:
        """The innermost part containing ``offset`` (the last part for the end of the text)."""
        if not 0 <= offset <= self.length:
            raise InputError(f"offset {offset} is outside the text (0 to {self.length})")
        return self._leaf_parts[max(0, bisect.bisect_right(self._leaf_starts, offset) - 1)]

    def parts_at(self, offset: int) -> list[Part]:
        """Every part containing ``offset``, outermost first."""
        innermost = self.part_at(offset)
        return [p for p in self.parts if p.start <= offset < p.end or p is innermost]

    def of_kind(self, *kinds: str) -> list[Part]:
        return [p for p in self.parts if p.kind in kinds]

    def sections(self) -> list[Part]:
        """The spans between headings: each ``section`` and each ``body`` part (the text
        before the first heading is a section without one)."""
        return self.of_kind("section", "body")

    @property
    def symbol(self) -> str | None:
        """The document symbol of the first page ("S/RES/1454 (2002)"), if one was found."""
        return next((p.heading for p in self.of_kind("symbol") if p.heading), None)


def _leaf_partition(parts: tuple[Part, ...]) -> list[tuple[int, Part]]:
    """(offset, innermost part from there on), for lookup by bisection."""
    leaves: list[tuple[int, Part]] = []
    stack: list[Part] = []

    def close_until(offset: int) -> None:
        while stack and stack[-1].end <= offset:
            ended = stack.pop()
            if stack:
                leaves.append((ended.end, stack[-1]))

    for part in parts:
        close_until(part.start)
        leaves.append((part.start, part))
        stack.append(part)
    close_until(max((p.end for p in parts), default=0))
    deduplicated: dict[int, Part] = {}
    for offset, part in leaves:
        deduplicated[offset] = part
    return sorted(deduplicated.items(), key=lambda item: item[0])


def part_label(structure: DocumentStructure, offset: int) -> str:
    """A short name of the part an offset is in: "summary", "operative 3", "section II"."""
    part = structure.part_at(offset)
    return f"{part.kind} {part.number}" if part.number else part.kind


_PARSED: TextCache[tuple[str, str | None], DocumentStructure] = TextCache(max_texts=256)
"""The structures of the texts parsed last: suggesting with evidence reads a text's parts
twice (to rank the candidates, then to name the part of each piece of evidence)."""


def forget_parsed() -> None:
    """Forget the parsed structures (to time parsing them again)."""
    _PARSED.clear()


def parse_structure(text: str, language: str | None = None) -> DocumentStructure:
    """Read the parts of a UN document. ``language`` (ar zh en fr ru es) is detected when
    not given; it decides how resolution paragraphs are recognised."""
    if language is not None and language not in LANGUAGES:
        raise InputError(f"unsupported language {language!r}; use one of {', '.join(LANGUAGES)}")
    found = _PARSED.get((text, language))
    if found is None:
        found = _parse(text, language)
        _PARSED.put((text, language), found, len(text))
    return found


def _parse(text: str, language: str | None) -> DocumentStructure:
    if not text.strip():
        return DocumentStructure(len(text), (Part("body", 0, len(text)),), language)
    language = language or detect_language(text) or "en"
    return DocumentStructure(len(text), tuple(_Reader(text, language).parts()), language)


class _Reader:
    """Finds the parts of one text, each step using what the steps before it found."""

    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language
        self.lines = Lines(text)

    def parts(self) -> list[Part]:
        self._read_contents()
        self._read_numbering()
        self._read_opening()
        regions = self._regions()
        paragraphs = self._paragraphs()
        return regions.build(front_parts(self.lines, self.front_end), paragraphs)

    def _read_contents(self) -> None:
        """The table of contents first: its entries look like headings and paragraphs."""
        self.contents = contents_heading(self.lines)
        stop = contents_end(self.lines, self.contents) if self.contents else None
        self.contents_stop = stop
        self.laid_out = [(self.contents[0], stop)] if self.contents and stop else []

    def _read_numbering(self) -> None:
        """Numbered paragraphs, then the headings between them."""
        laid_out = SpanSet(self.laid_out)
        numbers, candidates = find_markers(self.lines)
        numbers = [m for m in numbers if m.start not in laid_out]
        self.runs = consecutive_runs(numbers, _paragraph_run)
        self.starts = sorted(m.start for run in self.runs for m in run)
        self.headings = marked_headings(self.lines, candidates, self.starts, laid_out)
        taken = SpanSet([*self.laid_out, *_spans(self.headings)])
        self.headings += numbered_headings(self.lines, numbers, self.starts, taken)

    def _read_opening(self) -> None:
        """The summary, the resolution paragraphs, and where the first page ends."""
        heading_starts = [h.start for h in self.headings]
        first = min(self.starts[:1] + heading_starts, default=len(self.text))
        self.summary = summary_heading(self.lines, first, SpanSet(self.laid_out))
        self.resolutions = self._resolutions()
        self.openings = [r.opener or r.preamble[0].start for r, _ in self.resolutions if r.preamble]
        opening = [s[0] for s in (self.summary, self.contents) if s]
        structured = bool(self.starts or self.headings or self.openings or opening)
        self.front_end = self._front_end(min([first, *self.openings, *opening]), structured)

    def _regions(self) -> _Regions:
        """Front, summary, contents, then a section for every heading outside them."""
        regions = _Regions(self.text)
        regions.add("front", 0, self.front_end)
        starts = sorted(set(self.starts + [h.start for h in self.headings] + self.openings))
        openings = sorted(s[0] for s in (self.summary, self.contents) if s)
        for kind, span in (("summary", self.summary), ("contents", self.contents)):
            if span:
                laid_out = self.contents_stop if kind == "contents" else None
                stop = min(laid_out or _next_after(starts, span[1]), _next_after(openings, span[0]))
                regions.add(kind, span[0], stop, self.text[span[0] : span[1]])
        blocked = SpanSet(regions.spans() + _spans(self.headings))
        taken = {self.lines.index_at(s) for s in self.starts + [h.start for h in self.headings]}
        level = 3 if any(h.level == 1 for h in self.headings) else 1
        self.headings += unmarked_headings(self.lines, self.front_end, blocked, taken, level)
        opening = SpanSet(regions.spans())
        for heading in self.headings:
            if heading.start not in opening:
                regions.section(heading)
        return regions

    def _resolutions(self) -> list[tuple[Resolution, list[Marker] | None]]:
        """(resolution, its numbered run) for each run that a preamble precedes or whose
        paragraphs read as operative ones; (resolution, None) for an unnumbered one."""
        found: list[tuple[Resolution, list[Marker] | None]] = []
        opening_ends = [s[1] for s in (self.summary, self.contents) if s]
        ends = sorted([h.end for h in self.headings] + opening_ends)
        previous_end = 0
        for run in self.runs:
            end = _before_headings(self.text, run[0].start, self.headings)
            start = max([previous_end] + [e for e in ends if e <= end])
            resolution = preamble_before(self.lines, start, end, run, self.language)
            if resolution or operative_run(self.text, run, self.language):
                found.append((resolution or Resolution(None, [], []), run))
            previous_end = run[-1].end
        if not self.runs:
            resolution = unnumbered_resolution(self.lines, max([0, *opening_ends]), len(self.text), self.language)
            if resolution:
                found.append((resolution, None))
        return found

    def _front_end(self, structure_start: int, structured: bool) -> int:
        end = min(structure_start, prose_start(self.lines, structure_start))
        if structured or end == 0:
            return end
        front_lines = [line for line in self.lines if line.last <= end and not line.blank]
        matter = [line.last for line in front_lines if is_front_matter(self.lines.content(line))]
        return max(matter, default=0)

    def _paragraphs(self) -> list[Part]:
        """Numbered, preambular and operative paragraphs, each ending where the next part opens."""
        operative_runs = {id(run) for _, run in self.resolutions if run is not None}
        bounds = sorted(set(self.starts) | {h.start for h in self.headings})
        parts = []
        for run in self.runs:
            kind = "operative" if id(run) in operative_runs else "paragraph"
            for marker, following in zip(run, run[1:] + [None], strict=False):
                end = following.start if following else self._run_end(marker)
                end = min(end, _next_after(bounds, marker.start))
                parts.append(Part(kind, marker.start, end, number=marker.label))
        for resolution, _ in self.resolutions:
            parts += [Part("preamble", b.start, b.end) for b in resolution.preamble]
            parts += [Part("operative", b.start, b.end) for b in resolution.operative]
        return parts

    def _run_end(self, marker: Marker) -> int:
        """Where the last paragraph of a run ends: with its line in flat text, else before
        the first block after a blank line that does not continue it ("(a)", lower case)."""
        index = self.lines.index_at(marker.start)
        line = self.lines[index]
        if line.flat:
            return len(self.text) if index == len(self.lines) - 1 else line.last
        end, after_blank = line.last, False
        for following in self.lines[index + 1 :]:
            if following.blank:
                after_blank = True
                continue
            content = self.lines.content(following)
            if after_blank and not (content[0] in "(（-–—•·" or content[0].islower()):
                break
            end, after_blank = following.last, False
        return end


def _paragraph_run(run: list[Marker]) -> bool:
    """Whether a run of numbers is a document's paragraphs: a run from 1, or of three, or
    of two numbers opening lines."""
    at_line_starts = sum(m.line_start for m in run)
    if run[0].value == 1:
        return len(run) >= 2 or at_line_starts == 1
    return len(run) >= 3 or (len(run) == 2 and at_line_starts == 2)


def _before_headings(text: str, offset: int, headings: list[Heading]) -> int:
    """``offset``, or the start of the headings standing right before it ("A" over the
    operative paragraphs of a resolution)."""
    starts_by_end = {h.end: h.start for h in headings}
    while True:
        end = offset
        while end > 0 and text[end - 1].isspace():
            end -= 1
        if end not in starts_by_end:
            return offset
        offset = starts_by_end[end]


def _spans(headings: list[Heading]) -> list[tuple[int, int]]:
    return [(h.start, h.end) for h in headings]


def _next_after(offsets: list[int], offset: int) -> int:
    i = bisect.bisect_right(offsets, offset)
    return offsets[i] if i < len(offsets) else 1 << 62


class _Regions:
    """The top-level parts: front, summary, contents and sections where they open, body
    in between; white space between two parts belongs to the one before it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.opened: list[tuple[int, int, str, str | None]] = []
        self.headings: dict[int, Heading] = {}

    def add(self, kind: str, start: int, end: int, heading: str | None = None) -> None:
        if end > start:
            self.opened.append((start, min(end, len(self.text)), kind, heading))

    def section(self, heading: Heading) -> None:
        self.opened.append((heading.start, len(self.text), "section", heading.text))
        self.headings[heading.start] = heading

    def spans(self) -> list[tuple[int, int]]:
        return [(start, end) for start, end, *_ in self.opened]

    def build(self, front: list, inner: list[Part]) -> list[Part]:
        top = self._top_level()
        parts: list[Part] = list(top)
        for part in top:
            if part.kind == "front":
                parts += [Part(s.kind, s.start, s.end, heading=s.heading) for s in front]
            elif part.kind == "section":
                h = self.headings[part.start]
                parts.append(Part("heading", h.start, min(h.end, part.end), h.level, h.text, h.label))
        starts = [p.start for p in top]
        for part in inner:
            owner = top[max(0, bisect.bisect_right(starts, part.start) - 1)]
            if part.start < owner.end and owner.kind in ("section", "body"):
                parts.append(Part(part.kind, part.start, min(part.end, owner.end), number=part.number))
        return sorted(parts, key=lambda p: (p.start, -p.end, p.kind not in TOP_LEVEL))

    def _top_level(self) -> list[Part]:
        opened = sorted(self.opened, key=lambda o: o[0])
        top: list[Part] = []
        cursor = 0
        for index, (start, end, kind, heading) in enumerate(opened):
            if start < cursor:
                continue
            self._fill(top, cursor, start)
            following = opened[index + 1][0] if index + 1 < len(opened) else len(self.text)
            end = following if kind == "section" else min(end, following)
            mark = self.headings.get(start) if kind == "section" else None
            top.append(Part(kind, start, end, mark.level if mark else 0, heading, mark.label if mark else None))
            cursor = end
        self._fill(top, cursor, len(self.text))
        return top

    def _fill(self, top: list[Part], start: int, end: int) -> None:
        """A body part for ``[start, end)``, or, for white space, the part before it extended."""
        if end <= start:
            return
        if top and not self.text[start:end].strip():
            last = top[-1]
            top[-1] = Part(last.kind, last.start, end, last.level, last.heading, last.number)
        else:
            top.append(Part("body", start, end))
