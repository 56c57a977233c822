"""The backend contract.

A backend follows scikit-learn's estimator contract: typed parameters in ``__init__``
(a pydantic model, validated from ``projects.toml``), learned attributes set in
:meth:`Backend.fit`, persisted by :meth:`Backend.save` / :meth:`Backend.load` as plain
files (NumPy/SciPy arrays and JSON, never pickle).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict

from undex.analysis import Analyzer
from undex.corpus import LabelledDoc
from undex.features import TextVectorizer
from undex.suggestion import SuggestionBatch
from undex.vocab import Vocabulary


class BackendParams(BaseModel):
    """Base of every backend's parameters; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TextFeatureParams(BackendParams):
    """Parameters of backends that work on TF-IDF features (:class:`TextVectorizer`)."""

    word_ngrams: int = 2
    min_df: int = 1
    max_features: int = 300_000
    sublinear_tf: bool = True


def text_vectorizer(analyzer: Analyzer, params: TextFeatureParams) -> TextVectorizer:
    """An unfitted vectorizer configured by a backend's feature parameters."""
    return TextVectorizer(analyzer, params.word_ngrams, None, params.min_df, params.max_features, params.sublinear_tf)


@dataclass(frozen=True)
class SourceHandle:
    """One source of an ensemble: another project, as the project layer hands it over."""

    id: str
    vocab_id: str
    vocab_checksum: str | None
    """The checksum of the source's vocabulary (None when it is not loaded)."""
    is_ready: bool
    """Trained, or a backend that needs no training."""
    current_backend: Callable[[], Backend]
    """The source's backend; a newer saved model of the source replaces it."""


@dataclass
class BackendContext:
    """What a backend may use besides its parameters."""

    vocab: Vocabulary
    language: str
    analyzer: Analyzer
    project_id: str = ""
    find_sources: Callable[[], list[SourceHandle]] | None = None
    """An ensemble's source projects, in the order its parameters list them; called on first
    use. Raises :class:`~undex.errors.ConfigError` when one is not defined or is the ensemble."""
    analyzer_for: Callable[[str], Analyzer] | None = None
    """The analyzer of another language (training documents may differ from the project)."""


def label_matrix(docs: Sequence[LabelledDoc], n_concepts: int) -> sp.csr_matrix:
    """Binary document x concept matrix of gold subjects."""
    rows = [i for i, d in enumerate(docs) for _ in d.concepts]
    cols = [c for d in docs for c in d.concepts]
    return sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(docs), n_concepts))


class Backend(ABC):
    name: ClassVar[str]
    Params: ClassVar[type[BackendParams]] = BackendParams
    requires_training: ClassVar[bool] = True
    """False for backends that work from the vocabulary alone (zero-shot)."""
    supports_learning: ClassVar[bool] = False
    """True for backends whose trained model can take more documents (:meth:`learn`)."""
    is_ensemble: ClassVar[bool] = False
    """True for backends that combine other projects (listed in a ``sources`` parameter)."""

    def __init__(self, params: BackendParams, context: BackendContext) -> None:
        self.params = params
        self.context = context

    @property
    def vocab(self) -> Vocabulary:
        return self.context.vocab

    @abstractmethod
    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        """Learn from documents with gold subjects."""

    @abstractmethod
    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        """Scores in [0, 1] for every concept of every text."""

    def explain(self, texts: Sequence[str], batch: SuggestionBatch, labels: bool = True) -> SuggestionBatch:
        """``batch`` (this backend's suggestions for ``texts``, already cut to the ones kept)
        with evidence for the concepts that have none: where their labels occur (unless
        ``labels`` is false) and which words weigh most. By default the batch as it is."""
        return batch

    def learn(self, docs: Sequence[LabelledDoc]) -> Backend:
        """A new model: this one with ``docs`` added (only where ``supports_learning``).
        This model is not changed, so that requests using it can finish."""
        raise NotImplementedError(f"the {self.name} backend does not learn incrementally")

    def prepare(self) -> None:
        """Build what an untrained (zero-shot) backend needs; called once after loading."""

    def save(self, folder: Path) -> None:
        """Write learned attributes into ``folder``."""

    def load(self, folder: Path) -> None:
        """Read learned attributes from ``folder``."""

    def training_summary(self) -> dict[str, Any]:
        """Facts about the fitted model for the manifest."""
        return {}
