"""Readers of vocabulary files: the UNBIS tables of ``../shared/data/derived``, SKOS (Turtle,
RDF/XML, N-Triples, JSON-LD via rdflib) and Annif's TSV vocabulary.

Files come from users: every reading problem is an :class:`InputError` naming the file, XML
entities are checked with defusedxml before rdflib expands them, and JSON-LD may not name
remote contexts.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from defusedxml.expatreader import DefusedExpatParser

from undex.errors import InputError, NotFoundError
from undex.textnorm import normalize_label
from undex.vocab.model import LANGUAGES, Concept, Vocabulary

csv.field_size_limit(1 << 24)


def load_vocabulary_file(vocab_id: str, path: Path, language: str = "en", fmt: str | None = None) -> Vocabulary:
    """Load a vocabulary from a file, guessing its format from name and content."""
    if not path.exists():
        raise NotFoundError(f"vocabulary file {path} does not exist")
    with _reading(path):
        fmt = fmt or _guess_format(path)
        if fmt == "unbis":
            concepts, groups = _read_unbis_tables(path)
        elif fmt == "skos":
            concepts, groups = _read_skos(path)
        elif fmt == "annif-tsv":
            concepts, groups = list(_read_annif_tsv(path, language)), {}
        else:
            raise InputError(f"unknown vocabulary format {fmt!r} (use unbis, skos or annif-tsv)")
    if not concepts:
        raise InputError(f"{path}: no concepts found")
    return Vocabulary(vocab_id, concepts, groups)


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn what reading ``path`` can raise (bad bytes, damaged gzip, a directory) into InputError."""
    try:
        yield
    except UnicodeDecodeError:
        try:
            error = _not_utf8(path)
        except (OSError, EOFError, zlib.error) as exc:  # damaged gzip after the bad bytes
            error = _damaged_gzip(path, exc)
        raise error from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _damaged_gzip(path, exc) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _damaged_gzip(path: Path, exc: Exception) -> InputError:
    return InputError(f"{path}: cannot read (truncated or corrupt gzip?): {exc}")


