"""Metrics against scikit-learn and against a direct computation of Annif's definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import f1_score, label_ranking_average_precision_score, precision_recall_fscore_support

from undex.errors import InputError
from undex.evaluation import METRICS, Evaluation
from undex.suggestion import SuggestionBatch
from undex.tuning import f1_at_5, ndcg_at, prf_grid, top_ranked

N_DOCS, N_LABELS = 60, 40


def random_case(seed: int) -> tuple[list[list[int]], sp.csr_matrix]:
    """Gold subjects (1-6 per document) and sparse scores (0-15 predictions, some gold)."""
    rng = np.random.default_rng(seed)
    gold, rows, cols, vals = [], [], [], []
    for row in range(N_DOCS):
        true = rng.choice(N_LABELS, size=rng.integers(1, 7), replace=False)
        gold.append(sorted(int(c) for c in true))
        n_pred = int(rng.integers(0, 16)) if row % 10 else 0  # every tenth document gets nothing
        candidates = np.union1d(true, rng.choice(N_LABELS, size=8, replace=False))
        pool = candidates if rng.random() < 0.5 else np.arange(N_LABELS)
        predicted = rng.choice(pool, size=min(n_pred, pool.size), replace=False)
        rows += [row] * predicted.size
        cols += predicted.tolist()
        vals += rng.uniform(0.01, 1.0, size=predicted.size).tolist()
    return gold, sp.csr_matrix((vals, (rows, cols)), shape=(N_DOCS, N_LABELS))


def dense_gold(gold: list[list[int]]) -> np.ndarray:
    y = np.zeros((len(gold), N_LABELS), dtype=int)
    for row, true in enumerate(gold):
        y[row, true] = 1
    return y


def evaluate(gold: list[list[int]], scores: sp.csr_matrix) -> dict[str, float | int]:
    evaluation = Evaluation(N_LABELS)
    evaluation.add(gold, scores)
    return evaluation.results()


def ranked(scores: sp.csr_matrix, row: int) -> list[int]:
    dense = scores.toarray()[row]
    return [int(c) for c in np.argsort(-dense, kind="stable") if dense[c] > 0]


def precision_at_k(gold: list[list[int]], scores: sp.csr_matrix, k: int) -> float:
    values = []
    for row, true in enumerate(gold):
        top = ranked(scores, row)[:k]
        values.append(len(set(top) & set(true)) / len(top) if top else 0.0)
    return float(np.mean(values))


def ndcg(gold: list[list[int]], scores: sp.csr_matrix, limit: int | None) -> float:
    values = []
    for row, true in enumerate(gold):
        top = ranked(scores, row)[:limit]
        dcg = sum(1 / math.log2(i + 2) for i, c in enumerate(top) if c in true)
        idcg = sum(1 / math.log2(i + 2) for i in range(len(true) if limit is None else min(limit, len(true))))
        values.append(dcg / idcg if idcg else 1.0)
    return float(np.mean(values))


def top_k_mask(scores: sp.csr_matrix, k: int) -> np.ndarray:
    mask = np.zeros(scores.shape, dtype=int)
    for row in range(scores.shape[0]):
        mask[row, ranked(scores, row)[:k]] = 1
    return mask


SEEDS = [0, 1, 2, 3, 4]


@pytest.mark.parametrize("seed", SEEDS)
def test_set_metrics_match_scikit_learn(seed: int) -> None:
    gold, scores = random_case(seed)
    y_true, y_pred = dense_gold(gold), (scores.toarray() > 0).astype(int)
    ours = evaluate(gold, scores)
    for average, name in (("samples", "doc avg"), ("macro", "subj avg"), ("micro", "microavg")):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0)
        assert ours[f"Precision ({name})"] == pytest.approx(p, abs=1e-12)
        assert ours[f"Recall ({name})"] == pytest.approx(r, abs=1e-12)
        assert ours[f"F1 score ({name})"] == pytest.approx(f, abs=1e-12)
    assert ours["True positives"] == int((y_true & y_pred).sum())
    assert ours["False positives"] == int(((1 - y_true) & y_pred).sum())
    assert ours["False negatives"] == int((y_true & (1 - y_pred)).sum())
    assert ours["Documents evaluated"] == N_DOCS


@pytest.mark.parametrize("seed", SEEDS)
def test_ranking_metrics_match_scikit_learn(seed: int) -> None:
    gold, scores = random_case(seed)
    y_true = dense_gold(gold)
    ours = evaluate(gold, scores)
    assert ours["LRAP"] == pytest.approx(label_ranking_average_precision_score(y_true, scores.toarray()), abs=1e-12)
    expected_f1_5 = f1_score(y_true, top_k_mask(scores, 5), average="samples", zero_division=0)
    assert ours["F1@5"] == pytest.approx(expected_f1_5, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_at_k_and_ndcg_follow_annif(seed: int) -> None:
    gold, scores = random_case(seed)
    ours = evaluate(gold, scores)
    for k in (1, 3, 5):
        assert ours[f"Precision@{k}"] == pytest.approx(precision_at_k(gold, scores, k), abs=1e-12)
    assert ours["NDCG"] == pytest.approx(ndcg(gold, scores, None), abs=1e-12)
    assert ours["NDCG@5"] == pytest.approx(ndcg(gold, scores, 5), abs=1e-12)
    assert ours["NDCG@10"] == pytest.approx(ndcg(gold, scores, 10), abs=1e-12)


def test_metrics_after_limit_and_threshold_match_scikit_learn() -> None:
    """``eval --limit 3 --threshold 0.3`` evaluates the filtered suggestions."""
    gold, scores = random_case(7)
    filtered = SuggestionBatch(scores).filter(limit=3, threshold=0.3).scores
    assert filtered.count_nonzero(axis=1).max() == 3 and filtered.data.min() >= 0.3
    ours = evaluate(gold, filtered)
    p, r, f, _ = precision_recall_fscore_support(
        dense_gold(gold), (filtered.toarray() > 0).astype(int), average="samples", zero_division=0
    )
    assert (ours["Precision (doc avg)"], ours["Recall (doc avg)"], ours["F1 score (doc avg)"]) == pytest.approx(
        (p, r, f)
    )
    assert ours["Precision@1"] == pytest.approx(precision_at_k(gold, filtered, 1))


def test_hand_computed_document() -> None:
    """One document, gold {0, 2}; ranked predictions 2 (0.9), 1 (0.5), 3 (0.1)."""
    scores = sp.csr_matrix(np.array([[0.0, 0.5, 0.9, 0.1, 0.0]]))
    evaluation = Evaluation(5)
    evaluation.add([[0, 2]], scores)
    r = evaluation.results()
    assert r["Precision@1"] == 1.0 and r["Precision@3"] == pytest.approx(1 / 3)
    assert r["Precision (doc avg)"] == pytest.approx(1 / 3) and r["Recall (doc avg)"] == 0.5
    assert r["NDCG"] == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # LRAP: gold 2 ranks 1st (1/1); gold 0 scores 0 and ties with the 2 unscored concepts: rank 5, 2 gold -> 2/5
    assert r["LRAP"] == pytest.approx((1 + 2 / 5) / 2)
    assert (r["True positives"], r["False positives"], r["False negatives"]) == (1, 2, 1)


# Two documents over six concepts, ranked best first (o = gold, x = not gold):
#   A: gold {0, 2}; 2 (0.9) o, 1 (0.5) x, 3 (0.1) x
#   B: gold {1, 4, 5}; 4 (0.8) o, 0 (0.6) x, 5 (0.4) o, 3 (0.3) x, 2 (0.2) x, 1 (0.1) o
TWO_GOLD = [[0, 2], [1, 4, 5]]
TWO_SCORES = sp.csr_matrix(np.array([[0, 0.5, 0.9, 0.1, 0, 0], [0.6, 0.1, 0.2, 0.3, 0.8, 0.4]], dtype=np.float32))
R2, R3, R6 = (1 / math.log2(rank + 1) for rank in (2, 3, 6))  # NDCG's discount of ranks 2, 3 and 6
BY_HAND = {
    "Precision (doc avg)": (1 / 3 + 3 / 6) / 2,
    "Recall (doc avg)": (1 / 2 + 3 / 3) / 2,
    "F1 score (doc avg)": (2 / (3 + 2) + 6 / (6 + 3)) / 2,
    "F1@5": (2 / (3 + 2) + 4 / (5 + 3)) / 2,
    "Precision@1": 1.0,
    "Precision@3": (1 / 3 + 2 / 3) / 2,
    "Precision@5": (1 / 3 + 2 / 5) / 2,
    "NDCG": (1 / (1 + R2) + (1 + R3 + R6) / (1 + R2 + R3)) / 2,
    "NDCG@5": (1 / (1 + R2) + (1 + R3) / (1 + R2 + R3)) / 2,
}


def test_ranking_metrics_of_evaluation_and_tuning_match_hand_computed_values() -> None:
    """``undex eval`` and the searches of ensemble weights and of limit/threshold score alike."""
    evaluation = Evaluation(6)
    evaluation.add(TWO_GOLD, TWO_SCORES)
    results = evaluation.results()
    for name, value in BY_HAND.items():
        assert results[name] == pytest.approx(value, abs=1e-12), name
    assert results["NDCG@10"] == pytest.approx(BY_HAND["NDCG"], abs=1e-12)
    top = top_ranked(TWO_SCORES, TWO_GOLD, k=10)
    assert f1_at_5(top) == pytest.approx(BY_HAND["F1@5"], abs=1e-12)
    assert ndcg_at(top, 5) == pytest.approx(BY_HAND["NDCG@5"], abs=1e-12)
    assert ndcg_at(top, 1) == 1.0  # both have a gold concept first; the ideal is cut at one rank too
    assert ndcg_at(top, 10) == pytest.approx(BY_HAND["NDCG"], abs=1e-12)
    grid = prf_grid(top, limits=[1, 15], thresholds=[0.0, 0.5])
    whole = [BY_HAND[f"{name} (doc avg)"] for name in ("Precision", "Recall", "F1 score")]
    assert grid[1, 0] == pytest.approx(whole, abs=1e-12)
    assert grid[0, 0] == pytest.approx([1.0, (1 / 2 + 1 / 3) / 2, (2 / 3 + 2 / 4) / 2], abs=1e-12)  # best one each
    assert grid[1, 1] == pytest.approx([1 / 2, (1 / 2 + 1 / 3) / 2, (2 / 4 + 2 / 5) / 2], abs=1e-12)  # scores >= 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adding_in_batches_equals_adding_at_once(seed: int) -> None:
    gold, scores = random_case(seed)
    whole = evaluate(gold, scores)
    cut = 23
    first = Evaluation(N_LABELS)
    first.add(gold[:cut], scores[:cut])
    rebuilt = Evaluation(**{k: np.asarray(v) if k in ("tp", "fp", "fn") else v for k, v in first.to_dict().items()})
    for evaluation in (first, rebuilt):  # partial sums sent between processes carry on alike
        evaluation.add(gold[cut:], scores[cut:])
        results = evaluation.results()
        assert list(results) == list(METRICS)
        assert results == pytest.approx(whole, abs=1e-12)


def test_empty_evaluation_and_mismatched_rows() -> None:
    with pytest.raises(InputError, match="no documents"):
        Evaluation(3).results()
    with pytest.raises(ValueError, match="differ in number"):
        Evaluation(3).add([[0]], sp.csr_matrix((2, 3)))
