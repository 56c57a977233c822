"""TF-IDF features over analysed tokens (word n-grams; Han character bigrams for Chinese).

Saved as plain data (a JSON term list and an ``.npy`` IDF vector), never pickled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from undex.analysis import Analyzer, TextCache
from undex.analysis.chinese import han_runs
from undex.errors import InputError, ModelError

_TRANSFORMED: TextCache[tuple[str, tuple[str, ...]], sp.csr_matrix] = TextCache(max_texts=4, max_characters=16_000_000)
"""The features of the last batches of texts, by vectorizer fingerprint and texts."""


def forget_transformed() -> None:
    """Forget the features of the last batches (to time computing them again)."""
    _TRANSFORMED.clear()


class TextVectorizer:
    """TF-IDF vectorizer whose tokens come from an undex :class:`Analyzer`."""

    def __init__(
        self,
        analyzer: Analyzer,
        word_ngrams: int = 2,
        char_ngrams: bool | None = None,
        min_df: int = 1,
        max_features: int | None = 300_000,
        sublinear_tf: bool = True,
    ) -> None:
        self.analyzer = analyzer
        self.word_ngrams = word_ngrams
        self.char_ngrams = analyzer.language == "zh" if char_ngrams is None else char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self._vectorizer: TfidfVectorizer | None = None
        self._fingerprint = ""

    def features(self, text: str) -> list[str]:
        tokens = self.analyzer.tokens(text)
        feats = list(tokens)
        for n in range(2, self.word_ngrams + 1):
            feats.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))  # n-grams
        if self.char_ngrams:
            for run in han_runs(self.analyzer.normalize(text)):
                feats.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
        return feats

    def _new(self, min_df: int = 1) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=self.features,
            min_df=min_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        )

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        if not texts:
            raise InputError("no documents to learn features from")
        self._vectorizer = self._new(self.min_df if len(texts) > 1 else 1)
        try:
            features = self._vectorizer.fit_transform(texts).tocsr()
        except ValueError as exc:  # empty vocabulary
            raise InputError(f"no usable words in the training documents ({exc})") from None
        self._fingerprint = self._fitted_fingerprint()
        return features

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The features of ``texts``; computed once for all the backends whose vectorizers
        are fitted alike (an ensemble's sources often are) on the same batch."""
        if self._vectorizer is None:
            raise ModelError("features are not fitted")
        key = (self._fingerprint, tuple(texts))
        found = _TRANSFORMED.get(key)
        if found is None:
            found = self._vectorizer.transform(texts).tocsr()
            _TRANSFORMED.put(key, found, sum(map(len, texts)))
        return found.copy()

    def _fitted_fingerprint(self) -> str:
        """What makes two fitted vectorizers give the same features: settings, analyzer,
        terms and weights."""
        assert self._vectorizer is not None
        digest = hashlib.blake2b(digest_size=16)
        settings = (self.word_ngrams, self.char_ngrams, self.sublinear_tf, self.analyzer.language, id(self.analyzer))
        digest.update(repr(settings).encode())
        digest.update("\n".join(self._terms()).encode("utf-8", "surrogatepass"))
        digest.update(np.ascontiguousarray(self._vectorizer.idf_, dtype=np.float64).tobytes())
        return digest.hexdigest()

    def _terms(self) -> list[str]:
        """The feature terms in column order."""
        assert self._vectorizer is not None
        terms = [""] * len(self._vectorizer.vocabulary_)
        for term, index in self._vectorizer.vocabulary_.items():
            terms[index] = term
        return terms

    @property
    def feature_index(self) -> dict[str, int]:
        """Feature (word or space-joined n-gram of analysed tokens) -> column index."""
        if self._vectorizer is None:
            raise ModelError("features are not fitted")
        return self._vectorizer.vocabulary_

    @property
    def idf(self) -> np.ndarray:
        """The inverse document frequency of each feature column."""
        if self._vectorizer is None:
            raise ModelError("features are not fitted")
        return self._vectorizer.idf_

    @property
    def n_features(self) -> int:
        return 0 if self._vectorizer is None else len(self._vectorizer.vocabulary_)

    def save(self, folder: Path, prefix: str = "features") -> None:
        terms = self._terms()
        with open(folder / f"{prefix}-terms.json", "w", encoding="utf-8") as handle:
            json.dump(terms, handle, ensure_ascii=False)
        np.save(folder / f"{prefix}-idf.npy", self._vectorizer.idf_.astype(np.float64), allow_pickle=False)

    def load(self, folder: Path, prefix: str = "features") -> None:
        try:
            with open(folder / f"{prefix}-terms.json", encoding="utf-8") as handle:
                terms = json.load(handle)
            idf = np.load(folder / f"{prefix}-idf.npy", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read features in {folder}: {exc}") from exc
        if len(terms) != len(idf):
            raise ModelError(f"features in {folder} are inconsistent ({len(terms)} terms, {len(idf)} weights)")
        vectorizer = self._new()
        vectorizer.vocabulary_ = {term: i for i, term in enumerate(terms)}
        vectorizer.idf_ = idf
        self._vectorizer = vectorizer
        self._fingerprint = self._fitted_fingerprint()
