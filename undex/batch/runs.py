"""Runs of ``undex index``: a directory or corpus cut into partitions
(:mod:`undex.batch.partitions`) and run by an executor (:mod:`undex.batch.executors`).

Two kinds of output (:mod:`undex.batch.formats`), both resumable after a crash or ``kill -9``:

* per document: ``<name>.undex.tsv`` beside each document, each file written atomically; a
  document whose file exists is skipped unless ``force``.
* one JSONL file: partitions are written atomically as ``part-NNNNN.jsonl`` into
  ``<output>.parts/`` (beside a ``plan.json`` naming the input and settings); a restart
  does only the missing partitions. At the end the parts are joined into ``<output>``
  (atomically), ``manifest.json`` records the run, and the part files are removed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from undex.atomicio import atomic_writer, remove_temporaries, write_json
from undex.batch.executors import Executor
from undex.batch.formats import default_output, output_file
from undex.batch.partitions import Partition, directory_files, plan_partitions, source_kind
from undex.batch.tasks import IndexSpec, index_partition, peak_rss_mb
from undex.errors import InputError
from undex.modelstore import current_version
from undex.progress import Progress
from undex.project import Project

PARTS_SUFFIX = ".parts"
PLAN = "plan.json"
MANIFEST = "manifest.json"
PROGRESS_INTERVAL = 5.0


def model_version(project: Project) -> str | None:
    version = current_version(project.model_dir)
    return version.name if version else None


# ------------------------------------------------------------------ orchestration


@dataclass
class IndexRun:
    """What a run did, for the summary line and ``--report``."""

    output: str
    documents: int = 0
    skipped: int = 0
    partitions: int = 0
    seconds: float = 0.0
    workers: int = 1
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    """Peak resident memory (MB) per process id; ``main`` is the coordinating process."""

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "documents": self.documents,
            "skipped": self.skipped,
            "partitions": self.partitions,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.rate, 2),
            "workers": self.workers,
            "peak_rss_mb": {k: round(v, 1) for k, v in self.peak_rss_mb.items()},
        }


def run_index(
    source: Path,
    spec: IndexSpec,
    executor: Executor,
    output: Path | None = None,
    force: bool = False,
    partition_size: int = 100,
    quiet: bool = False,
) -> IndexRun:
    """Index ``source`` (directory or corpus file) with ``executor``; see the module doc.

    Paths are made absolute: workers (on other machines, with Dask) may run elsewhere.
    """
    source_kind(source)  # refuses stdin and missing paths with a clear message
    source = Path(os.path.abspath(source))
    output = Path(os.path.abspath(output)) if output else None
    project = spec.project.load()
    if not project.is_ready:
        _ = project.backend  # raises the not-trained error before any worker starts
    output = output or default_output(source)
    if output is None:
        return _run_per_document(source, spec, executor, force, partition_size, quiet)
    return _run_jsonl(source, spec, executor, output, force, partition_size, quiet, model_version(project))


def progress_bar(description: str, total: int, quiet: bool) -> Progress:
    """A Rich bar on a terminal, else a plain line every PROGRESS_INTERVAL seconds; nothing if ``quiet``."""
    if quiet:
        return Progress(description, total, rich=False, interval=math.inf)
    return Progress(description, total, interval=PROGRESS_INTERVAL)


def _execute(parts: Sequence[Partition], spec: IndexSpec, executor: Executor, run: IndexRun, quiet: bool) -> None:
    started = time.perf_counter()
    with progress_bar(f"index {spec.project.project_id}", sum(p.records for p in parts), quiet) as progress:
        for result in executor.run(partial(index_partition, spec=spec), parts, progress):
            run.documents += result.documents
            run.partitions += 1
            key = str(result.pid)
            run.peak_rss_mb[key] = max(run.peak_rss_mb.get(key, 0.0), result.peak_rss_mb)
    run.seconds = time.perf_counter() - started
    run.workers = executor.workers
    run.peak_rss_mb["main"] = peak_rss_mb()


def _run_per_document(
    source: Path, spec: IndexSpec, executor: Executor, force: bool, partition_size: int, quiet: bool
) -> IndexRun:
    folder = source if source.is_dir() else source.parent
    remove_temporaries(folder)
    done = None if force else (lambda f: output_file(f, spec.suffix).exists())
    parts = plan_partitions(source, partition_size, done)
    every = len(directory_files(source)) if source.is_dir() else 1
    run = IndexRun(output=f"{folder}/*{spec.suffix}")
    run.skipped = every - sum(p.records for p in parts)
    _execute(parts, spec, executor, run, quiet)
    return run


def _fingerprint(source: Path, spec: IndexSpec, partition_size: int, version: str | None) -> dict[str, Any]:
    """What a JSONL run depends on: a restart must see the same input and settings."""
    files = directory_files(source) if source.is_dir() else [source]
    listing = hashlib.sha256()
    for f in files:
        st = f.stat()
        listing.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return {
        "source": str(source.resolve()),
        "source_files": listing.hexdigest(),
        "project": spec.project.project_id,
        "model_version": version,
        "limit": spec.limit,
        "threshold": spec.threshold,
        "label_language": spec.label_language,
        "partition_size": partition_size,
    }


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is unreadable ({exc}); rerun with --force to start over") from exc


def _changed(old: dict[str, Any], new: dict[str, Any]) -> str:
    return ", ".join(k for k in new if old.get(k) != new[k]) or "unknown"


def _run_jsonl(
    source: Path,
    spec: IndexSpec,
    executor: Executor,
    output: Path,
    force: bool,
    partition_size: int,
    quiet: bool,
    version: str | None,
) -> IndexRun:
    parts_dir = output.with_name(output.name + PARTS_SUFFIX)
    if force:
        _clear(parts_dir, output)
    fingerprint = _fingerprint(source, spec, partition_size, version)
    run = IndexRun(output=str(output))
    manifest = _read_json(parts_dir / MANIFEST)
    if manifest is not None and output.exists():
        if manifest.get("fingerprint") != fingerprint:
            raise InputError(
                f"{output} was made from other input or settings (changed: "
                f"{_changed(manifest.get('fingerprint', {}), fingerprint)}); rerun with --force to redo it"
            )
        _remove_parts(parts_dir)
        run.skipped = manifest["documents"]
        return run
    _begin(parts_dir, output, fingerprint)
    parts = plan_partitions(source, partition_size)
    pending = [p for p in parts if not (parts_dir / f"{p.name}.jsonl").exists()]
    run.skipped = sum(p.records for p in parts) - sum(p.records for p in pending)
    _execute(pending, replace(spec, parts_dir=str(parts_dir)), executor, run, quiet)
    _finish(parts_dir, output, parts, fingerprint)
    return run


def _clear(parts_dir: Path, output: Path) -> None:
    if parts_dir.is_dir():
        for file in parts_dir.iterdir():
            file.unlink()
        parts_dir.rmdir()
    output.unlink(missing_ok=True)


def _begin(parts_dir: Path, output: Path, fingerprint: dict[str, Any]) -> None:
    """Start or resume: the plan on disk must match this run's input and settings."""
    plan = _read_json(parts_dir / PLAN)
    if plan is None:
        if output.exists():
            raise InputError(f"{output} already exists; rerun with --force to overwrite it")
        try:
            parts_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create {parts_dir}: {exc.strerror or exc} (use --output)") from exc
        write_json(parts_dir / PLAN, {"fingerprint": fingerprint})
        return
    if plan.get("fingerprint") != fingerprint:
        raise InputError(
            f"{parts_dir} belongs to an unfinished run on other input or settings (changed: "
            f"{_changed(plan.get('fingerprint', {}), fingerprint)}); rerun with --force to start over"
        )
    remove_temporaries(parts_dir)


def _finish(parts_dir: Path, output: Path, parts: Sequence[Partition], fingerprint: dict[str, Any]) -> None:
    """Join the parts into ``output`` atomically, record the manifest, drop the parts."""
    digest = hashlib.sha256()
    documents = 0
    listing = []
    with atomic_writer(output) as handle:
        for part in parts:
            text = (parts_dir / f"{part.name}.jsonl").read_text(encoding="utf-8")
            count = text.count("\n")
            handle.write(text)
            digest.update(text.encode("utf-8"))
            documents += count
            listing.append({"partition": part.name, "documents": count, "records": part.records})
    write_json(
        parts_dir / MANIFEST,
        {
            "fingerprint": fingerprint,
            "output": str(output.resolve()),
            "output_sha256": digest.hexdigest(),
            "documents": documents,
            "partitions": listing,
            "finished_at": time.time(),
        },
    )
    _remove_parts(parts_dir)


def _remove_parts(parts_dir: Path) -> None:
    for file in parts_dir.glob("part-*.jsonl"):
        file.unlink()
    (parts_dir / PLAN).unlink(missing_ok=True)
