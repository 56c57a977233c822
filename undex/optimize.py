"""``undex optimize``: the limit and threshold with the best F1 (doc avg) on a development set,
and saving them into the project's section of ``projects.toml`` without disturbing the rest
of the file (comments, order, other projects)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, InlineTable, Table

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


def set_project_settings(path: Path, project_id: str, values: dict[str, int | float]) -> None:
    """Set top-level keys of one ``[project]`` section, keeping everything else of the file
    (comments, order, layout). The result is re-parsed and compared with the original before it
    atomically replaces the file."""
    text = path.read_text(encoding="utf-8")
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    section = document.get(project_id)
    if not isinstance(section, (Table, InlineTable)):
        raise ConfigError(f"{path}: no [{project_id}] section to save settings into")
    for key, value in values.items():
        _set_key(section, key, value)
    new_text = tomlkit.dumps(document)
    before = tomllib.loads(text)
    if tomllib.loads(new_text) != {**before, project_id: {**before[project_id], **values}}:
        raise ConfigError(f"{path}: cannot update [{project_id}] safely; set {values} by hand")
    write_text(path, new_text)


def _set_key(section: Table | InlineTable, key: str, value: int | float) -> None:
    """Replace ``key`` in place, or add it right after the section's last key: tomlkit's ``add``
    would put it after the blank lines and comments that lead to the next section."""
    plain_keys = [k for k, v in section.items() if not isinstance(v, (Table, AoT))]
    if key in section or not plain_keys or isinstance(section, InlineTable):
        section[key] = value
    else:
        section.value._insert_after(plain_keys[-1], key, value)  # no public "insert after" in tomlkit 0.15
