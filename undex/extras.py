"""Optional parts of undex that need a pip extra: the REST server and Dask.

``pip install undex`` is enough to load vocabularies, train, suggest, evaluate and index.
``undex serve`` needs ``undex[serve]``; ``--dask`` needs ``undex[dask]``. Entry points call
:func:`require` before importing those libraries, so a missing extra is one clear line.
"""

from __future__ import annotations

import importlib

from undex.errors import UndexError

EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "serve": ("fastapi", "uvicorn", "python_multipart", "docx", "pypdf"),
    "dask": ("dask.distributed",),
}


class MissingExtraError(UndexError):
    """A feature was asked for whose optional dependencies (a pip extra) are not installed."""


def require(extra: str, feature: str) -> None:
    """Import the modules of ``extra``; raise :class:`MissingExtraError` naming the extra
    and the pip command when one cannot be imported.

    ``feature`` says what needs the extra, e.g. ``"'undex serve'"``.
    """
    for module in EXTRA_MODULES[extra]:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            missing = exc.name or module
            raise MissingExtraError(
                f"{feature} needs the {extra} extra: pip install 'undex[{extra}]' (cannot import {missing})"
            ) from None
