"""Core verbs: load-vocab, list-vocabs, list-projects, show-project, train, suggest, eval."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from undex.analysis import detect_language, unsupported_language, unsupported_message
from undex.cli.options import DatadirOpt, LabelsFieldOpt, LimitOpt, ProjectsOpt, SplitOpt, ThresholdOpt, registry
from undex.corpus import (
    CorpusStats,
    Document,
    SubjectResolver,
    labelled_documents,
    read_document_file,
    read_stdin,
)
from undex.errors import InputError
from undex.evaluation import Evaluation
from undex.extras import require
from undex.progress import Progress
from undex.project import Project, resolve_datadir
from undex.results import Subject, check_label_language, subject_json, subject_line, subject_records
from undex.vocab import list_vocabularies, load_vocabulary_file, save_vocabulary

app = typer.Typer(
    help="undex: subject indexing of UN documents with the UNBIS Thesaurus.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def err(message: str) -> None:
    typer.echo(message, err=True)


# ------------------------------------------------------------------- vocabularies


@app.command("load-vocab")
def load_vocab(
    vocab_id: Annotated[str, typer.Argument(help="Identifier of the vocabulary, e.g. unbis.")],
    subjectfile: Annotated[Path, typer.Argument(help="unbis_terms.tsv, a SKOS file or an Annif TSV vocabulary.")],
    language: Annotated[
        str, typer.Option("--language", "-L", help="Label language of an Annif TSV vocabulary.")
    ] = "en",
    fmt: Annotated[Optional[str], typer.Option("--format", help="unbis, skos or annif-tsv (default: guessed).")] = None,
    datadir: DatadirOpt = None,
) -> None:
    """Load a vocabulary into the data directory."""
    from undex.project import PROJECT_ID

    if not PROJECT_ID.match(vocab_id):
        raise InputError(f"invalid vocabulary id {vocab_id!r} (letters, digits, '-', '_', '.')")
    vocab = load_vocabulary_file(vocab_id, subjectfile, language, fmt)
    save_vocabulary(vocab, resolve_datadir(datadir), source=str(subjectfile))
    counts = ", ".join(f"{lang} {n}" for lang, n in sorted(vocab.label_counts().items()))
    typer.echo(f"Loaded vocabulary {vocab_id!r}: {len(vocab)} concepts (labels: {counts})")
    from undex.matching import ignored_labels_report

    for line in ignored_labels_report(vocab):  # labels that cannot stand alone are never matched
        typer.echo(line)


@app.command("list-vocabs")
def list_vocabs(datadir: DatadirOpt = None) -> None:
    """List the loaded vocabularies."""
    typer.echo(f"{'Vocabulary ID':<16}{'Languages':<24}{'Size':>6}  Loaded")
    for manifest in list_vocabularies(resolve_datadir(datadir)):
        langs = ",".join(sorted(manifest.get("labels_per_language", {})))
        typer.echo(f"{manifest['vocab_id']:<16}{langs:<24}{manifest['concepts']:>6}  True")


# ------------------------------------------------------------------------ projects


def fit_widths(natural: list[int], available: int, floor: int = 10) -> list[int]:
    """Column widths within ``available`` characters: the widest columns give way first,
    none below ``floor`` (or its natural width, when that is smaller)."""
    widths = list(natural)
    while sum(widths) > available:
        widest = max(range(len(widths)), key=widths.__getitem__)
        excess = sum(widths) - available
        others = sorted((w for i, w in enumerate(widths) if i != widest), reverse=True)
        target = max(floor, widths[widest] - excess, others[0] if others else 0)
        if target >= widths[widest]:
            if widths[widest] <= floor:
                break  # nothing left to shrink
            target = widths[widest] - 1
        widths[widest] = target
    return widths


@app.command("list-projects")
def list_projects(projects: ProjectsOpt = None, datadir: DatadirOpt = None) -> None:
    """List the projects and whether each is trained.

    The table fits the terminal (``COLUMNS``; 80 columns when the output is not a
    terminal): long identifiers wrap, long names end with an ellipsis."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    reg = registry(projects, datadir)
    rows = []
    for project_id in reg.ids():
        p = reg.get(project_id)
        trained = "True" if p.is_trained else ("zero-shot" if p.is_ready else "False")
        rows.append((p.id, p.config.name, p.config.vocab, p.config.language, trained))
    headers = ("Project ID", "Project Name", "Vocabulary", "Language", "Trained")
    console = Console(file=sys.stdout, highlight=False)
    natural = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    fixed = natural[3] + natural[4]
    gaps = 3 * (len(headers) - 1)  # a padding cell each side of a column rule
    widths = fit_widths(natural[:3], console.width - fixed - gaps) + natural[3:]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold", show_edge=False)
    for header, width in zip(headers, widths, strict=True):
        overflow = "ellipsis" if header == "Project Name" else "fold"
        table.add_column(header, width=width, overflow=overflow, no_wrap=header == "Project Name")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("show-project")
