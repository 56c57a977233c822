"""Reviews as a training and evaluation corpus in the shared JSONL schema.

One record per reviewed document (its latest review): ``id`` (the UN symbol when given),
``lang``, ``text``, ``labels_unbis`` (the subjects the cataloguer kept: accepted, then
added; English preferred terms, or the concept URI where a term would be ambiguous) and
``split``. ``undex train`` and ``undex eval`` read it like any corpus.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from undex.atomicio import atomic_writer
from undex.feedback.model import Review
from undex.feedback.store import FeedbackStore
from undex.vocab import Vocabulary

SPLITS = (("train", 0.8), ("dev", 0.9), ("test", 1.0))
"""Without a fixed split, a document's split follows from a hash of its id: 80/10/10."""
SOURCE = "undex-feedback"


@dataclass
class ExportSummary:
    written: int = 0
    superseded: int = 0
    """Earlier reviews of a document reviewed again (its latest review is exported)."""
    without_text: int = 0
    """Reviews whose text was not kept (``--no-store-text``): no corpus record possible."""
    without_subjects: int = 0
    """Reviews in which the cataloguer kept no subject."""

    def describe(self) -> str:
        parts = [f"{self.written} documents written"]
        if self.superseded:
            parts.append(f"{self.superseded} earlier reviews of the same documents left out")
        if self.without_text:
            parts.append(f"{self.without_text} reviews without their text (--no-store-text) skipped")
        if self.without_subjects:
            parts.append(f"{self.without_subjects} reviews that kept no subject skipped")
        return "; ".join(parts)


def document_key(review: Review) -> str:
    """What makes two reviews the same document: its id (else its text) and language."""
    return f"{review.document_id or 'sha256:' + review.text_sha256}\t{review.language}"


def split_of(key: str) -> str:
    share = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64
    return next(name for name, upper in SPLITS if share < upper)


def corpus_label(uri: str, vocab: Vocabulary | None) -> str:
    """The English preferred term when it names exactly this concept, else the URI."""
    index = vocab.index_of_uri(uri) if vocab is not None else None
    if index is None:
        return uri
    term = vocab.concepts[index].prefLabel.get("en", "")
    return term if term and vocab.lookup_label(term) == index else uri


def export_corpus(
    store: FeedbackStore,
    target: Path,
    vocabulary: Callable[[str], Vocabulary | None],
    project_id: str | None = None,
    since: datetime.datetime | None = None,
    split: str | None = None,
) -> ExportSummary:
    """Write the reviewed documents to ``target`` (atomically); ``vocabulary(vocab_id)``
    gives the vocabulary a review's subjects belong to (None when it is not loaded)."""
    latest = {document_key(r): r.id for r in store.reviews(project_id, since)}
    summary = ExportSummary()
    with atomic_writer(target) as handle:
        for record in _records(store.reviews(project_id, since), latest, vocabulary, split, summary):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            summary.written += 1
    return summary


def _records(
    reviews: Iterator[Review],
    latest: dict[str, int],
    vocabulary: Callable[[str], Vocabulary | None],
    split: str | None,
    summary: ExportSummary,
) -> Iterator[dict]:
    for review in reviews:
        key = document_key(review)
        if latest[key] != review.id:
            summary.superseded += 1
        elif review.text is None:
            summary.without_text += 1
        elif not review.subjects:
            summary.without_subjects += 1
        else:
            vocab = vocabulary(review.vocab_id)
            yield {
                "id": review.document_id or f"feedback-{review.id}",
                "lang": review.language,
                "text": review.text,
                "labels_unbis": [corpus_label(uri, vocab) for uri in review.subjects],
                "split": split or split_of(key),
                "source": SOURCE,
                "feedback_id": review.id,
                "project": review.project_id,
            }
