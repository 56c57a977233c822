"""``undex index``: batch indexing of a directory or corpus (Annif's ``index``), resumable,
in parallel processes (``--jobs``) or on Dask (``--dask``)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from undex.atomicio import write_json
from undex.batch import (
    DASK_HELP,
    DEFAULT_SUFFIX,
    DaskExecutor,
    IndexRun,
    IndexSpec,
    ProcessExecutor,
    ProjectRef,
    SerialExecutor,
    dask_client,
    run_index,
)
from undex.cli.app import app, err
from undex.cli.options import DatadirOpt, LimitOpt, ProjectsOpt, ThresholdOpt, registry
from undex.errors import InputError
from undex.extras import require
from undex.project import resolve_datadir, resolve_projects_path
from undex.results import check_label_language


class IndexFormat(str, Enum):
    jsonl = "jsonl"
    marcxml = "marcxml"


@app.command("index")
def index(
    project_id: str,
    source: Annotated[Path, typer.Argument(help="A directory of .txt documents, a document, or a corpus file.")],
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Write one JSONL file (default for corpus files: <name>.undex.jsonl)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Redo documents already indexed.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes (Dask local workers).")] = 1,
    dask: Annotated[Optional[str], typer.Option("--dask", help=DASK_HELP)] = None,
    limit: LimitOpt = None,
    threshold: ThresholdOpt = None,
    label_language: Annotated[Optional[str], typer.Option("--label-language", help="ar zh en fr ru es.")] = None,
    suffix: Annotated[str, typer.Option("--suffix", help="Per-document output suffix.")] = DEFAULT_SUFFIX,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Documents per suggest call.")] = 32,
    partition_size: Annotated[int, typer.Option("--partition-size", min=1, help="Documents per work unit.")] = 100,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write run statistics as JSON.")] = None,
    fmt: Annotated[
        IndexFormat,
        typer.Option("--format", help="With --output: jsonl, or marcxml (MARC 21: 191 symbol, 650 _7 subjects)."),
    ] = IndexFormat.jsonl,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    projects: ProjectsOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Suggest subjects for every document; writes <name>.undex.tsv beside each (or JSONL)."""
    if dask:
        require("dask", "'undex index --dask'")
    project = registry(projects, datadir).get(project_id)
    label_language = check_label_language(label_language, project.config.language, "--label-language")
    if not suffix.strip() or "/" in suffix:
        raise InputError("--suffix must be a file name ending such as .undex.tsv")
    spec = IndexSpec(
        ProjectRef.of(resolve_projects_path(projects), resolve_datadir(datadir), project_id),
        label_language,
        limit,
        threshold,
        batch_size,
        suffix=suffix,
    )
    marcxml, output = _marcxml_target(fmt, output)
    options = {"output": output, "force": force, "partition_size": partition_size, "quiet": quiet}
    if dask:
        with dask_client(dask, jobs if jobs > 1 else None) as client:
            run = run_index(source, spec, DaskExecutor(client), **options)
    else:
        executor = ProcessExecutor(jobs) if jobs > 1 else SerialExecutor()
        run = run_index(source, spec, executor, **options)
    _summary(run, report)
    if marcxml is not None:
        _write_marcxml(Path(run.output), marcxml)


def _marcxml_target(fmt: IndexFormat, output: Path | None) -> tuple[Path | None, Path | None]:
    """For --format marcxml: the MARCXML file, and where the JSONL results go first
    (``<output>.parts/results.jsonl``, resumable like any JSONL run)."""
    if fmt is not IndexFormat.marcxml:
        return None, output
    if output is None:
        raise InputError("--format marcxml needs --output FILE.xml")
    return output, output.with_name(output.name + ".parts") / "results.jsonl"


def _write_marcxml(results: Path, target: Path) -> None:
    from undex.marc import records_from_results, write_marcxml

    count = write_marcxml(target, records_from_results(results))
    err(f"Wrote {count} MARC records -> {target}")


def _summary(run: IndexRun, report: Path | None) -> None:
    skipped = f"{run.skipped} already done, skipped (--force redoes them)" if run.skipped else ""
    if run.documents or not run.skipped:
        rate = f"Indexed {run.documents} documents in {run.seconds:.1f} s ({run.rate:.1f} docs/s)"
        err(f"{rate}{'; ' + skipped if skipped else ''} -> {run.output}")
    else:
        err(f"Nothing to do: {skipped} -> {run.output}")
    if report is not None:
        write_json(report, run.to_dict())
    elif run.documents and run.workers > 1:
        err(f"Peak memory per process (MB): {json.dumps(run.to_dict()['peak_rss_mb'])}")
