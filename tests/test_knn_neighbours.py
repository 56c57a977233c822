"""knn finds a document's nearest indexed documents without sorting every similarity: the
same neighbours, in the same order, as a full sort, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from undex.backends.knn import _most_similar


@pytest.mark.parametrize("decimals", [1, 2, 6])
def test_nearest_are_those_of_a_full_sort(decimals: int) -> None:
    rng = np.random.default_rng(decimals)
    for _ in range(2000):
        similarities = np.round(rng.random(int(rng.integers(0, 80))), decimals).astype(np.float32)
        k = int(rng.integers(0, 15))
        assert np.array_equal(_most_similar(-similarities, k), np.argsort(-similarities)[:k])
