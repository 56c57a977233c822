"""The subject vocabulary: concepts, their labels in six languages, and their links.

Loaders read the UNBIS tables of ``../shared/data/derived``, SKOS (Turtle, RDF/XML,
N-Triples, JSON-LD via rdflib) and Annif's TSV vocabulary. A loaded vocabulary is saved
under the data directory as gzipped JSON with a checksum (see :mod:`undex.modelstore`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from undex.errors import InputError, NotFoundError
from undex.modelstore import artifact_dir, open_artifact, read_manifest, save_artifact
from undex.textnorm import normalize_label

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
VOCAB_FILE = "vocab.json.gz"
csv.field_size_limit(1 << 24)


@dataclass
class Concept:
    """One subject concept. ``id`` is a short stable identifier (UNBIS concept id)."""

    id: str
    uri: str
    prefLabel: dict[str, str] = field(default_factory=dict)
    altLabel: dict[str, list[str]] = field(default_factory=dict)
    notation: str = ""
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    microthesauri: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)

    def label(self, language: str, fallback: str = "en") -> str:
        return (
            self.prefLabel.get(language) or self.prefLabel.get(fallback) or next(iter(self.prefLabel.values()), self.id)
        )

    def labels(self, language: str) -> list[str]:
        """Preferred then alternative labels in ``language``."""
        pref = self.prefLabel.get(language)
        return ([pref] if pref else []) + list(self.altLabel.get(language, []))


@dataclass
class Vocabulary:
    """An ordered list of concepts; a concept's position is its column in score matrices."""

    id: str
    concepts: list[Concept]
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    """Microthesaurus and domain names by code: ``{"140402": {"en": "...", "zh": ...}}``."""

    def __post_init__(self) -> None:
        self._by_id = {c.id: i for i, c in enumerate(self.concepts)}
        self._by_uri = {c.uri: i for i, c in enumerate(self.concepts)}
        self._label_index: tuple[dict[str, int], dict[str, list[int]]] | None = None

    def _labels(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        """Normalised English preferred labels, and all labels, to concepts (built on first use)."""
        if self._label_index is None:
            by_label: dict[str, list[int]] = defaultdict(list)
            for i, concept in enumerate(self.concepts):
                keys = {normalize_label(lbl) for lang in concept.prefLabel for lbl in concept.labels(lang)}
                for key in keys:
                    if key:
                        by_label[key].append(i)
            pref_en = {
                key: i for i, c in enumerate(self.concepts) if (key := normalize_label(c.prefLabel.get("en", "")))
            }
            self._label_index = (pref_en, dict(by_label))
        return self._label_index

    def __len__(self) -> int:
        return len(self.concepts)

    def index_of_id(self, concept_id: str) -> int | None:
        return self._by_id.get(concept_id)

    def index_of_uri(self, uri: str) -> int | None:
        return self._by_uri.get(uri.strip().strip("<>"))

    def lookup_label(self, label: str) -> int | None:
        """The concept a label names: an English preferred label wins over other labels."""
        key = normalize_label(label)
        pref_en, by_label = self._labels()
        if key in pref_en:
            return pref_en[key]
        hits = by_label.get(key)
        return hits[0] if hits else None

    def label_counts(self) -> dict[str, int]:
        """How many concepts have a preferred label in each language."""
        counts: dict[str, int] = defaultdict(int)
        for concept in self.concepts:
            for lang in concept.prefLabel:
                counts[lang] += 1
        return dict(counts)

    def group_name(self, code: str, language: str) -> str:
        names = self.groups.get(code, {})
        return names.get(language) or names.get("en") or code

    @cached_property
    def checksum(self) -> str:
        """SHA-256 of :meth:`to_json`: the checksum a saved vocabulary's manifest records."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    def to_json(self) -> str:
        data = {"id": self.id, "groups": self.groups, "concepts": [asdict(c) for c in self.concepts]}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        data = json.loads(text)
        return cls(data["id"], [Concept(**c) for c in data["concepts"]], data.get("groups", {}))


# --------------------------------------------------------------------------- loaders


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


_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s%;]+)\s+(?:\"([^\"]*)\"|'([^']*)'|(SYSTEM|PUBLIC))")
MAX_ENTITY_EXPANSION = 10 * 1024 * 1024


def _refuse_entity_bombs(path: Path) -> None:
    """XML entities that expand to gigabytes (nested or much repeated) would stall the parser:
    allow plain entities (such as namespace abbreviations) only while their expansion stays small."""
    data = _read_raw(path)
    expansion = 0
    for match in _ENTITY.finditer(data):
        parameter, name, value = match.group(1), match.group(2), match.group(3) or match.group(4) or b""
        if parameter or b"&" in value or b"%" in value:
            raise InputError(f"{path}: XML entity {name.decode(errors='replace')!r} is nested; not expanded")
        expansion += data.count(b"&" + name + b";") * len(value)
        if expansion > MAX_ENTITY_EXPANSION:
            raise InputError(f"{path}: XML entities would expand to more than {MAX_ENTITY_EXPANSION // 2**20} MB")


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


# ----------------------------------------------------------------------- persistence


def vocab_dir(datadir: Path, vocab_id: str) -> Path:
    return artifact_dir(datadir, "vocabs", vocab_id)


def save_vocabulary(vocab: Vocabulary, datadir: Path, source: str = "") -> None:
    payload = vocab.to_json().encode("utf-8")

    def write(tmp: Path) -> None:
        with gzip.open(tmp / VOCAB_FILE, "wb", compresslevel=6) as handle:
            handle.write(payload)

    manifest = {
        "kind": "vocabulary",
        "vocab_id": vocab.id,
        "concepts": len(vocab),
        "checksum": hashlib.sha256(payload).hexdigest(),
        "source": source,
        "labels_per_language": vocab.label_counts(),
    }
    save_artifact(vocab_dir(datadir, vocab.id), write, manifest)


_VOCAB_CACHE: dict[tuple[str, str], Vocabulary] = {}


def load_vocabulary(datadir: Path, vocab_id: str) -> Vocabulary:
    """Load a saved vocabulary (verified); cached per process by checksum."""
    target = vocab_dir(datadir, vocab_id)
    manifest = read_manifest(target)
    if manifest is None:
        raise NotFoundError(
            f"vocabulary {vocab_id!r} is not loaded in {datadir}; run: undex load-vocab {vocab_id} FILE"
        )
    key = (str(target.resolve()), manifest["checksum"])
    if key not in _VOCAB_CACHE:
        version, manifest = open_artifact(target, f"vocabulary {vocab_id!r}")
        with gzip.open(version / VOCAB_FILE, "rt", encoding="utf-8") as handle:
            _VOCAB_CACHE[key] = Vocabulary.from_json(handle.read())
    return _VOCAB_CACHE[key]


def vocabulary_checksum(datadir: Path, vocab_id: str) -> str | None:
    manifest = read_manifest(vocab_dir(datadir, vocab_id))
    return None if manifest is None else manifest["checksum"]


def list_vocabularies(datadir: Path) -> list[dict]:
    root = datadir / "vocabs"
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        manifest = read_manifest(folder) if folder.is_dir() else None
        if manifest is not None:
            found.append(manifest)
    return found
