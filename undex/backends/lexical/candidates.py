"""The candidates of a document: every concept whose label occurs in the text.

The matches of the text are grouped by concept, the facts every candidate is compared with
are computed once per document (:class:`DocumentContext`), then each candidate gets its
feature row (see :mod:`undex.backends.lexical.features`) and its evidence.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from undex.backends.lexical.features import MAX_ZIPF, feature_rows
from undex.backends.lexical.placement import DocumentLayout, Placement
from undex.corpus import LabelledDoc
from undex.matching import LabelMatcher, Match, MatchResult
from undex.suggestion import Evidence
from undex.vocab import Vocabulary

LABEL_PRECISION_SMOOTHING = 2.0

ConceptMatches = tuple[list[tuple[Match, str]], list[tuple[Match, str]]]
"""A concept's kept matches and its contained matches, each with the label matched."""


@dataclass
class Candidates:
    """The candidates of one document: concept indices, feature rows, evidence."""

    concepts: list[int]
    features: np.ndarray
    evidence: dict[int, list[Evidence]]
    words: int = 0
    """Length of the text in words."""


@dataclass
class IndexingHistory:
    """What indexers did in the training documents: how often each concept was a subject
    (the prior), and how often a match of its labels was one (label precision). Without
    training both features are 0."""

    subject_counts: np.ndarray | None = None
    prior_norm: float = 0.0
    match_counts: np.ndarray | None = None
    hit_counts: np.ndarray | None = None
    base_rate: float = 0.0

    @classmethod
    def of_subjects(cls, docs: Sequence[LabelledDoc], n_concepts: int) -> IndexingHistory:
        counts = Counter(c for d in docs for c in d.concepts)
        subject_counts = np.zeros(n_concepts, dtype=np.int64)
        for concept, n in counts.items():
            subject_counts[concept] = n
        return cls(subject_counts, math.log1p(max(counts.values(), default=0)))

    def count_matches(self, candidates: Sequence[Candidates], hits: Sequence[Sequence[bool]]) -> None:
        """Count, per concept, the training documents it was a candidate of and those where
        it was also a subject."""
        self.match_counts = np.zeros(len(self.subject_counts), dtype=np.int64)
        self.hit_counts = np.zeros(len(self.subject_counts), dtype=np.int64)
        for found, doc_hits in zip(candidates, hits, strict=True):
            np.add.at(self.match_counts, found.concepts, 1)
            np.add.at(self.hit_counts, found.concepts, np.asarray(doc_hits, dtype=np.int64))
        total = int(self.match_counts.sum())
        self.base_rate = float(self.hit_counts.sum()) / total if total else 0.0

    def prior(self, concept: int, exclude: Sequence[int] = ()) -> float:
        """How often the concept was a subject, log-scaled to [0, 1] (a training document's
        own subjects, ``exclude``, are not counted for it)."""
        if self.subject_counts is None or self.prior_norm == 0:
            return 0.0
        count = self.subject_counts[concept] - (1 if concept in exclude else 0)
        return math.log1p(max(count, 0)) / self.prior_norm

    def label_precision(self, concept: int, found: int = 0, hit: int = 0) -> float:
        """How often, in the training documents, a match of this concept's labels was one of
        their subjects (smoothed towards the overall rate; ``found``/``hit`` are taken out
        for the training document itself)."""
        if self.match_counts is None or self.hit_counts is None:
            return 0.0
        smoothing = LABEL_PRECISION_SMOOTHING
        return (self.hit_counts[concept] - hit + smoothing * self.base_rate) / (
            self.match_counts[concept] - found + smoothing
        )


@dataclass
class CandidateFacts:
    """What the features of one candidate are computed from."""

    concept: int
    matches: list[Match]
    contained: list[Match]
    keys: set[str]
    """The label keys matched, kept or contained."""
    first: float
    """Position of the first kept match, as a share of the text (1 when only contained)."""
    last: float
    size: float
    """Length of the longest label matched, in word-like units."""
    commonness: float
    """Zipf frequency in general language of the most specific label matched."""
    placement: Placement
    """Where the matches are in the document's structure."""

    @property
    def tf_idf(self) -> float:
        return math.log1p(len(self.matches)) * (MAX_ZIPF - self.commonness)

    @classmethod
    def of(
        cls, concept: int, matches: ConceptMatches, result: MatchResult, matcher: LabelMatcher, layout: DocumentLayout
    ) -> CandidateFacts:
        kept = [m for m, _ in matches[0]]
        contained = [m for m, _ in matches[1]]
        units = max(result.text_units, 1)
        first = min(m.unit_start for m in kept) / units if kept else 1.0
        last = max(m.unit_start for m in kept) / units if kept else 1.0
        keys = {m.key for m in kept} | {m.key for m in contained}
        size = max(_label_size(matcher, k) for k in keys)
        commonness = min(matcher.commonness[k] for k in keys)
        placement = layout.place([m.start for m in kept], [m.start for m in contained])
        return cls(concept, kept, contained, keys, first, last, size, commonness, placement)


