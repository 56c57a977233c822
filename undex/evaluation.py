"""Evaluation metrics with Annif's names and definitions.

Metrics are accumulated as sums over documents (document averages) and counts per concept
(subject averages and micro averages), so documents can be added in batches and the partial
sums of disjoint batches added up (:meth:`Evaluation.to_dict`, :mod:`undex.distributed`).
Suggestions are evaluated as given (after limit/threshold), like ``annif eval``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from undex.errors import InputError

METRICS = (
    "Precision (doc avg)",
    "Recall (doc avg)",
    "F1 score (doc avg)",
    "Precision (subj avg)",
    "Recall (subj avg)",
    "F1 score (subj avg)",
    "Precision (microavg)",
    "Recall (microavg)",
    "F1 score (microavg)",
    "F1@5",
    "NDCG",
    "NDCG@5",
    "NDCG@10",
    "Precision@1",
    "Precision@3",
    "Precision@5",
    "LRAP",
    "True positives",
    "False positives",
    "False negatives",
    "Documents evaluated",
)
_DOC_SUMS = ("P", "R", "F1", "F1@5", "NDCG", "NDCG@5", "NDCG@10", "P@1", "P@3", "P@5", "LRAP")


def precision_recall_f1(
    hits: np.ndarray, n_pred: np.ndarray, n_true: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document: precision, recall and F1 of ``n_pred`` suggestions of which ``hits`` are
    gold, out of ``n_true`` gold subjects (0 where undefined)."""
    hits = np.asarray(hits, dtype=np.float64)
    precision = np.divide(hits, n_pred, out=np.zeros_like(hits), where=n_pred > 0)
    recall = np.divide(hits, n_true, out=np.zeros_like(hits), where=n_true > 0)
    f1 = np.divide(2 * hits, n_pred + n_true, out=np.zeros_like(hits), where=n_pred + n_true > 0)
    return precision, recall, f1


def ndcg(relevant: np.ndarray, n_true: np.ndarray, k: int | None = None) -> np.ndarray:
    """Per document: NDCG with binary gains of the ranking's best ``k`` (all when None).

    ``relevant`` holds, best first, whether each suggestion is gold (one row per document,
    False after the last suggestion); a document without gold subjects scores 1.
    """
    ranks = relevant.shape[1] if k is None else k
    discounts = 1.0 / np.log2(np.arange(max(ranks, int(n_true.max(initial=0)))) + 2)
    shown = relevant[:, :ranks]
    dcg = (shown * discounts[: shown.shape[1]]).sum(axis=1)
    ideal_depth = (n_true if k is None else np.minimum(n_true, k)).astype(int)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[ideal_depth]
    return np.divide(dcg, ideal, out=np.ones_like(dcg), where=ideal > 0)


