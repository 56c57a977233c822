"""Request and response bodies of the cataloguing endpoints: feedback, concept search, MARCXML."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from undex.feedback import Review
from undex.modelstore import SAFE_NAME

Language = Literal["ar", "zh", "en", "fr", "ru", "es"]
DecisionKind = Literal["accepted", "rejected", "added"]
ID_PATTERN = rf"^{SAFE_NAME.pattern}$"
MAX_SUBJECTS = 1000
"""Most decisions or shown suggestions in one review (subjects of one MARC record)."""
MAX_MARC_DOCUMENTS = 100
STRICT = ConfigDict(strict=True)
"""Request bodies take JSON types as they are: no ``false`` for a score, no ``"3"`` for a rank."""


def at_most(limit: int) -> AfterValidator:
    """A length limit checked on the parsed list, kept out of the OpenAPI schema: there a
    longer list would be a schema violation that the body size limit may answer first (413)."""

    def check(items: list) -> list:
        if len(items) > limit:
            raise ValueError(f"at most {limit} items, not {len(items)}")
        return items

    return AfterValidator(check)


class DecisionIn(BaseModel):
    model_config = STRICT

    uri: str = Field(min_length=1, max_length=1000, description="Concept URI of the subject.")
    decision: DecisionKind = Field(description="accepted or rejected (a suggestion), or added (undex missed it).")


class DecisionOut(DecisionIn):
    label: str | None = Field(None, description="The concept's label in the language asked.")


class ShownSuggestionIn(BaseModel):
    model_config = STRICT

    uri: str = Field(min_length=1, max_length=1000)
    score: float = Field(ge=0.0, le=1.0)
    rank: int = Field(ge=1, le=MAX_SUBJECTS, description="1 = the first suggestion shown.")


class FeedbackIn(BaseModel):
    """A cataloguer's review of the suggestions for one document."""

    model_config = STRICT

    project_id: str = Field(pattern=ID_PATTERN, description="The project that made the suggestions.")
    document_id: str | None = Field(None, max_length=500, description="The UN symbol when known.")
    text: str = Field(min_length=1, description="The document's text (the server may keep only its SHA-256).")
    language: Language = Field(description="Language of the document.")
    cataloguer: str = Field(min_length=1, max_length=200, description="Who decided.")
    decisions: Annotated[list[DecisionIn], at_most(MAX_SUBJECTS)] = Field(
        min_length=1, description=f"At most {MAX_SUBJECTS}."
    )
    suggestions: Annotated[list[ShownSuggestionIn], at_most(MAX_SUBJECTS)] = Field(
        default_factory=list,
        description=f"The suggestions shown, with score and rank (for precision by rank); at most {MAX_SUBJECTS}.",
    )


class FeedbackCreated(BaseModel):
    feedback_id: int
    learned: bool = Field(description="The project's model learned from this review (learn_on_feedback).")


class FeedbackOut(BaseModel):
    feedback_id: int
    created_at: str = Field(description="UTC, ISO 8601.")
    project_id: str
    vocab_id: str
    model_version: str | None
    document_id: str | None
    language: str
    cataloguer: str
    text_sha256: str
    text: str | None = Field(None, description="Only with include_text=true, and when the text was kept.")
    suggestions: list[ShownSuggestionIn]
    decisions: list[DecisionOut]

    @classmethod
    def of(cls, review: Review, labels: dict[str, str], include_text: bool) -> FeedbackOut:
        return cls(
            feedback_id=review.id,
            created_at=review.created_at,
            project_id=review.project_id,
            vocab_id=review.vocab_id,
            model_version=review.model_version,
            document_id=review.document_id,
            language=review.language,
            cataloguer=review.cataloguer,
            text_sha256=review.text_sha256,
            text=review.text if include_text else None,
            suggestions=[ShownSuggestionIn(uri=s.uri, score=s.score, rank=s.rank) for s in review.suggestions],
            decisions=[DecisionOut(uri=d.uri, decision=d.decision, label=labels.get(d.uri)) for d in review.decisions],
        )


class FeedbackList(BaseModel):
    feedback: list[FeedbackOut] = Field(description="Newest first.")
    next_before: int | None = Field(None, description="Pass as 'before' for the next (older) page; null at the end.")


class MatchedLabel(BaseModel):
    label: str
    language: str
    preferred: bool


class ConceptMatch(BaseModel):
    uri: str
    label: str = Field(description="Preferred label in the language asked.")
    labels: dict[str, str] = Field(description="Preferred labels in every language of the vocabulary.")
    notation: str | None = None
    concept_id: str
    matched: MatchedLabel = Field(description="The label that matched the query.")


class ConceptMatches(BaseModel):
    results: list[ConceptMatch] = Field(description="Best first.")


class MarcDocument(BaseModel):
    model_config = STRICT

    document_id: str | None = Field(None, max_length=500, description="191 $a when a UN symbol, else 035 $a.")
    uris: Annotated[list[str], at_most(MAX_SUBJECTS)] = Field(
        description=f"Concept URIs: one 650 field each, in order; at most {MAX_SUBJECTS}."
    )


class MarcRequest(BaseModel):
    model_config = STRICT

    vocab_id: str = Field("unbis", pattern=ID_PATTERN)
    language: Language = Field("en", description="Language of the 650 $a labels.")
    documents: Annotated[list[MarcDocument], at_most(MAX_MARC_DOCUMENTS)] = Field(
        min_length=1, description=f"At most {MAX_MARC_DOCUMENTS}."
    )
