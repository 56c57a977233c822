"""The cataloguing loop over HTTP: reviews stored as feedback, concept search for adding
subjects, and MARCXML of the chosen subjects. undex's own paths (``/v1/undex/...`` and
``/v1/vocabs/{id}/search``), with the problem+json errors and API token of the rest."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from starlette.routing import Route

from undex.analysis import LANGUAGES
from undex.api import check_label_language
from undex.corpus import Document, LabelledDoc
from undex.errors import InputError, ModelError, NotFoundError, NotTrainedError, StoreError, UndexError
from undex.feedback import Decision, FeedbackStore, NewReview, ShownSuggestion, database_path, parse_since
from undex.feedback.model import check_unicode
from undex.marc import MARCXML_MEDIA_TYPE, SubjectHeading, marc_record, marcxml_bytes
from undex.modelstore import current_version
from undex.project import Project
from undex.server.feedback_models import (
    ID_PATTERN,
    ConceptMatch,
    ConceptMatches,
    FeedbackCreated,
    FeedbackIn,
    FeedbackList,
    FeedbackOut,
    MarcRequest,
    MatchedLabel,
)
from undex.server.problems import (
    PROBLEM_RESPONSES,
    Unavailable,
    check_text_length,
    problem,
    require_media_type,
    require_token,
)
from undex.server.routes import Service, Settings
from undex.server.service import ProjectService
from undex.vocab import Vocabulary, load_vocabulary
from undex.vocab_search import concept_search

log = logging.getLogger("undex.server")
_OPENING = threading.Lock()
_LEARNING = threading.Lock()


@asynccontextmanager
async def _lifespan(app: FastAPI):
    """With preloading, build the concept search index in the background after start-up
    (the first type-ahead need not wait for it); close the feedback database at the end."""
    if app.state.settings.preload:
        threading.Thread(target=_build_search_indexes, args=(app.state.service,), daemon=True).start()
    yield
    store = getattr(app.state, "feedback_store", None)
    if store is not None:
        store.close()


def _build_search_indexes(svc: ProjectService) -> None:
    for vocab_id in sorted({config.vocab for config in svc.registry.configs.values()}):
        try:
            concept_search(load_vocabulary(svc.registry.datadir, vocab_id))
        except UndexError as exc:
            log.info("no search index for vocabulary %r: %s", vocab_id, exc)


router = APIRouter(lifespan=_lifespan)


def _errors(*statuses: int) -> dict:
    return {s: PROBLEM_RESPONSES[s] for s in statuses}


def feedback_store(request: Request) -> FeedbackStore:
    """The server's feedback store, opened on first use (a database that cannot be opened
    answers 503 then, not at start-up)."""
    state = request.app.state
    with _OPENING:
        if getattr(state, "feedback_store", None) is None:
            settings = state.settings
            path = database_path(state.service.registry.datadir, settings.feedback_db)
            state.feedback_store = FeedbackStore(path, store_text=settings.store_text)
    return state.feedback_store


Store = Annotated[FeedbackStore, Depends(feedback_store)]


def _stored(action):
    """Run a store operation; a database that cannot be written or read is 503."""
    try:
        return action()
    except StoreError as exc:
        log.error("%s", exc)
        raise Unavailable(f"the feedback database is unavailable: {exc}") from None


# ------------------------------------------------------------------- feedback


@router.post(
    "/v1/undex/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    tags=["undex: feedback"],
    dependencies=[Depends(require_token), Depends(require_media_type("application/json"))],
    responses=_errors(400, 401, 403, 404, 413, 415, 503),
)
def save_feedback(body: FeedbackIn, svc: Service, cfg: Settings, store: Store) -> FeedbackCreated:
    """Store a cataloguer's decisions on the suggestions for one document (one transaction).
    Needs the API token. With ``learn_on_feedback`` the project's model learns from them."""
    check_text_length(body.text, cfg.max_text_chars)
    project = svc.project(body.project_id)
    vocab = _project_vocabulary(project)
    _check_uris(vocab, body)
    review = NewReview(
        project_id=project.id,
        vocab_id=project.config.vocab,
        language=body.language,
        text=body.text,
        cataloguer=body.cataloguer,
        decisions=tuple(Decision(d.uri, d.decision) for d in body.decisions),
        suggestions=tuple(ShownSuggestion(s.uri, s.score, s.rank) for s in body.suggestions),
        document_id=(body.document_id or "").strip() or None,
        model_version=_model_version(project),
    )
    feedback_id = _stored(lambda: store.add(review))
    learned = project.config.learn_on_feedback and _learn(project, vocab, body, feedback_id)
    return FeedbackCreated(feedback_id=feedback_id, learned=learned)


