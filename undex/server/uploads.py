"""Text of uploaded files: UN document format / plain text, .docx (python-docx), .pdf (pypdf)."""

from __future__ import annotations

import io

from undex.corpus import Document, decode_text, parse_document
from undex.errors import InputError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {".txt": "text", ".text": "text", ".docx": "docx", ".pdf": "pdf", ".md": "text"}
CONTENT_TYPES = {"text/plain": "text", DOCX: "docx", "application/pdf": "pdf"}


def kind_of(filename: str, content_type: str | None) -> str:
    """'text', 'docx' or 'pdf', from the file name's extension, else its content type."""
    name = filename.lower()
    for suffix, kind in KINDS.items():
        if name.endswith(suffix):
            return kind
    kind = CONTENT_TYPES.get((content_type or "").split(";", 1)[0].strip().lower())
    if kind is None:
        raise InputError(f"{filename}: unsupported file type; upload .txt, .docx or .pdf")
    return kind


def _docx_text(data: bytes, filename: str) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx raise many types for damaged files
        raise InputError(f"{filename}: not a readable .docx file ({type(exc).__name__})") from None
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(paragraphs)


def _pdf_text(data: bytes, filename: str) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(f"{filename}: the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:  # damaged PDFs raise many types inside pypdf
        raise InputError(f"{filename}: not a readable PDF ({type(exc).__name__})") from None
    return "\n".join(pages)


def extract_document(data: bytes, filename: str, content_type: str | None = None) -> Document:
    """The document in an uploaded file; a ``%%%`` header line gives its subjects."""
    if not data:
        raise InputError(f"{filename}: the file is empty")
    kind = kind_of(filename, content_type)
    if kind == "docx":
        text = _docx_text(data, filename)
    elif kind == "pdf":
        text = _pdf_text(data, filename)
    else:
        text = decode_text(data, filename)
    text = text.replace("\r\n", "\n").replace("\x00", "")
    document = parse_document(text, filename, doc_id=filename)
    if not document.text.strip():
        raise InputError(f"{filename}: no text found in the file")
    return document
