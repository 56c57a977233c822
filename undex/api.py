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
from pathlib import Path

from undex.analysis import detect_language, unsupported_language, unsupported_message
from undex.chunking import chunked
from undex.errors import InputError, NotFoundError
from undex.project import Project, ProjectRegistry, resolve_datadir, resolve_projects_path
from undex.results import EvidenceSpan, Group, Subject, check_label_language, groups, subject_records
from undex.vocab import Vocabulary

__all__ = [
    "ConceptInfo",
    "ConceptRef",
    "EvidenceSpan",
    "Group",
    "Indexer",
    "Subject",
    "Suggestions",
    "check_label_language",
    "concept_info",
    "load_project",
]


@dataclass(frozen=True)
class Suggestions(Sequence[Subject]):
    """The subjects suggested for one document, best first."""

    subjects: tuple[Subject, ...]
    document_id: str | None = None
    language: str | None = None
    """The language the document was detected to be in (None: no letters); an ISO 639 code
    outside the six UN languages (e.g. ``"de"``) when it is clearly none of them."""
    label_language: str = "en"
    warning: str | None = None
    """Set when undex does not cover the document's language: the detected language and the
    supported ones. Its subjects, if any, are unreliable."""

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
        snapshot = self.project.snapshot()  # model and the vocabulary it was trained with
        batch = self.project.suggest_batch(list(texts), limit, threshold, snapshot, explain=True)
        ids = list(ids or [None] * len(texts))
        found = []
        for row, text in enumerate(texts):
            foreign = unsupported_language(text)
            records = subject_records(snapshot.vocab, batch, row, text, [language], self.language)
            warning = unsupported_message(foreign) if foreign else None
            found.append(Suggestions(records, ids[row], foreign or detect_language(text), language, warning))
        return found

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
        for chunk in chunked(documents, batch_size):
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
