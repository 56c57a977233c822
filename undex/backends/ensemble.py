"""``ensemble``: a weighted combination of other projects' calibrated scores.

Training (on held-out documents, see :mod:`undex.training`) fits, per source project, a
calibration of its raw scores to probabilities (PAV or Platt, global or per concept), then
searches the weights on a simplex grid for the best F1@5 + NDCG@10 on the same documents.
Suggesting runs each source's backend, keeps its ``candidates`` best concepts, calibrates
and adds the weighted probabilities, so a threshold means the same for every source.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import Field, field_validator

from undex.backends.base import Backend, BackendParams, SourceHandle, label_matrix
from undex.backends.evidence import evidence_finder, merge_evidence
from undex.calibration import Calibrator, Method, Scope
from undex.corpus import LabelledDoc
from undex.errors import ConfigError, ModelError, NotTrainedError
from undex.suggestion import SuggestionBatch
from undex.tuning import f1_at_5, ndcg_at, top_ranked

SETTINGS = "ensemble.json"


class EnsembleParams(BackendParams):
    sources: list[str] = Field(min_length=1)
    weights: list[float] | None = None
    """Fixed weights (one per source); when absent they are fitted on the training documents."""
    calibration: Method = "pav"
    calibration_scope: Scope = "global"
    min_examples: int = Field(10, ge=1)
    """Positive examples a concept needs for its own calibration curve (scope "concept")."""
    candidates: int = Field(100, ge=1)
    """Best concepts kept from each source per document."""
    weight_step: float = Field(0.1, gt=0.0, le=0.5)
    hierarchy: float = Field(0.0, ge=0.0, le=1.0)
    """Lift a broader concept's score to this share of its narrower concepts' summed scores (0 = off)."""

    @field_validator("sources")
    @classmethod
    def _unique(cls, sources: list[str]) -> list[str]:
        if len(set(sources)) != len(sources):
            raise ValueError("a source project is listed twice")
        return sources


def simplex_grid(n: int, step: float) -> list[np.ndarray]:
    """All weight vectors with ``n`` non-negative entries, multiples of ``step``, summing to 1."""
    units = round(1 / step)
    grid = []
    for cut in itertools.combinations(range(units + n - 1), n - 1):
        parts = np.diff([-1, *cut, units + n - 1]) - 1
        grid.append(parts / units)
    return grid


class EnsembleBackend(Backend):
    name = "ensemble"
    Params = EnsembleParams
    params: EnsembleParams
    is_ensemble = True

    # ------------------------------------------------------------------ sources

    def sources(self) -> list[SourceHandle]:
        """The source projects, checked once: defined, trained (or zero-shot), same vocabulary."""
        if getattr(self, "_sources", None) is None:
            if self.context.find_sources is None:
                raise ConfigError(f"ensemble {self.context.project_id!r} was given no way to find its source projects")
            sources = self.context.find_sources()
            for source in sources:
                self._check_source(source)
            self._sources = sources
        return self._sources

    def _check_source(self, source: SourceHandle) -> None:
        me = self.context.project_id
        if source.vocab_checksum != self.vocab.checksum:
            raise ConfigError(
                f"ensemble {me!r}: source {source.id!r} uses vocabulary {source.vocab_id!r}, "
                f"which differs from the ensemble's {self.vocab.id!r}; all sources must share one vocabulary"
            )
        if not source.is_ready:
            raise NotTrainedError(
                f"ensemble {me!r}: source project {source.id!r} is not trained; "
                f"run: undex train {me} CORPUS... --split train --dev-split dev"
            )

    def _source_scores(
        self, sources: list[SourceHandle], texts: list[str], weights: np.ndarray | None = None
    ) -> list[sp.csr_matrix]:
        """Each source's best ``candidates`` per document (an empty matrix for a zero weight)."""
        shape = (len(texts), len(self.vocab))
        return [
            source.current_backend().suggest_batch(texts).filter(self.params.candidates).scores
            if weights is None or weights[i] > 0
            else sp.csr_matrix(shape, dtype=np.float32)
            for i, source in enumerate(sources)
        ]

    # ------------------------------------------------------------------ fitting

    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        texts = [d.document.text for d in docs]
        raw = self._source_scores(self.sources(), texts)
        gold = label_matrix(docs, len(self.vocab)).tocsr()
        p = self.params
        self.calibrators_ = [Calibrator(p.calibration, p.calibration_scope, p.min_examples).fit(s, gold) for s in raw]
        calibrated = [c.transform(s) for c, s in zip(self.calibrators_, raw, strict=True)]
        concepts = [d.concepts for d in docs]
        if p.weights is not None:
            if len(p.weights) != len(p.sources):
                raise ConfigError(
                    f"ensemble {self.context.project_id!r}: {len(p.weights)} weights for {len(p.sources)} sources"
                )
            self.weights_ = np.asarray(p.weights, dtype=np.float64) / max(sum(p.weights), 1e-12)
        else:
            self.weights_ = self._search_weights(calibrated, concepts)
        self.report_ = {
            "weights": dict(zip(p.sources, map(float, self.weights_), strict=True)),
            "source_dev_scores": {
                source: self._objective(c, concepts) for source, c in zip(p.sources, calibrated, strict=True)
            },
            "ensemble_dev_scores": self._objective(self._combine(calibrated, self.weights_), concepts),
        }

    def _objective(self, scores: sp.csr_matrix, concepts: list[list[int]]) -> dict[str, float]:
        top = top_ranked(scores, concepts, k=10)
        return {"F1@5": round(f1_at_5(top), 4), "NDCG@10": round(ndcg_at(top, 10), 4)}

    def _search_weights(self, calibrated: list[sp.csr_matrix], concepts: list[list[int]]) -> np.ndarray:
        best, best_value = None, -1.0
        for weights in simplex_grid(len(calibrated), self.params.weight_step):
            top = top_ranked(self._combine(calibrated, weights), concepts, k=10)
            value = f1_at_5(top) + ndcg_at(top, 10)
            if value > best_value + 1e-9:
                best, best_value = weights, value
        assert best is not None
        return best

    # ------------------------------------------------------------------ scoring

    def _combine(self, calibrated: list[sp.csr_matrix], weights: np.ndarray) -> sp.csr_matrix:
        total = sp.csr_matrix(calibrated[0].shape, dtype=np.float32)
        for w, scores in zip(weights, calibrated, strict=True):
            if w > 0:
                total = total + scores * np.float32(w)
        total = sp.csr_matrix(total)
        if self.params.hierarchy > 0:
            total = self._lift_broader(total)
        total.data = np.clip(total.data, 0.0, 1.0)
        return total

    def _lift_broader(self, scores: sp.csr_matrix) -> sp.csr_matrix:
        """Raise each broader concept to ``hierarchy`` x the summed scores of its narrower concepts."""
        narrow_to_broad = self._narrower_to_broader()
        lifted = sp.csr_matrix(scores @ narrow_to_broad, dtype=np.float32)  # sum, bounded below
        lifted = sp.csr_matrix(scores.maximum(lifted.multiply(np.float32(self.params.hierarchy))))
        return lifted

    def _narrower_to_broader(self) -> sp.csr_matrix:
        if getattr(self, "_hierarchy_matrix", None) is None:
            rows, cols = [], []
            for i, concept in enumerate(self.vocab.concepts):
                for broader in concept.broader:
                    j = self.vocab.index_of_id(broader)
                    if j is None:
                        j = self.vocab.index_of_uri(broader)
                    if j is not None:
                        rows.append(i)
                        cols.append(j)
            n = len(self.vocab)
            self._hierarchy_matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
        return self._hierarchy_matrix

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        raw = self._source_scores(self.sources(), list(texts), self.weights_)
        calibrated = [c.transform(s) for c, s in zip(self.calibrators_, raw, strict=True)]
        return SuggestionBatch(self._combine(calibrated, self.weights_))

    def explain(self, texts: Sequence[str], batch: SuggestionBatch, labels: bool = True) -> SuggestionBatch:
        """Where the suggested concepts' labels occur (matched once, here), then what each
        weighted source finds for the concepts without a label in the text, merged."""
        with_labels = evidence_finder(self.context).add_to(texts, batch, labels=labels)
        explained = [
            source.current_backend().explain(texts, with_labels, labels=False)
            for source, weight in zip(self.sources(), self.weights_, strict=True)
            if weight > 0
        ]
        return merge_evidence([with_labels, *explained], with_labels)

    # ------------------------------------------------------------------ storage

    def save(self, folder: Path) -> None:
        for i, calibrator in enumerate(self.calibrators_):
            calibrator.save(folder / f"calibration-{i}.npz")
        settings = {"sources": self.params.sources, "weights": self.weights_.tolist(), "report": self.report_}
        (folder / SETTINGS).write_text(json.dumps(settings, indent=2), encoding="utf-8")

    def load(self, folder: Path) -> None:
        try:
            settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {folder / SETTINGS}: {exc}") from exc
        if settings.get("sources") != self.params.sources:
            raise ModelError(
                f"ensemble {self.context.project_id!r} was trained with sources {settings.get('sources')} "
                f"but now lists {self.params.sources}; retrain it"
            )
        self.weights_ = np.asarray(settings["weights"], dtype=np.float64)
        self.report_ = settings.get("report", {})
        self.calibrators_ = [Calibrator.load(folder / f"calibration-{i}.npz") for i in range(len(self.params.sources))]

    def training_summary(self) -> dict:
        return self.report_
