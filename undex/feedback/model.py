"""The records of the feedback store: a review of undex's suggestions for one document."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from undex.errors import InputError

DECISIONS = ("accepted", "rejected", "added")


@dataclass(frozen=True)
class ShownSuggestion:
    """A subject undex showed, at ``rank`` (1 = best) with ``score``."""

    uri: str
    score: float
    rank: int


@dataclass(frozen=True)
class Decision:
    """What the cataloguer did with a subject: accepted, rejected or added (undex missed it)."""

    uri: str
    decision: str


@dataclass(frozen=True)
class NewReview:
    """A reviewed document as submitted, before it is stored."""

    project_id: str
    vocab_id: str
    language: str
    text: str
    cataloguer: str
    decisions: tuple[Decision, ...]
    suggestions: tuple[ShownSuggestion, ...] = ()
    document_id: str | None = None
    model_version: str | None = None


@dataclass(frozen=True)
class Review:
    """A stored review; ``text`` is None when only its SHA-256 was kept."""

    id: int
    created_at: str
    project_id: str
    vocab_id: str
    model_version: str | None
    document_id: str | None
    language: str
    text: str | None
    text_sha256: str
    cataloguer: str
    suggestions: tuple[ShownSuggestion, ...]
    decisions: tuple[Decision, ...]

    def uris(self, *kinds: str) -> list[str]:
        """URIs of the decisions of the given kinds, in stored order."""
        return [d.uri for d in self.decisions if d.decision in kinds]

    @property
    def subjects(self) -> list[str]:
        """The document's subjects as the cataloguer left them: accepted, then added."""
        return self.uris("accepted") + self.uris("added")


def timestamp(moment: datetime.datetime) -> str:
    """Fixed-width UTC ISO 8601 (sorts as text in time order)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_since(text: str, what: str = "since") -> datetime.datetime:
    """A date (``2026-05-01``) or date-time (``2026-05-01T09:00:00+02:00``; UTC when no zone)."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{what}: {text[:40]!r} is not a date (YYYY-MM-DD) or ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def check_review(review: NewReview) -> None:
    """Refuse what the database would refuse or store wrongly, naming the field."""
    fields = ("project_id", "vocab_id", "language", "text", "cataloguer", "document_id", "model_version")
    for name in fields:
        check_unicode(getattr(review, name), name)
    if not review.decisions:
        raise InputError("decisions: at least one decision is needed")
    if not review.cataloguer.strip():
        raise InputError("cataloguer: a name is needed")
    seen: set[str] = set()
    for number, d in enumerate(review.decisions):
        if d.decision not in DECISIONS:
            raise InputError(f"decisions[{number}].decision must be one of {', '.join(DECISIONS)}, not {d.decision!r}")
        if d.uri in seen:
            raise InputError(f"decisions[{number}].uri: {d.uri!r} has two decisions")
        seen.add(d.uri)
        check_unicode(d.uri, f"decisions[{number}].uri")
    for number, shown in enumerate(review.suggestions):
        check_unicode(shown.uri, f"suggestions[{number}].uri")
        if not 0.0 <= shown.score <= 1.0:  # also refuses NaN, which SQLite would store as NULL
            raise InputError(f"suggestions[{number}].score must be between 0 and 1, not {shown.score}")
    ranks = [shown.rank for shown in review.suggestions]
    if any(rank < 1 for rank in ranks) or len(set(ranks)) != len(ranks):
        raise InputError("suggestions: ranks must be distinct whole numbers from 1")


def check_unicode(value: str | None, what: str) -> None:
    """Text that cannot be stored as UTF-8 (a lone surrogate, as JSON escapes can make)."""
    try:
        (value or "").encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what}: invalid Unicode (a lone surrogate such as \\ud800)") from None
