"""Atomic, verified storage of models and vocabularies under the data directory.

Layout of one artefact (a project's model or a vocabulary)::

    <root>/<name>/current -> v1732512345123456789   (symlink, swapped atomically)
    <root>/<name>/v1732512345123456789/manifest.json
    <root>/<name>/v1732512345123456789/<files...>

A new version is written into a temporary directory, every file is hashed into the
manifest, and only then is ``current`` re-pointed with an atomic ``rename``. A crash at
any moment leaves the previous version loadable; loading verifies every SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from undex.errors import ModelError, NotFoundError

MANIFEST = "manifest.json"
CURRENT = "current"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_artifact(target: Path, write_files: Callable[[Path], None], manifest: dict[str, Any]) -> Path:
    """Write a new version of the artefact at ``target`` and make it current atomically.

    ``write_files`` fills the (temporary) directory it is given. Returns the version dir.
    """
    try:
        target.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(target)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target))
        write_files(tmp)
        files = {
            p.relative_to(tmp).as_posix(): sha256_file(p)
            for p in sorted(tmp.rglob("*"))
            if p.is_file() and p.relative_to(tmp).as_posix() != MANIFEST
        }
        full_manifest = {**manifest, "files": files, "saved_at": time.time()}
        with open(tmp / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(full_manifest, handle, indent=2, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        for name in files:
            with open(tmp / name, "rb") as handle:
                os.fsync(handle.fileno())
        version = target / f"v{time.time_ns()}"
        os.rename(tmp, version)
        link_tmp = target / f".{CURRENT}.{os.getpid()}"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(version.name, link_tmp)
        os.replace(link_tmp, target / CURRENT)
        _fsync_dir(target)
    except OSError as exc:
        raise ModelError(f"cannot write {target}: {exc.strerror or exc}") from exc
    _prune_old_versions(target, keep={version.name})
    return version


def _remove_stale_temporaries(target: Path) -> None:
    for leftover in target.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _prune_old_versions(target: Path, keep: set[str], keep_previous: int = 1) -> None:
    """Delete old versions, keeping the newest ``keep_previous`` besides ``keep``.

    One previous version stays so that a reader that resolved ``current`` just before
    the swap can still open its files.
    """
    versions = sorted((p for p in target.glob("v*") if p.name not in keep), reverse=True)
    for old in versions[keep_previous:]:
        shutil.rmtree(old, ignore_errors=True)


def current_version(target: Path) -> Path | None:
    link = target / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    resolved = target / os.readlink(link) if link.is_symlink() else link
    return resolved if resolved.is_dir() else None


def read_manifest(target: Path) -> dict[str, Any] | None:
    """The manifest of the current version, or None when nothing was saved yet."""
    version = current_version(target)
    if version is None:
        return None
    try:
        with open(version / MANIFEST, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{version / MANIFEST} is unreadable: {exc}") from exc


def open_artifact(target: Path, what: str) -> tuple[Path, dict[str, Any]]:
    """Return (version directory, manifest) after verifying every file's checksum."""
    version = current_version(target)
    if version is None:
        raise NotFoundError(f"no saved {what} at {target}")
    manifest = read_manifest(target)
    assert manifest is not None
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ModelError(f"{version / MANIFEST} lists no files")
    for name, expected in files.items():
        path = version / name
        if not path.is_file():
            raise ModelError(f"{what} file {path} is missing")
        if sha256_file(path) != expected:
            raise ModelError(f"{what} file {path} is corrupt or was modified (checksum mismatch)")
    return version, manifest
