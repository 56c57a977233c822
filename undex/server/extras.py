"""undex's additions to the Annif API: concepts with their neighbours, text extraction
from uploaded files for the web page, and a health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile

from undex.analysis import detect_language
from undex.api import ConceptInfo, check_label_language, concept_info
from undex.errors import NotFoundError
from undex.server.models import ExtractedDocument, Health
from undex.server.problems import PROBLEM_RESPONSES, require_media_type
from undex.server.routes import Service, Settings
from undex.server.uploads import extract_document
from undex.vocab import load_vocabulary

router = APIRouter()


@router.get(
    "/v1/vocabs/{vocab_id}/concepts/{concept_id:path}",
    response_model=ConceptInfo,
    tags=["undex: vocabulary"],
    responses={404: PROBLEM_RESPONSES[404], 400: PROBLEM_RESPONSES[400]},
)
def show_concept(
    vocab_id: str,
    concept_id: str,
    svc: Service,
    language: Annotated[str, Query(description="label language of the neighbours")] = "en",
) -> ConceptInfo:
    """A concept (by id or URI): labels in the six languages, broader, narrower, related."""
    if vocab_id not in {v.vocab_id for v in svc.vocabs() if v.loaded}:
        raise NotFoundError(f"unknown vocabulary {vocab_id!r}")
    vocab = load_vocabulary(svc.registry.datadir, vocab_id)
    return concept_info(vocab, concept_id, check_label_language(language, "en"))


@router.post(
    "/v1/undex/extract",
    response_model=ExtractedDocument,
    tags=["undex: documents"],
    dependencies=[Depends(require_media_type("multipart/form-data"))],
    responses={s: PROBLEM_RESPONSES[s] for s in (400, 413, 415)},
)
def extract(
    file: Annotated[UploadFile, File(description=".txt (UN format or plain), .docx or .pdf")],
) -> ExtractedDocument:
    """The text of an uploaded document (and the subjects of a '%%%' header line)."""
    data = file.file.read()
    name = file.filename or "upload"
    document = extract_document(data, name, file.content_type)
    return ExtractedDocument(
        filename=name,
        text=document.text,
        subjects=list(document.subjects),
        detected_language=detect_language(document.text),
    )


@router.get("/healthz", response_model=Health, tags=["undex: operations"])
def healthz(svc: Service, cfg: Settings) -> Health:
    """'ok' while the process serves; per project 'ready', 'not loaded' or 'not trained'."""
    return Health(status="ok", projects=svc.states(), max_body_bytes=cfg.max_body_bytes)
