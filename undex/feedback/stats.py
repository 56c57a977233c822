"""The live quality of the service, as judged by cataloguers: per project and language,
documents reviewed, the share of suggestions accepted among the first 1, 5 and 10, the
subjects they had to add because undex missed them, and all of it week by week."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from undex.feedback.model import Review

RANKS = (1, 5, 10)


@dataclass
class Tally:
    """Counts over a set of reviews."""

    reviewed: int = 0
    with_suggestions: int = 0
    shown: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RANKS, 0))
    accepted: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RANKS, 0))
    kept: int = 0
    """Subjects the cataloguers kept: accepted or added."""
    added: int = 0

    def add(self, review: Review) -> None:
        self.reviewed += 1
        accepted = set(review.uris("accepted"))
        self.kept += len(accepted) + len(review.uris("added"))
        self.added += len(review.uris("added"))
        if review.suggestions:
            self.with_suggestions += 1
        for k in RANKS:
            top = [s.uri for s in review.suggestions if s.rank <= k]
            self.shown[k] += len(top)
            self.accepted[k] += sum(uri in accepted for uri in top)

    def accepted_share(self, k: int) -> float | None:
        """Precision at rank k as judged by cataloguers (None: nothing shown)."""
        return self.accepted[k] / self.shown[k] if self.shown[k] else None

    @property
    def missed_share(self) -> float | None:
        """The share of kept subjects that undex had not suggested."""
        return self.added / self.kept if self.kept else None

    def to_dict(self) -> dict:
        return {
            "reviewed": self.reviewed,
            "with_suggestions": self.with_suggestions,
            **{f"accepted_at_{k}": _round(self.accepted_share(k)) for k in RANKS},
            "added": self.added,
            "added_per_document": _round(self.added / self.reviewed if self.reviewed else None),
            "missed_share": _round(self.missed_share),
        }


@dataclass
class GroupStats:
    """One project in one document language, overall and per ISO week."""

    project_id: str
    language: str
    total: Tally = field(default_factory=Tally)
    weeks: dict[str, Tally] = field(default_factory=dict)

    def add(self, review: Review) -> None:
        self.total.add(review)
        self.weeks.setdefault(iso_week(review.created_at), Tally()).add(review)

    def to_dict(self) -> dict:
        weeks = [{"week": week, **tally.to_dict()} for week, tally in sorted(self.weeks.items())]
        return {"project_id": self.project_id, "language": self.language, **self.total.to_dict(), "weeks": weeks}


def iso_week(created_at: str) -> str:
    """``2026-05-04T09:30:00.000000Z`` -> ``2026-W19``."""
    year, week, _ = datetime.date.fromisoformat(created_at[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def feedback_stats(reviews: Iterable[Review]) -> list[GroupStats]:
    """Statistics per (project, language), sorted by project then language."""
    groups: dict[tuple[str, str], GroupStats] = {}
    for review in reviews:
        key = (review.project_id, review.language)
        groups.setdefault(key, GroupStats(*key)).add(review)
    return [groups[key] for key in sorted(groups)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
