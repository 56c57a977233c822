"""Concept association: subjects predicted from the concepts whose labels a text mentions.

A document is represented by its bag of matched concepts (binary, L2-normalised),
never by its words, so a model learned from English records
applies to a document in any language the thesaurus has labels for. The model is one
ridge regression from concept bags to gold subjects (closed form, like ``linear``):
it learns, for instance, that reports mentioning sustainable development and the
World Summit are indexed under COORDINATION WITHIN UN SYSTEM, a subject whose label
never occurs in them.

The association is cross-fitted: a :class:`AssociationCombiner` learns how to combine a
candidate's lexical score with its association score from scores of documents the models
did not see (:func:`cross_fitted_predictions`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from undex.backends.lexical.features import document_length
from undex.backends.linear import ridge_coefficients
from undex.errors import ModelError

FILE = "association.npz"
COMBINER_FILE = "combiner.npy"
SCORE_FACTS = (
    "lexical_logit",
    "matched",
    "association",
    "association_share",
    "log_association_rank",
    "log_lexical_rank",
)
"""What the combination knows of a candidate: its lexical and association scores and
ranks. Ranks compare candidates within their document, whatever its length."""
LONG_DOCUMENT_WORDS = 100
"""Longer than a catalogue record (a title and an abstract of about 290 characters)."""
_REGIME_FEATURES = (*SCORE_FACTS, *(f"{name}_x_length" for name in SCORE_FACTS))
COMBINATION_FEATURES = (
    *(f"record:{name}" for name in _REGIME_FEATURES),
    *(f"full_text:{name}" for name in _REGIME_FEATURES),
    "full_text",
)
"""The facts of a candidate, and the same times the document's length, in one of two
regimes: records (shorter than :data:`LONG_DOCUMENT_WORDS`) and full texts, each with its
own weights. How much what the text says counts against what it implies is learned per
regime and as a function of length, so the many short records of the training corpora
do not decide it for full texts."""


def concept_bag(concepts: Sequence[int], n_concepts: int) -> sp.csr_matrix:
    """One L2-normalised binary row: the matched concepts of a document."""
    if not len(concepts):
        return sp.csr_matrix((1, n_concepts), dtype=np.float32)
    weight = 1.0 / np.sqrt(len(concepts))
    rows = [0] * len(concepts)
    return sp.csr_matrix(([weight] * len(concepts), (rows, list(concepts))), shape=(1, n_concepts), dtype=np.float32)


def concept_bags(lexical: Sequence[dict[int, float]], size: int, n_concepts: int) -> sp.csr_matrix:
    """The concept bags of documents, one row each: a document's ``size`` best matched
    concepts by lexical score. Long documents are cut so that they look like the records
    the association model learned from, not like a list of incidental words."""
    if not lexical:
        return sp.csr_matrix((0, n_concepts), dtype=np.float32)
    best = [sorted(scores, key=lambda c: -scores[c])[:size] for scores in lexical]
    return sp.vstack([concept_bag(concepts, n_concepts) for concepts in best]).tocsr()


class ConceptAssociation:
    """Ridge regression from concept bags (documents x concepts) to gold subjects."""

    def __init__(self, alpha: float = 1.0, label_weight_power: float = 0.5, weight_threshold: float = 1e-3) -> None:
        self.alpha = alpha
        self.label_weight_power = label_weight_power
        self.weight_threshold = weight_threshold

    def fit(self, bags: sp.csr_matrix, labels: sp.csr_matrix) -> ConceptAssociation:
        labels = sp.csr_matrix(labels).tocsc()
        inputs = np.flatnonzero(bags.getnnz(axis=0) > 0)
        outputs = np.flatnonzero(labels.getnnz(axis=0) > 0)
        dense = ridge_coefficients(
            sp.csr_matrix(bags[:, inputs]), labels[:, outputs], self.alpha, self.label_weight_power
        )
        dense[np.abs(dense) < self.weight_threshold] = 0.0
        coef = sp.coo_matrix(dense)
        self.coef_ = sp.csr_matrix(
            (coef.data, (inputs[coef.row], outputs[coef.col])), shape=(bags.shape[1], labels.shape[1]), dtype=np.float32
        )
        return self

    def predict(self, bags: sp.csr_matrix) -> sp.csr_matrix:
        scores = sp.csr_matrix(bags @ self.coef_)
        scores.data = np.clip(scores.data, 0.0, None)
        scores.eliminate_zeros()
        return scores

    def save(self, folder: Path) -> None:
        sp.save_npz(folder / FILE, self.coef_)

    @classmethod
    def load(cls, folder: Path, n_concepts: int) -> ConceptAssociation:
        model = cls()
        try:
            model.coef_ = sp.load_npz(folder / FILE).tocsr()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the concept association model in {folder}: {exc}") from exc
        if model.coef_.shape != (n_concepts, n_concepts):
            raise ModelError(f"the concept association model in {folder} does not fit the vocabulary")
        return model


def cross_fitted_predictions(
    bags: sp.csr_matrix,
    labels: sp.csr_matrix,
    folds: np.ndarray,
    alpha: float,
    held_out_bags: sp.csr_matrix | None = None,
) -> sp.csr_matrix:
    """Association scores of every document by a model fitted on the other folds' ``bags``
    and ``labels``; the scored documents are described by ``held_out_bags`` (default:
    ``bags``)."""
    held_out_bags = bags if held_out_bags is None else held_out_bags
    held_out = sp.lil_matrix(labels.shape, dtype=np.float32)
    for k in np.unique(folds):
        model = ConceptAssociation(alpha).fit(bags[folds != k], labels[folds != k])
        held_out[np.flatnonzero(folds == k)] = model.predict(held_out_bags[folds == k])
    return held_out.tocsr()


def combination_rows(
    lexical: dict[int, float], associated: np.ndarray, n_best: int, words: int
) -> tuple[list[int], np.ndarray]:
    """Candidates of a document of ``words`` words (the matched ones, plus the ``n_best``
    best associated) and their :data:`COMBINATION_FEATURES`: lexical logit, matched or not,
    association score, its share of the best, log rank, and the first three times the
    document's length. ``lexical`` holds the matched concepts' lexical probabilities,
    ``associated`` one association score per concept."""
    length, full_text = document_length(words), words >= LONG_DOCUMENT_WORDS
    lexical_order = sorted(lexical, key=lambda c: -lexical[c])
    lexical_rank = {c: i + 1 for i, c in enumerate(lexical_order)}
    order = np.argsort(-associated, kind="stable")
    best = [int(c) for c in order[:n_best] if associated[c] > 0]
    concepts = list(dict.fromkeys([*lexical, *best]))
    rank = np.empty(len(associated))
    rank[order] = np.arange(1, len(associated) + 1)
    top = max(float(associated.max(initial=0.0)), 1e-9)
    rows = []
    for c in concepts:
        p = lexical.get(c)
        logit = math.log(p / (1.0 - p)) if p is not None and 0.0 < p < 1.0 else 0.0
        a = float(associated[c])
        matched = float(p is not None)
        log_rank = math.log(rank[c] if a > 0 else len(associated))
        log_lexical_rank = math.log(lexical_rank.get(c, len(associated)))
        row = [logit, matched, a, a / top, log_rank, log_lexical_rank]
        row += [value * length for value in row]
        absent = [0.0] * len(row)
        rows.append([*absent, *row, 1.0] if full_text else [*row, *absent, 0.0])
    return concepts, np.asarray(rows, dtype=np.float64).reshape(len(concepts), len(COMBINATION_FEATURES))


class AssociationCombiner:
    """Logistic regression from :func:`combination_rows` to whether a candidate is a subject."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: np.ndarray, y: np.ndarray) -> AssociationCombiner:
        y = np.asarray(y, dtype=bool)
        if y.all() or not y.any():
            raise ModelError("cannot learn the association combination: no positive and negative candidates")
        model = LogisticRegression(C=self.C, max_iter=1000).fit(X, y)
        self.coef_ = model.coef_.ravel()
        self.intercept_ = float(model.intercept_[0])
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Columns: probability of not being a subject, of being one."""
        p = expit(X @ self.coef_ + self.intercept_)
        return np.column_stack([1.0 - p, p])

    def weights(self) -> dict[str, float]:
        return dict(zip(COMBINATION_FEATURES, (float(w) for w in self.coef_), strict=True))

    def save(self, folder: Path) -> None:
        np.save(folder / COMBINER_FILE, np.append(self.coef_, self.intercept_))

    @classmethod
    def load(cls, folder: Path) -> AssociationCombiner:
        try:
            saved = np.load(folder / COMBINER_FILE, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the association combination in {folder}: {exc}") from exc
        if saved.shape != (len(COMBINATION_FEATURES) + 1,):
            raise ModelError(f"the association combination in {folder} is malformed; retrain")
        combiner = cls()
        combiner.coef_, combiner.intercept_ = saved[:-1], float(saved[-1])
        return combiner
