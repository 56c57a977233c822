"""Evaluation metrics with Annif's names and definitions.

Metrics are accumulated per document (document averages) and per concept (subject
averages and micro averages), so partial results of disjoint batches merge exactly.
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


def _dcg(gains: np.ndarray) -> float:
    return float((gains / np.log2(np.arange(gains.size) + 2)).sum())


def _ndcg(ranked_relevance: np.ndarray, n_true: int, limit: int | None) -> float:
    ideal = np.ones(n_true if limit is None else min(limit, n_true))
    idcg = _dcg(ideal)
    if idcg == 0:
        return 1.0
    gains = ranked_relevance if limit is None else ranked_relevance[:limit]
    return _dcg(gains) / idcg


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


@dataclass
class Evaluation:
    """Accumulates metric sums; ``merge`` combines disjoint partial evaluations."""

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
        for row, true in enumerate(gold):
            start, end = scores.indptr[row], scores.indptr[row + 1]
            cols, vals = scores.indices[start:end], scores.data[start:end]
            keep = vals > 0
            cols, vals = cols[keep], vals[keep]
            order = np.lexsort((cols, -vals))
            cols, vals = cols[order], vals[order]
            self._add_document(set(true), cols, vals)

    def _add_document(self, true: set[int], cols: np.ndarray, vals: np.ndarray) -> None:
        relevant = np.fromiter((c in true for c in cols), dtype=bool, count=cols.size)
        n_true, n_pred, hits = len(true), cols.size, int(relevant.sum())
        s = self.sums
        s["P"] += hits / n_pred if n_pred else 0.0
        s["R"] += hits / n_true if n_true else 0.0
        s["F1"] += 2 * hits / (n_pred + n_true) if n_pred + n_true else 0.0
        top5 = int(relevant[:5].sum())
        s["F1@5"] += 2 * top5 / (min(5, n_pred) + n_true) if min(5, n_pred) + n_true else 0.0
        for k in (1, 3, 5):
            s[f"P@{k}"] += relevant[:k].sum() / min(k, n_pred) if n_pred else 0.0
        gains = relevant.astype(float)
        s["NDCG"] += _ndcg(gains, n_true, None)
        s["NDCG@5"] += _ndcg(gains, n_true, 5)
        s["NDCG@10"] += _ndcg(gains, n_true, 10)
        s["LRAP"] += _lrap(vals, relevant, n_true, self.n_concepts)
        predicted = cols
        np.add.at(self.tp, predicted[relevant], 1)
        np.add.at(self.fp, predicted[~relevant], 1)
        missed = [c for c in true if c not in set(predicted[relevant].tolist())]
        np.add.at(self.fn, np.asarray(missed, dtype=np.int64), 1)
        self.documents += 1

    def merge(self, other: Evaluation) -> Evaluation:
        if other.n_concepts != self.n_concepts:
            raise ValueError("cannot merge evaluations over different vocabularies")
        merged = Evaluation(self.n_concepts, self.documents + other.documents)
        merged.sums = {k: self.sums[k] + other.sums[k] for k in self.sums}
        merged.tp, merged.fp, merged.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return merged

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
            "sums": self.sums,
            "tp": self.tp.tolist(),
            "fp": self.fp.tolist(),
            "fn": self.fn.tolist(),
        }
