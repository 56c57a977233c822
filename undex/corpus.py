"""Documents and streaming corpus readers.

Formats (gzip handled transparently everywhere):

* UN document file (``seed.txt``): line 1 ``%%%`` + subjects each followed by ``|``,
  a blank line, then the body. Without a ``%%%`` line the file is an unlabelled document.
* A directory of such ``.txt`` files; Annif's full-text layout (``x.txt`` beside
  ``x.key`` or ``x.tsv``) is read too.
* JSONL records with ``id``, ``lang``, ``text``, ``labels``/``labels_unbis``, ``split``.
* Annif's short-text TSV corpus: ``text<TAB><uri1> <uri2>``.

Gold subjects stay raw strings here; :class:`SubjectResolver` maps them to concepts.
"""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from undex.errors import InputError, NotFoundError
from undex.vocab import Vocabulary

HEADER = "%%%"
BOM = b"\xef\xbb\xbf"
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    language: str | None = None
    subjects: tuple[str, ...] = ()
    split: str | None = None


# ----------------------------------------------------------------------- decoding


def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
            handle.seek(0)
            if head == b"\x1f\x8b":
                with gzip.open(handle) as unzipped:
                    data = unzipped.read(MAX_DOCUMENT_BYTES + 1)
            else:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path}: no such file") from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read (truncated or corrupt gzip?): {exc}") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{path}: document larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    return data


def decode_text(data: bytes, source: str) -> str:
    """Decode UTF-8 (a BOM is dropped); name the byte offset of the first bad byte."""
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text (invalid byte at offset {skip + exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def parse_document(text: str, source: str, doc_id: str | None = None, language: str | None = None) -> Document:
    """Parse the UN document format (``%%%`` header optional)."""
    doc_id = doc_id or source
    if not text.startswith(HEADER):
        return Document(doc_id, text, language)
    header, _, rest = text.partition("\n")
    subjects = parse_header(header, source)
    if rest and rest.split("\n", 1)[0].strip():
        raise InputError(f"{source}: line 2 must be blank after the '%%%' subject line")
    body = rest.split("\n", 1)[1] if "\n" in rest else ""
    return Document(doc_id, body, language, subjects)


def parse_header(header: str, source: str) -> tuple[str, ...]:
    content = header[len(HEADER) :].strip()
    if not content:
        return ()
    if not content.endswith("|"):
        raise InputError(f"{source}: line 1: malformed '%%%' header: each subject must be followed by '|'")
    parts = [p.strip() for p in content[:-1].split("|")]
    if any(not p for p in parts):
        raise InputError(f"{source}: line 1: malformed '%%%' header: empty subject between '|'")
    return tuple(parts)


def read_document_file(path: Path, language: str | None = None) -> Document:
    text = decode_text(_read_bytes(path), str(path))
    return parse_document(text, str(path), doc_id=file_stem(path), language=language)


def read_stdin(language: str | None = None) -> Document:
    data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError("<stdin>: document larger than 50 MB")
    return parse_document(decode_text(data, "<stdin>"), "<stdin>", doc_id="-", language=language)


def file_stem(path: Path) -> str:
    """The name of a document file without its last suffix (and ``.gz``): its document id."""
    name = path.name.removesuffix(".gz")
    return name.rsplit(".", 1)[0] if "." in name else name


# ------------------------------------------------------------------------ readers


def _open_lines(path: Path, span: LineSpan | None = None) -> Iterator[tuple[int, str]]:
    """Yield (line number, line) decoding strictly, streaming, gzip-aware.

    ``span`` restricts reading to the lines starting in a byte range of a plain file.
    """
    span = span or LineSpan()
    try:
        raw = open(path, "rb")
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path}: no such file") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    with raw:
        head = raw.read(2)
        gzipped = head == b"\x1f\x8b"
        if gzipped and span.start:
            raise InputError(f"{path}: a gzipped file cannot be read from byte {span.start}")
        raw.seek(span.start)
        stream = gzip.GzipFile(fileobj=raw) if gzipped else raw
        offset = span.start
        try:
            # readline with a limit: a line without end is never read whole into memory
            lines = iter(lambda: stream.readline(MAX_DOCUMENT_BYTES + 1), b"")
            for number, line in enumerate(lines, start=span.first_line):
                if span.end is not None and offset >= span.end:
                    break
                if len(line) > MAX_DOCUMENT_BYTES:
                    raise InputError(f"{path}:{number}: line longer than 50 MB")
                skip = len(BOM) if offset == 0 and line.startswith(BOM) else 0
                try:
                    text = line[skip:].decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(
                        f"{path}:{number}: not UTF-8 text (invalid byte at offset {offset + skip + exc.start})"
                    ) from None
                offset += len(line)
                yield number, text.rstrip("\r\n").replace("\x00", "")
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: cannot read (truncated or corrupt gzip?): {exc}") from None


@dataclass(frozen=True)
class LineSpan:
    """The lines of a plain (not gzipped) file that start in bytes ``[start, end)``;
    ``first_line`` is the number of the first of them."""

    start: int = 0
    end: int | None = None
    first_line: int = 1


def read_jsonl(
    path: Path, split: str | None = None, labels_field: str | None = None, span: LineSpan | None = None
) -> Iterator[Document]:
    for number, line in _open_lines(path, span):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{path}:{number}: invalid JSON: {str(exc)[:120]}") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number}: a JSON object was expected")
        if split is not None and record.get("split") != split:
            continue
        document = _record_document(record, path, number, labels_field)
        if "\\u" in line:  # JSON escapes can make lone surrogates, which no later step can encode
            _check_unicode(document, f"{path}:{number}")
        yield document


