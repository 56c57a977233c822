"""Errors as ``application/problem+json`` documents (RFC 9457, as Annif sends them), the
request body size limit, and media-type checks. No stack trace ever reaches a client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from undex.errors import ConfigError, InputError, ModelError, NotFoundError, NotTrainedError, UndexError

log = logging.getLogger("undex.server")
PROBLEM_JSON = "application/problem+json"


class Unavailable(UndexError):
    """A configured project cannot serve now (vocabulary or model missing, or no learning)."""


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str


PROBLEM_RESPONSES = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 404, 413, 415, 503)
}


def problem(status: int, detail: str) -> JSONResponse:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail)
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_JSON)


def status_of(exc: UndexError) -> int:
    """The HTTP status of one of undex's own errors."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, (NotTrainedError, ModelError, Unavailable)):
        return 503
    if isinstance(exc, (InputError, ConfigError)):
        return 400
    return 400


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "form"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UndexError)
    async def undex_error(_: Request, exc: UndexError) -> JSONResponse:
        return problem(status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(400, _validation_detail(exc))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        response = problem(exc.status_code, detail)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return problem(500, f"internal error ({type(exc).__name__}); the server log has the details")


class BodySizeLimit:
    """Refuse request bodies above ``max_bytes`` with 413, by Content-Length up front
    and by counting streamed (chunked) bodies."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> str:
        return f"request body larger than the limit of {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            status, detail = (413, self._too_large()) if declared.isdigit() else (400, "invalid Content-Length")
            await problem(status, detail)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._too_large())
            return message

        await self.app(scope, counting_receive, send)


def require_media_type(*allowed: str) -> Callable[[Request], None]:
    """A dependency refusing requests whose Content-Type is not one of ``allowed`` (415)."""

    def check(request: Request) -> None:
        given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if given not in allowed:
            raise HTTPException(415, f"Content-Type must be {' or '.join(allowed)}, not {given or 'missing'!r}")

    return check
