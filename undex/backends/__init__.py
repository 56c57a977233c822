"""Backend registry: one module per backend, looked up by the ``backend`` key of a project."""

from __future__ import annotations

from importlib import import_module

from undex.backends.base import Backend, BackendContext, BackendParams
from undex.errors import ConfigError

__all__ = ["Backend", "BackendContext", "BackendParams", "get_backend_class", "BACKENDS"]

BACKENDS: dict[str, str] = {
    "tfidf": "undex.backends.tfidf:TfidfBackend",
    "lexical": "undex.backends.lexical.backend:LexicalBackend",
    "knn": "undex.backends.knn:KnnBackend",
    "omikuji": "undex.backends.omikuji:OmikujiBackend",
    "linear": "undex.backends.linear:LinearBackend",
    "ensemble": "undex.backends.ensemble:EnsembleBackend",
}


def get_backend_class(name: str) -> type[Backend]:
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}; available: {', '.join(sorted(BACKENDS))}")
    module, _, cls = BACKENDS[name].partition(":")
    return getattr(import_module(module), cls)
