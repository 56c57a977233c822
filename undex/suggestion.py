"""Suggestions: a sparse document x concept score array, plus optional evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True, order=True)
class Evidence:
    """A span of the original text that supports a suggestion."""

    start: int
    end: int
    label: str


class RankedConcept(NamedTuple):
    """One suggestion of a document: vocabulary index, score and the spans behind it."""

    concept: int
    score: float
    evidence: tuple[Evidence, ...]


@dataclass
class SuggestionBatch:
    """Scores for a batch of documents: row = document, column = vocabulary index.

    ``scores`` is a float32 ``csr_array`` without stored zeros; ``evidence[row]`` maps a
    concept index to the spans that support it.
    """

    scores: sp.csr_array
    evidence: list[dict[int, list[Evidence]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scores = sp.csr_array(self.scores, dtype=np.float32)
        self.scores.eliminate_zeros()
        if not self.evidence:
            self.evidence = [{} for _ in range(self.scores.shape[0])]
        if len(self.evidence) != self.scores.shape[0]:
            raise ValueError(f"evidence for {len(self.evidence)} documents, scores for {self.scores.shape[0]}")

    def __len__(self) -> int:
        return self.scores.shape[0]

    def __iter__(self) -> Iterator[list[RankedConcept]]:
        """The rows of :meth:`row`, one per document."""
        return (self.row(row) for row in range(len(self)))

    def _ranked_arrays(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Concept indices and scores of one document, best first; ties broken by index."""
        start, end = self.scores.indptr[row], self.scores.indptr[row + 1]
        indices = self.scores.indices[start:end]
        data = self.scores.data[start:end]
        order = np.lexsort((indices, -data))
        return indices[order], data[order]

    def row(self, row: int) -> list[RankedConcept]:
        """The suggestions of one document with their evidence, in the order of :meth:`ranked`."""
        spans = self.evidence[row]
        indices, data = self._ranked_arrays(row)
        return [
            RankedConcept(int(concept), float(score), tuple(spans.get(int(concept), ())))
            for concept, score in zip(indices, data, strict=True)
        ]

    def ranked(self, row: int) -> list[tuple[int, float]]:
        """(concept index, score) of one document, best first; ties broken by index."""
        indices, data = self._ranked_arrays(row)
        return [(int(concept), float(score)) for concept, score in zip(indices, data, strict=True)]

    def filter(self, limit: int | None = None, threshold: float = 0.0) -> SuggestionBatch:
        """Keep at most ``limit`` suggestions per document scoring at least ``threshold``
        (and above zero), with their evidence; the order is that of :meth:`ranked`."""
        scores = self.scores
        keep = (scores.data >= threshold) & (scores.data > 0.0)
        if limit is not None:
            for row in np.flatnonzero(np.diff(scores.indptr) > limit):
                start, end = scores.indptr[row], scores.indptr[row + 1]
                candidates = np.flatnonzero(keep[start:end])
                if candidates.size > limit:
                    row_indices, row_scores = scores.indices[start:end], scores.data[start:end]
                    best = _best_ranked(-row_scores[candidates], row_indices[candidates], limit)
                    dropped = np.ones(candidates.size, dtype=bool)
                    dropped[best] = False
                    keep[start + candidates[dropped]] = False
        kept = sp.csr_array(scores, copy=True)
        kept.data = np.where(keep, kept.data, 0.0).astype(np.float32)
        return SuggestionBatch(kept, self._kept_evidence(keep))

    def _kept_evidence(self, keep: np.ndarray) -> list[dict[int, list[Evidence]]]:
        """The evidence of the concepts ``keep`` (a mask over the stored scores) retains."""
        indptr, indices = self.scores.indptr, self.scores.indices
        evidence = []
        for row, spans in enumerate(self.evidence):
            if spans:
                start, end = indptr[row], indptr[row + 1]
                kept = set(indices[start:end][keep[start:end]].tolist())
                spans = {concept: found for concept, found in spans.items() if concept in kept}
            evidence.append(spans)
        return evidence


def _best_ranked(negated: np.ndarray, indices: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` best entries by score (``negated``: scores times -1), ties
    broken by index, best first: sorted among those scoring at least the ``limit``-th best
    score (a partition finds it), which are all the best ones can be."""
    kth = np.partition(negated, limit - 1)[limit - 1]
    if np.isnan(kth):
        order = np.lexsort((indices, negated))
    else:
        within = np.flatnonzero(negated <= kth)
        order = within[np.lexsort((indices[within], negated[within]))]
    return order[:limit]