def ranking_metrics(relevant: np.ndarray, suggested: np.ndarray, n_true: np.ndarray) -> dict[str, np.ndarray]:
    """Per document, every metric of a ranking (the keys of :data:`_DOC_SUMS` but LRAP).

    ``relevant`` and ``suggested`` hold, best first, whether each rank is gold and whether it
    holds a suggestion at all.
    """

    def at(k: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return precision_recall_f1(relevant[:, :k].sum(axis=1), suggested[:, :k].sum(axis=1), n_true)

    precision, recall, f1 = at(None)
    metrics = {"P": precision, "R": recall, "F1": f1, "F1@5": at(5)[2]}
    metrics |= {f"NDCG{suffix}": ndcg(relevant, n_true, k) for suffix, k in (("", None), ("@5", 5), ("@10", 10))}
    return metrics | {f"P@{k}": at(k)[0] for k in (1, 3, 5)}


def _lrap(scores: np.ndarray, relevant: np.ndarray, n_true: int, n_labels: int) -> float:
    """Label ranking average precision of one document, as scikit-learn defines it.

    ``scores``/``relevant`` cover the predicted (non-zero) concepts; every other
    concept scores 0 and ties with the unpredicted gold concepts.
    """
    if n_true == 0 or n_true == n_labels:
        return 1.0
    total = 0.0
    for s in scores[relevant]:
        at_or_above = scores >= s
        total += relevant[at_or_above].sum() / at_or_above.sum()
    missing = n_true - int(relevant.sum())
    if missing:
        total += missing * (n_true / n_labels)  # all concepts score >= 0; all gold ones too
    return total / n_true


def _ranking(scores: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    """The suggested concepts of one row and their scores, best first (ties by concept index)."""
    start, end = scores.indptr[row], scores.indptr[row + 1]
    cols, vals = scores.indices[start:end], scores.data[start:end]
    keep = vals > 0
    cols, vals = cols[keep], vals[keep]
    order = np.lexsort((cols, -vals))
    return cols[order], vals[order]


@dataclass
class Evaluation:
    """Accumulates metric sums over the documents added, batch by batch."""

    n_concepts: int
    documents: int = 0
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(_DOC_SUMS, 0.0))
    tp: np.ndarray = field(default=None)  # type: ignore[assignment]
    fp: np.ndarray = field(default=None)  # type: ignore[assignment]
    fn: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        for name in ("tp", "fp", "fn"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(self.n_concepts, dtype=np.int64))

    def add(self, gold: Sequence[Sequence[int]], scores: sp.csr_matrix) -> None:
        """Add documents: gold concept indices per document, and their score rows."""
        scores = sp.csr_matrix(scores)
        if scores.shape[0] != len(gold):
            raise ValueError("gold and score rows differ in number")
        rankings = [_ranking(scores, row) for row in range(len(gold))]
        width = max((cols.size for cols, _ in rankings), default=0)
        relevant = np.zeros((len(gold), width), dtype=bool)
        suggested = np.zeros_like(relevant)
        for row, (true, (cols, vals)) in enumerate(zip(map(set, gold), rankings, strict=True)):
            hits = np.fromiter((c in true for c in cols), dtype=bool, count=cols.size)
            relevant[row, : cols.size], suggested[row, : cols.size] = hits, True
            self.sums["LRAP"] += _lrap(vals, hits, len(true), self.n_concepts)
            self._count_concepts(true, cols, hits)
        n_true = np.array([len(set(true)) for true in gold], dtype=np.float64)
        for name, values in ranking_metrics(relevant, suggested, n_true).items():
            self.sums[name] += float(values.sum())
        self.documents += len(gold)

    def _count_concepts(self, true: set[int], predicted: np.ndarray, hits: np.ndarray) -> None:
        np.add.at(self.tp, predicted[hits], 1)
        np.add.at(self.fp, predicted[~hits], 1)
        missed = [c for c in true if c not in set(predicted[hits].tolist())]
        np.add.at(self.fn, np.asarray(missed, dtype=np.int64), 1)

    def results(self) -> dict[str, float | int]:
        if self.documents == 0:
            raise InputError("cannot evaluate: no documents with text and gold subjects")
        n = self.documents
        s = self.sums
        tp, fp, fn = self.tp.astype(float), self.fp.astype(float), self.fn.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_subj = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            r_subj = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
            f_subj = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        TP, FP, FN = int(self.tp.sum()), int(self.fp.sum()), int(self.fn.sum())
        micro_p = TP / (TP + FP) if TP + FP else 0.0
        micro_r = TP / (TP + FN) if TP + FN else 0.0
        micro_f = 2 * TP / (2 * TP + FP + FN) if TP + FP + FN else 0.0
        values: dict[str, float | int] = {
            "Precision (doc avg)": s["P"] / n,
            "Recall (doc avg)": s["R"] / n,
            "F1 score (doc avg)": s["F1"] / n,
            "Precision (subj avg)": float(p_subj.mean()),
            "Recall (subj avg)": float(r_subj.mean()),
            "F1 score (subj avg)": float(f_subj.mean()),
            "Precision (microavg)": micro_p,
            "Recall (microavg)": micro_r,
            "F1 score (microavg)": micro_f,
            "F1@5": s["F1@5"] / n,
            "NDCG": s["NDCG"] / n,
            "NDCG@5": s["NDCG@5"] / n,
            "NDCG@10": s["NDCG@10"] / n,
            "Precision@1": s["P@1"] / n,
            "Precision@3": s["P@3"] / n,
            "Precision@5": s["P@5"] / n,
            "LRAP": s["LRAP"] / n,
            "True positives": TP,
            "False positives": FP,
            "False negatives": FN,
            "Documents evaluated": n,
        }
        return {name: values[name] for name in METRICS}

    def to_dict(self) -> dict:
        """Plain-data form of the partial sums (for merging across processes)."""
        return {
            "n_concepts": self.n_concepts,
            "documents": self.documents,
            "sums": dict(self.sums),
            "tp": self.tp.tolist(),
            "fp": self.fp.tolist(),
            "fn": self.fn.tolist(),
        }