def _check_unicode(document: Document, where: str) -> None:
    try:
        for text in (document.id, document.text, document.language or "", document.split or "", *document.subjects):
            text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{where}: invalid Unicode (an escaped lone surrogate such as \\ud800)") from None


def _record_document(record: dict, path: Path, number: int, labels_field: str | None) -> Document:
    if labels_field is not None:
        labels = record.get(labels_field, [])
    else:
        labels = record["labels_unbis"] if "labels_unbis" in record else record.get("labels", [])
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise InputError(f"{path}:{number}: subjects must be a list of strings")
    text = record.get("text") or ""
    if not isinstance(text, str):
        raise InputError(f"{path}:{number}: 'text' must be a string")
    return Document(
        id=str(record.get("id") or f"{path.name}:{number}"),
        text=text,
        language=(record.get("lang") or None) if isinstance(record.get("lang"), str) else None,
        subjects=tuple(s.strip() for s in labels if s.strip()),
        split=record.get("split") if isinstance(record.get("split"), str) else None,
    )


def read_annif_tsv_corpus(path: Path, span: LineSpan | None = None) -> Iterator[Document]:
    for number, line in _open_lines(path, span):
        if not line.strip():
            continue
        text, _, subjects = line.partition("\t")
        uris = tuple(s.strip("<>") for s in subjects.split() if s)
        yield Document(f"{path.name}:{number}", text, None, uris)


def read_directory(path: Path, language: str | None = None) -> Iterator[Document]:
    files = sorted(p for p in path.iterdir() if p.name.endswith((".txt", ".txt.gz")) and p.is_file())
    for file in files:
        yield read_directory_file(file, language)


def read_directory_file(file: Path, language: str | None = None) -> Document:
    """One ``.txt`` document of a directory, with subjects from a ``.key``/``.tsv`` beside it."""
    document = read_document_file(file, language)
    for suffix in (".key", ".tsv"):
        subject_file = file.with_name(file_stem(file) + suffix)
        if subject_file.exists():
            subjects = _read_subject_file(subject_file)
            return Document(document.id, document.text, language, subjects)
    return document


def _read_subject_file(path: Path) -> tuple[str, ...]:
    """Annif's ``.key`` (a label per line) or ``.tsv`` (``<uri><TAB>label``) subject file."""
    subjects = []
    for _, line in _open_lines(path):
        line = line.strip()
        if not line:
            continue
        first = line.split("\t", 1)[0]
        subjects.append(first.strip("<>") if first.startswith("<") else first)
    return tuple(subjects)


