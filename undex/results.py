"""Typed subject records: the one place a row of a :class:`SuggestionBatch` becomes output.

The Python API (:mod:`undex.api`), the REST API (:mod:`undex.server`), ``undex suggest``
and ``undex index`` all build their results with :func:`subject_records` and render them
with the helpers below, so their outputs cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from undex.analysis import LANGUAGES
from undex.analysis.structure import parse_structure, part_label
from undex.errors import InputError
from undex.suggestion import SuggestionBatch
from undex.vocab import Vocabulary

SCORE_DECIMALS = 4


@dataclass(frozen=True)
class Group:
    """A microthesaurus or domain of the thesaurus, named in the label language."""

    code: str
    name: str


@dataclass(frozen=True)
class EvidenceSpan:
    """Characters ``text[start:end]`` of the document that support a subject."""

    start: int
    end: int
    text: str
    label: str
    part: str = ""
    """The part of the document the span is in ("summary", "operative 3", "section II"...)."""


@dataclass(frozen=True)
class Subject:
    """One suggested subject."""

    uri: str
    label: str
    score: float
    concept_id: str
    notation: str = ""
    microthesauri: tuple[Group, ...] = ()
    domains: tuple[Group, ...] = ()
    evidence: tuple[EvidenceSpan, ...] = ()
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    """Preferred labels in every language the vocabulary has."""
    shown_labels: tuple[tuple[str, str], ...] = field(default=(), hash=False, compare=False, repr=False)
    """``(language, label)`` for each label language asked for, in that order (``label`` is
    the first); a language without a label shows the English one."""


def check_label_language(language: str | None, default: str, name: str = "label language") -> str:
    """``language`` (or ``default`` when not given), refused unless one of the six UN languages;
    ``name`` is what the error calls it (e.g. a command-line option)."""
    language = language or default
    if language not in LANGUAGES:
        raise InputError(f"{name} must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


def groups(vocab: Vocabulary, codes: Iterable[str], language: str) -> tuple[Group, ...]:
    return tuple(Group(code, vocab.group_name(code, language)) for code in codes)


def subject_records(
    vocab: Vocabulary,
    batch: SuggestionBatch,
    row: int,
    text: str,
    languages: Sequence[str],
    text_language: str | None = None,
    evidence: bool = True,
) -> tuple[Subject, ...]:
    """The subjects of document ``row`` of ``batch`` (whose text is ``text``, written in
    ``text_language``: None detects it), best first, labelled in ``languages`` (the first is
    the label; at least one). Evidence spans name the part of the document they are in;
    without ``evidence`` (outputs that do not show it) the document is not read for parts."""
    language = languages[0]
    ranked = [(index, score, spans if evidence else []) for index, score, spans in batch.row(row)]
    structure = parse_structure(text, text_language) if any(spans for _, _, spans in ranked) else None
    records = []
    for index, score, spans in ranked:
        concept = vocab.concepts[index]
        records.append(
            Subject(
                uri=concept.uri,
                label=concept.label(language),
                score=round(score, SCORE_DECIMALS),
                concept_id=concept.id,
                notation=concept.notation,
                microthesauri=groups(vocab, concept.microthesauri, language),
                domains=groups(vocab, concept.domains, language),
                evidence=tuple(
                    EvidenceSpan(e.start, e.end, text[e.start : e.end], e.label, part_label(structure, e.start))
                    for e in spans
                ),
                labels=dict(concept.prefLabel),
                shown_labels=tuple((lang, concept.label(lang)) for lang in languages),
            )
        )
    return tuple(records)


def subject_line(subject: Subject) -> str:
    """``<uri>\\tlabel\\tscore`` (Annif's text format; labels of several languages joined by `` / ``)."""
    label = " / ".join(label for _, label in subject.shown_labels)
    return f"<{subject.uri}>\t{label}\t{subject.score:.{SCORE_DECIMALS}f}"


def subject_json(subject: Subject, labels: bool = False, evidence: bool = False) -> dict[str, Any]:
    """``{"uri", "label", "score"}``, with the labels of every language asked for and the
    evidence spans when wanted."""
    record: dict[str, Any] = {"uri": subject.uri, "label": subject.label, "score": subject.score}
    if labels:
        record["labels"] = dict(subject.shown_labels)
    if evidence:
        record["evidence"] = [
            {"start": e.start, "end": e.end, "label": e.label, "text": e.text, "part": e.part} for e in subject.evidence
        ]
    return record
