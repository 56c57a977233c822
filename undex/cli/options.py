"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from undex.project import ProjectRegistry, resolve_datadir, resolve_projects_path

ProjectsOpt = Annotated[
    Optional[Path],
    typer.Option("--projects", help="Projects file (default: $UNDEX_PROJECTS or ./projects.toml)."),
]
DatadirOpt = Annotated[
    Optional[Path],
    typer.Option("--datadir", help="Data directory for vocabularies and models (default: $UNDEX_DATADIR or ./data)."),
]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", "-l", min=1, help="Maximum suggestions.")]
ThresholdOpt = Annotated[Optional[float], typer.Option("--threshold", "-t", min=0.0, max=1.0)]
SplitOpt = Annotated[Optional[str], typer.Option("--split", help="Only JSONL records whose 'split' is this.")]
LabelsFieldOpt = Annotated[
    Optional[str],
    typer.Option("--labels-field", help="JSONL field with gold subjects (default: labels_unbis, else labels)."),
]


def registry(projects: Path | None, datadir: Path | None) -> ProjectRegistry:
    return ProjectRegistry(resolve_projects_path(projects), resolve_datadir(datadir))
