"""Batch indexing (``undex index``): subjects for every document of a directory or corpus.

Work is cut into partitions (:mod:`undex.partitions`) run by an executor: in this
process, in ``--jobs`` worker processes, or on Dask (:mod:`undex.distributed`). Every
worker process loads the project's model once and keeps it for all its partitions.

Two kinds of output, both resumable after a crash or ``kill -9``:

* per document: ``<name>.undex.tsv`` beside each document (``<uri>\\tlabel\\tscore`` lines,
  like Annif's ``index``), each file written atomically; a document whose file exists
  is skipped unless ``force``.
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
import resource
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

from undex.atomicio import atomic_writer, remove_temporaries, write_json, write_text
from undex.corpus import Document
from undex.errors import InputError
from undex.modelstore import current_version
from undex.partitions import Partition, directory_files, plan_partitions, read_partition, source_kind
from undex.progress import Progress
from undex.project import Project, ProjectRegistry

DEFAULT_SUFFIX = ".undex.tsv"
PARTS_SUFFIX = ".parts"
PLAN = "plan.json"
MANIFEST = "manifest.json"
PROGRESS_INTERVAL = 5.0

Result = tuple[str, str, float]
"""(concept URI, label, score)"""

# ------------------------------------------------------------ worker-side project


_REGISTRIES: dict[tuple[str, str], ProjectRegistry] = {}


@dataclass(frozen=True)
class ProjectRef:
    """How a worker process finds a project: absolute paths, so any process can."""

    projects: str
    datadir: str
    project_id: str

    @classmethod
    def of(cls, projects: Path, datadir: Path, project_id: str) -> ProjectRef:
        return cls(str(projects.resolve()), str(datadir.resolve()), project_id)

    def load(self) -> Project:
        """The project, with its model loaded at most once per process (and again only
        when a newer model is saved)."""
        key = (self.projects, self.datadir)
        if key not in _REGISTRIES:
            _REGISTRIES[key] = ProjectRegistry(Path(self.projects), Path(self.datadir))
        return _REGISTRIES[key].get(self.project_id)


def model_version(project: Project) -> str | None:
    version = current_version(project.model_dir)
    return version.name if version else None


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------- suggesting


@dataclass(frozen=True)
class IndexSpec:
    """What a worker needs to index a partition."""

    project: ProjectRef
    label_language: str
    limit: int | None = None
    threshold: float | None = None
    batch_size: int = 32
    parts_dir: str | None = None
    """JSONL mode: where partitions go. ``None``: a ``suffix`` file beside each document."""
    suffix: str = DEFAULT_SUFFIX


@dataclass(frozen=True)
class PartitionResult:
    index: int
    documents: int
    pid: int
    peak_rss_mb: float


def suggest_results(project: Project, texts: Sequence[str], spec: IndexSpec) -> list[list[Result]]:
    """Ranked results per text; an empty text gets none (the backend is not asked)."""
    results: list[list[Result]] = [[] for _ in texts]
    rows = [i for i, text in enumerate(texts) if text.strip()]
    if not rows:
        return results
    batch = project.suggest_batch([texts[i] for i in rows], spec.limit, spec.threshold)
    concepts = project.vocab.concepts
    for row, i in enumerate(rows):
        results[i] = [
            (concepts[c].uri, concepts[c].label(spec.label_language), score) for c, score in batch.ranked(row)
        ]
    return results


def tsv_text(results: list[Result]) -> str:
    return "".join(f"<{uri}>\t{label}\t{score:.4f}\n" for uri, label, score in results)


def jsonl_record(file: Path | None, doc: Document, results: list[Result]) -> str:
    record: dict[str, Any] = {"id": doc.id}
    if file is not None:
        record["document"] = str(file)
    record["results"] = [{"uri": u, "label": lbl, "score": round(s, 4)} for u, lbl, s in results]
    return json.dumps(record, ensure_ascii=False) + "\n"


def output_file(document: Path, suffix: str) -> Path:
    """``dir/x.txt`` (or ``x.txt.gz``) -> ``dir/x.undex.tsv``."""
    name = document.name.removesuffix(".gz")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return document.with_name(stem + suffix)


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def index_partition(part: Partition, spec: IndexSpec, on_batch: Callable[[int], None] | None = None) -> PartitionResult:
    """Suggest for one partition and write its output atomically (runs on workers)."""
    project = spec.project.load()
    documents = 0
    if spec.parts_dir is None:
        for chunk in chunked(read_partition(part), spec.batch_size):
            for (file, _), results in zip(
                chunk, suggest_results(project, [d.text for _, d in chunk], spec), strict=True
            ):
                write_text(output_file(file, spec.suffix), tsv_text(results))
            documents += len(chunk)
            if on_batch:
                on_batch(len(chunk))
    else:
        with atomic_writer(Path(spec.parts_dir) / f"{part.name}.jsonl") as handle:
            for chunk in chunked(read_partition(part), spec.batch_size):
                for (file, doc), results in zip(
                    chunk, suggest_results(project, [d.text for _, d in chunk], spec), strict=True
                ):
                    handle.write(jsonl_record(file, doc, results))
                documents += len(chunk)
                if on_batch:
                    on_batch(len(chunk))
    return PartitionResult(part.index, documents, os.getpid(), peak_rss_mb())


# -------------------------------------------------------------------- executors


PartitionTask = Callable[..., Any]


class Executor(Protocol):
    workers: int

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        """Run ``task`` on every partition, yielding results as they finish and advancing
        ``progress`` by the documents done."""
        ...


class SerialExecutor:
    """In this process; progress advances per batch."""

    workers = 1

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        for part in parts:
            yield task(part, on_batch=progress.advance)


def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """Worker initializer: end this process when its parent dies (even by ``kill -9``),
    instead of lingering as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="undex-parent-watch", daemon=True).start()


class ProcessExecutor:
    """``jobs`` worker processes (started fresh, each loading the model once); at most two
    partitions per worker are in flight, so memory does not grow with the corpus."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        todo = iter(parts)
        context = get_context("spawn")
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),)
        ) as pool:
            running: set[Future] = set()
            while True:
                while len(running) < 2 * self.workers and (part := next(todo, None)) is not None:
                    running.add(pool.submit(task, part))
                if not running:
                    return
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()
                    progress.advance(result.documents)
                    yield result


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


def default_output(source: Path) -> Path | None:
    """Where a corpus file's results go without ``--output``; ``None`` for per-document output."""
    if source_kind(source) in ("directory", "document"):
        return None
    name = source.name.removesuffix(".gz")
    return source.with_name(name.rsplit(".", 1)[0] + ".undex.jsonl")


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
