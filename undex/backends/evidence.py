"""Evidence for the suggestions of word-based backends (tfidf, linear, omikuji, knn, ensemble).

A suggested concept is supported by the passages where one of its labels occurs (found by
the thesaurus matcher in the project's language) and, when none occurs, by the words or
word n-grams of the document that contribute most to its score: a feature's TF-IDF weight
in the document times the concept's weight for that feature (a centroid, a coefficient, the
summed vectors of the nearest documents). Evidence is computed after scoring, only for the
concepts kept as suggestions, so it costs little next to the scoring itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from undex.analysis import Analyzer
from undex.backends.base import BackendContext
from undex.features import TextVectorizer
from undex.matching import LabelMatcher
from undex.suggestion import Evidence, SuggestionBatch
from undex.vocab import Vocabulary

MAX_SPANS = 6
"""Spans kept per concept."""
TOP_FEATURES = 3
"""Most contributing features shown when no label of a concept occurs."""

ConceptWeights = Callable[[int, Sequence[int]], sp.csr_matrix]
"""(row of the batch, concepts) -> one sparse row of feature weights per concept."""
SpanMap = dict[int, list[Evidence]]


def concept_centroids(labels: sp.csr_matrix, features: sp.csr_matrix) -> sp.csr_matrix:
    """Each concept's L2-normalised mean of its training documents' feature vectors."""
    return normalize((labels.T @ features).tocsr()).astype(np.float32)


def suggested_concepts(batch: SuggestionBatch) -> list[list[int]]:
    """The concepts each document of ``batch`` was given."""
    scores = batch.scores
    return [scores.indices[scores.indptr[r] : scores.indptr[r + 1]].tolist() for r in range(len(batch))]


def label_evidence(matcher: LabelMatcher, text: str, concepts: Sequence[int]) -> SpanMap:
    """Where labels of ``concepts`` occur in ``text`` (kept and contained matches)."""
    wanted = set(concepts)
    found: SpanMap = defaultdict(list)
    result = matcher.find(text)
    for match in (*result.matches, *result.contained):
        if not any(e.concept in wanted for e in matcher.entries[match.key]):
            continue  # names none of the concepts asked about: skip the costly surface check
        for entry in matcher.entries_for(match, text):
            if entry.concept in wanted:
                found[entry.concept].append(Evidence(match.start, match.end, entry.label))
    return {c: sorted(set(spans))[:MAX_SPANS] for c, spans in found.items()}


class FeatureSpans:
    """The features of one text (indices of a fitted vectorizer) with their weights and spans."""

    def __init__(self, vectorizer: TextVectorizer, text: str) -> None:
        tokens = [t for t in vectorizer.analyzer.analyze(text) if not t.stop]
        index, idf = vectorizer.feature_index, vectorizer.idf
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for n in range(1, vectorizer.word_ngrams + 1):
            for i in range(len(tokens) - n + 1):
                feature = index.get(" ".join(t.term for t in tokens[i : i + n]))
                if feature is not None:
                    spans[feature].append((tokens[i].start, tokens[i + n - 1].end))
        self.text = text
        self.spans = dict(spans)
        self.indices = np.fromiter(self.spans, dtype=np.int64, count=len(self.spans))
        counts = np.array([len(s) for s in self.spans.values()], dtype=np.float64)
        self.weights = (1.0 + np.log(counts)) * idf[self.indices] if counts.size else counts

    def top_spans(self, concept_weights: sp.csr_matrix) -> list[Evidence]:
        """Spans of the features contributing most to a concept with these feature weights
        (one sparse row); each span is labelled with the words as written."""
        if not self.indices.size or not concept_weights.nnz:
            return []
        concept = concept_weights[:, self.indices].toarray().ravel()
        contribution = self.weights * concept
        best = [i for i in np.argsort(-contribution)[:TOP_FEATURES] if contribution[i] > 0]
        found = {
            Evidence(start, end, self.text[start:end])
            for i in best
            for start, end in self.spans[int(self.indices[i])][: max(1, MAX_SPANS // max(len(best), 1))]
        }
        return _without_nested(sorted(found))


def _without_nested(spans: list[Evidence]) -> list[Evidence]:
    """Drop spans lying inside another kept span (a word inside a bigram of the same place)."""
    kept: list[Evidence] = []
    for span in sorted(spans, key=lambda e: (e.start, -e.end)):
        if kept and span.end <= kept[-1].end:
            continue
        kept.append(span)
    return kept


class EvidenceFinder:
    """Evidence of suggestions in one vocabulary and language: label matches first, then
    (when a backend gives feature weights) the most contributing features."""

    def __init__(
        self, vocab: Vocabulary, language: str, analyzer: Analyzer, vectorizer: TextVectorizer | None = None
    ) -> None:
        self.vocab, self.language, self.analyzer, self.vectorizer = vocab, language, analyzer, vectorizer

    def matcher(self) -> LabelMatcher | None:
        """The thesaurus matcher of the project's language (None where it has no labels)."""
        from undex.backends.lexical.matchers import MATCHERS  # the lexical package imports this module's users

        if next(iter(self.vocab.labels_in(self.language)), None) is None:
            return None
        return MATCHERS.get(self.vocab, self.language, self.analyzer)

    def add_to(
        self,
        texts: Sequence[str],
        batch: SuggestionBatch,
        weights: ConceptWeights | None = None,
        labels: bool = True,
    ) -> SuggestionBatch:
        """``batch`` with evidence for each suggested concept that has none yet: where its
        labels occur (unless ``labels`` is false), else its most contributing features."""
        matcher = self.matcher() if labels else None
        evidence = []
        for row, (text, concepts) in enumerate(zip(texts, suggested_concepts(batch), strict=True)):
            spans = dict(batch.evidence[row])
            missing = [c for c in concepts if not spans.get(c)]
            if missing and matcher is not None:
                spans.update(label_evidence(matcher, text, missing))
                missing = [c for c in missing if not spans.get(c)]
            if missing and weights is not None and self.vectorizer is not None:
                spans.update(self.feature_evidence(text, missing, weights(row, missing)))
            evidence.append(spans)
        return SuggestionBatch(batch.scores, evidence)

    def feature_evidence(self, text: str, concepts: Sequence[int], weights: sp.csr_matrix) -> SpanMap:
        assert self.vectorizer is not None
        features = FeatureSpans(self.vectorizer, text)
        found = {c: features.top_spans(weights[[i]]) for i, c in enumerate(concepts)}
        return {c: spans for c, spans in found.items() if spans}


def merge_evidence(batches: Sequence[SuggestionBatch], into: SuggestionBatch) -> SuggestionBatch:
    """``into`` with, for each of its concepts, the spans the ``batches`` give it (label
    matches of any source, then features), at most :data:`MAX_SPANS` per concept."""
    evidence = []
    for row, concepts in enumerate(suggested_concepts(into)):
        merged: SpanMap = {}
        for concept in concepts:
            spans = sorted({e for b in batches for e in b.evidence[row].get(concept, ())})
            if spans:
                merged[concept] = spans[:MAX_SPANS]
        evidence.append(merged)
    return SuggestionBatch(into.scores, evidence)


def evidence_finder(context: BackendContext, vectorizer: TextVectorizer | None = None) -> EvidenceFinder:
    """The finder of a backend's project: its vocabulary, language and analyzer."""
    return EvidenceFinder(context.vocab, context.language, context.analyzer, vectorizer)
