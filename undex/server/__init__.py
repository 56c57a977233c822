"""The HTTP server: an Annif-compatible REST API under /v1 and the cataloguers' web page at /."""

from undex.extras import require

require("serve", "undex.server")

from undex.server.app import create_app  # noqa: E402
from undex.server.settings import ServerSettings  # noqa: E402

__all__ = ["create_app", "ServerSettings"]
