"""``undex feedback``: the cataloguers' decisions stored by the server, as a corpus for
``undex train`` / ``undex eval`` (``export``) and as the live quality of the service (``stats``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated, Optional

import typer

from undex.cli.app import OutputFormat, app, err
from undex.cli.options import DatadirOpt
from undex.errors import UndexError
from undex.feedback import FeedbackStore, database_path, parse_since
from undex.feedback.export import export_corpus
from undex.feedback.stats import RANKS, GroupStats, Tally, feedback_stats
from undex.project import resolve_datadir
from undex.vocab import Vocabulary, load_vocabulary

feedback_app = typer.Typer(
    help="Cataloguers' decisions saved on the web page or through the API.", no_args_is_help=True
)
app.add_typer(feedback_app, name="feedback")

FeedbackDbOpt = Annotated[
    Optional[Path],
    typer.Option("--feedback-db", help="The feedback database (default: DATADIR/feedback.sqlite3)."),
]
ProjectFilterOpt = Annotated[Optional[str], typer.Option("--project", help="Only this project's reviews.")]
SinceOpt = Annotated[
    Optional[str], typer.Option("--since", help="Only reviews from this date (YYYY-MM-DD) or ISO time on.")
]


def _store(feedback_db: Path | None, datadir: Path | None) -> FeedbackStore:
    return FeedbackStore(database_path(resolve_datadir(datadir), feedback_db), create=False)


def _vocabularies(datadir: Path) -> Callable[[str], Vocabulary | None]:
    @cache
    def vocabulary(vocab_id: str) -> Vocabulary | None:
        try:
            return load_vocabulary(datadir, vocab_id)
        except UndexError:
            err(f"note: vocabulary {vocab_id!r} is not loaded; its subjects are exported as URIs")
            return None

    return vocabulary


@feedback_app.command("export")
def export(
    output: Annotated[Path, typer.Argument(help="The JSONL corpus to write.")],
    project: ProjectFilterOpt = None,
    since: SinceOpt = None,
    split: Annotated[
        Optional[str],
        typer.Option("--split", help="Put every record in this split (default: train/dev/test 80/10/10 by id)."),
    ] = None,
    feedback_db: FeedbackDbOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Write the reviewed documents as a corpus (labels_unbis = accepted + added subjects)."""
    moment = parse_since(since, "--since") if since else None
    with _store(feedback_db, datadir) as store:
        summary = export_corpus(store, output, _vocabularies(resolve_datadir(datadir)), project, moment, split)
    err(f"{summary.describe()} -> {output}")


@feedback_app.command("stats")
def stats(
    project: ProjectFilterOpt = None,
    since: SinceOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    feedback_db: FeedbackDbOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Per project and language: documents reviewed, share accepted at ranks 1/5/10, subjects added, weekly trend."""
    moment = parse_since(since, "--since") if since else None
    with _store(feedback_db, datadir) as store:
        groups = feedback_stats(store.reviews(project, moment))
    if fmt is OutputFormat.json:
        typer.echo(json.dumps([g.to_dict() for g in groups], indent=2))
        return
    if not groups:
        typer.echo("No reviews yet.")
    for number, group in enumerate(groups):
        typer.echo(("\n" if number else "") + "\n".join(_describe(group)))


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _describe(group: GroupStats) -> list[str]:
    total = group.total
    lines = [
        f"{group.project_id} ({group.language}): {total.reviewed} documents reviewed, "
        f"{total.with_suggestions} with the suggestions shown",
        "  accepted among the first " + ", ".join(f"{k}: {_share(total.accepted_share(k))}" for k in RANKS),
        f"  added (undex missed them): {total.added} subjects, {_share(total.missed_share)} of the subjects kept",
        f"  {'week':<10}{'reviewed':>9}" + "".join(f"{'accepted@' + str(k):>13}" for k in RANKS) + f"{'added':>7}",
    ]
    lines += [_week_line(week, tally) for week, tally in sorted(group.weeks.items())]
    return lines


def _week_line(week: str, tally: Tally) -> str:
    shares = "".join(f"{_share(tally.accepted_share(k)):>13}" for k in RANKS)
    return f"  {week:<10}{tally.reviewed:>9}{shares}{tally.added:>7}"
