"""Suggest time on long documents: milliseconds per document of 2k, 20k and 100k characters,
built by joining real test documents of the project's language, to show whether suggest time
grows linearly with length."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runner import log
from sidebyside import Suggester, write_texts

LENGTHS = {2_000: 20, 20_000: 5, 100_000: 2}  # characters: documents timed at that length


def long_documents(texts: list[str], chars: int, count: int) -> list[str]:
    """``count`` documents of exactly ``chars`` characters, cut from the texts joined in order
    (repeated when they are shorter) at evenly spread starting offsets."""
    joined = "\n\n".join(texts)
    if not joined.strip():
        raise ValueError("no text to build long documents from")
    offsets = [k * len(joined) // count for k in range(count)]
    repeats = (max(offsets) + chars) // len(joined) + 1
    stream = "\n\n".join([joined] * repeats)
    return [stream[offset : offset + chars] for offset in offsets]


@dataclass
class LongDocRow:
    tool: str
    project: str
    language: str
    milliseconds: dict[int, float] = field(default_factory=dict)  # CPU time of the suggesting process
    wall_milliseconds: dict[int, float] = field(default_factory=dict)
    note: str = ""

    def per_thousand(self, chars: int) -> float:
        return self.milliseconds[chars] / (chars / 1000)

    def growth(self) -> float:
        """Cost per character at the longest length over that at the shortest: 1.0 is linear."""
        shortest, longest = min(self.milliseconds), max(self.milliseconds)
        return self.per_thousand(longest) / self.per_thousand(shortest)


def measure_long_documents(
    suggester: Suggester, entries: list[tuple[str, str, str]], texts: dict[str, list[str]], docs_dir: Path
) -> list[LongDocRow]:
    """Time each (tool, project, language) on documents of every length in ``LENGTHS``; a
    language without real text gets a row that says so."""
    rows = []
    for tool, project, language in entries:
        row = LongDocRow(tool, project, language)
        rows.append(row)
        if language not in texts:
            row.note = f"not measured: no real {language} text in ../shared"
            continue
        for chars, count in LENGTHS.items():
            docs = long_documents(texts[language], chars, count)
            path = write_texts(docs, docs_dir / f"long-{language}-{chars}.jsonl")
            suggested = suggester.suggest(tool, project, path)
            row.milliseconds[chars] = 1000 * suggested.cpu_seconds / suggested.documents
            row.wall_milliseconds[chars] = 1000 * suggested.seconds / suggested.documents
            log(f"long documents: {tool} {project} {chars} characters: {row.milliseconds[chars]:.1f} ms CPU")
    return rows


def long_doc_lines(rows: list[LongDocRow]) -> list[str]:
    sizes = list(LENGTHS)
    head = ["system", "project", "language"]
    head += [f"{c // 1000}k chars: CPU ms/doc (wall) [CPU ms per 1k chars]" for c in sizes]
    head += [f"cost per character, {sizes[-1] // 1000}k / {sizes[0] // 1000}k"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r.note:
            cells = [r.note] * (len(sizes) + 1)
        else:
            cells = [f"{r.milliseconds[c]:.1f} ({r.wall_milliseconds[c]:.1f}) [{r.per_thousand(c):.2f}]" for c in sizes]
            cells.append(f"{r.growth():.2f}")
        lines.append(f"| {r.tool} | `{r.project}` | {r.language} | " + " | ".join(cells) + " |")
    counts = ", ".join(f"{n} of {c // 1000}k" for c, n in LENGTHS.items())
    lines += [
        "",
        f"Documents: {counts} characters, cut at evenly spread offsets from the real test documents of the "
        "language joined in order (English: the full-text test split; Chinese: the seed without segmentation "
        "spaces, repeated to reach the length). Timed like the throughput above (one process, one thread, "
        "warm-up excluded); ms/doc is the mean over the documents of that length, CPU time of the suggesting "
        "process, wall time in brackets. A cost per character ratio near 1.0 means suggest time grows linearly "
        "with length; below 1.0, a fixed cost per document weighs more on short ones.",
    ]
    return lines
