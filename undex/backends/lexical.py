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
from sklearn.linear_model import LogisticRegression

from undex.analysis import detect_language
from undex.backends.base import Backend, BackendParams
from undex.corpus import LabelledDoc
from undex.errors import ModelError
from undex.matching import LabelMatcher, Match, MatchResult
from undex.suggestion import Evidence, SuggestionBatch
from undex.vocab import Vocabulary

FEATURES = (
    "log_occurrences",
    "relative_occurrences",
    "log_contained",
    "first_position",
    "last_position",
    "spread",
    "log_share",
    "label_size",
    "single_unit_label",
    "ambiguity",
    "genericity",
    "preferred_label",
    "distinct_labels",
    "prior",
    "linked_candidates",
    "microthesaurus_agreement",
    "domain_agreement",
    "log_document_words",
    "commonness",
    "keyness",
    "subsumed",
)

# Zero-shot weights: a fixed, hand-set prior over the features above (no training data):
# frequent, early, spread-out, specific, unambiguous labels that agree with the rest win.
ZERO_SHOT_WEIGHTS = {
    "keyness": 1.0,  # frequent here, rare in general language
    "log_occurrences": 0.8,
    "first_position": -2.0,  # titles and summaries come first
    "spread": 0.5,
    "label_size": 0.5,  # specific, multi-word labels
    "single_unit_label": -1.0,
    "subsumed": -1.5,  # a longer label containing this one also occurs: prefer it
    "ambiguity": 1.5,  # a label shared by several concepts is weak evidence
    "genericity": -0.3,
    "microthesaurus_agreement": 1.0,
}
ZERO_SHOT_BIAS = -7.0


