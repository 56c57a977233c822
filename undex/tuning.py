"""Metrics over the top of each document's ranking, for searching weights, limits and
thresholds: one sorted top-``k`` per document (ties broken by concept index) serves many
settings, scored with the metrics of :mod:`undex.evaluation`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from undex.errors import InputError
from undex.evaluation import ndcg, precision_recall_f1


@dataclass
class TopRanked:
    """The ``k`` best concepts of each document: scores (0 = not suggested) and whether gold."""

    scores: np.ndarray
    relevant: np.ndarray
    n_true: np.ndarray


def top_ranked(scores: sp.csr_matrix, gold: Sequence[Sequence[int]], k: int = 15, chunk: int = 256) -> TopRanked:
    scores = sp.csr_matrix(scores)
    if scores.shape[0] != len(gold):
        raise ValueError("gold and score rows differ in number")
    n_true = np.array([len(set(g)) for g in gold], dtype=np.float64)
    if scores.shape[0] == 0 or not n_true.all():
        raise InputError("no documents with gold subjects to tune on")
    k = min(k, scores.shape[1])
    top_scores, top_relevant = [], []
    for start in range(0, scores.shape[0], chunk):
        dense = scores[start : start + chunk].toarray()
        order = np.argsort(-dense, axis=1, kind="stable")[:, :k]
        top_scores.append(np.take_along_axis(dense, order, axis=1))
        gold_mask = np.zeros_like(dense, dtype=bool)
        for row, concepts in enumerate(gold[start : start + chunk]):
            gold_mask[row, list(concepts)] = True
        top_relevant.append(np.take_along_axis(gold_mask, order, axis=1))
    s, r = np.vstack(top_scores), np.vstack(top_relevant)
    return TopRanked(s, r & (s > 0), n_true)


def f1_at_5(top: TopRanked) -> float:
    """F1@5 averaged over the documents."""
    hits, n_pred = top.relevant[:, :5].sum(axis=1), (top.scores[:, :5] > 0).sum(axis=1)
    _, _, f1 = precision_recall_f1(hits, n_pred, top.n_true)
    return float(np.mean(f1))


def ndcg_at(top: TopRanked, k: int = 10) -> float:
    """NDCG@k averaged over the documents."""
    return float(np.mean(ndcg(top.relevant, top.n_true, k)))


def prf_grid(top: TopRanked, limits: Sequence[int], thresholds: Sequence[float]) -> np.ndarray:
    """Document-averaged (precision, recall, F1) for every limit x threshold: shape (L, T, 3)."""
    hits_cum = np.concatenate([np.zeros((top.relevant.shape[0], 1)), np.cumsum(top.relevant, axis=1)], axis=1)
    rows = np.arange(top.relevant.shape[0])
    out = np.zeros((len(limits), len(thresholds), 3))
    for j, threshold in enumerate(thresholds):
        passing = ((top.scores >= threshold) & (top.scores > 0)).sum(axis=1)
        for i, limit in enumerate(limits):
            n_pred = np.minimum(passing, limit)
            out[i, j] = [values.mean() for values in precision_recall_f1(hits_cum[rows, n_pred], n_pred, top.n_true)]
    return out
