"""Evaluation in batches: in this process (``undex eval``) or on Dask (``undex eval --dask``).

On Dask, partitions of the corpora (:mod:`undex.batch.partitions`) become tasks that send
back per-partition metric sums, merged here exactly: counts are integers, and float sums
are added with ``math.fsum``.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from undex.batch.executors import DaskExecutor, dask_client
from undex.batch.partitions import Partition, plan_partitions, read_partition
from undex.batch.runs import progress_bar
from undex.batch.tasks import ProjectRef
from undex.chunking import chunked
from undex.corpus import CorpusStats, LabelledDoc, SubjectResolver, label_documents
from undex.errors import InputError
from undex.evaluation import Evaluation
from undex.project import Project


def evaluate_documents(
    project: Project,
    docs: Iterable[LabelledDoc],
    evaluation: Evaluation,
    limit: int,
    threshold: float,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """Add the suggestions for ``docs`` (``batch_size`` at a time) to ``evaluation``."""
    for chunk in chunked(docs, batch_size):
        scores = project.suggest_batch([d.document.text for d in chunk], limit, threshold).scores
        evaluation.add([d.concepts for d in chunk], scores)
        if on_batch:
            on_batch(len(chunk))


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
    labelled = label_documents(docs, resolver, stats)
    evaluate_documents(project, labelled, evaluation, spec.limit, spec.threshold, spec.batch_size)
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
