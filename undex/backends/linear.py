"""``linear``: one-vs-rest ridge (least-squares) classifiers over TF-IDF features.

All concepts are fitted at once in closed form: with documents ``X`` (sparse, n x d) and
gold labels ``Y`` (n x concepts), the coefficients are ``W = X^T (X X^T + alpha I)^-1 Y``
(dual form, when there are fewer documents than features) or ``(X^T X + alpha I)^-1 X^T Y``
(primal form). Either way only a min(n, d)-square system is solved, which takes seconds on
thousands of documents. Concepts without training examples get no coefficients and score 0.
Coefficients are pruned below ``weight_threshold`` and saved as a sparse ``.npz``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from pydantic import Field

from undex.backends.base import Backend, TextFeatureParams, label_matrix, text_vectorizer
from undex.backends.evidence import evidence_finder
from undex.corpus import LabelledDoc
from undex.errors import InputError, ModelError
from undex.features import TextVectorizer
from undex.suggestion import SuggestionBatch

COEFFICIENTS = "linear-coef.npz"
MAX_SYSTEM = 20_000
"""Largest square system solved (min of documents and features); about 3 GB in float64."""


class LinearParams(TextFeatureParams):
    alpha: float = Field(1.0, gt=0.0)
    """L2 regularisation strength."""
    label_weight_power: float = Field(0.5, ge=0.0, le=2.0)
    """A document's targets are divided by (its number of gold subjects) ** this, so that
    records with dozens of subjects do not dominate the fit (0 = plain 0/1 targets)."""
    weight_threshold: float = Field(1e-3, ge=0.0)
    """Coefficients with a smaller absolute value are dropped (smaller model, same ranking)."""


def ridge_coefficients(features: sp.csr_matrix, labels: sp.csr_matrix, alpha: float, power: float = 0.0) -> np.ndarray:
    """Dense ``d x k`` ridge coefficients for ``k`` label columns, solved in the smaller space.
    Each document's targets are divided by its number of labels to the ``power``."""
    n, d = features.shape
    if min(n, d) > MAX_SYSTEM:
        raise InputError(f"linear: {n} documents x {d} features is too large to solve in memory; lower max_features")
    targets = labels.toarray().astype(np.float64)
    if power:
        targets /= np.maximum(targets.sum(axis=1, keepdims=True), 1.0) ** power
    if n <= d:
        gram = (features @ features.T).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += alpha
        dual = scipy.linalg.solve(gram, targets, assume_a="pos")
        return np.asarray(features.T @ dual, dtype=np.float32)
    gram = (features.T @ features).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += alpha
    return scipy.linalg.solve(gram, np.asarray(features.T @ targets), assume_a="pos").astype(np.float32)


class LinearBackend(Backend):
    name = "linear"
    Params = LinearParams
    params: LinearParams

    def _vectorizer(self) -> TextVectorizer:
        return text_vectorizer(self.context.analyzer, self.params)

    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        self.vectorizer_ = self._vectorizer()
        features = self.vectorizer_.fit_transform([d.document.text for d in docs])
        labels = label_matrix(docs, len(self.vocab)).tocsc()
        active = np.flatnonzero(labels.getnnz(axis=0) > 0)
        dense = ridge_coefficients(features, labels[:, active], self.params.alpha, self.params.label_weight_power)
        dense[np.abs(dense) < self.params.weight_threshold] = 0.0
        coef = sp.coo_matrix(dense)
        # put the active columns back at their vocabulary positions; the others stay empty
        self._coef_by_concept = None
        self.coef_ = sp.csr_matrix(
            (coef.data, (coef.row, active[coef.col])), shape=(features.shape[1], len(self.vocab)), dtype=np.float32
        )

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        scores = (self.vectorizer_.transform(list(texts)) @ self.coef_).tocsr()
        scores.data = np.clip(scores.data, 0.0, 1.0)
        return SuggestionBatch(scores)

    def explain(self, texts: Sequence[str], batch: SuggestionBatch, labels: bool = True) -> SuggestionBatch:
        """Label matches, else the words with the largest weight x coefficient for the concept."""
        if getattr(self, "_coef_by_concept", None) is None:
            self._coef_by_concept = self.coef_.T.tocsr()
        by_concept = self._coef_by_concept
        finder = evidence_finder(self.context, self.vectorizer_)
        return finder.add_to(texts, batch, lambda _row, concepts: by_concept[concepts], labels)

    def save(self, folder: Path) -> None:
        self.vectorizer_.save(folder)
        sp.save_npz(folder / COEFFICIENTS, self.coef_)

    def load(self, folder: Path) -> None:
        self.vectorizer_ = self._vectorizer()
        self.vectorizer_.load(folder)
        self._coef_by_concept = None
        try:
            self.coef_ = sp.load_npz(folder / COEFFICIENTS).tocsr()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {folder / COEFFICIENTS}: {exc}") from exc
        if self.coef_.shape != (self.vectorizer_.n_features, len(self.vocab)):
            raise ModelError(f"model in {folder} does not fit its vocabulary or features")

    def training_summary(self) -> dict:
        return {
            "features": self.vectorizer_.n_features,
            "concepts_with_examples": int((self.coef_.getnnz(axis=0) > 0).sum()),
            "coefficients": int(self.coef_.nnz),
        }
