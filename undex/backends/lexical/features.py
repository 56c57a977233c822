"""The ranking features of a candidate, declared once in :data:`FEATURE_TABLE`.

Every feature is relative to the document (shares, positions, ratios to the best
candidate) or a property of the label, never an absolute count: a ranker learned on short
English records then ranks candidates of long reports in other languages too.

Adding a feature is one entry in the table: its name, group, how it is computed from the
candidate's facts (:class:`~undex.backends.lexical.candidates.CandidateFacts`) and the
document's (:class:`~undex.backends.lexical.candidates.DocumentContext`), its weight in the
zero-shot formula and whether a ranker learns its weight by default. The order of the table
is the column order of feature matrices and of saved rankers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from undex.backends.lexical.candidates import CandidateFacts, DocumentContext

HOW_MUCH = "how much"
"""How much of the document is about the candidate, relative to the other candidates."""
WHERE = "where"
"""Where in the document the candidate's labels occur."""
LABEL = "label"
"""How specific and unambiguous the matched label is."""
PRIOR = "prior"
"""What indexers did before (0 untrained)."""
AGREEMENT = "agreement"
"""Agreement with the other candidates."""
STRUCTURE = "structure"
"""Where in the document's parts (title, summary, headings, sections, operative
paragraphs) the candidate occurs: 0 for a text without recognisable parts."""
CONTEXT = "context"
"""What kind of document the candidate is in: the same for all its candidates, so it ranks
nothing by itself, but it sets how likely any of them is a subject, and a learned ranker
weighs the other features by it."""

ZERO_SHOT_BIAS = -3.5
LENGTH_SCALE_WORDS = 10_000
MAX_ZIPF = 8.0
"""The highest word frequency on the Zipf scale: ``MAX_ZIPF - zipf`` is how rare a label is."""


@dataclass(frozen=True)
class Feature:
    name: str
    group: str
    compute: Callable[[CandidateFacts, DocumentContext], float]
    zero_shot_weight: float = 0.0
    """Weight in the zero-shot formula, a fixed hand-set prior used without training data:
    frequent, early, spread-out, specific, unambiguous labels that agree with the rest win."""
    learned: bool = True
    """Whether a ranker learns its weight by default. A ranker learns every weight as a
    function of the document's length (see :class:`~undex.backends.lexical.ranker.LogisticRanker`),
    so what frequency and position tell in a report is learned from full texts, not from
    short records."""


def document_length(words: int) -> float:
    """A document's length on a log scale, about 0 for a title and 1 for 10,000 words."""
    return math.log1p(words) / math.log1p(LENGTH_SCALE_WORDS)


def _relative_occurrences(c: CandidateFacts, d: DocumentContext) -> float:
    return len(c.matches) / d.max_occurrences


def _relative_tf_idf(c: CandidateFacts, d: DocumentContext) -> float:
    return c.tf_idf / d.max_tf_idf


def _contained_share(c: CandidateFacts, d: DocumentContext) -> float:
    return len(c.contained) / (len(c.matches) + len(c.contained))


def _ambiguity(c: CandidateFacts, d: DocumentContext) -> float:
    """A label shared by several concepts is weak evidence."""
    return max(1.0 / len(d.matcher.entries[k]) for k in c.keys)


def _genericity(c: CandidateFacts, d: DocumentContext) -> float:
    return min(math.log1p(d.matcher.containment.get(k, 0)) for k in c.keys)


def _preferred_label(c: CandidateFacts, d: DocumentContext) -> float:
    return float(any(e.preferred for k in c.keys for e in d.matcher.entries[k] if e.concept == c.concept))


def _microthesaurus_agreement(c: CandidateFacts, d: DocumentContext) -> float:
    return d.agreement(d.micro_mass, d.vocab.concepts[c.concept].microthesauri, c.concept)


def _domain_agreement(c: CandidateFacts, d: DocumentContext) -> float:
    return d.agreement(d.domain_mass, d.vocab.concepts[c.concept].domains, c.concept)


def _operative_share(c: CandidateFacts, d: DocumentContext) -> float:
    return c.placement.operative / len(c.matches) if c.matches else 0.0


