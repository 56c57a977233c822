"""Errors as ``application/problem+json`` documents (RFC 9457, as Annif sends them), the
request body size limit, and media-type checks. No stack trace ever reaches a client."""

from __future__ import annotations

import hmac
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
from undex.server.guards import drain_body

log = logging.getLogger("undex.server")
PROBLEM_JSON = "application/problem+json"


class Unavailable(UndexError):
    """A configured project cannot serve now (vocabulary or model missing, or no learning)."""


class ServerMisconfigured(UndexError):
    """The server's own configuration (a projects.toml section) is broken: 500, not the client's fault."""


class TooLarge(UndexError):
    """A request within the body limit that carries a text longer than allowed (413)."""


class Forbidden(UndexError):
    """A state-changing request without the right API token (401 or 403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str


PROBLEM_RESPONSES = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 413, 415, 500, 503)
}


def problem(status: int, detail: str) -> JSONResponse:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail)
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_JSON)


def status_of(exc: UndexError) -> int:
    """The HTTP status of one of undex's own errors."""
    if isinstance(exc, Forbidden):
        return exc.status
    if isinstance(exc, TooLarge):
        return 413
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, (NotTrainedError, ModelError, Unavailable)):
        return 503
    if isinstance(exc, (ServerMisconfigured, ConfigError)):  # a client cannot cause these
        return 500
    if isinstance(exc, InputError):
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
        response = problem(status_of(exc), str(exc))
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

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

    def __init__(self, app: ASGIApp, max_bytes: int, drain_bytes: int = 0, drain_seconds: float = 0.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drain_bytes = drain_bytes
        self.drain_seconds = drain_seconds
        """A refused body is still read (this much, this long) so that the client reads the 413."""

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
            if status == 413 and headers.get(b"expect", b"").lower() != b"100-continue":
                await drain_body(receive, self.drain_bytes, self.drain_seconds)
            await problem(status, detail)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if message.get("more_body", False):
                        await drain_body(receive, self.drain_bytes, self.drain_seconds)
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


def require_token(request: Request) -> None:
    """A dependency for endpoints that change state: refused (403) unless the server has an
    API token, and (401) unless the request presents it as ``Authorization: Bearer <token>``."""
    expected = request.app.state.settings.api_token
    if not expected:
        raise Forbidden("this endpoint changes the server's state and is disabled: no API token is configured", 403)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Forbidden("a valid API token is required (Authorization: Bearer <token>)", 401)


def check_text_length(text: str, limit: int, what: str = "text") -> None:
    if len(text) > limit:
        raise TooLarge(f"{what} is {len(text)} characters long; the limit is {limit}")
