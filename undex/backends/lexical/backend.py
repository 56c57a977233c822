"""The ``lexical`` backend: candidates ranked, associated subjects added, broader lifted."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import Field, field_validator

from undex.analysis import Analyzer, detect_language
from undex.backends.base import Backend, BackendContext, BackendParams, label_matrix
from undex.backends.lexical.association import (
    AssociationCombiner,
    ConceptAssociation,
    combination_rows,
    concept_bags,
    cross_fitted_predictions,
)
from undex.backends.lexical.candidates import Candidates, IndexingHistory, find_candidates
from undex.backends.lexical.features import FEATURES, LEARNED_FEATURES
from undex.backends.lexical.matchers import MATCHERS
from undex.backends.lexical.ranker import LogisticRanker, ZeroShotRanker
from undex.corpus import LabelledDoc
from undex.errors import ModelError
from undex.matching import LabelMatcher, paused_collection
from undex.suggestion import Evidence, SuggestionBatch

UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


class LexicalParams(BackendParams):
    add_broader: bool = False
    """Add a broader concept when at least two of its narrower concepts are candidates."""
    C: float = Field(1.0, gt=0.0)
    """Inverse regularisation of the learned ranker."""
    max_candidates: int = Field(200, ge=1)
    learned_features: list[str] = list(LEARNED_FEATURES)
    """Features the ranker learns weights for (empty: all); by default all of them."""

    zero_shot_offset: bool = True
    """The learned ranker corrects the zero-shot formula instead of replacing it, so what
    the training documents teach little about keeps its zero-shot weight."""
    length_interactions: bool = True
    """The learned weights change with the document's length: the training records of
    about 290 characters then do not decide how a report is ranked (see
    :class:`~undex.backends.lexical.ranker.LogisticRanker`)."""
    association: bool = True
    """When trained, also learn which subjects the matched concepts imply (see
    :mod:`undex.backends.lexical.association`), so subjects whose labels do not occur in the
    text can be suggested too, in any language."""
    association_alpha: float = Field(1.0, gt=0.0)
    association_bag_size: int = Field(20, ge=1)
    """Matched concepts (the best by lexical score) that describe a document to the model."""
    association_candidates: int = Field(30, ge=0)
    """Best associated concepts added to the matched ones as candidates."""
    association_folds: int = Field(5, ge=2)
    """Cross-fitting folds: the combination is learned from lexical and association scores
    of documents the ranker and the association model did not see."""

    @field_validator("learned_features")
    @classmethod
    def _known_features(cls, names: list[str]) -> list[str]:
        unknown = [name for name in names if name not in FEATURES]
        if unknown:
            raise ValueError(f"unknown features {', '.join(map(repr, unknown))}; known: {', '.join(FEATURES)}")
        return names


class LexicalBackend(Backend):
    name = "lexical"
    Params = LexicalParams
    params: LexicalParams
    requires_training = False

    def __init__(self, params: BackendParams, context: BackendContext) -> None:
        super().__init__(params, context)
        self.history_ = IndexingHistory()
        self.ranker_: ZeroShotRanker | LogisticRanker = ZeroShotRanker()
        self.association_: ConceptAssociation | None = None
        self.combiner_: AssociationCombiner | None = None

    # ------------------------------------------------------------------ candidates

    def matcher(self, language: str) -> LabelMatcher:
        return MATCHERS.get(self.vocab, language, self._analyzer(language))

    def _analyzer(self, language: str) -> Analyzer:
        if language == self.context.language or self.context.analyzer_for is None:
            return self.context.analyzer
        return self.context.analyzer_for(language)

    def candidates(self, text: str, language: str, exclude_prior: Sequence[int] = ()) -> Candidates:
        matcher = self.matcher(language)
        with paused_collection():
            return find_candidates(text, self.vocab, matcher, self.history_, self.params.max_candidates, exclude_prior)

    def prepare(self) -> None:
        self.matcher(self.context.language)

    # --------------------------------------------------------------------- scoring

    def _lexical_scores(
        self, found: Candidates | None, ranker: ZeroShotRanker | LogisticRanker | None = None
    ) -> dict[int, float]:
        """Each candidate's probability of being a subject by ``ranker`` (default: the
        backend's)."""
        if found is None or not found.concepts:
            return {}
        probability = (ranker or self.ranker_).predict_proba(found.features)[:, 1]
        return dict(zip(found.concepts, probability, strict=True))

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        rows, cols, vals, evidence = [], [], [], []
        found_all = [self.candidates(text, self.context.language) for text in texts]
        lexical = [self._lexical_scores(found) for found in found_all]
        associated = None
        if self.association_ is not None:  # one sparse product for the batch
            associated = self.association_.predict(self._bags(lexical))
        for row, (found, scores) in enumerate(zip(found_all, lexical, strict=True)):
            doc_evidence = dict(found.evidence)
            if associated is not None:
                scores = self._associate(found, scores, associated[row].toarray().ravel(), doc_evidence)
            if self.params.add_broader:
                self._add_broader(scores, doc_evidence)
            for concept, score in scores.items():
                rows.append(row)
                cols.append(concept)
                vals.append(float(score))
            evidence.append(doc_evidence)
        shape = (len(texts), len(self.vocab))
        return SuggestionBatch(sp.csr_matrix((vals, (rows, cols)), shape=shape), evidence)

    def _bags(self, lexical: list[dict[int, float]]) -> sp.csr_matrix:
        return concept_bags(lexical, self.params.association_bag_size, len(self.vocab))

    def _associate(
        self,
        found: Candidates,
        scores: dict[int, float],
        associated: np.ndarray,
        evidence: dict[int, list[Evidence]],
    ) -> dict[int, float]:
        """Re-score the matched concepts with the concepts they imply (``associated``, one
        score per concept), and add the best implied ones; an implied subject's evidence is
        the matches that imply it most."""
        concepts, rows = combination_rows(scores, associated, self.params.association_candidates, found.words)
        if not concepts:
            return scores
        combined = self.combiner_.predict_proba(rows)[:, 1]
        implied = [c for c in concepts if c not in evidence]
        if implied and found.concepts:
            weights = self.association_.coef_[found.concepts][:, implied].toarray()
            for j, c in enumerate(implied):
                best = [found.concepts[i] for i in np.argsort(-weights[:, j])[:3] if weights[i, j] > 0]
                evidence[c] = [e for m in best for e in found.evidence.get(m, [])[:2]]
        return dict(zip(concepts, map(float, combined), strict=True))

    def _add_broader(self, scores: dict[int, float], evidence: dict[int, list[Evidence]]) -> None:
        narrower_scores: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for concept, score in scores.items():
            for broader_id in self.vocab.concepts[concept].broader:
                broader = self.vocab.index_of_id(broader_id)
                if broader is not None:
                    narrower_scores[broader].append((score, concept))
        for broader, children in narrower_scores.items():
            if len(children) >= 2:
                children.sort(reverse=True)
                lifted = 0.9 * (children[0][0] + children[1][0]) / 2
                if lifted > scores.get(broader, 0.0):
                    scores[broader] = lifted
                    evidence[broader] = [e for _, c in children[:2] for e in evidence.get(c, [])]

    # -------------------------------------------------------------------- training

    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        self.history_ = IndexingHistory.of_subjects(docs, len(self.vocab))
        self.ranker_, self.association_, self.combiner_ = ZeroShotRanker(), None, None
        found_all = [self._training_candidates(doc) for doc in docs]
        hits_all = [
            [c in set(doc.concepts) for c in found.concepts] if found is not None else []
            for doc, found in zip(docs, found_all, strict=True)
        ]
        usable = [i for i, found in enumerate(found_all) if found is not None and found.concepts]
        self.history_.count_matches([found_all[i] for i in usable], [hits_all[i] for i in usable])
        for i in usable:
            self._leave_out_label_precision(found_all[i], hits_all[i])
        X, y = _ranker_rows(found_all, hits_all, usable)
        self.training_candidates_ = int(y.size)
        self.training_positives_ = int(y.sum())
        self.ranker_ = self._new_ranker().fit(X, y)
        if self.params.association:
            folds = np.arange(len(docs)) % self.params.association_folds
            held_out = self._cross_fitted_lexical(found_all, hits_all, usable, folds)
            self._fit_association(docs, found_all, held_out, folds)

    def _new_ranker(self) -> LogisticRanker:
        p = self.params
        return LogisticRanker(p.C, p.learned_features, p.zero_shot_offset, p.length_interactions)

    def _training_candidates(self, doc: LabelledDoc) -> Candidates | None:
        """A training document's candidates, in its own language (None: not a UN language)."""
        language = doc.document.language or detect_language(doc.document.text) or self.context.language
        if language not in UN_LANGUAGES:
            return None
        return self.candidates(doc.document.text, language, exclude_prior=doc.concepts)

    def _leave_out_label_precision(self, found: Candidates, hits: list[bool]) -> None:
        """Set the label precision of a training document's candidates to what the other
        training documents tell (the counts include the document itself)."""
        column = FEATURES.index("label_precision")
        for row, (concept, hit) in enumerate(zip(found.concepts, hits, strict=True)):
            found.features[row, column] = self.history_.label_precision(concept, found=1, hit=int(hit))

    def _cross_fitted_lexical(
        self, found_all: list[Candidates | None], hits_all: list[list[bool]], usable: list[int], folds: np.ndarray
    ) -> list[dict[int, float]]:
        """Each training document's lexical scores by a ranker fitted on the other folds, as
        a new document is scored by a ranker that never saw it."""
        held_out: list[dict[int, float]] = [{} for _ in found_all]
        for k in np.unique(folds):
            X, y = _ranker_rows(found_all, hits_all, [i for i in usable if folds[i] != k])
            if y.all() or not y.any():
                raise ModelError(
                    "cannot cross-fit the ranker: some folds of the training documents give no positive and "
                    "negative candidates; train on more documents or set association = false"
                )
            ranker = self._new_ranker().fit(X, y)
            for i in np.flatnonzero(folds == k):
                held_out[i] = self._lexical_scores(found_all[i], ranker)
        return held_out

    def _fit_association(
        self,
        docs: Sequence[LabelledDoc],
        found_all: list[Candidates | None],
        held_out_lexical: list[dict[int, float]],
        folds: np.ndarray,
    ) -> None:
        """Cross-fit the association model, learn how to combine it with the lexical
        score on held-out folds (lexical scores and association scores both from models
        that did not see the document), then fit it on all documents."""
        bags = self._bags([self._lexical_scores(found) for found in found_all])
        labels = label_matrix(docs, len(self.vocab))
        held_out = cross_fitted_predictions(
            bags, labels, folds, self.params.association_alpha, self._bags(held_out_lexical)
        )
        blocks, targets = [], []
        for i, (doc, scores) in enumerate(zip(docs, held_out_lexical, strict=True)):
            words = found_all[i].words if found_all[i] is not None else 0
            associated = held_out[i].toarray().ravel()
            concepts, rows = combination_rows(scores, associated, self.params.association_candidates, words)
            gold = set(doc.concepts)
            blocks.append(rows)
            targets.extend(c in gold for c in concepts)
        self.combiner_ = AssociationCombiner().fit(np.vstack(blocks), np.asarray(targets, dtype=bool))
        self.association_ = ConceptAssociation(self.params.association_alpha).fit(bags, labels)

    def training_summary(self) -> dict:
        weights = {name: round(w, 3) for name, w in self.ranker_.weights().items()}
        summary = {"candidates": self.training_candidates_, "positives": self.training_positives_, "weights": weights}
        if self.association_ is not None:
            summary["combination"] = {name: round(w, 3) for name, w in self.combiner_.weights().items()}
            summary["association_coefficients"] = int(self.association_.coef_.nnz)
        return summary

    # ------------------------------------------------------------------ persistence

    def save(self, folder: Path) -> None:
        history = self.history_
        np.savez(
            folder / "ranker.npz",
            **self.ranker_.to_arrays(),
            prior_counts=history.subject_counts,
            match_counts=history.match_counts,
            hit_counts=history.hit_counts,
            base_rate=np.array([history.base_rate]),
        )
        if self.association_ is not None:
            self.association_.save(folder)
            self.combiner_.save(folder)
        with open(folder / "ranker.json", "w", encoding="utf-8") as handle:
            json.dump({"features": list(FEATURES), "prior_norm": history.prior_norm}, handle)

    def load(self, folder: Path) -> None:
        try:
            with np.load(folder / "ranker.npz", allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            with open(folder / "ranker.json", encoding="utf-8") as handle:
                meta = json.load(handle)
            history = IndexingHistory(
                arrays["prior_counts"],
                float(meta["prior_norm"]),
                arrays["match_counts"],
                arrays["hit_counts"],
                float(arrays["base_rate"][0]),
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise ModelError(f"cannot read the ranker in {folder}: {exc}") from exc
        if meta.get("features") != list(FEATURES) or len(history.subject_counts) != len(self.vocab):
            raise ModelError(f"the ranker in {folder} was made by another undex version or vocabulary; retrain")
        self.history_, self.ranker_ = history, self._new_ranker().set_arrays(arrays)
        self.association_, self.combiner_ = None, None
        if self.params.association:
            self.association_ = ConceptAssociation.load(folder, len(self.vocab))
            self.combiner_ = AssociationCombiner.load(folder)


def _ranker_rows(
    found_all: list[Candidates | None], hits_all: list[list[bool]], indices: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The ranker's training rows of the documents at ``indices``, and whether each
    candidate is a subject."""
    blocks = [found_all[i].features for i in indices]
    X = np.vstack(blocks) if blocks else np.zeros((0, len(FEATURES)))
    return X, np.asarray([hit for i in indices for hit in hits_all[i]], dtype=bool)