def _section_spread(c: CandidateFacts, d: DocumentContext) -> float:
    """The share of the document's sections that mention the candidate."""
    return len(c.placement.sections) / d.n_sections if d.n_sections > 1 else 0.0


def _section_focus(c: CandidateFacts, d: DocumentContext) -> float:
    """The candidate's share of the matches in the section where that share is largest: a
    section topic is dense in its section without being frequent in the whole text."""
    if d.n_sections <= 1:
        return 0.0
    return max((n / d.section_totals[s] for s, n in c.placement.sections.items()), default=0.0)


FEATURE_TABLE: tuple[Feature, ...] = (
    Feature("relative_occurrences", HOW_MUCH, _relative_occurrences),
    # frequent here, rare in general language
    Feature("relative_tf_idf", HOW_MUCH, _relative_tf_idf, 5.0),
    Feature("contained_share", HOW_MUCH, _contained_share),
    # titles and summaries come first ...
    Feature("first_position", WHERE, lambda c, d: c.first, -2.0),
    # ... and the first words most of all
    Feature("log_first_word", WHERE, lambda c, d: math.log1p(c.first * d.text_words), -0.5),
    Feature("last_position", WHERE, lambda c, d: c.last),
    Feature("spread", WHERE, lambda c, d: c.last - c.first, 0.5),
    Feature("label_size", LABEL, lambda c, d: min(c.size, 4.0)),
    Feature("single_unit_label", LABEL, lambda c, d: float(c.size <= 1.0), -1.0),
    Feature("ambiguity", LABEL, _ambiguity, 1.5),
    Feature("genericity", LABEL, _genericity),
    Feature("commonness", LABEL, lambda c, d: c.commonness),
    Feature("preferred_label", LABEL, _preferred_label),
    Feature("distinct_labels", LABEL, lambda c, d: float(len(c.keys))),
    # a longer label containing this one also occurs
    Feature("subsumed", LABEL, lambda c, d: float(not c.keys.isdisjoint(d.subsumed_keys)), -0.5),
    Feature("prior", PRIOR, lambda c, d: d.history.prior(c.concept, d.exclude_prior)),
    Feature("label_precision", PRIOR, lambda c, d: d.history.label_precision(c.concept)),
    Feature("linked_candidates", AGREEMENT, lambda c, d: float(d.linked(c.concept))),
    Feature("microthesaurus_agreement", AGREEMENT, _microthesaurus_agreement, 1.0),
    Feature("domain_agreement", AGREEMENT, _domain_agreement),
    # a document says what it is about in its title and summary, its headings, its operative part
    Feature("in_lead", STRUCTURE, lambda c, d: float(c.placement.lead), 1.0),
    Feature("in_heading", STRUCTURE, lambda c, d: float(c.placement.heading), 1.0),
    Feature("operative_share", STRUCTURE, _operative_share, 0.5),
    Feature("section_spread", STRUCTURE, _section_spread, 0.5),
    Feature("section_focus", STRUCTURE, _section_focus, 2.0),
    # a long document has more candidates, so each is less likely a subject
    Feature("document_length", CONTEXT, lambda c, d: document_length(d.text_words)),
)

FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURE_TABLE)
"""Feature names in column order."""

LEARNED_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURE_TABLE if f.learned)
"""What a ranker learns by default."""

LENGTH_COLUMN = FEATURES.index("document_length")

ZERO_SHOT_WEIGHTS: dict[str, float] = {f.name: f.zero_shot_weight for f in FEATURE_TABLE if f.zero_shot_weight}

_ZERO_SHOT_VECTOR = np.array([f.zero_shot_weight for f in FEATURE_TABLE])


def zero_shot_logit(features: np.ndarray) -> np.ndarray:
    """The zero-shot formula over feature rows (one logit each)."""
    return features @ _ZERO_SHOT_VECTOR + ZERO_SHOT_BIAS


def feature_rows(facts: list[CandidateFacts], document: DocumentContext) -> np.ndarray:
    """The feature matrix of a document's candidates (candidates x :data:`FEATURES`)."""
    rows = [[feature.compute(candidate, document) for feature in FEATURE_TABLE] for candidate in facts]
    return np.array(rows, dtype=np.float64).reshape(len(facts), len(FEATURE_TABLE))