def show_project(project_id: str, projects: ProjectsOpt = None, datadir: DatadirOpt = None) -> None:
    """Show a project's settings and the manifest of its trained model."""
    p = registry(projects, datadir).get(project_id)
    manifest = p.manifest or {}
    rows = [
        ("Project ID", p.id),
        ("Project Name", p.config.name),
        ("Language", p.config.language),
        ("Vocabulary", p.config.vocab),
        ("Backend", p.config.backend),
        ("Parameters", json.dumps(p.config.params) if p.config.params else "(defaults)"),
        ("Limit / threshold", f"{p.config.limit} / {p.config.threshold}"),
        ("Trained", "True" if manifest else ("False (works zero-shot)" if p.is_ready else "False")),
    ]
    if manifest:
        rows += [
            ("Modification time", _iso(manifest.get("saved_at"))),
            ("Training documents", manifest.get("training_documents")),
            ("Training seconds", manifest.get("training_seconds")),
            ("undex version", manifest.get("undex_version")),
        ]
    for key, value in rows:
        typer.echo(f"{key + ':':<20}{value}")


def _iso(ts: float | None) -> str:
    import datetime

    return "" if ts is None else datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat(timespec="seconds")


# ------------------------------------------------------------------------- train


@app.command("train")
def train(
    project_id: str,
    paths: Annotated[list[Path], typer.Argument(help="Corpus files or directories.")],
    split: SplitOpt = None,
    dev_split: Annotated[
        Optional[str],
        typer.Option(
            "--dev-split",
            help="Held-out split: ensembles fit weights and calibration on it, other projects report quality on it.",
        ),
    ] = None,
    labels_field: LabelsFieldOpt = None,
    projects: ProjectsOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Train a project on one or more indexed corpora (an ensemble: untrained sources first)."""
    from undex.training import train_project

    reg = registry(projects, datadir)
    manifest = train_project(reg.get(project_id), paths, split, dev_split, labels_field, say=err)
    typer.echo(
        f"Trained {project_id!r} on {manifest['training_documents']} documents in {manifest['training_seconds']:.1f} s"
    )


# ----------------------------------------------------------------------- suggest


def _read_inputs(paths: list[Path]) -> list[tuple[str, Document]]:
    if not paths or paths == [Path("-")]:
        return [("-", read_stdin())]
    return [(str(p), read_document_file(p)) for p in paths]


def _check_language(project: Project, source: str, text: str) -> None:
    """Warn (on stderr; the exit status stays 0) when a text is in a language undex does not
    cover, or in another UN language than the project's."""
    foreign = unsupported_language(text)
    if foreign:
        err(f"warning: {source}: {unsupported_message(foreign)}")
        return
    detected = detect_language(text)
    if detected and detected != project.config.language:
        err(f"warning: {source} looks like {detected!r} but project {project.id!r} reads {project.config.language!r}")


@app.command("suggest")
def suggest(
    project_id: str,
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Documents (default: stdin).")] = None,
    limit: LimitOpt = None,
    threshold: ThresholdOpt = None,
    label_language: Annotated[
        Optional[list[str]],
        typer.Option("--label-language", help="Label language (ar zh en fr ru es); repeat to show several."),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="text (uri, label, score) or json.")
    ] = OutputFormat.text,
    explain: Annotated[bool, typer.Option("--explain", help="Show the text spans behind each subject.")] = False,
    mark_gold: Annotated[
        bool, typer.Option("--mark-gold", help="Mark subjects that are among the document's own %%% subjects.")
    ] = False,
    projects: ProjectsOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Suggest subjects for documents (UN document format or plain text).

    A document in a language undex does not cover (or in another UN language than the
    project's) gets a warning on stderr naming the detected language; the exit status stays 0."""
    project = registry(projects, datadir).get(project_id)
    default = project.config.language
    languages = [check_label_language(lang, default, "--label-language") for lang in label_language or [default]]
    inputs = _read_inputs(paths or [])
    for source, doc in inputs:
        if not doc.text.strip():
            raise InputError(f"{source}: empty document")
        _check_language(project, source, doc.text)
    snapshot = project.snapshot()  # the model and the vocabulary it was trained with
    batch = project.suggest_batch([d.text for _, d in inputs], limit, threshold, snapshot, explain=True)
    found = [
        subject_records(snapshot.vocab, batch, row, doc.text, languages, project.config.language)
        for row, (_, doc) in enumerate(inputs)
    ]
    if fmt is OutputFormat.json:
        out = [
            {
                "document": source,
                "results": [subject_json(s, labels=len(languages) > 1, evidence=True) for s in subjects],
            }
            for (source, _), subjects in zip(inputs, found, strict=True)
        ]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for (source, doc), subjects in zip(inputs, found, strict=True):
        if len(inputs) > 1:
            typer.echo(f"Suggestions for {source}")
        _echo_subjects(project, source, doc, subjects, explain, mark_gold)


def _echo_subjects(
    project: Project, source: str, doc: Document, subjects: Sequence[Subject], explain: bool, mark_gold: bool
) -> None:
    """The text output of ``suggest`` for one document; with ``mark_gold``, a count on stderr."""
    vocab = project.vocab
    gold = {vocab.concepts[i].uri for i in SubjectResolver(vocab).resolve_all(doc.subjects)} if mark_gold else set()
    for subject in subjects:
        mark = ("\tGOLD" if subject.uri in gold else "\t") if mark_gold else ""
        typer.echo(subject_line(subject) + mark)
        if explain:
            for e in subject.evidence:
                typer.echo(f"\t[{e.start}:{e.end}] [{e.part}] {e.text!r} ~ {e.label}")
    if mark_gold and gold:
        hits = sum(subject.uri in gold for subject in subjects)
        err(f"{source}: {hits} of {len(gold)} gold subjects among the {len(subjects)} suggestions")


# -------------------------------------------------------------------------- eval


@app.command("eval")
def eval_(
    project_id: str,
    paths: Annotated[list[Path], typer.Argument(help="Corpus files or directories with gold subjects.")],
    split: SplitOpt = None,
    labels_field: LabelsFieldOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-l", min=1)] = 10,
    threshold: Annotated[float, typer.Option("--threshold", "-t", min=0.0, max=1.0)] = 0.0,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.text,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 64,
    dask: Annotated[Optional[str], typer.Option("--dask", help="Dask: local, local:N or tcp://host:8786.")] = None,
    projects: ProjectsOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Evaluate a project against gold subjects (Annif's metrics)."""
    if dask:
        require("dask", "'undex eval --dask'")
    project = registry(projects, datadir).get(project_id)
    _ = project.backend  # fail early when not trained
    if dask:
        from undex.batch.evaluate import evaluate_on_dask

        settings = {"limit": limit, "threshold": threshold, "batch_size": batch_size, "split": split}
        evaluation, stats = evaluate_on_dask(dask, project, paths, {**settings, "labels_field": labels_field})
    else:
        evaluation, stats = _evaluate_serially(project, paths, split, labels_field, limit, threshold, batch_size)
    stats.report(err)
    results = evaluation.results()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(results, indent=2))
        return
    for name, value in results.items():
        typer.echo(f"{name + ':':<32}{value if isinstance(value, int) else f'{value:.4f}'}")


def _evaluate_serially(
    project: Project,
    paths: list[Path],
    split: str | None,
    labels_field: str | None,
    limit: int,
    threshold: float,
    batch_size: int,
) -> tuple[Evaluation, CorpusStats]:
    from undex.batch.evaluate import evaluate_documents

    stats = CorpusStats()
    evaluation = Evaluation(len(project.vocab))
    with Progress(f"evaluating {project.id}") as bar:
        docs = labelled_documents(paths, project.vocab, stats, split, labels_field)
        evaluate_documents(project, docs, evaluation, limit, threshold, batch_size, bar.advance)
    return evaluation, stats


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
