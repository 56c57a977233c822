"""Batch work on Dask (``--dask local`` or ``--dask tcp://scheduler:8786``).

Partitions (:mod:`undex.partitions`) become Dask tasks. Workers read their partitions
themselves and load the project's model once per worker process (see
:meth:`undex.batch.ProjectRef.load`), so the projects file, the data directory and the
corpus must be readable at the same absolute paths on every worker.

Indexing uses the executor of :mod:`undex.batch` (so its outputs and restarts are the
same with or without Dask). Evaluation sends back per-partition metric sums, merged
here exactly: counts are integers, and float sums are added with ``math.fsum``.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from undex.batch import PartitionTask, ProjectRef, chunked, progress_bar
from undex.corpus import CorpusStats, SubjectResolver, label_documents
from undex.errors import InputError, UndexError
from undex.evaluation import Evaluation
from undex.partitions import Partition, plan_partitions, read_partition
from undex.progress import Progress
from undex.project import Project

if TYPE_CHECKING:
    from dask.distributed import Client

DASK_HELP = "Run on Dask: 'local' (a LocalCluster; 'local:N' for N workers) or a scheduler address tcp://host:8786."


class DaskError(UndexError):
    """The Dask scheduler cannot be reached or the address is invalid."""


def _local_workers(address: str, workers: int | None) -> int:
    _, _, count = address.partition(":")
    if count:
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"--dask {address!r}: the number of local workers must be a positive integer")
        return int(count)
    return workers or os.cpu_count() or 1


@contextmanager
def dask_client(address: str, workers: int | None = None) -> Iterator[Client]:
    """A client of a new LocalCluster (``local``, ``local:N``) or of a running scheduler.

    Prints the dashboard link to stderr.
    """
    from dask.distributed import Client, LocalCluster

    cluster = None
    if address == "local" or address.startswith("local:"):
        cluster = LocalCluster(
            n_workers=_local_workers(address, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    elif "://" in address:
        try:
            client = Client(address, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise DaskError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    else:
        raise InputError(f"--dask {address!r}: use 'local', 'local:N' or a scheduler address like tcp://host:8786")
    try:
        hint = "" if cluster is None or find_spec("bokeh") else " (serving it needs bokeh: pip install bokeh==3.9.2)"
        print(f"Dask dashboard: {client.dashboard_link}{hint}", file=sys.stderr, flush=True)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class DaskExecutor:
    """Runs partition tasks on the workers of ``client`` (see :class:`undex.batch.Executor`)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.workers = len(client.scheduler_info().get("workers", {})) or 1

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = self.client.map(task, list(parts), pure=False)
        try:
            for future in as_completed(futures):
                result = future.result()
                future.release()
                progress.advance(result.documents)
                yield result
        finally:
            self.client.cancel(futures)


# --------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class EvalSpec:
    project: ProjectRef
    limit: int
    threshold: float
    batch_size: int = 64
    split: str | None = None
    labels_field: str | None = None


@dataclass(frozen=True)
class EvalPartial:
    """One partition's share of an evaluation, as plain data."""

    index: int
    path: str
    documents: int
    """Records read (for progress)."""
    evaluation: dict[str, Any]
    stats: tuple[int, int, int, int]
    unmapped: dict[str, int]


def evaluate_partition(part: Partition, spec: EvalSpec, on_batch: Any = None) -> EvalPartial:
    """Evaluate one partition (runs on a worker)."""
    project = spec.project.load()
    resolver = SubjectResolver(project.vocab)
    stats = CorpusStats()
    evaluation = Evaluation(len(project.vocab))
    docs = (doc for _, doc in read_partition(part, spec.split, spec.labels_field))
    for chunk in chunked(label_documents(docs, resolver, stats), spec.batch_size):
        scores = project.suggest_batch([d.document.text for d in chunk], spec.limit, spec.threshold).scores
        evaluation.add([d.concepts for d in chunk], scores)
    return EvalPartial(
        part.index,
        part.path,
        stats.read,
        evaluation.to_dict(),
        (stats.read, stats.used, stats.no_text, stats.no_subjects),
        dict(resolver.unmapped),
    )


class EvalMerger:
    """Adds partial evaluations in any order; the result does not depend on the order."""

    def __init__(self, n_concepts: int) -> None:
        self.total = Evaluation(n_concepts)
        self.float_sums: dict[str, list[float]] = {k: [] for k in self.total.sums}
        self.stats = CorpusStats()
        self.unmapped: dict[str, Counter] = {}

    def add(self, partial_: EvalPartial) -> None:
        data = partial_.evaluation
        self.total.documents += data["documents"]
        for name in ("tp", "fp", "fn"):
            getattr(self.total, name)[:] += np.asarray(data[name], dtype=np.int64)
        for key, value in data["sums"].items():
            self.float_sums[key].append(value)
        read, used, no_text, no_subjects = partial_.stats
        self.stats.read += read
        self.stats.used += used
        self.stats.no_text += no_text
        self.stats.no_subjects += no_subjects
        self.unmapped.setdefault(partial_.path, Counter()).update(partial_.unmapped)

    def result(self, project: Project, paths: Sequence[Path]) -> tuple[Evaluation, CorpusStats]:
        self.total.sums = {k: math.fsum(values) for k, values in self.float_sums.items()}
        for path in paths:
            unmapped = self.unmapped.get(os.path.abspath(path), Counter())
            report = SubjectResolver(project.vocab, unmapped=unmapped).report()
            if report:
                self.stats.notes.append(f"{path}: {report}")
        return self.total, self.stats


def evaluation_partitions(paths: Sequence[Path], size: int) -> list[Partition]:
    """Partitions of all ``paths``, numbered in order, with absolute paths for remote workers."""
    parts = [part for path in paths for part in plan_partitions(Path(os.path.abspath(path)), size)]
    return [replace(part, index=n) for n, part in enumerate(parts)]


def evaluate_on_dask(
    address: str,
    project: Project,
    paths: Sequence[Path],
    spec_args: dict[str, Any],
    partition_size: int = 200,
    quiet: bool = False,
) -> tuple[Evaluation, CorpusStats]:
    """``undex eval --dask``: the same metrics as the single-process evaluation."""
    if project.registry is None:
        raise InputError(f"project {project.id!r} has no projects file to send to Dask workers")
    spec = EvalSpec(ProjectRef.of(project.registry.path, project.datadir, project.id), **spec_args)
    parts = evaluation_partitions(paths, partition_size)
    merger = EvalMerger(len(project.vocab))
    with dask_client(address) as client:
        executor = DaskExecutor(client)
        total = sum(p.records for p in parts)
        with progress_bar(f"evaluating {project.id}", total, quiet) as progress:
            for result in executor.run(partial(evaluate_partition, spec=spec), parts, progress):
                merger.add(result)
    return merger.result(project, paths)
