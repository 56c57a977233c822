"""What runs on the workers of ``undex index``: finding the project (its model loaded once
per process) and indexing one partition, writing its output atomically."""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from undex.atomicio import atomic_writer, write_text
from undex.batch.formats import DEFAULT_SUFFIX, jsonl_record, output_file, tsv_text
from undex.batch.partitions import Partition, read_partition
from undex.chunking import chunked
from undex.corpus import Document
from undex.project import Project, ProjectRegistry
from undex.results import Subject, subject_records

_REGISTRIES: dict[tuple[str, str], ProjectRegistry] = {}

WriteDocument = Callable[[Path | None, Document, Sequence[Subject]], object]
"""Writes the subjects of one document (read from a file, or ``None`` for a corpus record)."""


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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def suggest_subjects(project: Project, texts: Sequence[str], spec: IndexSpec) -> list[tuple[Subject, ...]]:
    """Ranked subjects per text; an empty text gets none (the backend is not asked)."""
    results: list[tuple[Subject, ...]] = [() for _ in texts]
    rows = [i for i, text in enumerate(texts) if text.strip()]
    if not rows:
        return results
    snapshot = project.snapshot()  # the model and the vocabulary it was trained with
    batch = project.suggest_batch([texts[i] for i in rows], spec.limit, spec.threshold, snapshot)
    for row, i in enumerate(rows):  # index outputs (TSV, JSONL, MARCXML) carry no evidence
        results[i] = subject_records(snapshot.vocab, batch, row, texts[i], [spec.label_language], evidence=False)
    return results


def index_partition(part: Partition, spec: IndexSpec, on_batch: Callable[[int], None] | None = None) -> PartitionResult:
    """Suggest for one partition and write its output atomically (runs on workers)."""
    project = spec.project.load()
    if spec.parts_dir is None:

        def write_tsv(file: Path | None, _: Document, subjects: Sequence[Subject]) -> None:
            assert file is not None, "per-document output is for document files"
            write_text(output_file(file, spec.suffix), tsv_text(subjects))

        documents = _index_documents(project, part, spec, write_tsv, on_batch)
    else:
        with atomic_writer(Path(spec.parts_dir) / f"{part.name}.jsonl") as handle:
            documents = _index_documents(
                project,
                part,
                spec,
                lambda file, doc, subjects: handle.write(jsonl_record(file, doc, subjects)),
                on_batch,
            )
    return PartitionResult(part.index, documents, os.getpid(), peak_rss_mb())


def _index_documents(
    project: Project,
    part: Partition,
    spec: IndexSpec,
    write: WriteDocument,
    on_batch: Callable[[int], None] | None,
) -> int:
    """Suggest for the documents of ``part``, ``batch_size`` at a time, and write each; returns their number."""
    documents = 0
    for chunk in chunked(read_partition(part), spec.batch_size):
        subjects = suggest_subjects(project, [doc.text for _, doc in chunk], spec)
        for (file, doc), found in zip(chunk, subjects, strict=True):
            write(file, doc, found)
        documents += len(chunk)
        if on_batch:
            on_batch(len(chunk))
    return documents
