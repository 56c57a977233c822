"""The application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from undex import __version__
from undex.project import ProjectRegistry
from undex.server import extras, feedback_routes, routes
from undex.server.guards import BodyTimeout
from undex.server.problems import BodySizeLimit, install_error_handlers
from undex.server.service import ProjectService
from undex.server.settings import ServerSettings

STATIC = Path(__file__).resolve().parent / "static"
DOCS_ASSETS = "/v1/ui-assets"


def create_app(registry: ProjectRegistry, settings: ServerSettings | None = None) -> FastAPI:
    """The ASGI app serving ``registry``'s projects: Annif's API under /v1, undex's
    extras, OpenAPI at /v1/openapi.json (docs at /v1/ui) and the web page at /."""
    settings = settings or ServerSettings()
    service = ProjectService(registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.preload:
            app.state.preloaded = service.preload()
        yield

    app = FastAPI(
        title="undex REST API",
        version=__version__,
        description="Subject suggestions from the UNBIS Thesaurus; compatible with Annif's REST API.",
        openapi_url="/v1/openapi.json",
        docs_url=None,  # served offline by _add_docs_ui
        redoc_url=None,
        lifespan=lifespan,
        form_limits={"max_part_size": settings.max_body_bytes},
    )
    app.state.service = service
    app.state.settings = settings
    install_error_handlers(app)
    _add_docs_ui(app)
    app.include_router(routes.router, prefix="/v1")
    app.include_router(extras.router)
    app.include_router(feedback_routes.router)
    if settings.web_page:
        _add_web_page(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization"],
        )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        drain_bytes=settings.drain_max_bytes,
        drain_seconds=settings.body_timeout,
    )
    app.add_middleware(BodyTimeout, seconds=settings.body_timeout)
    return app


def _swagger_ui_folder() -> Path | None:
    """Swagger UI's files from the ``swagger-ui-bundle`` package (the ``serve`` extra)."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def _add_docs_ui(app: FastAPI) -> None:
    """The API docs at /v1/ui, with Swagger UI's scripts served by this server, not a CDN."""
    folder = _swagger_ui_folder()
    if folder is not None:
        app.mount(DOCS_ASSETS, StaticFiles(directory=folder), name="swagger-ui")

    @app.get("/v1/ui", include_in_schema=False)
    def docs_ui() -> HTMLResponse:
        if folder is None:
            return HTMLResponse(
                "<p>The API docs need Swagger UI: pip install 'undex[serve]'. "
                'The API description is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>',
                status_code=404,
            )
        return get_swagger_ui_html(
            openapi_url="/v1/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )


def _add_web_page(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/v1", include_in_schema=False)
    def v1_root() -> RedirectResponse:
        return RedirectResponse("/v1/")
