"""Atomic, verified storage of models and vocabularies under the data directory.

Layout of one artefact (a project's model or a vocabulary)::

    <root>/<name>/current -> v1732512345123456789   (symlink, swapped atomically)
    <root>/<name>/v1732512345123456789/manifest.json
    <root>/<name>/v1732512345123456789/<files...>

A new version is written into a temporary directory, every file is hashed into the
manifest, and only then is ``current`` re-pointed with an atomic ``rename``. A crash at
any moment leaves the previous version loadable; loading verifies every SHA-256. What a
killed writer leaves (temporary directory, link, a version ``current`` never named) is
removed by the next save, which never removes the version ``current`` names.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from undex.errors import InputError, ModelError, NotFoundError

MANIFEST = "manifest.json"
CURRENT = "current"
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""Project and vocabulary ids: one plain path component, never ``..`` or a separator."""
_VERSION = re.compile(r"v\d+")
FAULT_STEP_ENV = "UNDEX_FAULT_STEP"
"""Tests set it to N to have the process killed (SIGKILL) at step N of :func:`save_artifact`."""
SAVE_STEPS = 8


def _fault_point(step: int) -> None:
    """Kill this process here when the fault-injection variable names ``step`` (tests only)."""
    if os.environ.get(FAULT_STEP_ENV) == str(step):
        os.kill(os.getpid(), signal.SIGKILL)


def artifact_dir(root: Path, kind: str, name: str) -> Path:
    """``root/kind/name`` for a project or vocabulary id; refuses ids that could leave ``root``."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise InputError(f"invalid {kind.rstrip('s')} id {name!r} (letters, digits, '-', '_', '.'; at most 100)")
    return root / kind / name


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


class ModelChanged(ModelError):
    """Another writer saved a new version since the one an update was based on."""


def save_artifact(
    target: Path, write_files: Callable[[Path], None], manifest: dict[str, Any], replaces: Path | None = None
) -> Path:
    """Write a new version of the artefact at ``target`` and make it current atomically.

    ``write_files`` fills the (temporary) directory it is given. Returns the version dir.
    With ``replaces`` (an update of that version), raises :class:`ModelChanged` instead
    when ``current`` no longer names it: another process saved meanwhile.
    """
    tmp: Path | None = None
    try:
        target.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=target))
        _fault_point(1)
        write_files(tmp)
        _fault_point(2)
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
        _fault_point(3)
        for name in files:
            with open(tmp / name, "rb") as handle:
                os.fsync(handle.fileno())
        with _swap_lock(target):  # no other writer is between its rename and its link meanwhile
            previous = current_version(target)
            if replaces is not None and previous != replaces:
                raise ModelChanged(f"{target} was saved by another process meanwhile")
            version = target / f"v{time.time_ns()}"
            os.rename(tmp, version)
            _fault_point(4)
            _point_current_at(target, version)
            keep = {version.name} if previous is None else {version.name, previous.name}
            _prune_old_versions(target, keep)
    except OSError as exc:
        raise ModelError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:  # a failed write must not keep its space (the disk may be full)
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return version


@contextmanager
def _swap_lock(target: Path) -> Iterator[None]:
    """An exclusive lock (across processes) on the artefact's directory."""
    fd = os.open(target, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process is killed


def _point_current_at(target: Path, version: Path) -> None:
    link_tmp = target / f".{CURRENT}.{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(version.name, link_tmp)
    _fault_point(5)
    os.replace(link_tmp, target / CURRENT)
    _fault_point(6)
    _fsync_dir(target)
    _fault_point(7)


_LEFTOVER = re.compile(rf"\.(?:tmp-|{CURRENT}\.)(\d*)")
"""A writer's temporary directory ``.tmp-PID-...`` or link ``.current.PID``."""


def _remove_stale_temporaries(target: Path) -> None:
    """Remove what killed writers left behind; what a process that is still running
    (another ``undex train`` of the same artefact) is writing is left alone."""
    for leftover in target.glob(".*"):
        found = _LEFTOVER.match(leftover.name)
        if found is None or (found.group(1) and _writer_alive(int(found.group(1)))):
            continue
        if leftover.is_symlink() or leftover.is_file():
            leftover.unlink(missing_ok=True)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _prune_old_versions(target: Path, keep: set[str]) -> None:
    """Delete every version but ``keep`` and the one ``current`` names: older versions and
    orphans of killed writers. Called under the swap lock, so no live writer has a version
    that ``current`` is about to name.

    ``keep`` holds the previous version, so that a reader that resolved ``current`` just
    before the swap can still open its files.
    """
    now = current_version(target)
    keep = keep | ({now.name} if now is not None else set())
    for old in sorted(target.glob("v*")):
        if old.name not in keep and _VERSION.fullmatch(old.name):
            shutil.rmtree(old, ignore_errors=True)
            _fault_point(8)


def current_version(target: Path) -> Path | None:
    link = target / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    if not link.is_symlink():
        return link if link.is_dir() else None
    name = os.readlink(link)
    if not _VERSION.fullmatch(name):  # only ever a sibling version directory
        raise ModelError(f"{link} points to {name!r}, not to a version of {target.name}")
    resolved = target / name
    return resolved if resolved.is_dir() else None


def read_manifest(target: Path) -> dict[str, Any] | None:
    """The manifest of the current version, or None when nothing was saved yet."""
    version = current_version(target)
    return None if version is None else version_manifest(version)


def version_manifest(version: Path) -> dict[str, Any]:
    try:
        with open(version / MANIFEST, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{version / MANIFEST} is unreadable: {exc}") from exc


def open_artifact(target: Path, what: str, attempts: int = 5) -> tuple[Path, dict[str, Any]]:
    """Return (version directory, manifest) after verifying every file's checksum.

    The manifest is read from the very version that is verified. When verification fails
    because ``current`` moved meanwhile (a new version was saved and an old one pruned),
    the new current version is opened instead.
    """
    for attempt in range(attempts):
        version = current_version(target)
        if version is None and attempt < attempts - 1 and (target / CURRENT).is_symlink():
            continue  # the version it named was pruned after two quick saves: read the link again
        if version is None:
            raise NotFoundError(f"no saved {what} at {target}")
        try:
            manifest = version_manifest(version)
            _verify(version, manifest, what)
            return version, manifest
        except ModelError:
            if attempt == attempts - 1 or current_version(target) == version:
                raise
    raise AssertionError("unreachable")


def _verify(version: Path, manifest: dict[str, Any], what: str) -> None:
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ModelError(f"{version / MANIFEST} lists no files")
    for name, expected in files.items():
        path = version / name
        try:
            digest = sha256_file(path)
        except FileNotFoundError:
            raise ModelError(f"{what} file {path} is missing") from None
        except OSError as exc:
            raise ModelError(f"cannot read {what} file {path}: {exc.strerror or exc}") from None
        if digest != expected:
            raise ModelError(f"{what} file {path} is corrupt or was modified (checksum mismatch)")
