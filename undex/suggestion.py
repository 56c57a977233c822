"""Suggestions: a sparse document x concept score matrix, plus optional evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True, order=True)
class Evidence:
    """A span of the original text that supports a suggestion."""

    start: int
    end: int
    label: str


@dataclass
class SuggestionBatch:
    """Scores for a batch of documents: row = document, column = vocabulary index."""

    scores: sp.csr_matrix
    evidence: list[dict[int, list[Evidence]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scores = sp.csr_matrix(self.scores, dtype=np.float32)
        self.scores.eliminate_zeros()
        if not self.evidence:
            self.evidence = [{} for _ in range(self.scores.shape[0])]

    def __len__(self) -> int:
        return self.scores.shape[0]

    @classmethod
    def from_dense(cls, dense: np.ndarray, evidence: list[dict[int, list[Evidence]]] | None = None) -> SuggestionBatch:
        return cls(sp.csr_matrix(np.clip(dense, 0.0, 1.0)), evidence or [])

    def ranked(self, row: int) -> list[tuple[int, float]]:
        """(concept index, score) of one document, best first; ties broken by index."""
        start, end = self.scores.indptr[row], self.scores.indptr[row + 1]
        indices = self.scores.indices[start:end]
        data = self.scores.data[start:end]
        order = np.lexsort((indices, -data))
        return [(int(indices[i]), float(data[i])) for i in order]

    def filter(self, limit: int | None = None, threshold: float = 0.0) -> SuggestionBatch:
        """Keep at most ``limit`` suggestions per document scoring at least ``threshold``
        (and above zero); the order is that of :meth:`ranked`."""
        scores = self.scores
        keep = (scores.data >= threshold) & (scores.data > 0.0)
        if limit is not None:
            for row in np.flatnonzero(np.diff(scores.indptr) > limit):
                start, end = scores.indptr[row], scores.indptr[row + 1]
                candidates = np.flatnonzero(keep[start:end])
                if candidates.size > limit:
                    order = np.lexsort((scores.indices[start:end][candidates], -scores.data[start:end][candidates]))
                    keep[start + candidates[order[limit:]]] = False
        matrix = sp.csr_matrix(scores, copy=True)
        matrix.data = np.where(keep, matrix.data, 0.0).astype(np.float32)
        return SuggestionBatch(matrix, self.evidence)
