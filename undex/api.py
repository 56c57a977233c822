"""The Python API: typed subject suggestions for notebooks and other programs.

>>> import undex
>>> p = undex.load_project("lexical-zh", projects="projects.toml")   # doctest: +SKIP
>>> for s in p.suggest("……水资源……", limit=5):                      # doctest: +SKIP
...     print(s.uri, s.label, round(s.score, 3))

The REST API serialises the same objects, so the two never disagree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from undex.analysis import LANGUAGES, detect_language
from undex.errors import InputError, NotFoundError
from undex.project import Project, ProjectRegistry, resolve_datadir, resolve_projects_path
from undex.suggestion import SuggestionBatch
from undex.vocab import Concept, Vocabulary


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


@dataclass(frozen=True)
class Suggestions(Sequence[Subject]):
    """The subjects suggested for one document, best first."""

    subjects: tuple[Subject, ...]
    document_id: str | None = None
    language: str | None = None
    """The language the document was detected to be in (None: no letters)."""
    label_language: str = "en"

    def __getitem__(self, index):  # type: ignore[override]
        return self.subjects[index]

    def __len__(self) -> int:
        return len(self.subjects)


@dataclass(frozen=True)
class ConceptRef:
    id: str
    uri: str
    label: str


@dataclass(frozen=True)
class ConceptInfo:
    """A concept with its labels in every language and its neighbours."""

    id: str
    uri: str
    label: str
    labels: dict[str, str]
    alt_labels: dict[str, list[str]]
    notation: str
    broader: tuple[ConceptRef, ...] = ()
    narrower: tuple[ConceptRef, ...] = ()
    related: tuple[ConceptRef, ...] = ()
    microthesauri: tuple[Group, ...] = ()
    domains: tuple[Group, ...] = ()


def check_label_language(language: str | None, default: str) -> str:
    language = language or default
    if language not in LANGUAGES:
        raise InputError(f"label language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


def groups(vocab: Vocabulary, codes: Iterable[str], language: str) -> tuple[Group, ...]:
    return tuple(Group(code, vocab.group_name(code, language)) for code in codes)


def concept_info(vocab: Vocabulary, key: str, language: str) -> ConceptInfo:
    """The concept with id or URI ``key``, labelled in ``language``."""
    index = vocab.index_of_id(key)
    if index is None:
        index = vocab.index_of_uri(key)
    if index is None:
        raise NotFoundError(f"no concept {key!r} in vocabulary {vocab.id!r}")
    c = vocab.concepts[index]

    def refs(ids: list[str]) -> tuple[ConceptRef, ...]:
        found = (vocab.index_of_id(i) for i in ids)
        linked = (vocab.concepts[i] for i in found if i is not None)
        return tuple(ConceptRef(o.id, o.uri, o.label(language)) for o in linked)

    return ConceptInfo(
        id=c.id,
        uri=c.uri,
        label=c.label(language),
        labels=dict(c.prefLabel),
        alt_labels={k: list(v) for k, v in c.altLabel.items()},
        notation=c.notation,
        broader=refs(c.broader),
        narrower=refs(c.narrower),
        related=refs(c.related),
        microthesauri=groups(vocab, c.microthesauri, language),
        domains=groups(vocab, c.domains, language),
    )


def _subject(vocab: Vocabulary, concept: Concept, score: float, spans: list, text: str, language: str) -> Subject:
    evidence = tuple(EvidenceSpan(e.start, e.end, text[e.start : e.end], e.label) for e in spans)
    return Subject(
        uri=concept.uri,
        label=concept.label(language),
        score=round(score, 4),
        concept_id=concept.id,
        notation=concept.notation,
        microthesauri=groups(vocab, concept.microthesauri, language),
        domains=groups(vocab, concept.domains, language),
        evidence=evidence,
        labels=dict(concept.prefLabel),
    )


def to_suggestions(
    vocab: Vocabulary, batch: SuggestionBatch, texts: Sequence[str], ids: Sequence[str | None], language: str
) -> list[Suggestions]:
    """Turn a score batch into typed suggestions (labels in ``language``)."""
    out = []
    for row, text in enumerate(texts):
        subjects = tuple(
            _subject(vocab, vocab.concepts[index], score, batch.evidence[row].get(index, []), text, language)
            for index, score in batch.ranked(row)
        )
        out.append(Suggestions(subjects, ids[row], detect_language(text), language))
    return out


@dataclass
class Indexer:
    """A project ready to suggest subjects; thread-safe, loads its model once."""

    project: Project
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def id(self) -> str:
        return self.project.id

    @property
    def name(self) -> str:
        return self.project.config.name or self.project.id

    @property
    def language(self) -> str:
        return self.project.config.language

    @property
    def vocab(self) -> Vocabulary:
        return self.project.vocab

    def load(self) -> Indexer:
        """Load vocabulary and model now (else on first use). Raises when not ready."""
        with self._lock:
            self.project.backend  # noqa: B018 - loads and caches the backend
        return self

    def suggest(
        self,
        text: str,
        limit: int | None = None,
        threshold: float | None = None,
        label_language: str | None = None,
        document_id: str | None = None,
    ) -> Suggestions:
        """Subjects for one text, best first."""
        return self.suggest_many([text], limit, threshold, label_language, [document_id])[0]

    def suggest_many(
        self,
        texts: Sequence[str],
        limit: int | None = None,
        threshold: float | None = None,
        label_language: str | None = None,
        ids: Sequence[str | None] | None = None,
    ) -> list[Suggestions]:
        """Subjects for a list of texts in one backend call."""
        language = check_label_language(label_language, self.language)
        for text in texts:
            if not isinstance(text, str):
                raise InputError(f"a document must be a string, not {type(text).__name__}")
        if not texts:
            return []
        self.load()
        batch = self.project.suggest_batch(list(texts), limit, threshold)
        return to_suggestions(self.vocab, batch, texts, list(ids or [None] * len(texts)), language)

    def suggest_batch(
        self,
        documents: Iterable[str | tuple[str, str]],
        limit: int | None = None,
        threshold: float | None = None,
        label_language: str | None = None,
        batch_size: int = 32,
    ) -> Iterator[Suggestions]:
        """Stream suggestions for an iterable of texts or ``(document_id, text)`` pairs,
        reading ``batch_size`` documents at a time (never the whole iterable)."""
        if batch_size < 1:
            raise InputError("batch_size must be at least 1")
        iterator = iter(documents)
        while chunk := list(islice(iterator, batch_size)):
            ids = [d[0] if isinstance(d, tuple) else None for d in chunk]
            texts = [d[1] if isinstance(d, tuple) else d for d in chunk]
            yield from self.suggest_many(texts, limit, threshold, label_language, ids)

    def concept(self, key: str, label_language: str | None = None) -> ConceptInfo:
        """A concept of the project's vocabulary by id or URI."""
        return concept_info(self.vocab, key, check_label_language(label_language, self.language))


def load_project(project_id: str, projects: str | Path | None = None, datadir: str | Path | None = None) -> Indexer:
    """The project ``project_id`` of a projects file (default ``$UNDEX_PROJECTS`` or
    ./projects.toml), with models under ``datadir`` (default ``$UNDEX_DATADIR`` or ./data).
    The model is loaded here, so a missing vocabulary or model fails at once."""
    registry = ProjectRegistry(resolve_projects_path(projects), resolve_datadir(datadir))
    return Indexer(registry.get(project_id)).load()
