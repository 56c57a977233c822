"""MARC 21 out: subjects as MARCXML records for the library system (written with pymarc).

One bibliographic record per document: ``191 $a`` the UN document symbol when the
document's id is one (else ``035 $a`` the id), and per subject
``650 _7 $a <label> $2 unbist $0 <concept URI>`` with the label in the language asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

import pymarc

from undex.atomicio import atomic_writer
from undex.errors import InputError

UN_SYMBOL = re.compile(r"[A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)*(?:/[A-Za-z0-9.()*\-]+)+")
"""A UN document symbol: a series such as ``A``, ``S``, ``E/CN.17`` or ``ST/SGB``, then
``/``-separated parts (``A/RES/58/217``, ``S/RES/1(1946)``, ``A/C.2/58/L.1/Rev.1``)."""
THESAURUS_CODE = "unbist"
MARCXML_MEDIA_TYPE = "application/marcxml+xml"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class SubjectHeading:
    """A subject for field 650: its label in the chosen language and its concept URI."""

    label: str
    uri: str


def is_un_symbol(document_id: str | None) -> bool:
    return bool(document_id) and UN_SYMBOL.fullmatch(document_id.strip()) is not None


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters)."""
    return _NOT_XML.sub("", text)


def marc_record(document_id: str | None, subjects: Iterable[SubjectHeading]) -> pymarc.Record:
    """A bibliographic record (language material, Unicode) for one document."""
    record = pymarc.Record(force_utf8=True)
    record.leader.record_status = "n"
    record.leader.type_of_record = "a"
    record.leader.bibliographic_level = "m"
    record.leader.coding_scheme = "a"
    identifier = xml_text(document_id or "").strip()
    if identifier:
        tag = "191" if is_un_symbol(identifier) else "035"
        record.add_field(_field(tag, " ", [("a", identifier)]))
    for subject in subjects:
        parts = [("a", xml_text(subject.label)), ("2", THESAURUS_CODE), ("0", xml_text(subject.uri))]
        record.add_field(_field("650", "7", parts))
    return record


def _field(tag: str, second_indicator: str, subfields: list[tuple[str, str]]) -> pymarc.Field:
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(" ", second_indicator),
        subfields=[pymarc.Subfield(code, value) for code, value in subfields],
    )


def write_collection(records: Iterable[pymarc.Record], handle: BinaryIO) -> int:
    """Write a MARCXML ``<collection>`` of ``records`` to a binary handle; returns how many."""
    writer = pymarc.XMLWriter(handle)
    count = 0
    for record in records:
        writer.write(record)
        count += 1
    writer.close(close_fh=False)
    return count


def marcxml_bytes(records: Iterable[pymarc.Record]) -> bytes:
    buffer = BytesIO()
    write_collection(records, buffer)
    return buffer.getvalue()


def write_marcxml(path: Path, records: Iterable[pymarc.Record]) -> int:
    """Write the collection to ``path`` atomically (complete or not at all)."""
    with atomic_writer(path) as handle:
        handle.flush()
        count = write_collection(records, handle.buffer)
        handle.buffer.flush()
    return count


def records_from_results(path: Path) -> Iterator[pymarc.Record]:
    """Records from ``undex index`` JSONL results (``{"id", "results": [{"uri", "label"}]}``)."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                result = json.loads(line)
                subjects = [SubjectHeading(r["label"], r["uri"]) for r in result["results"]]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{path}:{number}: not an undex index result ({exc})") from None
            yield marc_record(result.get("id"), subjects)
