"""The outputs of ``undex index``: a ``<name>.undex.tsv`` beside each document (Annif's
``index`` format, ``<uri>\\tlabel\\tscore`` lines) or one JSONL record per document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from undex.batch.partitions import source_kind
from undex.corpus import Document, file_stem
from undex.results import Subject, subject_json, subject_line

DEFAULT_SUFFIX = ".undex.tsv"
JSONL_SUFFIX = ".undex.jsonl"


def output_file(document: Path, suffix: str) -> Path:
    """``dir/x.txt`` (or ``x.txt.gz``) -> ``dir/x.undex.tsv``."""
    return document.with_name(file_stem(document) + suffix)


def default_output(source: Path) -> Path | None:
    """Where a corpus file's results go without ``--output``; ``None`` for per-document output."""
    if source_kind(source) in ("directory", "document"):
        return None
    return output_file(source, JSONL_SUFFIX)


def tsv_text(subjects: Sequence[Subject]) -> str:
    return "".join(subject_line(s) + "\n" for s in subjects)


def jsonl_record(file: Path | None, doc: Document, subjects: Sequence[Subject]) -> str:
    record: dict[str, Any] = {"id": doc.id}
    if file is not None:
        record["document"] = str(file)
    record["results"] = [subject_json(s) for s in subjects]
    return json.dumps(record, ensure_ascii=False) + "\n"
