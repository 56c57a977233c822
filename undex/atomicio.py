"""Files that appear complete or not at all: written beside their target, flushed to disk,
then renamed over it (``rename`` is atomic on POSIX file systems)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from undex.errors import InputError

TEMP_PREFIX = ".undex-tmp-"


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """Yield a text handle; on normal exit the file replaces ``path`` atomically, on an
    exception the partial file is removed and ``path`` is untouched."""
    tmp = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        handle = open(tmp, "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():  # a replaced file keeps its permissions
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def remove_temporaries(folder: Path) -> None:
    """Delete what writers killed mid-way left behind in ``folder``."""
    for leftover in folder.glob(f"{TEMP_PREFIX}*"):
        leftover.unlink(missing_ok=True)
