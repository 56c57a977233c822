"""Where a candidate's labels occur in the structure of a document.

Full-length UN documents say what they are about in particular places: the title and the
summary, the headings and the table of contents, the operative paragraphs of a resolution;
a section topic (SANITATION in a report's section on water) is dense in one section
without being frequent in the whole text. These facts are read from the document's parts
(:mod:`undex.analysis.structure`) and are the same in every language, so a ranker learned
on English full texts weighs them for Chinese or French ones too. A text without
recognisable parts (a catalogue record) gives none of them.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from undex.analysis.structure import DocumentStructure, Part, parse_structure

LEAD_KINDS = ("title", "summary")
"""Parts that say what the whole document is about."""
HEADING_KINDS = ("heading", "contents")
OPERATIVE_KINDS = ("operative",)


class _Spans:
    """Non-overlapping spans of one kind of part, for lookup by bisection."""

    def __init__(self, parts: Iterable[Part]) -> None:
        spans = sorted((p.start, p.end) for p in parts)
        self._starts = [start for start, _ in spans]
        self._ends = [end for _, end in spans]

    def __contains__(self, offset: int) -> bool:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]


@dataclass
class Placement:
    """Where the matches of one candidate are."""

    lead: bool = False
    heading: bool = False
    operative: int = 0
    sections: Counter[int] = field(default_factory=Counter)
    """Kept matches per section index."""


class DocumentLayout:
    """The parts of one document that the placement features look at."""

    def __init__(self, structure: DocumentStructure) -> None:
        self.lead = _Spans(structure.of_kind(*LEAD_KINDS))
        self.heading = _Spans(structure.of_kind(*HEADING_KINDS))
        self.operative = _Spans(structure.of_kind(*OPERATIVE_KINDS))
        sections = sorted(structure.sections(), key=lambda p: p.start)
        self._section_starts = [p.start for p in sections]
        self._section_ends = [p.end for p in sections]
        self.n_sections = len(sections)

    @classmethod
    def of(cls, text: str, language: str) -> DocumentLayout:
        return cls(parse_structure(text, language))

    def section_of(self, offset: int) -> int | None:
        """The index of the section containing ``offset`` (None: the front matter, the
        summary or the contents, which are no section)."""
        i = bisect.bisect_right(self._section_starts, offset) - 1
        return i if i >= 0 and offset < self._section_ends[i] else None

    def place(self, kept: Sequence[int], contained: Sequence[int]) -> Placement:
        """The placement of a candidate from the start offsets of its kept and contained
        matches (a contained match names the concept too, inside a longer label)."""
        placement = Placement()
        for offset in kept:
            section = self.section_of(offset)
            if section is not None:
                placement.sections[section] += 1
            placement.operative += offset in self.operative
        for offset in (*kept, *contained):
            placement.lead = placement.lead or offset in self.lead
            placement.heading = placement.heading or offset in self.heading
        return placement
