"""Concept association: subjects predicted from the concepts whose labels a text mentions.

A document is represented by its bag of matched concepts (binary, L2-normalised),
never by its words, so a model learned from English records
applies to a document in any language the thesaurus has labels for. The model is one
ridge regression from concept bags to gold subjects (closed form, like ``linear``):
it learns, for instance, that reports mentioning sustainable development and the
World Summit are indexed under COORDINATION WITHIN UN SYSTEM, a subject whose label
never occurs in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from undex.backends.linear import ridge_coefficients
from undex.errors import ModelError

FILE = "association.npz"


def concept_bag(concepts: Sequence[int], n_concepts: int) -> sp.csr_matrix:
    """One L2-normalised binary row: the matched concepts of a document."""
    if not len(concepts):
        return sp.csr_matrix((1, n_concepts), dtype=np.float32)
    weight = 1.0 / np.sqrt(len(concepts))
    rows = [0] * len(concepts)
    return sp.csr_matrix(([weight] * len(concepts), (rows, list(concepts))), shape=(1, n_concepts), dtype=np.float32)


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
