"""``undex serve``: the REST API and the cataloguers' web page (FastAPI + uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from undex.cli.app import app
from undex.cli.options import DatadirOpt, ProjectsOpt, registry
from undex.errors import ConfigError
from undex.extras import require


@app.command("serve")
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (0.0.0.0 exposes it to the network).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port.")] = 5000,
    max_body_mb: Annotated[float, typer.Option("--max-body-mb", min=0.01, help="Largest request body (MB).")] = 5.0,
    max_batch: Annotated[int, typer.Option("--max-batch", min=1, help="Most documents per suggest-batch.")] = 32,
    max_text_chars: Annotated[
        int, typer.Option("--max-text-chars", min=1, help="Longest text of one document (characters).")
    ] = 1_000_000,
    cors_origin: Annotated[
        Optional[list[str]],
        typer.Option("--cors-origin", help="Origin allowed to call the API from browsers (repeat; '*' for any)."),
    ] = None,
    no_preload: Annotated[
        bool, typer.Option("--no-preload", help="Load models on first use, not at start-up.")
    ] = False,
    feedback_db: Annotated[
        Optional[Path],
        typer.Option("--feedback-db", help="Cataloguers' feedback database (default: DATADIR/feedback.sqlite3)."),
    ] = None,
    no_store_text: Annotated[
        bool, typer.Option("--no-store-text", help="Keep only the SHA-256 of reviewed texts, not the texts.")
    ] = False,
    header_timeout: Annotated[
        float, typer.Option("--header-timeout", min=0.1, help="Seconds a client has to send request headers.")
    ] = 10.0,
    body_timeout: Annotated[
        float, typer.Option("--body-timeout", min=0.1, help="Seconds a client has to send a request body (408).")
    ] = 30.0,
    keep_alive: Annotated[
        float, typer.Option("--keep-alive", min=0.1, help="Seconds an idle connection stays open.")
    ] = 5.0,
    max_header_kb: Annotated[
        int, typer.Option("--max-header-kb", min=1, max=1024, help="Largest request line and headers (KB).")
    ] = 16,
    projects: ProjectsOpt = None,
    datadir: DatadirOpt = None,
) -> None:
    """Serve the Annif-compatible REST API (/v1) and the web page (/).

    Endpoints that change state (learn, feedback) are refused unless the environment variable
    UNDEX_API_TOKEN holds a token (16+ characters) that clients send as 'Authorization: Bearer'.
    """
    import logging

    require("serve", "'undex serve'")
    import uvicorn

    from undex.server import ServerSettings, create_app
    from undex.server.guards import guarded_h11

    try:
        settings = ServerSettings(
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            max_batch_documents=max_batch,
            cors_origins=tuple(cors_origin or ()),
            preload=not no_preload,
            max_text_chars=max_text_chars,
            api_token=os.environ.get("UNDEX_API_TOKEN") or None,
            feedback_db=feedback_db,
            store_text=not no_store_text,
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            keep_alive_timeout=keep_alive,
            max_header_bytes=max_header_kb * 1024,
        )
    except ValueError as exc:
        raise ConfigError(f"invalid server option: {exc}") from None
    _check_can_listen(host, port)
    logging.basicConfig(level=logging.INFO, format="undex: %(message)s")
    application = create_app(registry(projects, datadir), settings)

    typer.echo(f"undex: serving on http://{host}:{port}/ (API: http://{host}:{port}/v1/, Ctrl+C stops)", err=True)
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        http=guarded_h11(settings.header_timeout),
        timeout_keep_alive=settings.keep_alive_timeout,
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


def _check_can_listen(host: str, port: int) -> None:
    """Fail in one line, before loading any model, when the address is taken or invalid."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(infos[0][4])
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
