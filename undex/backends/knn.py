"""``knn``: subjects of the most similar indexed documents (TF-IDF cosine).

UN documents recur (the same agenda item every session, revisions of one draft), so the
subjects of a near-twin are strong evidence. A concept's score is the similarity-weighted
share of the ``k`` nearest training documents that carry it; similarities are raised to
``power`` so that near-twins dominate.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from undex.backends.base import Backend, TextFeatureParams, label_matrix, text_vectorizer
from undex.backends.evidence import evidence_finder
from undex.corpus import LabelledDoc
from undex.errors import ModelError
from undex.features import TextVectorizer
from undex.suggestion import SuggestionBatch


def _most_similar(negated: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` smallest of ``negated`` (similarities times -1), smallest
    first: ``np.argsort(negated)[:k]``, but where the ``k`` best are distinct and none ties
    with the next, found by a partition and sorted alone (a long row is not sorted whole)."""
    if negated.size > k > 0:
        kth = np.partition(negated, k - 1)[k - 1]
        within = np.flatnonzero(negated <= kth)
        best = negated[within]
        if within.size == k and np.unique(best).size == k:
            return within[np.argsort(best)]
    return np.argsort(negated)[:k]


class KnnParams(TextFeatureParams):
    k: int = 10
    power: float = 3.0


class KnnBackend(Backend):
    name = "knn"
    Params = KnnParams
    params: KnnParams
    supports_learning = True

    def _vectorizer(self) -> TextVectorizer:
        return text_vectorizer(self.context.analyzer, self.params)

    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        self.vectorizer_ = self._vectorizer()
        self.documents_ = self.vectorizer_.fit_transform([d.document.text for d in docs]).astype(np.float32)
        self.labels_ = label_matrix(docs, len(self.vocab))

    def learn(self, docs: Sequence[LabelledDoc]) -> KnnBackend:
        """A new model with the indexed documents added as neighbours (their words outside
        the fitted feature vocabulary are ignored until the next full training). This model
        is left as it was: requests may be using it."""
        new = self.vectorizer_.transform([d.document.text for d in docs]).astype(np.float32)
        learned = copy.copy(self)
        learned.documents_ = sp.vstack([self.documents_, new]).tocsr()
        learned.labels_ = sp.vstack([self.labels_, label_matrix(docs, len(self.vocab))]).tocsr()
        return learned

    def _nearest(self, similarity: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest training documents of one row and their weights (similarity ** power)."""
        start, end = similarity.indptr[row], similarity.indptr[row + 1]
        sims, neighbours = similarity.data[start:end], similarity.indices[start:end]
        top = _most_similar(-sims, min(self.params.k, self.documents_.shape[0]))
        return neighbours[top], np.clip(sims[top], 0.0, 1.0) ** self.params.power

    def _similarity(self, texts: Sequence[str]) -> sp.csr_matrix:
        return (self.vectorizer_.transform(list(texts)) @ self._documents_by_feature()).tocsr()

    def _documents_by_feature(self) -> sp.csr_matrix:
        """The indexed documents transposed, in the format the product needs: converted once
        per model, not once per batch (the same conversion the product would make)."""
        cached = getattr(self, "_by_feature", None)
        if cached is None or cached[0] is not self.documents_:
            cached = (self.documents_, sp.csr_matrix(self.documents_.T))
            self._by_feature = cached
        return cached[1]

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        similarity = self._similarity(texts)
        rows, cols, vals = [], [], []
        for row in range(similarity.shape[0]):
            neighbours, weights = self._nearest(similarity, row)
            rows.extend([row] * len(neighbours))
            cols.extend(neighbours)
            vals.extend(weights)
        weights = sp.csr_matrix((vals, (rows, cols)), shape=similarity.shape, dtype=np.float32)
        totals = np.asarray(weights.sum(axis=1)).ravel()
        totals[totals == 0] = 1.0
        scores = sp.diags(1.0 / totals) @ (weights @ self.labels_)
        return SuggestionBatch(sp.csr_matrix(scores))

    def explain(self, texts: Sequence[str], batch: SuggestionBatch, labels: bool = True) -> SuggestionBatch:
        """Label matches, else the words the document shares with its nearest indexed
        documents that carry the concept (weighted by their similarity)."""
        similarity: sp.csr_matrix | None = None

        def shared_words(row: int, concepts: Sequence[int]) -> sp.csr_matrix:
            nonlocal similarity
            if similarity is None:
                similarity = self._similarity(texts)
            neighbours, weights = self._nearest(similarity, row)
            carriers = sp.csr_matrix(self.labels_[neighbours][:, list(concepts)].T.multiply(weights[None, :]))
            return (carriers @ self.documents_[neighbours]).tocsr()

        return evidence_finder(self.context, self.vectorizer_).add_to(texts, batch, shared_words, labels)

    def save(self, folder: Path) -> None:
        self.vectorizer_.save(folder)
        sp.save_npz(folder / "documents.npz", self.documents_.tocsr())
        sp.save_npz(folder / "labels.npz", self.labels_.tocsr())

    def load(self, folder: Path) -> None:
        self.vectorizer_ = self._vectorizer()
        self.vectorizer_.load(folder)
        try:
            self.documents_ = sp.load_npz(folder / "documents.npz").tocsr()
            self.labels_ = sp.load_npz(folder / "labels.npz").tocsr()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the knn model in {folder}: {exc}") from exc
        if self.documents_.shape != (self.labels_.shape[0], self.vectorizer_.n_features) or self.labels_.shape[
            1
        ] != len(self.vocab):
            raise ModelError(f"model in {folder} does not fit its vocabulary or features")

    def training_summary(self) -> dict:
        return {"documents": int(self.documents_.shape[0]), "features": self.vectorizer_.n_features}