def _project_vocabulary(project: Project) -> Vocabulary:
    try:
        return project.vocab
    except (NotFoundError, ModelError) as exc:
        raise Unavailable(f"project {project.id!r} cannot take feedback: {exc}") from None


def _check_uris(vocab: Vocabulary, body: FeedbackIn) -> None:
    """Every subject must be a concept of the project's vocabulary (400 naming the field)."""
    named = [(f"decisions[{i}].uri", d.uri) for i, d in enumerate(body.decisions)]
    named += [(f"suggestions[{i}].uri", s.uri) for i, s in enumerate(body.suggestions)]
    for field, uri in named:
        _concept_index(vocab, uri, field)


def _concept_index(vocab: Vocabulary, uri: str, field: str) -> int:
    index = vocab.index_of_uri(uri)
    if index is None:
        raise InputError(f"{field}: {uri[:200]!r} is not a concept of vocabulary {vocab.id!r}")
    return index


def _model_version(project: Project) -> str | None:
    version = current_version(project.model_dir)
    return version.name if version else None


def _learn(project: Project, vocab: Vocabulary, body: FeedbackIn, feedback_id: int) -> bool:
    """Add the reviewed document to a model that learns incrementally; the review is kept
    whatever happens here, so a failure is logged and answered as ``learned: false``."""
    concepts = sorted({vocab.index_of_uri(d.uri) for d in body.decisions if d.decision != "rejected"} - {None})
    if not concepts or not project.is_trained:
        return False
    document = Document(body.document_id or f"feedback-{feedback_id}", body.text, body.language)

    def labelled(model_vocab: Vocabulary) -> list[LabelledDoc]:  # the concepts in the learning model's vocabulary
        found = {model_vocab.index_of_uri(d.uri) for d in body.decisions if d.decision != "rejected"} - {None}
        return [LabelledDoc(document, sorted(found))] if found else []

    try:
        with _LEARNING:
            project.learn(labelled)
    except (UndexError, NotTrainedError) as exc:
        log.warning("project %r did not learn from feedback %d: %s", project.id, feedback_id, exc)
        return False
    return True