class LexicalParams(BackendParams):
    add_broader: bool = False
    """Add a broader concept when at least two of its narrower concepts are candidates."""
    C: float = 1.0
    """Inverse regularisation of the learned ranker."""
    max_candidates: int = 200


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
        by_concept = _group_by_concept(result, matcher)
        concepts = sorted(by_concept, key=lambda c: -len(by_concept[c][0]))[: self.params.max_candidates]
        rows = [self._features(c, by_concept, concepts, result, matcher, exclude_prior) for c in concepts]
        features = np.asarray(rows, dtype=np.float64).reshape(len(concepts), len(FEATURES))
        evidence = {
            c: sorted(Evidence(m.start, m.end, label) for m, label in by_concept[c][0] + by_concept[c][1])
            for c in concepts
        }
        return Candidates(concepts, features, evidence)

    def _features(
        self,
        concept: int,
        by_concept: dict[int, ConceptMatches],
        concepts: list[int],
        result: MatchResult,
        matcher: LabelMatcher,
        exclude_prior: Sequence[int],
    ) -> list[float]:
        kept, contained_pairs = by_concept[concept]
        matches = [m for m, _ in kept]
        contained = [m for m, _ in contained_pairs]
        units = max(result.text_units, 1)
        max_occ = max(len(v[0]) for v in by_concept.values())
        first = min(m.unit_start for m in matches) / units if matches else 1.0
        last = max(m.unit_start for m in matches) / units if matches else 1.0
        share = sum(m.size for m in matches) / units
        keys = {m.key for m in matches} | {m.key for m in contained}
        size = max((self._size(matcher, k) for k in keys), default=1.0)
        ambiguity = max(1.0 / len(matcher.entries[k]) for k in keys)
        genericity = min(math.log1p(matcher.containment.get(k, 0)) for k in keys)
        preferred = any(e.preferred for k in keys for e in matcher.entries[k] if e.concept == concept)
        micro, domain = self._agreement(concept, concepts, by_concept)
        commonness = min(matcher.commonness[k] for k in keys)
        keyness = math.log10(max(len(matches), 0.5) / max(result.text_words, 1)) + 9 - commonness
        subsumed = any(
            key != other and matcher.contains(other, key) for key in keys for other in found_keys(by_concept, concepts)
        )
        return [
            math.log1p(len(matches)),
            len(matches) / max_occ if max_occ else 0.0,
            math.log1p(len(contained)),
            first,
            last,
            last - first,
            math.log1p(1000 * share),
            min(size, 4.0),
            float(size <= 1.0),
            ambiguity,
            genericity,
            float(preferred),
            float(len(keys)),
            self._prior(concept, exclude_prior),
            float(self._linked(concept, concepts)),
            micro,
            domain,
            math.log1p(result.text_words),
            commonness,
            keyness,
            float(subsumed),
        ]

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

    def _linked(self, concept: int, concepts: list[int]) -> int:
        c = self.vocab.concepts[concept]
        linked = {self.vocab.index_of_id(i) for i in (*c.broader, *c.narrower, *c.related)}
        return len(linked & set(concepts))

    def _agreement(self, concept: int, concepts: list[int], by_concept: dict) -> tuple[float, float]:
        """Share of the other candidates' occurrences in the same microthesaurus / domain."""
        me = self.vocab.concepts[concept]
        total = micro = domain = 0
        for other in concepts:
            if other == concept:
                continue
            weight = len(by_concept[other][0]) or 1
            o = self.vocab.concepts[other]
            total += weight
            micro += weight * bool(set(me.microthesauri) & set(o.microthesauri))
            domain += weight * bool(set(me.domains) & set(o.domains))
        return (micro / total, domain / total) if total else (0.0, 0.0)

    # -------------------------------------------------------------------- scoring

    def _score(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] == 0:
            return np.zeros(0)
        if getattr(self, "coef_", None) is not None:
            z = ((features - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        else:
            weights = np.array([ZERO_SHOT_WEIGHTS.get(name, 0.0) for name in FEATURES])
            z = features @ weights + ZERO_SHOT_BIAS
        return 1.0 / (1.0 + np.exp(-z))

    def suggest_batch(self, texts: Sequence[str]) -> SuggestionBatch:
        rows, cols, vals, evidence = [], [], [], []
        for row, text in enumerate(texts):
            found = self.candidates(text, self.context.language)
            scores = dict(zip(found.concepts, self._score(found.features), strict=True))
            doc_evidence = dict(found.evidence)
            if self.params.add_broader:
                self._add_broader(scores, doc_evidence)
            for concept, score in scores.items():
                rows.append(row)
                cols.append(concept)
                vals.append(float(score))
            evidence.append(doc_evidence)
        shape = (len(texts), len(self.vocab))
        return SuggestionBatch(sp.csr_matrix((vals, (rows, cols)), shape=shape), evidence)

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
        blocks, targets = [], []
        for doc in docs:
            language = doc.document.language or detect_language(doc.document.text) or self.context.language
            if language not in ("ar", "zh", "en", "fr", "ru", "es"):
                continue
            found = self.candidates(doc.document.text, language, exclude_prior=doc.concepts)
            if not found.concepts:
                continue
            gold = set(doc.concepts)
            blocks.append(found.features)
            targets.extend(c in gold for c in found.concepts)
        y = np.asarray(targets, dtype=bool)
        self.training_candidates_ = int(y.size)
        self.training_positives_ = int(y.sum())
        if y.size == 0 or y.all() or not y.any():
            raise ModelError("cannot learn a ranker: the training documents give no positive and negative candidates")
        X = np.vstack(blocks)
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        model = LogisticRegression(C=self.params.C, max_iter=2000)
        model.fit((X - self.mean_) / self.scale_, y)
        self.coef_ = model.coef_[0]
        self.intercept_ = float(model.intercept_[0])

    def save(self, folder: Path) -> None:
        np.savez(
            folder / "ranker.npz",
            coef=self.coef_,
            mean=self.mean_,
            scale=self.scale_,
            intercept=np.array([self.intercept_]),
            prior_counts=self.prior_counts_,
        )
        with open(folder / "ranker.json", "w", encoding="utf-8") as handle:
            json.dump({"features": list(FEATURES), "prior_norm": self.prior_norm_}, handle)

    def load(self, folder: Path) -> None:
        try:
            with np.load(folder / "ranker.npz", allow_pickle=False) as data:
                self.coef_, self.mean_, self.scale_ = data["coef"], data["mean"], data["scale"]
                self.intercept_ = float(data["intercept"][0])
                self.prior_counts_ = data["prior_counts"]
            with open(folder / "ranker.json", encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the ranker in {folder}: {exc}") from exc
        if meta.get("features") != list(FEATURES) or len(self.prior_counts_) != len(self.vocab):
            raise ModelError(f"the ranker in {folder} was made by another undex version or vocabulary; retrain")
        self.prior_norm_ = float(meta["prior_norm"])

    def prepare(self) -> None:
        self.matcher(self.context.language)

    def training_summary(self) -> dict:
        weights = dict(zip(FEATURES, (round(float(w), 3) for w in self.coef_), strict=True))
        return {"candidates": self.training_candidates_, "positives": self.training_positives_, "weights": weights}


def found_keys(by_concept: dict, concepts: list[int]) -> set[str]:
    """Label keys kept (not contained) anywhere in the document."""
    return {m.key for c in concepts for m, _ in by_concept[c][0]}


def _group_by_concept(result: MatchResult, matcher: LabelMatcher) -> dict[int, ConceptMatches]:
    """Per concept: its kept matches and its contained matches, each with the label."""
    grouped: dict[int, ConceptMatches] = defaultdict(lambda: ([], []))
    for match in result.matches:
        for entry in matcher.entries[match.key]:
            grouped[entry.concept][0].append((match, entry.label))
    for match in result.contained:
        for entry in matcher.entries[match.key]:
            grouped[entry.concept][1].append((match, entry.label))
    return dict(grouped)


_MATCHERS: dict[tuple[str, str, int], LabelMatcher] = {}


def _matcher_for(vocab: Vocabulary, language: str, analyzer) -> LabelMatcher:
    """Matchers are built once per process per vocabulary and language."""
    key = (vocab.id, language, id(vocab))
    if key not in _MATCHERS:
        _MATCHERS[key] = LabelMatcher(vocab, language, analyzer)
    return _MATCHERS[key]
