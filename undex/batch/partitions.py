"""Partitions of a corpus: the unit of parallel and resumable batch work.

A plain JSONL or Annif TSV corpus is cut into byte ranges of whole lines (one scan of
the file finds the line starts), a directory into lists of ``.txt`` files. A gzipped
corpus cannot be entered in the middle, so it is one partition. Partitions are plain
data, cheap to send to worker processes or Dask workers, which read them themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from undex.chunking import chunked
from undex.corpus import (
    Document,
    LineSpan,
    read_annif_tsv_corpus,
    read_corpus,
    read_directory_file,
    read_document_file,
    read_jsonl,
)
from undex.errors import InputError, NotFoundError

LINE_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".tsv": "tsv"}
DOCUMENT_SUFFIXES = (".txt", ".txt.gz")


@dataclass(frozen=True)
class Partition:
    """``kind`` is ``jsonl``/``tsv`` (a line span of ``path``), ``stream`` (all of a gzipped
    corpus), ``files`` (documents of a directory) or ``document`` (one document file)."""

    index: int
    path: str
    kind: str
    records: int
    span: LineSpan | None = None
    files: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"


def source_kind(source: Path) -> str:
    """``directory``, ``jsonl``, ``tsv`` or ``document`` (mirrors :func:`undex.corpus.read_corpus`)."""
    if str(source) == "-":
        raise InputError("batch work needs a directory or a corpus file, not stdin")
    if not source.exists():
        raise NotFoundError(f"{source}: no such file or directory")
    if source.is_dir():
        return "directory"
    name = source.name.lower().removesuffix(".gz")
    return next((kind for suffix, kind in LINE_FORMATS.items() if name.endswith(suffix)), "document")


def directory_files(source: Path) -> list[Path]:
    return sorted(p for p in source.iterdir() if p.name.endswith(DOCUMENT_SUFFIXES) and p.is_file())


def plan_partitions(source: Path, size: int, skip: Callable[[Path], bool] | None = None) -> list[Partition]:
    """Cut ``source`` into partitions of at most ``size`` documents (records).

    ``skip`` drops document files already done (directory and single-document sources).
    """
    if size < 1:
        raise InputError("the partition size must be at least 1")
    kind = source_kind(source)
    if kind in ("directory", "document"):
        files = directory_files(source) if kind == "directory" else [source]
        files = [f for f in files if not (skip and skip(f))]
        part_kind = "files" if kind == "directory" else "document"
        return [
            Partition(n, str(source), part_kind, len(chunk), files=tuple(str(f) for f in chunk))
            for n, chunk in enumerate(chunked(files, size))
        ]
    if _is_gzipped(source):
        return [Partition(0, str(source), "stream", _count_records(source))]
    return [
        Partition(n, str(source), kind, records, span=span)
        for n, (span, records) in enumerate(_line_spans(source, size))
    ]


def _is_gzipped(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc


def _count_records(path: Path) -> int:
    return sum(1 for _ in read_corpus(path))


def _line_spans(path: Path, size: int) -> Iterator[tuple[LineSpan, int]]:
    """Byte spans of whole lines holding ``size`` non-blank lines each."""
    start, first_line, records, offset = 0, 1, 0, 0
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if records == size and line.strip():
                    yield LineSpan(start, offset, first_line), records
                    start, first_line, records = offset, number, 0
                if line.strip():
                    records += 1
                offset += len(line)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    if records:
        yield LineSpan(start, None, first_line), records


def read_partition(
    part: Partition, split: str | None = None, labels_field: str | None = None
) -> Iterator[tuple[Path | None, Document]]:
    """The documents of a partition, each with its file (``None`` for corpus records)."""
    path = Path(part.path)
    if part.kind == "files":
        for file in map(Path, part.files):
            yield file, read_directory_file(file)
    elif part.kind == "document":
        yield path, read_document_file(path)
    elif part.kind == "jsonl":
        for doc in read_jsonl(path, split, labels_field, part.span):
            yield None, doc
    elif part.kind == "tsv":
        for doc in read_annif_tsv_corpus(path, part.span):
            yield None, doc
    else:
        for doc in read_corpus(path, split, labels_field):
            yield None, doc
