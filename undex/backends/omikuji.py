"""``omikuji``: Partitioned Label Trees (Parabel or Bonsai) over TF-IDF features.

Training writes the features into the extreme-classification text format Omikuji reads
(``n_docs n_features n_labels`` header, then ``l1,l2 f:v f:v`` lines); the model is saved
with Omikuji's own ``save`` into a ``omikuji/`` folder of the model version.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp

from undex.backends.base import Backend, TextFeatureParams, label_matrix, text_vectorizer
from undex.backends.evidence import concept_centroids, evidence_finder
from undex.corpus import LabelledDoc
from undex.errors import ModelError
from undex.features import TextVectorizer
from undex.suggestion import SuggestionBatch

MODEL_FOLDER = "omikuji"
CENTROIDS = "omikuji-centroids.npz"
"""Each concept's mean training vector: the tree model has no per-feature weights to show."""
DENSIFY_ABOVE = 0.1
"""A loaded model keeps its weight vectors denser than this share dense (Omikuji's
``densify_weights``): the same scores, predicted about a third faster for a few MB."""

# Annif's presets: Parabel = balanced binary trees; Bonsai = shallow, wide, unbalanced trees.
PRESETS: dict[str, dict[str, object]] = {
    "parabel": {"cluster_balanced": True, "cluster_k": 2, "max_depth": 20},
    "bonsai": {"cluster_balanced": False, "cluster_k": 100, "max_depth": 3},
}


class OmikujiParams(TextFeatureParams):
    preset: Literal["parabel", "bonsai"] = "parabel"
    cluster_balanced: bool | None = None
    cluster_k: int | None = None
    max_depth: int | None = None
    collapse_every_n_layers: int = 0
    n_trees: int = 3
    word_ngrams: int = 1
    top_k: int = 100
    """Candidate concepts returned per document."""
    beam_size: int = 10
    threads: int = 2
    """Training threads (prediction uses Rayon's default pool: RAYON_NUM_THREADS)."""


@contextlib.contextmanager
def quiet_native_output() -> Iterator[None]:
    """Silence what native code writes to file descriptors 1 and 2 (Omikuji logs INFO
    lines and progress bars there)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def write_xmc_file(path: Path, features: sp.csr_matrix, labels: Sequence[Sequence[int]], n_labels: int) -> None:
    """Write the extreme-classification text format that Omikuji trains from."""
    with open(path, "w", encoding="ascii") as out:
        out.write(f"{features.shape[0]} {features.shape[1]} {n_labels}\n")
        for row, concepts in enumerate(labels):
            start, end = features.indptr[row], features.indptr[row + 1]
            pairs = " ".join(
                f"{i}:{v:.6g}" for i, v in zip(features.indices[start:end], features.data[start:end], strict=True)
            )
            out.write(",".join(str(c) for c in concepts) + " " + pairs + "\n")


class OmikujiBackend(Backend):
    name = "omikuji"
    Params = OmikujiParams
    params: OmikujiParams

    def _vectorizer(self) -> TextVectorizer:
        return text_vectorizer(self.context.analyzer, self.params)

    def _hyper_param(self):
        import omikuji

        p = self.params
        settings = {**PRESETS[p.preset]}
        for key in ("cluster_balanced", "cluster_k", "max_depth"):
            if getattr(p, key) is not None:
                settings[key] = getattr(p, key)
        hyper = omikuji.Model.default_hyper_param()
        hyper.cluster_balanced = settings["cluster_balanced"]
        hyper.cluster_k = settings["cluster_k"]
        hyper.max_depth = settings["max_depth"]
        hyper.collapse_every_n_layers = p.collapse_every_n_layers
        hyper.n_trees = p.n_trees
        return hyper

    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        import omikuji

        self.vectorizer_ = self._vectorizer()
        features = self.vectorizer_.fit_transform([d.document.text for d in docs])
        with tempfile.TemporaryDirectory(prefix="undex-omikuji-") as tmp:
            data = Path(tmp) / "train.txt"
            write_xmc_file(data, features, [d.concepts for d in docs], len(self.vocab))
            with quiet_native_output():
                self.model_ = omikuji.Model.train_on_data(str(data), self._hyper_param(), self.params.threads)
        self.centroids_: sp.csr_matrix | None = concept_centroids(label_matrix(docs, len(self.vocab)), features)

    def explain(self, texts: Sequence[str], batch: SuggestionBatch, labels: bool = True) -> SuggestionBatch:
        """Label matches, else the words weighing most in the document and the concept's
        training centroid (label matches only for a model saved without centroids)."""
        centroids = self.centroids_
        weights = None if centroids is None else (lambda _row, concepts: centroids[concepts])
        return evidence_finder(self.context, self.vectorizer_).add_to(texts, batch, weights, labels)

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        features = self.vectorizer_.transform(list(texts))
        n_features = self.model_.n_features
        rows, cols, vals = [], [], []
        for row in range(features.shape[0]):
            start, end = features.indptr[row], features.indptr[row + 1]
            pairs = [
                (int(i), float(v))
                for i, v in zip(features.indices[start:end], features.data[start:end], strict=True)
                if i < n_features
            ]
            if not pairs:
                continue
            for concept, score in self.model_.predict(pairs, beam_size=self.params.beam_size, top_k=self.params.top_k):
                rows.append(row)
                cols.append(concept)
                vals.append(score)
        shape = (len(texts), len(self.vocab))
        scores = sp.csr_matrix((np.clip(vals, 0.0, 1.0), (rows, cols)), shape=shape, dtype=np.float32)
        return SuggestionBatch(scores)

    def save(self, folder: Path) -> None:
        self.vectorizer_.save(folder)
        (folder / MODEL_FOLDER).mkdir()
        with quiet_native_output():
            self.model_.save(str(folder / MODEL_FOLDER))
        if self.centroids_ is not None:
            sp.save_npz(folder / CENTROIDS, self.centroids_)

    def load(self, folder: Path) -> None:
        import omikuji

        self.vectorizer_ = self._vectorizer()
        self.vectorizer_.load(folder)
        try:
            with quiet_native_output():
                self.model_ = omikuji.Model.load(str(folder / MODEL_FOLDER))
                self.model_.densify_weights(DENSIFY_ABOVE)  # before anyone predicts: not thread-safe
        except RuntimeError as exc:
            raise ModelError(f"cannot read the Omikuji model in {folder / MODEL_FOLDER}: {exc}") from exc
        self.centroids_ = self._load_centroids(folder)

    def _load_centroids(self, folder: Path) -> sp.csr_matrix | None:
        """The saved centroids; None for a model trained before they were saved."""
        if not (folder / CENTROIDS).exists():
            return None
        try:
            centroids = sp.load_npz(folder / CENTROIDS).tocsr()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {folder / CENTROIDS}: {exc}") from exc
        if centroids.shape != (len(self.vocab), self.vectorizer_.n_features):
            raise ModelError(f"{folder / CENTROIDS} does not fit the vocabulary or features")
        return centroids

    def training_summary(self) -> dict:
        return {"features": self.vectorizer_.n_features, "trees": self.model_.n_trees}
