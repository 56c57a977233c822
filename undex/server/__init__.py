"""The HTTP server: an Annif-compatible REST API under /v1 and the cataloguers' web page at /."""

from undex.server.app import create_app
from undex.server.settings import ServerSettings

__all__ = ["create_app", "ServerSettings"]
