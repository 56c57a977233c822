"""SuggestionBatch: ranked rows with evidence, filtering, and the one batching helper."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from undex.chunking import chunked
from undex.suggestion import Evidence, RankedConcept, SuggestionBatch


def batch() -> SuggestionBatch:
    dense = np.array([[0.0, 0.5, 0.9, 0.5, 0.1], [0.3, 0.0, 0.0, 0.0, 0.0], [0.0] * 5], dtype=np.float64)
    evidence = [
        {1: [Evidence(0, 4, "B")], 2: [Evidence(5, 9, "C"), Evidence(10, 14, "C")], 4: [Evidence(20, 24, "E")]},
        {0: [Evidence(1, 2, "A")]},
        {},
    ]
    return SuggestionBatch(sp.csr_matrix(dense), evidence)


def test_rows_are_ranked_with_evidence_ties_by_concept_index() -> None:
    b = batch()
    assert isinstance(b.scores, sp.csr_array) and b.scores.dtype == np.float32
    first = b.row(0)
    assert [r.concept for r in first] == [2, 1, 3, 4]  # 1 and 3 tie at 0.5: lower index first
    assert first[0] == RankedConcept(2, float(np.float32(0.9)), (Evidence(5, 9, "C"), Evidence(10, 14, "C")))
    assert first[2].evidence == ()
    assert [(r.concept, r.score) for r in first] == b.ranked(0)
    assert list(b) == [b.row(0), b.row(1), []]


def test_filter_drops_the_evidence_of_dropped_concepts() -> None:
    kept = batch().filter(limit=2, threshold=0.2)
    assert kept.ranked(0) == [(2, float(np.float32(0.9))), (1, 0.5)]
    assert kept.evidence[0] == {1: [Evidence(0, 4, "B")], 2: [Evidence(5, 9, "C"), Evidence(10, 14, "C")]}
    assert kept.evidence[1] == {0: [Evidence(1, 2, "A")]}
    assert kept.scores.nnz == 3, "dropped scores are not stored"
    assert batch().filter(threshold=0.95).evidence == [{}, {}, {}]


def test_evidence_must_cover_every_document() -> None:
    with pytest.raises(ValueError, match="evidence for 1 documents, scores for 2"):
        SuggestionBatch(sp.csr_matrix(np.ones((2, 3))), [{}])


def test_chunked_reads_one_chunk_at_a_time() -> None:
    pulled = []

    def items():
        for i in range(7):
            pulled.append(i)
            yield i

    chunks = chunked(items(), 3)
    assert next(chunks) == [0, 1, 2] and pulled == [0, 1, 2]
    assert list(chunks) == [[3, 4, 5], [6]]
    assert list(chunked([], 3)) == []
    with pytest.raises(ValueError, match="at least 1"):
        next(chunked([1], 0))


@pytest.mark.parametrize("limit", [1, 3, 10, 40])
def test_filter_keeps_the_best_ranked_ties_by_concept_index(limit: int) -> None:
    """Long rows with many tied scores (scores on a coarse grid) keep exactly the ``limit``
    first of :meth:`SuggestionBatch.ranked`, at or above the threshold."""
    rng = np.random.default_rng(limit)
    dense = np.round(rng.random((6, 300)), 1).astype(np.float32)
    dense[rng.random(dense.shape) < 0.3] = 0.0
    full = SuggestionBatch(sp.csr_matrix(dense))
    kept = full.filter(limit, threshold=0.2)
    for row in range(len(full)):
        expected = [(c, s) for c, s in full.ranked(row) if s >= 0.2][:limit]
        assert kept.ranked(row) == expected
