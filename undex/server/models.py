"""Request and response bodies. Field names of Annif's schemas are kept exactly; undex's
additions live under an ``undex`` key (or ``/v1/undex/...`` paths) so they never collide."""

from __future__ import annotations

from pydantic import BaseModel, Field

from undex.api import Suggestions
from undex.results import EvidenceSpan, Group, Subject


class ApiInfo(BaseModel):
    title: str
    version: str


class Vocab(BaseModel):
    vocab_id: str
    languages: list[str] = []
    size: int | None = None
    loaded: bool = False


class VocabList(BaseModel):
    vocabs: list[Vocab]


class ProjectBackend(BaseModel):
    backend_id: str


class ProjectExtras(BaseModel):
    is_ready: bool = Field(description="Can suggest now: trained, or a backend that needs no training.")
    requires_training: bool
    limit: int
    threshold: float


class ProjectInfo(BaseModel):
    project_id: str
    name: str
    language: str
    backend: ProjectBackend
    vocab: Vocab | None = None
    vocab_language: str | None = None
    is_trained: bool | None = None
    modification_time: str | None = None
    undex: ProjectExtras


class ProjectList(BaseModel):
    projects: list[ProjectInfo]


class SubjectExtras(BaseModel):
    concept_id: str
    labels: dict[str, str] = Field(description="Preferred labels in every language of the vocabulary.")
    microthesauri: list[Group]
    domains: list[Group]
    evidence: list[EvidenceSpan] = Field(
        description="Spans of the text sent (offsets in Unicode code points) that support the subject."
    )


class SuggestionResult(BaseModel):
    uri: str
    label: str
    notation: str | None = None
    score: float
    undex: SubjectExtras

    @classmethod
    def of(cls, s: Subject) -> SuggestionResult:
        extras = SubjectExtras(
            concept_id=s.concept_id,
            labels=s.labels,
            microthesauri=list(s.microthesauri),
            domains=list(s.domains),
            evidence=list(s.evidence),
        )
        return cls(uri=s.uri, label=s.label, notation=s.notation or None, score=s.score, undex=extras)


class DocumentExtras(BaseModel):
    detected_language: str | None = Field(
        description="ISO 639 code of the text's language; may be outside the six UN languages (e.g. de)"
    )
    label_language: str
    project_language: str
    warning: str | None = Field(
        None, description="set when undex does not cover the text's language (names it and the supported ones)"
    )


class SuggestionResultList(BaseModel):
    results: list[SuggestionResult]
    undex: DocumentExtras

    @classmethod
    def of(cls, s: Suggestions, project_language: str) -> SuggestionResultList:
        extras = DocumentExtras(
            detected_language=s.language,
            label_language=s.label_language,
            project_language=project_language,
            warning=s.warning,
        )
        return cls(results=[SuggestionResult.of(x) for x in s], undex=extras)


class BatchSuggestionResult(SuggestionResultList):
    document_id: str | None = None


class Document(BaseModel):
    text: str
    document_id: str | None = None
    metadata: dict[str, str] | None = None


class BatchRequest(BaseModel):
    documents: list[Document]


class SubjectRef(BaseModel):
    uri: str
    label: str | None = None


class IndexedDocument(BaseModel):
    text: str = ""
    metadata: dict[str, str] | None = None
    subjects: list[SubjectRef] = []


class DetectRequest(BaseModel):
    text: str
    languages: list[str] = Field(min_length=1, max_length=6, description="candidates (Annif allows 5; undex all 6)")


class DetectedLanguage(BaseModel):
    language: str | None
    score: float


class DetectedLanguages(BaseModel):
    results: list[DetectedLanguage]


class ExtractedDocument(BaseModel):
    filename: str
    text: str
    subjects: list[str] = Field(description="Subjects of a '%%%' header line (UN document format), if any.")
    detected_language: str | None


class Health(BaseModel):
    status: str
    projects: dict[str, str]
    max_body_bytes: int
    """Largest request body (the web page refuses larger files before sending them)."""
