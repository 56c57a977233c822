"""``tfidf``: nearest concept centroids in TF-IDF space (the classic Annif approach)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from undex.backends.base import Backend, TextFeatureParams, label_matrix, text_vectorizer
from undex.backends.evidence import concept_centroids, evidence_finder
from undex.corpus import LabelledDoc
from undex.errors import ModelError
from undex.features import TextVectorizer
from undex.suggestion import SuggestionBatch


class TfidfParams(TextFeatureParams):
    min_df: int = 2


class TfidfBackend(Backend):
    name = "tfidf"
    Params = TfidfParams
    params: TfidfParams

    def _vectorizer(self) -> TextVectorizer:
        return text_vectorizer(self.context.analyzer, self.params)

    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        self.vectorizer_ = self._vectorizer()
        features = self.vectorizer_.fit_transform([d.document.text for d in docs])
        labels = label_matrix(docs, len(self.vocab))
        self.centroids_ = concept_centroids(labels, features)

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        features = self.vectorizer_.transform(list(texts))
        scores = (features @ self.centroids_.T).tocsr()
        scores.data = np.clip(scores.data, 0.0, 1.0)
        return SuggestionBatch(scores)

    def explain(self, texts: Sequence[str], batch: SuggestionBatch, labels: bool = True) -> SuggestionBatch:
        """Label matches, else the words weighing most in the document and the concept's centroid."""
        finder = evidence_finder(self.context, self.vectorizer_)
        return finder.add_to(texts, batch, lambda _row, concepts: self.centroids_[concepts], labels)

    def save(self, folder: Path) -> None:
        self.vectorizer_.save(folder)
        sp.save_npz(folder / "centroids.npz", self.centroids_)

    def load(self, folder: Path) -> None:
        self.vectorizer_ = self._vectorizer()
        self.vectorizer_.load(folder)
        try:
            self.centroids_ = sp.load_npz(folder / "centroids.npz").tocsr()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {folder / 'centroids.npz'}: {exc}") from exc
        if self.centroids_.shape != (len(self.vocab), self.vectorizer_.n_features):
            raise ModelError(f"model in {folder} does not fit its vocabulary or features")

    def training_summary(self) -> dict:
        return {
            "features": self.vectorizer_.n_features,
            "concepts_with_examples": int((self.centroids_.getnnz(axis=1) > 0).sum()),
        }