def _guess_format(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".ttl", ".rdf", ".xml", ".nt", ".jsonld", ".n3", ".owl")):
        return "skos"
    if name.endswith((".tsv", ".csv")):
        try:
            with _open_text(path) as handle:
                header = handle.readline().rstrip("\r\n").split("\t")
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        return "unbis" if {"en", "concept_id", "uri"} <= set(header) else "annif-tsv"
    raise InputError(f"{path}: cannot tell the vocabulary format from the name; give --format")


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _not_utf8(path: Path) -> InputError:
    """The error for a file that is not UTF-8, naming the first bad byte's offset in the file.

    (A text-mode reader's ``UnicodeDecodeError`` counts from the start of its current chunk.)
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    consumed = 0
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        while True:
            block = handle.read(1 << 16)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return InputError(f"{path}: not UTF-8 text (invalid byte at offset {consumed - pending + exc.start})")
            if not block:
                return InputError(f"{path}: not UTF-8 text")
            consumed += len(block)


def _split_multi(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def _read_tsv_rows(path: Path) -> Iterator[dict[str, str]]:
    try:
        with _open_text(path) as handle:
            yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except csv.Error as exc:
        raise InputError(f"{path}: malformed TSV: {exc}") from exc


def _read_unbis_tables(terms_path: Path) -> tuple[list[Concept], dict[str, dict[str, str]]]:
    """Read ``unbis_terms.tsv`` and, when present beside it, the microthesaurus,
    hierarchy and relation tables."""
    concepts: list[Concept] = []
    for line, row in enumerate(_read_tsv_rows(terms_path), start=2):
        en = (row.get("en") or "").strip()
        if not en:
            raise InputError(f"{terms_path}:{line}: row without an English label")
        concept_id = (row.get("concept_id") or "").strip() or f"T{line}"
        uri = (row.get("uri") or "").strip() or f"urn:undex:unbis:{normalize_label(en)}"
        pref = {lang: row[lang].strip() for lang in LANGUAGES if (row.get(lang) or "").strip()}
        alt = {"en": _split_multi(row.get("en_alt") or "")} if (row.get("en_alt") or "").strip() else {}
        micro = [m.split(":", 1)[0] for m in _split_multi(row.get("microthesauri") or "")]
        domains = [d.split(":", 1)[0] for d in _split_multi(row.get("domains") or "")]
        concepts.append(Concept(concept_id, uri, pref, alt, microthesauri=micro, domains=domains))
    _deduplicate_ids(concepts)
    folder = terms_path.parent
    groups = _read_unbis_groups(folder / "unbis_microthesauri.tsv")
    _add_hierarchy(concepts, folder / "unbis_hierarchy.tsv")
    for relations in sorted(folder.glob("unbis_relations*.tsv")):
        _add_relations(concepts, relations)
    return concepts, groups


def _deduplicate_ids(concepts: list[Concept]) -> None:
    seen: set[str] = set()
    for concept in concepts:
        if concept.id in seen:
            concept.id = f"{concept.id}-{normalize_label(concept.prefLabel['en'])}"
            concept.uri = f"{concept.uri}#{normalize_label(concept.prefLabel['en'])}"
        seen.add(concept.id)


def _read_unbis_groups(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    return {
        row["code"]: {lang: row[lang] for lang in LANGUAGES if row.get(lang)}
        for row in _read_tsv_rows(path)
        if row.get("level") in ("domain", "microthesaurus")
    }


def _add_hierarchy(concepts: list[Concept], path: Path) -> None:
    if not path.exists():
        return
    by_id = {c.id: c for c in concepts}
    for row in _read_tsv_rows(path):
        concept = by_id.get(row.get("concept_id") or "")
        if concept is None:
            continue
        micro, domain = row.get("microthesaurus_code") or "", row.get("domain_code") or ""
        if micro and micro not in concept.microthesauri:
            concept.microthesauri.append(micro)
        if domain and domain not in concept.domains:
            concept.domains.append(domain)


def _add_relations(concepts: list[Concept], path: Path) -> None:
    by_id = {c.id: c for c in concepts}
    for row in _read_tsv_rows(path):
        source, target = by_id.get(row.get("source_id") or ""), by_id.get(row.get("target_id") or "")
        relation = row.get("relation")
        if source is None or target is None or relation not in ("broader", "narrower", "related"):
            continue
        _link(source, relation, target.id)
        inverse = {"broader": "narrower", "narrower": "broader", "related": "related"}[relation]
        _link(target, inverse, source.id)


def _link(concept: Concept, relation: str, other: str) -> None:
    links: list[str] = getattr(concept, relation)
    if other not in links:
        links.append(other)


def _read_skos(path: Path) -> tuple[list[Concept], dict[str, dict[str, str]]]:
    import rdflib
    from rdflib.namespace import RDF, SKOS

    graph = rdflib.Graph()
    rdf_format = rdflib.util.guess_format(path.name.removesuffix(".gz")) or "turtle"
    if rdf_format == "json-ld":
        _refuse_remote_contexts(path)
    elif rdf_format in ("xml", "trix"):
        _refuse_entity_bombs(path)
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                graph.parse(handle, format=rdf_format)
        else:
            graph.parse(path, format=rdf_format)
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise InputError(
            f"{path}: not valid RDF: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from exc
    uris = sorted({str(s) for s in graph.subjects(RDF.type, SKOS.Concept)})
    concepts: dict[str, Concept] = {}
    for uri in uris:
        node = rdflib.URIRef(uri)
        pref: dict[str, str] = {}
        alt: dict[str, list[str]] = defaultdict(list)
        for literal in graph.objects(node, SKOS.prefLabel):
            pref.setdefault(getattr(literal, "language", None) or "en", str(literal))
        for literal in graph.objects(node, SKOS.altLabel):
            alt[getattr(literal, "language", None) or "en"].append(str(literal))
        notation = next((str(n) for n in graph.objects(node, SKOS.notation)), "")
        concept_id = uri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or uri
        concepts[uri] = Concept(concept_id, uri, pref, {k: sorted(v) for k, v in alt.items()}, notation)
    for relation, predicate in (("broader", SKOS.broader), ("narrower", SKOS.narrower), ("related", SKOS.related)):
        for s, o in graph.subject_objects(predicate):
            if str(s) in concepts and str(o) in concepts:
                _link(concepts[str(s)], relation, concepts[str(o)].id)
                inverse = {"broader": "narrower", "narrower": "broader", "related": "related"}[relation]
                _link(concepts[str(o)], inverse, concepts[str(s)].id)
    groups: dict[str, dict[str, str]] = {}
    for collection in set(graph.subjects(RDF.type, SKOS.Collection)) | set(graph.subjects(SKOS.member, None)):
        code = str(collection).rstrip("/").rsplit("/", 1)[-1]
        names = {getattr(lbl, "language", None) or "en": str(lbl) for lbl in graph.objects(collection, SKOS.prefLabel)}
        groups[code] = names or {"en": code}
        for member in graph.objects(collection, SKOS.member):
            if str(member) in concepts:
                concepts[str(member)].microthesauri.append(code)
    _deduplicate_ids(list(concepts.values())) if all("en" in c.prefLabel for c in concepts.values()) else None
    _check_unicode(path, concepts.values())
    return list(concepts.values()), groups


MAX_ENTITY_EXPANSION = 10 * 1024 * 1024


class _PrologRead(Exception):
    """Raised at the root element: every entity declaration has been seen."""


class _StopAtRoot(ContentHandler):
    def startElement(self, name: str, _attrs: object) -> None:
        raise _PrologRead


class _EntityCheck(DefusedExpatParser):
    """defusedxml's expat reader, reading only the prolog, that lets plain internal entities
    (such as OWL's namespace abbreviations) through while their total expansion stays small,
    and refuses nested, parameter and external ones."""

    def __init__(self, path: Path, data: bytes) -> None:
        super().__init__(forbid_dtd=False, forbid_entities=True, forbid_external=True)
        self.path, self.data, self.expansion = path, data, 0
        self.setContentHandler(_StopAtRoot())

    def defused_entity_decl(self, name, is_parameter_entity, value, base, sysid, pubid, notation_name) -> None:
        where = f"(line {self.getLineNumber()})"
        if sysid is not None or pubid is not None:
            raise InputError(f"{self.path}: XML entity {name!r} names an external resource {where}; not read")
        if is_parameter_entity or "&" in value or "%" in value:
            raise InputError(f"{self.path}: XML entity {name!r} is nested {where}; not expanded")
        self.expansion += self.data.count(f"&{name};".encode()) * len(value.encode())
        if self.expansion > MAX_ENTITY_EXPANSION:
            raise InputError(f"{self.path}: XML entities would expand to more than {MAX_ENTITY_EXPANSION // 2**20} MB")

    def defused_unparsed_entity_decl(self, name, base, sysid, pubid, notation_name) -> None:
        self.defused_entity_decl(name, False, None, base, sysid, pubid, notation_name)


def _refuse_entity_bombs(path: Path) -> None:
    """XML entities that expand to gigabytes (nested or much repeated) would stall the parser,
    and external ones would read other files: check the declarations before rdflib parses.
    A document that is not well-formed is left to rdflib to report."""
    data = _read_raw(path)
    try:
        _EntityCheck(path, data).parse(io.BytesIO(data))
    except (_PrologRead, SAXException, LookupError, ValueError):  # the rest is for rdflib to report
        return


def _read_raw(path: Path) -> bytes:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        return handle.read()


def _refuse_remote_contexts(path: Path) -> None:
    """JSON-LD can name contexts by URL or file path, which rdflib would fetch or read:
    a vocabulary file must be self-contained."""
    data = _read_raw(path)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON-LD: {str(exc)[:120]}") from None
    except RecursionError:
        raise InputError(f"{path}: not valid JSON-LD: nested too deeply") from None
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            context = node.get("@context")
            if isinstance(context, str) or (isinstance(context, list) and any(isinstance(c, str) for c in context)):
                raise InputError(f"{path}: remote JSON-LD context {str(context)[:80]!r} is not fetched; inline it")
            if "@import" in node:
                raise InputError(f"{path}: remote JSON-LD context ('@import') is not fetched; inline it")
            stack.extend(node.values())


def _check_unicode(path: Path, concepts: Iterable[Concept]) -> None:
    """RDF escapes (``\\uD800``) can make lone surrogates, which could never be saved."""
    for concept in concepts:
        try:
            json.dumps(asdict(concept), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(
                f"{path}: concept {concept.uri[:200]}: invalid Unicode (a lone surrogate escape)"
            ) from None


def _read_annif_tsv(path: Path, language: str) -> Iterable[Concept]:
    """Annif's simple vocabulary: ``<uri><TAB>label[<TAB>notation]`` per line."""
    try:
        with _open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                parts = line.split("\t")
                if len(parts) < 2 or not parts[0].startswith("<") or not parts[0].endswith(">"):
                    raise InputError(f"{path}:{number}: expected '<uri>\\tlabel', got {line[:80]!r}")
                uri = parts[0][1:-1]
                notation = parts[2] if len(parts) > 2 else ""
                concept_id = uri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or uri
                yield Concept(concept_id, uri, {language: parts[1]}, notation=notation)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