@router.get(
    "/v1/undex/feedback",
    response_model=FeedbackList,
    tags=["undex: feedback"],
    dependencies=[Depends(require_token)],
    responses=_errors(400, 401, 403, 503),
)
def list_feedback(
    svc: Service,
    store: Store,
    project_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="Only this project's.")] = None,
    since: Annotated[str | None, Query(max_length=40, description="Only from this date or ISO time on.")] = None,
    before: Annotated[int | None, Query(ge=1, description="Paging: feedback ids below this.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    language: Annotated[str, Query(description="Language of the decisions' labels.")] = "en",
    include_text: Annotated[bool, Query(description="Include each document's text, where kept.")] = False,
) -> FeedbackList:
    """Stored reviews, newest first, ``limit`` per page. Needs the API token."""
    language = check_label_language(language, "en")
    moment = parse_since(since) if since is not None else None
    reviews = _stored(lambda: store.recent(project_id, moment, before, limit))
    datadir = svc.registry.datadir
    out = [FeedbackOut.of(r, _labels(datadir, r, language), include_text) for r in reviews]
    next_before = reviews[-1].id if len(reviews) == limit else None
    return FeedbackList(feedback=out, next_before=next_before)


async def _other_methods(_: Request) -> Response:
    """GET and POST share /v1/undex/feedback: a 405 for any other method names both
    (left to the router, the 405 would name the method of the first route only)."""
    response = problem(405, "Method Not Allowed")
    response.headers["Allow"] = "GET, POST"
    return response


OTHER_METHODS = ["OPTIONS", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "QUERY"]
router.routes.append(Route("/v1/undex/feedback", _other_methods, methods=OTHER_METHODS, include_in_schema=False))


def _labels(datadir, review, language: str) -> dict[str, str]:
    """The labels of a review's subjects (none when its vocabulary is gone)."""
    try:
        vocab = load_vocabulary(datadir, review.vocab_id)
    except UndexError:
        return {}
    found = ((d.uri, vocab.index_of_uri(d.uri)) for d in review.decisions)
    return {uri: vocab.concepts[index].label(language) for uri, index in found if index is not None}


# ------------------------------------------------------------- concept search


def _loaded_vocabulary(svc: Service, vocab_id: str) -> Vocabulary:
    """A loaded vocabulary (cached per process); 404 without naming the data directory."""
    try:
        return load_vocabulary(svc.registry.datadir, vocab_id)
    except (NotFoundError, InputError):
        raise NotFoundError(f"unknown vocabulary {vocab_id!r}") from None


@router.get(
    "/v1/vocabs/{vocab_id}/search",
    response_model=ConceptMatches,
    tags=["undex: vocabulary"],
    responses=_errors(400, 404),
)
def search_concepts(
    vocab_id: str,
    svc: Service,
    q: Annotated[str, Query(min_length=1, max_length=200, description="What the cataloguer typed.")],
    language: Annotated[str, Query(description="Language of 'label' (the query matches all six).")] = "en",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> ConceptMatches:
    """Concepts whose preferred or alternative labels, in any language, match ``q``: the
    whole label, its start, or the start of one of its words (any character in Chinese);
    case, accents and Traditional/Simplified Chinese do not matter. Best first."""
    language = check_label_language(language, "en")
    vocab = _loaded_vocabulary(svc, vocab_id)
    results = []
    for match in concept_search(vocab).search(q, language, limit):
        concept = vocab.concepts[match.concept]
        matched = MatchedLabel(label=match.label.text, language=match.label.language, preferred=match.label.preferred)
        results.append(
            ConceptMatch(
                uri=concept.uri,
                label=concept.label(language),
                labels={lang: concept.prefLabel[lang] for lang in LANGUAGES if lang in concept.prefLabel},
                notation=concept.notation or None,
                concept_id=concept.id,
                matched=matched,
            )
        )
    return ConceptMatches(results=results)


# ------------------------------------------------------------------- MARCXML


class MarcXmlResponse(Response):
    media_type = MARCXML_MEDIA_TYPE


@router.post(
    "/v1/undex/marcxml",
    response_class=MarcXmlResponse,
    tags=["undex: documents"],
    dependencies=[Depends(require_media_type("application/json"))],
    responses={200: {"content": {MARCXML_MEDIA_TYPE: {"schema": {"type": "string"}}}}, **_errors(400, 404, 413, 415)},
)
def marcxml(body: MarcRequest, svc: Service) -> MarcXmlResponse:
    """MARC 21 records (MARCXML) of the given subjects: per document 191 $a (its UN symbol)
    or 035 $a (another id), and 650 _7 $a label $2 unbist $0 URI per subject."""
    vocab = _loaded_vocabulary(svc, body.vocab_id)
    records = []
    for number, document in enumerate(body.documents):
        check_unicode(document.document_id, f"documents[{number}].document_id")
        found = (_concept_index(vocab, uri, f"documents[{number}].uris[{i}]") for i, uri in enumerate(document.uris))
        headings = [SubjectHeading(vocab.concepts[i].label(body.language), vocab.concepts[i].uri) for i in found]
        records.append(marc_record(document.document_id, headings))
    return MarcXmlResponse(marcxml_bytes(records))
