"""``undex optimize``: best limit/threshold on a development split (as ``annif optimize``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from undex.cli.app import OutputFormat, app, err
from undex.cli.options import DatadirOpt, LabelsFieldOpt, ProjectsOpt, SplitOpt, registry
from undex.corpus import CorpusStats, labelled_documents
from undex.errors import InputError
from undex.optimize import LIMITS, THRESHOLDS, best_setting, ranked_for, set_project_settings


@app.command("optimize")
def optimize(
    project_id: str,
    paths: Annotated[list[Path], typer.Argument(help="Corpus files or directories with gold subjects.")],
    split: SplitOpt = None,
    labels_field: LabelsFieldOpt = None,
    save: Annotated[
        bool, typer.Option("--save", help="Write the best limit and threshold into projects.toml.")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.text,
    projects: ProjectsOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Find the limit (1-15) and threshold (0.00-0.95) with the best F1 score (doc avg)."""
    reg = registry(projects, datadir)
    project = reg.get(project_id)
    project.backend  # noqa: B018 - fail early when not trained
    stats = CorpusStats()
    docs = list(labelled_documents(paths, project.vocab, stats, split, labels_field))
    stats.report(err)
    if not docs:
        where = f" in split {split!r}" if split else ""
        raise InputError(f"cannot optimize: no documents{where} with text and gold subjects in the vocabulary")
    best = best_setting(ranked_for(project, docs))
    result = {
        "Best limit": best.limit,
        "Best threshold": best.threshold,
        "Precision (doc avg)": round(best.precision, 4),
        "Recall (doc avg)": round(best.recall, 4),
        "F1 score (doc avg)": round(best.f1, 4),
        "Documents evaluated": best.documents,
        "Settings tried": len(LIMITS) * len(THRESHOLDS),
    }
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(result, indent=2))
    else:
        for name, value in result.items():
            typer.echo(f"{name + ':':<32}{value}")
    if save:
        set_project_settings(reg.path, project_id, {"limit": best.limit, "threshold": best.threshold})
        err(f"Saved limit = {best.limit} and threshold = {best.threshold} in [{project_id}] of {reg.path}")
