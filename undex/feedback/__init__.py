"""Cataloguers' decisions on undex's suggestions: the store (SQLite), the export as a
training corpus, and the statistics of the live service."""

from undex.feedback.model import DECISIONS, Decision, NewReview, Review, ShownSuggestion, parse_since
from undex.feedback.store import FeedbackStore, database_path

__all__ = [
    "DECISIONS",
    "Decision",
    "FeedbackStore",
    "NewReview",
    "Review",
    "ShownSuggestion",
    "database_path",
    "parse_since",
]
