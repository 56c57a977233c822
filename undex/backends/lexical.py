"""``lexical``: subjects found by their thesaurus labels in the text, then ranked.

Every concept whose label occurs in the text is a candidate. Candidates get
language-independent features (how often, where, how specific the label, how much the
candidate agrees with the others); a zero-shot formula ranks them when the project is
not trained, a logistic-regression ranker learned from indexed documents otherwise. As the
features do not depend on the language, a ranker learned from English documents ranks
Chinese candidates.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import Field
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from undex.analysis import detect_language
from undex.backends.association import ConceptAssociation, concept_bag
from undex.backends.base import Backend, BackendParams, label_matrix
from undex.corpus import LabelledDoc
from undex.errors import ModelError
from undex.matching import LabelMatcher, Match, MatchResult
from undex.suggestion import Evidence, SuggestionBatch
from undex.vocab import Vocabulary

# The ranking features, in groups.
_HOW_MUCH = ("relative_occurrences", "relative_tf_idf", "contained_share")
"""How much of the document is about the candidate, relative to the other candidates."""
_WHERE = ("first_position", "log_first_word", "last_position", "spread")
_LABEL = (
    "label_size",
    "single_unit_label",
    "ambiguity",
    "genericity",
    "commonness",
    "preferred_label",
    "distinct_labels",
    "subsumed",
)
"""How specific and unambiguous the matched label is."""
_PRIOR = ("prior", "label_precision")
"""What indexers did before (0 untrained)."""
_AGREEMENT = ("linked_candidates", "microthesaurus_agreement", "domain_agreement")
"""Agreement with the other candidates."""

FEATURES = _HOW_MUCH + _WHERE + _LABEL + _PRIOR + _AGREEMENT
"""Ranking features. All are relative to the document (shares, positions, ratios to the
best candidate) or properties of the label, never absolute counts: a ranker learned on
short English records then ranks candidates of long reports in other languages too."""

LABEL_FEATURES = (*_LABEL, "contained_share", *_PRIOR, *_AGREEMENT)
"""What a ranker learns by default: short records teach little about frequency and position
in long documents, so those keep their zero-shot weights."""

# Zero-shot weights: a fixed, hand-set prior over the features above (no training data):
# frequent, early, spread-out, specific, unambiguous labels that agree with the rest win.
ZERO_SHOT_WEIGHTS = {
    "relative_tf_idf": 5.0,  # frequent here, rare in general language
    "first_position": -2.0,  # titles and summaries come first
    "log_first_word": -0.5,  # ... and the first words most of all
    "spread": 0.5,
    "single_unit_label": -1.0,
    "subsumed": -0.5,  # a longer label containing this one also occurs
    "ambiguity": 1.5,  # a label shared by several concepts is weak evidence
    "microthesaurus_agreement": 1.0,
}
ZERO_SHOT_BIAS = -3.5
MAX_ZIPF = 8.0
LABEL_PRECISION_SMOOTHING = 2.0


class LexicalParams(BackendParams):
    add_broader: bool = False
    """Add a broader concept when at least two of its narrower concepts are candidates."""
    C: float = 1.0
    """Inverse regularisation of the learned ranker."""
    max_candidates: int = 200
    learned_features: list[str] = list(LABEL_FEATURES)
    """Features the ranker learns weights for (empty: all). By default the properties of
    labels and the prior: short indexed records say little about frequency and position
    in long documents, so those keep their zero-shot weights."""
    zero_shot_offset: bool = True
    """The learned ranker corrects the zero-shot formula instead of replacing it, so what
    short training records cannot teach (frequency and position in long documents) keeps
    its zero-shot weight."""
    association: bool = True
    """When trained, also learn which subjects the matched concepts imply (see
    :mod:`undex.backends.association`), so subjects whose labels do not occur in the text
    can be suggested too, in any language."""
    association_alpha: float = Field(1.0, gt=0.0)
    association_bag_size: int = Field(20, ge=1)
    """Matched concepts (the best by lexical score) that describe a document to the model."""
    association_candidates: int = Field(30, ge=0)
    """Best associated concepts added to the matched ones as candidates."""
    association_folds: int = Field(5, ge=2)
    """Cross-fitting folds: the combination is learned from association scores of
    documents the association model did not see."""


ConceptMatches = tuple[list[tuple[Match, str]], list[tuple[Match, str]]]


@dataclass
class Candidates:
    """The candidates of one document: concept indices, feature rows, evidence."""

    concepts: list[int]
    features: np.ndarray
    evidence: dict[int, list[Evidence]]


class LexicalBackend(Backend):
    name = "lexical"
    Params = LexicalParams
    params: LexicalParams
    requires_training = False

    # ------------------------------------------------------------ matching, features

    def matcher(self, language: str) -> LabelMatcher:
        return _matcher_for(self.vocab, language, self._analyzer(language))

    def _analyzer(self, language: str):
        if language == self.context.language or self.context.analyzer_for is None:
            return self.context.analyzer
        return self.context.analyzer_for(language)

    def candidates(self, text: str, language: str, exclude_prior: Sequence[int] = ()) -> Candidates:
        matcher = self.matcher(language)
        result = matcher.find(text)
        by_concept = _group_by_concept(result, matcher, text)
        concepts = sorted(by_concept, key=lambda c: -len(by_concept[c][0]))[: self.params.max_candidates]
        context = _DocumentContext.build(self.vocab, matcher, by_concept, concepts)
        rows = [self._features(c, by_concept, context, result, matcher, exclude_prior) for c in concepts]
        self._relative(rows)
        features = np.array([[r[name] for name in FEATURES] for r in rows], dtype=np.float64)
        features = features.reshape(len(concepts), len(FEATURES))
        evidence = {
            c: sorted(Evidence(m.start, m.end, label) for m, label in by_concept[c][0] + by_concept[c][1])
            for c in concepts
        }
        return Candidates(concepts, features, evidence)

    def _features(
        self,
        concept: int,
        by_concept: dict[int, ConceptMatches],
        context: _DocumentContext,
        result: MatchResult,
        matcher: LabelMatcher,
        exclude_prior: Sequence[int],
    ) -> dict[str, float]:
        kept, contained_pairs = by_concept[concept]
        matches = [m for m, _ in kept]
        contained = [m for m, _ in contained_pairs]
        units = max(result.text_units, 1)
        first = min(m.unit_start for m in matches) / units if matches else 1.0
        last = max(m.unit_start for m in matches) / units if matches else 1.0
        keys = {m.key for m in matches} | {m.key for m in contained}
        size = max(self._size(matcher, k) for k in keys)
        commonness = min(matcher.commonness[k] for k in keys)
        weight = context.weights[concept]
        concept_data = self.vocab.concepts[concept]
        return {
            "occurrences": len(matches),
            "tf_idf": math.log1p(len(matches)) * (MAX_ZIPF - commonness),
            "contained_share": len(contained) / (len(matches) + len(contained)),
            "first_position": first,
            "log_first_word": math.log1p(first * result.text_words),
            "last_position": last,
            "spread": last - first,
            "label_size": min(size, 4.0),
            "single_unit_label": float(size <= 1.0),
            "ambiguity": max(1.0 / len(matcher.entries[k]) for k in keys),
            "genericity": min(math.log1p(matcher.containment.get(k, 0)) for k in keys),
            "commonness": commonness,
            "preferred_label": float(
                any(e.preferred for k in keys for e in matcher.entries[k] if e.concept == concept)
            ),
            "distinct_labels": float(len(keys)),
            "subsumed": float(not keys.isdisjoint(context.subsumed_keys)),
            "prior": self._prior(concept, exclude_prior),
            "label_precision": self._label_precision(concept),
            "linked_candidates": float(self._linked(concept, context.concepts)),
            "microthesaurus_agreement": context.agreement(context.micro_mass, concept_data.microthesauri, weight),
            "domain_agreement": context.agreement(context.domain_mass, concept_data.domains, weight),
        }

    @staticmethod
    def _relative(rows: list[dict[str, float]]) -> None:
        """Add the features that compare a candidate with the document's best one."""
        max_occ = max((r["occurrences"] for r in rows), default=0) or 1
        max_tf_idf = max((r["tf_idf"] for r in rows), default=0.0) or 1.0
        for r in rows:
            r["relative_occurrences"] = r["occurrences"] / max_occ
            r["relative_tf_idf"] = r["tf_idf"] / max_tf_idf

    @staticmethod
    def _size(matcher: LabelMatcher, key: str) -> float:
        """Label length in word-like units: content tokens, or Chinese characters / 2."""
        return len(key) / 2.0 if matcher.is_chinese else float(matcher.key_size(key))

    def _prior(self, concept: int, exclude_prior: Sequence[int]) -> float:
        counts = getattr(self, "prior_counts_", None)
        if counts is None or self.prior_norm_ == 0:
            return 0.0
        count = counts[concept] - (1 if concept in exclude_prior else 0)
        return math.log1p(max(count, 0)) / self.prior_norm_

    def _label_precision(self, concept: int, found: int = 0, hit: int = 0) -> float:
        """How often, in the training documents, a match of this concept's labels was one of
        their subjects (smoothed towards the overall rate; ``found``/``hit`` are taken out
        for the training document itself)."""
        matched = getattr(self, "match_counts_", None)
        if matched is None:
            return 0.0
        smoothing = LABEL_PRECISION_SMOOTHING
        return (self.hit_counts_[concept] - hit + smoothing * self.base_rate_) / (matched[concept] - found + smoothing)

    def _linked(self, concept: int, concepts: set[int]) -> int:
        c = self.vocab.concepts[concept]
        linked = {self.vocab.index_of_id(i) for i in (*c.broader, *c.narrower, *c.related)}
        return len(linked & concepts)

    # -------------------------------------------------------------------- scoring

    def _offset(self, features: np.ndarray) -> np.ndarray:
        """The zero-shot logit; a learned ranker starts from it when ``zero_shot_offset``."""
        weights = np.array([ZERO_SHOT_WEIGHTS.get(name, 0.0) for name in FEATURES])
        return features @ weights + ZERO_SHOT_BIAS

    def _score(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] == 0:
            return np.zeros(0)
        z = self._offset(features) if self.params.zero_shot_offset or getattr(self, "coef_", None) is None else 0.0
        if getattr(self, "coef_", None) is not None:
            z = z + ((features - self.mean_) / self.scale_) @ (self.coef_ * self._learned_mask()) + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        rows, cols, vals, evidence = [], [], [], []
        found_all = [self.candidates(text, self.context.language) for text in texts]
        lexical = [self._lexical_scores(found) for found in found_all]
        associated = None
        if getattr(self, "association_", None) is not None:  # one sparse product for the batch
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

    # ---------------------------------------------------------------- association

    def _lexical_scores(self, found: Candidates | None) -> dict[int, float]:
        if found is None:
            return {}
        return dict(zip(found.concepts, self._score(found.features), strict=True))

    def _bags(self, lexical: list[dict[int, float]]) -> sp.csr_matrix:
        """The concept bags of a batch of documents, one row each."""
        if not lexical:
            return sp.csr_matrix((0, len(self.vocab)), dtype=np.float32)
        return sp.vstack([self._bag(scores) for scores in lexical]).tocsr()

    def _bag(self, scores: dict[int, float]) -> sp.csr_matrix:
        """The document's best matched concepts by lexical score. Long documents are cut to
        ``association_bag_size`` concepts so that they look like the records the association
        model learned from, not like a list of incidental words."""
        best = sorted(scores, key=lambda c: -scores[c])[: self.params.association_bag_size]
        return concept_bag(best, len(self.vocab))

    def _combined_rows(self, scores: dict[int, float], associated: np.ndarray) -> tuple[list[int], np.ndarray]:
        """Candidates (matched, plus the best associated) and their combination features:
        lexical logit, matched or not, association score, its share of the best, log rank."""
        order = np.argsort(-associated, kind="stable")
        best = [int(c) for c in order[: self.params.association_candidates] if associated[c] > 0]
        concepts = list(dict.fromkeys([*scores, *best]))
        rank = np.empty(len(associated))
        rank[order] = np.arange(1, len(associated) + 1)
        top = max(float(associated.max(initial=0.0)), 1e-9)
        rows = []
        for c in concepts:
            p = scores.get(c)
            logit = math.log(p / (1.0 - p)) if p is not None and 0.0 < p < 1.0 else 0.0
            a = float(associated[c])
            rows.append([logit, float(p is not None), a, a / top, math.log(rank[c] if a > 0 else len(associated))])
        return concepts, np.asarray(rows, dtype=np.float64).reshape(len(concepts), 5)

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
        concepts, rows = self._combined_rows(scores, associated)
        if not concepts:
            return scores
        combined = expit(rows @ self.combiner_coef_ + self.combiner_intercept_)
        implied = [c for c in concepts if c not in evidence]
        if implied and found.concepts:
            weights = self.association_.coef_[found.concepts][:, implied].toarray()
            for j, c in enumerate(implied):
                best = [found.concepts[i] for i in np.argsort(-weights[:, j])[:3] if weights[i, j] > 0]
                evidence[c] = [e for m in best for e in found.evidence.get(m, [])[:2]]
        return dict(zip(concepts, map(float, combined), strict=True))

    def _fit_association(self, docs: Sequence[LabelledDoc], found: list[Candidates | None]) -> None:
        """Cross-fit the association model, learn how to combine it with the lexical
        score on held-out folds, then fit it on all documents."""
        n = len(self.vocab)
        lexical = [self._lexical_scores(f) for f in found]
        bags = self._bags(lexical)
        labels = label_matrix(docs, n)
        folds = np.arange(len(docs)) % self.params.association_folds
        held_out = sp.lil_matrix((len(docs), n), dtype=np.float32)
        for k in range(self.params.association_folds):
            model = ConceptAssociation(self.params.association_alpha).fit(bags[folds != k], labels[folds != k])
            held_out[np.flatnonzero(folds == k)] = model.predict(bags[folds == k])
        held_out = held_out.tocsr()
        blocks, targets = [], []
        for i, (doc, scores) in enumerate(zip(docs, lexical, strict=True)):
            concepts, rows = self._combined_rows(scores, held_out[i].toarray().ravel())
            gold = set(doc.concepts)
            blocks.append(rows)
            targets.extend(c in gold for c in concepts)
        y = np.asarray(targets, dtype=bool)
        if y.all() or not y.any():
            raise ModelError("cannot learn the association combination: no positive and negative candidates")
        combiner = LogisticRegression(C=1.0, max_iter=1000).fit(np.vstack(blocks), y)
        self.combiner_coef_ = combiner.coef_.ravel()
        self.combiner_intercept_ = float(combiner.intercept_[0])
        self.association_ = ConceptAssociation(self.params.association_alpha).fit(bags, labels)

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

    # ------------------------------------------------------------------- training

    def fit(self, docs: Sequence[LabelledDoc]) -> None:
        counts = Counter(c for d in docs for c in d.concepts)
        self.prior_counts_ = np.zeros(len(self.vocab), dtype=np.int64)
        for concept, n in counts.items():
            self.prior_counts_[concept] = n
        self.prior_norm_ = math.log1p(max(counts.values(), default=0))
        self.coef_ = None
        self.match_counts_ = None
        self.association_ = None
        found_all = [self._training_candidates(doc) for doc in docs]
        found_per_doc = [
            (found, [c in set(doc.concepts) for c in found.concepts])
            for doc, found in zip(docs, found_all, strict=True)
            if found is not None and found.concepts
        ]
        self._count_label_precision(found_per_doc)
        blocks, targets = [], []
        column = FEATURES.index("label_precision")
        for found, hits in found_per_doc:
            for row, (concept, hit) in enumerate(zip(found.concepts, hits, strict=True)):
                found.features[row, column] = self._label_precision(concept, found=1, hit=int(hit))
            blocks.append(found.features)
            targets.extend(hits)
        y = np.asarray(targets, dtype=bool)
        self.training_candidates_ = int(y.size)
        self.training_positives_ = int(y.sum())
        if y.size == 0 or y.all() or not y.any():
            raise ModelError("cannot learn a ranker: the training documents give no positive and negative candidates")
        X = np.vstack(blocks)
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        offset = self._offset(X) if self.params.zero_shot_offset else np.zeros(len(y))
        mask = self._learned_mask()
        coef, self.intercept_ = fit_logistic(((X - self.mean_) / self.scale_)[:, mask], y, offset, self.params.C)
        self.coef_ = np.zeros(len(FEATURES))
        self.coef_[mask] = coef
        if self.params.association:
            self._fit_association(docs, found_all)

    def _training_candidates(self, doc: LabelledDoc) -> Candidates | None:
        """A training document's candidates, in its own language (None: not a UN language)."""
        language = doc.document.language or detect_language(doc.document.text) or self.context.language
        if language not in ("ar", "zh", "en", "fr", "ru", "es"):
            return None
        return self.candidates(doc.document.text, language, exclude_prior=doc.concepts)

    def _count_label_precision(self, found_per_doc: list) -> None:
        self.match_counts_ = np.zeros(len(self.vocab), dtype=np.int64)
        self.hit_counts_ = np.zeros(len(self.vocab), dtype=np.int64)
        for found, hits in found_per_doc:
            np.add.at(self.match_counts_, found.concepts, 1)
            np.add.at(self.hit_counts_, found.concepts, np.asarray(hits, dtype=np.int64))
        total = int(self.match_counts_.sum())
        self.base_rate_ = float(self.hit_counts_.sum()) / total if total else 0.0

    def _learned_mask(self) -> np.ndarray:
        learned = set(self.params.learned_features or FEATURES)
        return np.array([name in learned for name in FEATURES])

    def save(self, folder: Path) -> None:
        np.savez(
            folder / "ranker.npz",
            coef=self.coef_,
            mean=self.mean_,
            scale=self.scale_,
            intercept=np.array([self.intercept_]),
            prior_counts=self.prior_counts_,
            match_counts=self.match_counts_,
            hit_counts=self.hit_counts_,
            base_rate=np.array([self.base_rate_]),
        )
        if self.association_ is not None:
            self.association_.save(folder)
            np.save(folder / "combiner.npy", np.append(self.combiner_coef_, self.combiner_intercept_))
        with open(folder / "ranker.json", "w", encoding="utf-8") as handle:
            json.dump({"features": list(FEATURES), "prior_norm": self.prior_norm_}, handle)

    def load(self, folder: Path) -> None:
        try:
            with np.load(folder / "ranker.npz", allow_pickle=False) as data:
                self.coef_, self.mean_, self.scale_ = data["coef"], data["mean"], data["scale"]
                self.intercept_ = float(data["intercept"][0])
                self.prior_counts_ = data["prior_counts"]
                self.match_counts_, self.hit_counts_ = data["match_counts"], data["hit_counts"]
                self.base_rate_ = float(data["base_rate"][0])
            with open(folder / "ranker.json", encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the ranker in {folder}: {exc}") from exc
        if meta.get("features") != list(FEATURES) or len(self.prior_counts_) != len(self.vocab):
            raise ModelError(f"the ranker in {folder} was made by another undex version or vocabulary; retrain")
        self.prior_norm_ = float(meta["prior_norm"])
        self.association_ = None
        if self.params.association:
            self.association_ = ConceptAssociation.load(folder, len(self.vocab))
            try:
                combiner = np.load(folder / "combiner.npy", allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise ModelError(f"cannot read the association combination in {folder}: {exc}") from exc
            if combiner.shape != (6,):
                raise ModelError(f"the association combination in {folder} is malformed; retrain")
            self.combiner_coef_, self.combiner_intercept_ = combiner[:5], float(combiner[5])

    def prepare(self) -> None:
        self.matcher(self.context.language)

    def training_summary(self) -> dict:
        weights = dict(zip(FEATURES, (round(float(w), 3) for w in self.coef_), strict=True))
        summary = {"candidates": self.training_candidates_, "positives": self.training_positives_, "weights": weights}
        if self.association_ is not None:
            names = ("lexical_logit", "matched", "association", "association_share", "log_association_rank")
            summary["combination"] = dict(zip(names, (round(float(w), 3) for w in self.combiner_coef_), strict=True))
            summary["association_coefficients"] = int(self.association_.coef_.nnz)
        return summary


def fit_logistic(X: np.ndarray, y: np.ndarray, offset: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with a fixed per-row offset (which
    scikit-learn's LogisticRegression lacks), solved with SciPy's L-BFGS."""
    sign = np.where(y, 1.0, -1.0)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:-1], params[-1]
        margin = sign * (offset + X @ w + b)
        value = np.logaddexp(0.0, -margin).sum() + 0.5 / C * (w @ w)
        weight = -sign * expit(-margin)
        grad = np.append(X.T @ weight + w / C, weight.sum())
        return float(value), grad

    result = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B")
    return result.x[:-1], float(result.x[-1])


@dataclass
class _DocumentContext:
    """What every candidate of one document is compared with, computed once."""

    concepts: set[int]
    weights: dict[int, int]
    """Occurrences of each candidate (at least 1)."""
    total: int
    micro_mass: dict[str, int]
    domain_mass: dict[str, int]
    subsumed_keys: set[str]
    """Label keys that occur inside another label key kept in this document."""

    @classmethod
    def build(
        cls, vocab: Vocabulary, matcher: LabelMatcher, by_concept: dict[int, ConceptMatches], concepts: list[int]
    ) -> _DocumentContext:
        weights = {c: len(by_concept[c][0]) or 1 for c in concepts}
        micro: dict[str, int] = defaultdict(int)
        domain: dict[str, int] = defaultdict(int)
        for c in concepts:
            for code in vocab.concepts[c].microthesauri:
                micro[code] += weights[c]
            for code in vocab.concepts[c].domains:
                domain[code] += weights[c]
        kept_keys = {m.key for c in concepts for m, _ in by_concept[c][0]}
        return cls(set(concepts), weights, sum(weights.values()), micro, domain, matcher.keys_inside(kept_keys))

    def agreement(self, mass: dict[str, int], codes: list[str], weight: int) -> float:
        """The largest share of the other candidates' occurrences in one group of ``codes``."""
        others = self.total - weight
        if others <= 0 or not codes:
            return 0.0
        return max(mass.get(code, 0) - weight for code in codes) / others


def _group_by_concept(result: MatchResult, matcher: LabelMatcher, text: str) -> dict[int, ConceptMatches]:
    """Per concept: its kept matches and its contained matches, each with the label."""
    grouped: dict[int, ConceptMatches] = defaultdict(lambda: ([], []))
    for kind, matches in ((0, result.matches), (1, result.contained)):
        for match in matches:
            for entry in matcher.entries_for(match, text):
                grouped[entry.concept][kind].append((match, entry.label))
    return dict(grouped)


_MATCHERS: dict[tuple[str, str, int], LabelMatcher] = {}


def _matcher_for(vocab: Vocabulary, language: str, analyzer) -> LabelMatcher:
    """Matchers are built once per process per vocabulary and language."""
    key = (vocab.id, language, id(vocab))
    if key not in _MATCHERS:
        _MATCHERS[key] = LabelMatcher(vocab, language, analyzer)
    return _MATCHERS[key]
