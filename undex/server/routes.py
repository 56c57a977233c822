"""Annif-compatible routes under /v1 (same paths, parameters and response fields as
Annif's ``annif/openapi/annif.yaml``), so existing Annif clients work unchanged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from undex import __version__
from undex.analysis import detect_language
from undex.errors import InputError
from undex.server.models import (
    ApiInfo,
    BatchRequest,
    BatchSuggestionResult,
    DetectedLanguage,
    DetectedLanguages,
    DetectRequest,
    IndexedDocument,
    ProjectInfo,
    ProjectList,
    SuggestionResultList,
    VocabList,
)
from undex.server.problems import PROBLEM_RESPONSES, require_media_type
from undex.server.service import ProjectService
from undex.server.settings import ServerSettings

FORM = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON = ("application/json",)

router = APIRouter()


def service(request: Request) -> ProjectService:
    return request.app.state.service


def settings(request: Request) -> ServerSettings:
    return request.app.state.settings


Service = Annotated[ProjectService, Depends(service)]
Settings = Annotated[ServerSettings, Depends(settings)]


def _errors(*statuses: int) -> dict:
    return {s: PROBLEM_RESPONSES[s] for s in statuses}


@router.get("/", response_model=ApiInfo, tags=["API information"])
def show_info() -> ApiInfo:
    return ApiInfo(title="undex REST API (Annif-compatible)", version=__version__)


@router.get("/vocabs", response_model=VocabList, tags=["Vocabulary information"])
def list_vocabs(svc: Service) -> VocabList:
    return VocabList(vocabs=svc.vocabs())


@router.get("/projects", response_model=ProjectList, tags=["Project administration"])
def list_projects(svc: Service) -> ProjectList:
    return ProjectList(projects=[svc.describe(p) for p in svc.registry.ids()])


@router.get(
    "/projects/{project_id}", response_model=ProjectInfo, tags=["Project administration"], responses=_errors(404)
)
def show_project(project_id: str, svc: Service) -> ProjectInfo:
    return svc.describe(project_id)


@router.post(
    "/projects/{project_id}/suggest",
    response_model=SuggestionResultList,
    tags=["Automatic subject indexing"],
    dependencies=[Depends(require_media_type(*FORM))],
    responses=_errors(400, 404, 413, 415, 503),
)
def suggest(
    project_id: str,
    svc: Service,
    text: Annotated[str, Form(description="input text")],
    limit: Annotated[int | None, Form(ge=0, le=1000, description="maximum number of results")] = None,
    threshold: Annotated[float | None, Form(ge=0.0, le=1.0, description="minimum score")] = None,
    language: Annotated[str | None, Form(description="language of subject labels (ar zh en fr ru es)")] = None,
) -> SuggestionResultList:
    """Suggest subjects for one text. Extra form fields (Annif's ``metadata_*``) are ignored."""
    indexer = svc.indexer(project_id)
    result = indexer.suggest(text, limit, threshold, language)
    return SuggestionResultList.of(result, indexer.language)


@router.post(
    "/projects/{project_id}/suggest-batch",
    response_model=list[BatchSuggestionResult],
    tags=["Automatic subject indexing"],
    dependencies=[Depends(require_media_type(*JSON))],
    responses=_errors(400, 404, 413, 415, 503),
)
def suggest_batch(
    project_id: str,
    body: BatchRequest,
    svc: Service,
    cfg: Settings,
    limit: Annotated[int | None, Query(ge=0, le=1000)] = None,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    language: Annotated[str | None, Query(description="language of subject labels")] = None,
) -> list[BatchSuggestionResult]:
    """Suggest subjects for up to ``max_batch_documents`` (default 32) documents."""
    if len(body.documents) > cfg.max_batch_documents:
        raise InputError(f"a batch holds at most {cfg.max_batch_documents} documents, not {len(body.documents)}")
    indexer = svc.indexer(project_id)
    texts = [d.text for d in body.documents]
    ids = [d.document_id for d in body.documents]
    results = indexer.suggest_many(texts, limit, threshold, language, ids)
    return [
        BatchSuggestionResult.of(r, indexer.language).model_copy(update={"document_id": r.document_id}) for r in results
    ]


@router.post(
    "/projects/{project_id}/learn",
    status_code=204,
    tags=["Learning from feedback"],
    dependencies=[Depends(require_media_type(*JSON))],
    responses=_errors(400, 404, 413, 415, 503),
)
def learn(project_id: str, documents: list[IndexedDocument], svc: Service) -> Response:
    """Learn from manually indexed documents, where the project's backend supports it (else 503)."""
    svc.learn(project_id, documents)
    return Response(status_code=204)


@router.post(
    "/detect-language",
    response_model=DetectedLanguages,
    tags=["Language detection"],
    dependencies=[Depends(require_media_type(*JSON))],
    responses=_errors(400, 413, 415),
)
def detect(body: DetectRequest) -> DetectedLanguages:
    """The language of a text among candidate languages (score 1 for the detected one)."""
    candidates = [lang.lower() for lang in body.languages]
    found = detect_language(body.text)
    results = [DetectedLanguage(language=lang, score=1.0 if lang == found else 0.0) for lang in candidates]
    if found not in candidates:
        results.append(DetectedLanguage(language=None, score=1.0))
    results.sort(key=lambda r: -r.score)
    return DetectedLanguages(results=results)