def read_corpus(path: Path, split: str | None = None, labels_field: str | None = None) -> Iterator[Document]:
    """Stream the documents of any supported corpus format.

    ``split`` filters JSONL records by their ``split`` field; other formats carry no split.
    """
    if str(path) == "-":
        yield read_stdin()
        return
    if not path.exists():
        raise NotFoundError(f"{path}: no such file or directory")
    if path.is_dir():
        docs: Iterable[Document] = read_directory(path)
    else:
        name = path.name.lower().removesuffix(".gz")
        if name.endswith((".jsonl", ".ndjson", ".json")):
            docs = read_jsonl(path, split, labels_field)
        elif name.endswith(".tsv"):
            docs = read_annif_tsv_corpus(path)
        else:
            docs = iter([read_document_file(path)])
    yield from docs


# ------------------------------------------------------------------ subject mapping


@dataclass
class SubjectResolver:
    """Maps gold subject strings (labels, URIs, ``A--B`` headings, ``*``-marked) to concepts,
    counting what maps to nothing."""

    vocab: Vocabulary
    unmapped: Counter = field(default_factory=Counter)
    mapped: int = 0

    def resolve(self, subject: str) -> int | None:
        index = self._lookup(subject)
        if index is None:
            self.unmapped[subject] += 1
        else:
            self.mapped += 1
        return index

    def _lookup(self, subject: str) -> int | None:
        subject = subject.strip()
        if subject.startswith(("<", "http://", "https://", "urn:")):
            return self.vocab.index_of_uri(subject)
        cleaned = subject.rstrip("*").strip()
        index = self.vocab.lookup_label(cleaned)
        if index is None and "--" in cleaned:
            index = self.vocab.lookup_label(cleaned.split("--", 1)[0].strip())
        if index is None:
            index = self.vocab.index_of_id(cleaned)
        return index

    def resolve_all(self, subjects: Iterable[str]) -> list[int]:
        found = {i for s in subjects if (i := self.resolve(s)) is not None}
        return sorted(found)

    def report(self, top: int = 5) -> str | None:
        if not self.unmapped:
            return None
        total = sum(self.unmapped.values())
        common = ", ".join(f"{s} ({n})" for s, n in self.unmapped.most_common(top))
        return f"{total} gold subject(s) ({len(self.unmapped)} distinct) match no concept; most frequent: {common}"


@dataclass
class LabelledDoc:
    """A document with its gold subjects as vocabulary indices."""

    document: Document
    concepts: list[int]


@dataclass
class CorpusStats:
    read: int = 0
    used: int = 0
    no_text: int = 0
    no_subjects: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.used} of {self.read} documents used"]
        if self.no_text:
            parts.append(f"{self.no_text} skipped without text")
        if self.no_subjects:
            parts.append(f"{self.no_subjects} skipped without gold subjects in the vocabulary")
        return "; ".join(parts)

    def report(self, say: Callable[[str], None]) -> None:
        """Tell the notes (unmapped subjects...) and the summary, one line each."""
        for note in self.notes:
            say(f"note: {note}")
        say(self.summary())


def labelled_documents(
    paths: Iterable[Path],
    vocab: Vocabulary,
    stats: CorpusStats,
    split: str | None = None,
    labels_field: str | None = None,
) -> Iterator[LabelledDoc]:
    """Stream documents with text and at least one gold subject known to the vocabulary.

    Skipped records are counted in ``stats``; unmapped subjects are reported once per
    corpus into ``stats.notes``.
    """
    for path in paths:
        resolver = SubjectResolver(vocab)
        yield from label_documents(read_corpus(path, split, labels_field), resolver, stats)
        report = resolver.report()
        if report:
            stats.notes.append(f"{path}: {report}")


def label_documents(docs: Iterable[Document], resolver: SubjectResolver, stats: CorpusStats) -> Iterator[LabelledDoc]:
    """Keep the documents with text and a gold subject ``resolver`` knows, counting the rest."""
    for doc in docs:
        stats.read += 1
        if not doc.text.strip():
            stats.no_text += 1
            continue
        concepts = resolver.resolve_all(doc.subjects)
        if not concepts:
            stats.no_subjects += 1
            continue
        stats.used += 1
        yield LabelledDoc(doc, concepts)
