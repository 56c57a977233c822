"""``undex optimize``: the limit and threshold with the best F1 (doc avg) on a development set,
and saving them into the project's section of ``projects.toml`` without disturbing the rest
of the file (comments, order, other projects)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from undex.atomicio import write_text
from undex.chunking import chunked
from undex.corpus import LabelledDoc
from undex.errors import ConfigError, InputError
from undex.project import Project
from undex.tuning import TopRanked, prf_grid, top_ranked

LIMITS = tuple(range(1, 16))
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))  # 0.00 .. 0.95


@dataclass(frozen=True)
class Optimum:
    limit: int
    threshold: float
    precision: float
    recall: float
    f1: float
    documents: int


def ranked_for(project: Project, docs: Sequence[LabelledDoc], batch_size: int = 256) -> TopRanked:
    """Each document's best ``max(LIMITS)`` suggestions (no limit/threshold applied)."""
    if not docs:
        raise InputError("cannot optimize: no documents with text and gold subjects in the vocabulary")
    tops = []
    for chunk in chunked(docs, batch_size):
        scores = project.backend.suggest_batch([d.document.text for d in chunk]).scores
        tops.append(top_ranked(scores, [d.concepts for d in chunk], k=max(LIMITS)))
    return TopRanked(
        np.vstack([t.scores for t in tops]),
        np.vstack([t.relevant for t in tops]),
        np.concatenate([t.n_true for t in tops]),
    )


def best_setting(top: TopRanked) -> Optimum:
    grid = prf_grid(top, LIMITS, THRESHOLDS)
    f1 = grid[:, :, 2]
    # the best F1; among equals the smallest limit, then the highest threshold
    best = max((f1[i, j], -i, j) for i in range(len(LIMITS)) for j in range(len(THRESHOLDS)))
    i, j = -best[1], best[2]
    p, r, f = grid[i, j]
    return Optimum(LIMITS[i], THRESHOLDS[j], float(p), float(r), float(f), int(top.n_true.size))


# ----------------------------------------------------------------- saving settings

_SECTION = re.compile(r"^\s*\[\s*(?P<name>[^\[\]]+?)\s*\]\s*(#.*)?$")


def _section_name(line: str) -> str | None:
    match = _SECTION.match(line)
    return match.group("name").strip().strip("\"'") if match else None


def set_project_settings(path: Path, project_id: str, values: dict[str, int | float]) -> None:
    """Set top-level keys of one ``[project]`` section in place, keeping everything else.

    Existing ``key = value`` lines are rewritten (a trailing comment is kept); missing keys
    are added after the section's last key. The result is re-parsed and compared with the
    original before it atomically replaces the file.
    """
    text = path.read_text(encoding="utf-8")
    before = tomllib.loads(text)
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _section_name(line) == project_id), None)
    if start is None:
        raise ConfigError(f"{path}: no [{project_id}] section to save settings into")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    for key, value in values.items():
        pattern = re.compile(rf"^(\s*{re.escape(key)}\s*=\s*)([^#\n]*?)(\s*(#.*)?)$")
        for i in range(start + 1, end):
            match = pattern.match(lines[i].rstrip("\n"))
            if match:
                lines[i] = f"{match.group(1)}{value}{match.group(3)}\n"
                break
        else:
            last_key = max(
                (i for i in range(start, end) if "=" in lines[i] and not lines[i].lstrip().startswith("#")),
                default=start,
            )
            lines.insert(last_key + 1, f"{key} = {value}\n")
            end += 1
    new_text = "".join(lines)
    expected = {**before, project_id: {**before[project_id], **values}}
    if tomllib.loads(new_text) != expected:
        raise ConfigError(f"{path}: cannot update [{project_id}] safely; set {values} by hand")
    write_text(path, new_text)