@dataclass
class DocumentContext:
    """What every candidate of one document is compared with, computed once."""

    vocab: Vocabulary
    matcher: LabelMatcher
    history: IndexingHistory
    exclude_prior: Sequence[int]
    """A training document's own subjects, left out of its prior."""
    text_words: int
    concepts: set[int]
    weights: dict[int, int]
    """Occurrences of each candidate (at least 1)."""
    total: int
    micro_mass: dict[str, int]
    domain_mass: dict[str, int]
    subsumed_keys: set[str]
    """Label keys that occur inside another label key kept in this document."""
    max_occurrences: int
    max_tf_idf: float
    n_sections: int
    """Sections of the document (1 for a text without headings)."""
    section_totals: Counter[int]
    """Kept matches of all candidates per section."""

    def agreement(self, mass: dict[str, int], codes: list[str], concept: int) -> float:
        """The largest share of the other candidates' occurrences in one group of ``codes``."""
        weight = self.weights[concept]
        others = self.total - weight
        if others <= 0 or not codes:
            return 0.0
        return max(mass.get(code, 0) - weight for code in codes) / others

    def linked(self, concept: int) -> int:
        """How many other candidates are broader, narrower or related to ``concept``."""
        c = self.vocab.concepts[concept]
        linked = {self.vocab.index_of_id(i) for i in (*c.broader, *c.narrower, *c.related)}
        return len(linked & self.concepts)


def find_candidates(
    text: str,
    vocab: Vocabulary,
    matcher: LabelMatcher,
    history: IndexingHistory,
    max_candidates: int,
    exclude_prior: Sequence[int] = (),
) -> Candidates:
    """The candidates of ``text`` (the ``max_candidates`` most often matched), their
    feature rows and evidence."""
    result = matcher.find(text)
    by_concept = _group_by_concept(result, matcher, text)
    concepts = sorted(by_concept, key=lambda c: -len(by_concept[c][0]))[:max_candidates]
    layout = DocumentLayout.of(text, matcher.language) if concepts else None
    facts = [CandidateFacts.of(c, by_concept[c], result, matcher, layout) for c in concepts]
    n_sections = layout.n_sections if layout else 1
    document = _document_context(vocab, matcher, history, exclude_prior, result, facts, n_sections)
    evidence = {
        c: sorted(Evidence(m.start, m.end, label) for m, label in by_concept[c][0] + by_concept[c][1]) for c in concepts
    }
    return Candidates(concepts, feature_rows(facts, document), evidence, result.text_words)


def _document_context(
    vocab: Vocabulary,
    matcher: LabelMatcher,
    history: IndexingHistory,
    exclude_prior: Sequence[int],
    result: MatchResult,
    facts: list[CandidateFacts],
    n_sections: int,
) -> DocumentContext:
    weights = {f.concept: len(f.matches) or 1 for f in facts}
    micro: dict[str, int] = defaultdict(int)
    domain: dict[str, int] = defaultdict(int)
    for f in facts:
        for code in vocab.concepts[f.concept].microthesauri:
            micro[code] += weights[f.concept]
        for code in vocab.concepts[f.concept].domains:
            domain[code] += weights[f.concept]
    kept_keys = {m.key for f in facts for m in f.matches}
    return DocumentContext(
        vocab=vocab,
        matcher=matcher,
        history=history,
        exclude_prior=exclude_prior,
        text_words=result.text_words,
        concepts=set(weights),
        weights=weights,
        total=sum(weights.values()),
        micro_mass=micro,
        domain_mass=domain,
        subsumed_keys=matcher.keys_inside(kept_keys),
        max_occurrences=max((len(f.matches) for f in facts), default=0) or 1,
        max_tf_idf=max((f.tf_idf for f in facts), default=0.0) or 1.0,
        n_sections=n_sections,
        section_totals=sum((f.placement.sections for f in facts), Counter()),
    )


def _label_size(matcher: LabelMatcher, key: str) -> float:
    """Label length in word-like units: content tokens, or Chinese characters / 2."""
    return len(key) / 2.0 if matcher.is_chinese else float(matcher.key_size(key))


def _group_by_concept(result: MatchResult, matcher: LabelMatcher, text: str) -> dict[int, ConceptMatches]:
    """Per concept: its kept matches and its contained matches, each with the label."""
    grouped: dict[int, ConceptMatches] = defaultdict(lambda: ([], []))
    for kind, matches in ((0, result.matches), (1, result.contained)):
        for match in matches:
            for entry in matcher.entries_for(match, text):
                grouped[entry.concept][kind].append((match, entry.label))
    return dict(grouped)
