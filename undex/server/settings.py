"""Server settings (command-line options of ``undex serve`` end up here)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

MB = 1024 * 1024


class ServerSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_body_bytes: int = Field(5 * MB, ge=1024)
    """Requests with a larger body are refused with 413."""
    max_batch_documents: int = Field(32, ge=1, le=10_000)
    """Most documents one suggest-batch request may carry (Annif: 32)."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed to call the API from a browser ("*" for any); none by default."""
    preload: bool = True
    """Load vocabularies and models of ready projects at start-up, not on the first request."""
    web_page: bool = True
    """Serve the cataloguers' web page at /."""
    max_text_chars: int = Field(1_000_000, ge=1)
    """Longest text of one document (characters); longer ones are refused with 413."""
    api_token: str | None = Field(None, min_length=16, repr=False)
    """Bearer token that state-changing endpoints (learn) require; without one they are refused."""
    feedback_db: Path | None = None
    """The cataloguers' feedback database (default: feedback.sqlite3 in the data directory)."""
    store_text: bool = True
    """Keep the text of reviewed documents with the feedback (else only its SHA-256)."""
    header_timeout: float = Field(10.0, gt=0, le=600)
    """Seconds a client has to send a request's headers (after connecting or after the previous answer)."""
    body_timeout: float = Field(30.0, gt=0, le=3600)
    """Seconds a client has to send a request's body once its headers arrived (else 408)."""
    keep_alive_timeout: float = Field(5.0, gt=0, le=600)
    """Seconds an idle connection is kept open between requests."""
    max_header_bytes: int = Field(16 * 1024, ge=1024, le=1024 * 1024)
    """Largest request line and headers; larger ones are refused (400) and the connection closed."""
    drain_max_bytes: int = Field(256 * MB, ge=0)
    """How much of a refused (413) body is still read, so that the client can read the answer."""
