"""Property-based tests: every reader survives arbitrary and near-valid input.

For each reader the only outcomes allowed are a parsed result (whose strings are valid
Unicode, so it can be saved and printed) or one of undex's own errors naming the file
and, for content errors, the place (``file:line`` or a byte offset). Anything else, or a
reader running longer than :data:`HANG_SECONDS`, fails the test.

``UNDEX_FUZZ_EXAMPLES`` raises the number of examples per test (default keeps the file
under a minute); ``UNDEX_FUZZ_REPORT=path.json`` writes the inputs tried per parser.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import astuple, is_dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from undex.corpus import (
    MAX_DOCUMENT_BYTES,
    Document,
    parse_document,
    read_annif_tsv_corpus,
    read_corpus,
    read_directory,
    read_document_file,
    read_jsonl,
)
from undex.errors import InputError, UndexError
from undex.vocab import Vocabulary, load_vocabulary_file

EXAMPLES = int(os.environ.get("UNDEX_FUZZ_EXAMPLES", "40"))
HANG_SECONDS = 10
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # hangs are caught by the alarm below, slow CI machines are not failures
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TRIED: Counter[str] = Counter()
OUTCOMES: Counter[tuple[str, str]] = Counter()

# A place in a file: ``name:12`` (line), ``offset 345`` (byte) or ``line 3`` (rdflib).
PLACE = re.compile(
    r":\d+|offset \d+|line \d+|position \d+|char \d+|concept \S+"
    r"|: \[[^\]]*\]: |end of document|project id|must be a \[section\]"  # projects.toml: section or key
)
WHOLE_FILE = (
    "no concepts found",
    "truncated or corrupt gzip",
    "larger than",
    "cannot read",
    "no such file",
    "not valid RDF",
    "remote JSON-LD context",
    "nested too deeply",
    # binary uploads: a damaged zip or PDF has no place a cataloguer could fix
    "not a readable",
    "the PDF is encrypted",
    "the file is empty",
    "no text found",
)

# ------------------------------------------------------------------ valid samples

UN_DOC = "%%%WATER RESOURCES|FRESHWATER|\n\n水资源 管理 与 淡水 保护。\nWater resources in arid regions.\n"
JSONL = "\n".join(
    json.dumps(r, ensure_ascii=False)
    for r in [
        {"id": "a", "lang": "en", "text": "Freshwater lakes", "labels": ["FRESHWATER"], "split": "train"},
        {"id": "b", "lang": "zh", "text": "人权 维护者", "labels_unbis": ["HUMAN RIGHTS"], "split": "test"},
        {"id": "c", "text": "Oceans", "labels": "OCEANS"},
    ]
)
ANNIF_CORPUS = "Freshwater lakes\t<http://example.org/t/2> <http://example.org/t/1>\n人权\t<http://example.org/t/4>\n"
UNBIS_TSV = (
    "en\tzh\tar\tfr\tru\tes\tconcept_id\turi\ten_alt\tmicrothesauri\tdomains\n"
    "WATER RESOURCES\t水资源\tالموارد المائية\tressources en eau\tВодные ресурсы\trecursos hidricos\t1\t"
    "http://example.org/t/1\tWATER SUPPLY\t060100:NATURAL RESOURCES\t06:ENVIRONMENT\n"
    "FRESHWATER\t淡水\t\t\t\t\t2\thttp://example.org/t/2\t\t060100:NATURAL RESOURCES\t06:ENVIRONMENT\n"
    "HUMAN RIGHTS\t人权\t\t\t\t\t4\thttp://example.org/t/4\t\t140100:HUMAN RIGHTS\t14:SOCIAL\n"
)
ANNIF_VOCAB = "<http://example.org/t/1>\tWATER RESOURCES\t01\n<http://example.org/t/2>\tFRESHWATER\n"
TURTLE = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <http://example.org/t/> .
t:1 a skos:Concept ; skos:prefLabel "WATER RESOURCES"@en, "水资源"@zh ; skos:altLabel "WATER SUPPLY"@en .
t:2 a skos:Concept ; skos:prefLabel "FRESHWATER"@en ; skos:broader t:1 .
t:m a skos:Collection ; skos:prefLabel "NATURAL RESOURCES"@en ; skos:member t:1, t:2 .
"""
RDFXML = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="http://example.org/t/1">
    <skos:prefLabel xml:lang="en">WATER RESOURCES</skos:prefLabel>
    <skos:prefLabel xml:lang="zh">水资源</skos:prefLabel>
  </skos:Concept>
  <skos:Concept rdf:about="http://example.org/t/2">
    <skos:prefLabel xml:lang="en">FRESHWATER</skos:prefLabel>
    <skos:broader rdf:resource="http://example.org/t/1"/>
  </skos:Concept>
</rdf:RDF>
"""
NTRIPLES = (
    "<http://example.org/t/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<http://www.w3.org/2004/02/skos/core#Concept> .\n"
    '<http://example.org/t/1> <http://www.w3.org/2004/02/skos/core#prefLabel> "WATER RESOURCES"@en .\n'
)
JSONLD = json.dumps(
    [
        {
            "@id": "http://example.org/t/1",
            "@type": ["http://www.w3.org/2004/02/skos/core#Concept"],
            "http://www.w3.org/2004/02/skos/core#prefLabel": [{"@value": "WATER RESOURCES", "@language": "en"}],
        }
    ]
)

# ---------------------------------------------------------------- the harness


class Hang(BaseException):
    """A reader ran longer than HANG_SECONDS (a BaseException: readers that catch every
    Exception must not turn it into an ordinary error)."""


@contextmanager
def time_limit(seconds: int):
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"reader still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in astuple(value):
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _assert_usable(result: Any) -> None:
    """Parsed strings must be valid Unicode: saving or printing them must not fail later."""
    items = result.concepts + [result.groups] if isinstance(result, Vocabulary) else [result]
    for text in _strings(items):
        text.encode("utf-8")


def attempt(parser: str, path: Path | str, call: Callable[[], Any]) -> str:
    """Run one reader on one input; return 'parsed' or 'error', failing on anything else."""
    TRIED[parser] += 1
    try:
        with time_limit(HANG_SECONDS):
            result = call()
            if not isinstance(result, (Document, Vocabulary)):
                result = list(result)
        _assert_usable(result)
        outcome = "parsed"
    except UndexError as exc:
        message = str(exc)
        assert "\n" not in message, f"error message is not one line: {message!r}"
        assert Path(path).name in message, f"error does not name the file: {message!r}"
        assert PLACE.search(message) or any(w in message for w in WHOLE_FILE), f"error names no place: {message!r}"
        outcome = "error"
    OUTCOMES[(parser, outcome)] += 1
    return outcome


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    target = os.environ.get("UNDEX_FUZZ_REPORT")
    if target:
        data = {
            parser: {"tried": n, **{o: OUTCOMES[(parser, o)] for o in ("parsed", "error")}}
            for parser, n in sorted(TRIED.items())
        }
        Path(target).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(_WORKDIR, ignore_errors=True)


_WORKDIR = Path(tempfile.mkdtemp(prefix="undex-fuzz-"))


def write(name: str, data: bytes) -> Path:
    path = _WORKDIR / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- mutations

WRONG_ENCODINGS = ("utf-16", "utf-16-be", "latin-1", "gb18030", "cp1252", "utf-32")


@st.composite
def mutated(draw: st.DrawFn, valid: str) -> bytes:
    """Valid file content damaged in the ways real files get damaged."""
    data = valid.encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "truncate",
                    "bom",
                    "encoding",
                    "nul",
                    "crlf",
                    "cr",
                    "long-line",
                    "flip",
                    "insert",
                    "delete",
                    "duplicate",
                    "separators",
                    "surrogate-escape",
                    "gzip",
                ]
            )
        )
        at = draw(st.integers(0, max(len(data), 1)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "bom":
            data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf" * 2])) + data
        elif kind == "encoding":
            encoding = draw(st.sampled_from(WRONG_ENCODINGS))
            data = data.decode("utf-8", "replace").encode(encoding, "replace")
        elif kind == "nul":
            data = data[:at] + b"\x00" * draw(st.integers(1, 4)) + data[at:]
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif kind == "cr":
            data = data.replace(b"\n", b"\r")
        elif kind == "long-line":
            data = data[:at] + draw(st.sampled_from([b"x", "水".encode(), b"\t", b"|", b"["])) * 200_000 + data[at:]
        elif kind == "flip" and data:
            index = min(at, len(data) - 1)
            data = data[:index] + bytes([draw(st.integers(0, 255))]) + data[index + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(max_size=20)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)) :]
        elif kind == "duplicate":
            data = data[:at] + data[at : at + 200] * draw(st.integers(2, 50)) + data[at:]
        elif kind == "separators":
            data = (
                data[:at] + draw(st.sampled_from([b"\t", b"|", b"%%%", b'"', b"\\", b"<", b">", b"\n\n"])) + data[at:]
            )
        elif kind == "surrogate-escape":
            data = data[:at] + draw(st.sampled_from([b"\\ud800", b"\\udfff", b"\\u0000", b"\\U0010ffff"])) + data[at:]
        elif kind == "gzip":
            data = gzip.compress(data)
            if draw(st.booleans()):
                data = data[: draw(st.integers(0, len(data)))]
    return data


def content(valid: str) -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, arbitrary text, or a mutation of a valid file."""
    return st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=1000).map(lambda t: t.encode("utf-8", "surrogatepass")),
        mutated(valid),
        mutated(valid),
    )


# ----------------------------------------------------------------- documents


SUBJECT_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
HEADED_TEXT = st.builds(
    lambda subjects, ends, line2, body: "%%%" + "|".join(subjects) + ends + "\n" + line2 + "\n" + body,
    st.lists(SUBJECT_TEXT | st.sampled_from(["WATER RESOURCES", " ", "*", "%%%"]), max_size=20),
    st.sampled_from(["|", "", "||", " | "]),
    st.sampled_from(["", " ", "\t", "x"]),
    st.text(max_size=500),
)


@FUZZ
@given(text=st.text(max_size=3000) | HEADED_TEXT)
def test_parse_document_text(text: str) -> None:
    attempt("UN document (text)", "doc.txt", lambda: parse_document(text, "doc.txt"))


@FUZZ
@given(data=content(UN_DOC), gz=st.booleans())
def test_un_document_file(data: bytes, gz: bool) -> None:
    path = write("doc.txt.gz" if gz else "doc.txt", gzip.compress(data) if gz else data)
    attempt("UN document file", path, lambda: read_document_file(path))


@FUZZ
@given(
    files=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c.d", "é", "x y"]), st.sampled_from([".txt", ".key", ".tsv", ".txt.gz"])),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    data=st.data(),
)
def test_directory_corpus(files: list[tuple[str, str]], data: st.DataObject) -> None:
    folder = Path(tempfile.mkdtemp(dir=_WORKDIR))
    for stem, suffix in files:
        valid = "WATER RESOURCES\nFRESHWATER\n" if suffix == ".key" else UN_DOC
        if suffix == ".tsv":
            valid = "<http://example.org/t/1>\tWATER RESOURCES\n"
        (folder / (stem + suffix)).write_bytes(data.draw(content(valid)))
    if data.draw(st.booleans()):
        (folder / "sub.txt").mkdir()  # a directory that looks like a document
    attempt("directory corpus", folder, lambda: read_corpus(folder))


def test_directory_with_unreadable_subject_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(UN_DOC, encoding="utf-8")
    (tmp_path / "a.key").mkdir()
    with pytest.raises(InputError, match=r"a\.key"):
        list(read_directory(tmp_path))


# --------------------------------------------------------------------- corpora


@FUZZ
@given(data=content(JSONL), split=st.sampled_from([None, "train"]), field=st.sampled_from([None, "labels", "x"]))
def test_jsonl(data: bytes, split: str | None, field: str | None) -> None:
    path = write("corpus.jsonl", data)
    attempt("JSONL corpus", path, lambda: read_jsonl(path, split, field))


@FUZZ
@given(
    record=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_jsonl_any_json_value(record: Any) -> None:
    path = write("values.jsonl", json.dumps(record).encode() + b"\n" + json.dumps({"text": record}).encode())
    attempt("JSONL corpus", path, lambda: read_jsonl(path))


@FUZZ
@given(data=content(ANNIF_CORPUS))
def test_annif_tsv_corpus(data: bytes) -> None:
    path = write("corpus.tsv", data)
    attempt("Annif TSV corpus", path, lambda: read_annif_tsv_corpus(path))


# ----------------------------------------------------------------- vocabularies


@FUZZ
@given(data=content(UNBIS_TSV), guess=st.booleans())
def test_unbis_tsv_vocabulary(data: bytes, guess: bool) -> None:
    path = write("unbis_terms.tsv", data)
    fmt = None if guess else "unbis"
    attempt("UNBIS TSV vocabulary", path, lambda: load_vocabulary_file("v", path, fmt=fmt))


@FUZZ
@given(data=content(ANNIF_VOCAB), guess=st.booleans(), gz=st.booleans())
def test_annif_tsv_vocabulary(data: bytes, guess: bool, gz: bool) -> None:
    path = write("subjects.tsv.gz" if gz else "subjects.tsv", gzip.compress(data) if gz else data)
    fmt = None if guess else "annif-tsv"
    attempt("Annif TSV vocabulary", path, lambda: load_vocabulary_file("v", path, fmt=fmt))


SKOS_SAMPLES = {"ttl": TURTLE, "rdf": RDFXML, "nt": NTRIPLES, "jsonld": JSONLD}


@FUZZ
@given(kind=st.sampled_from(sorted(SKOS_SAMPLES)), data=st.data())
def test_skos_vocabulary(kind: str, data: st.DataObject) -> None:
    path = write(f"vocab.{kind}", data.draw(content(SKOS_SAMPLES[kind])))
    attempt("SKOS vocabulary", path, lambda: load_vocabulary_file("v", path, fmt="skos"))


# ------------------------------------------------------------- projects.toml

PROJECTS_TOML = """[tfidf-en]
name = "TF-IDF"
language = "en"
backend = "tfidf"
vocab = "unbis"
limit = 10
min_df = 2

[lexical-zh]
language = "zh"
backend = "lexical"
threshold = 0.1
"""
TOML_VALUES = st.sampled_from(
    [
        '"en"',
        '"zh"',
        '"tfidf"',
        '"lexical"',
        '"ensemble"',
        "0",
        "-1",
        "1e400",
        "true",
        "[1, 2]",
        "{a = 1}",
        '"../x"',
        '""',
    ]
)


@st.composite
def projects_text(draw: st.DrawFn) -> str:
    """projects.toml with sections and keys drawn from real ones and odd values."""
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(["p", '"../up"', '"p\\n"', "a.b", '"x y"', "tfidf-en"]))
        lines.append(f"[{name}]")
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=6, unique=True)):
            lines.append(f"{key} = {draw(TOML_VALUES)}")
    return "\n".join(lines) + "\n"


KEYS = ["name", "language", "backend", "vocab", "limit", "threshold", "min_df", "sources", "model_config", "self"]


@FUZZ
@given(
    text=st.text(max_size=500) | projects_text() | mutated(PROJECTS_TOML).map(lambda b: b.decode("utf-8", "replace"))
)
def test_projects_file(text: str) -> None:
    from undex.project import parse_projects

    attempt("projects.toml", "projects.toml", lambda: parse_projects(text, "projects.toml"))


# ------------------------------------------------ targeted hostile inputs


def test_valid_samples_parse() -> None:
    """The samples the mutations start from are valid (else the fuzzing proves little)."""
    assert read_document_file(write("ok.txt", UN_DOC.encode())).subjects == ("WATER RESOURCES", "FRESHWATER")
    assert len(list(read_jsonl(write("ok.jsonl", JSONL.encode())))) == 3
    assert len(list(read_annif_tsv_corpus(write("ok.tsv", ANNIF_CORPUS.encode())))) == 2
    assert len(load_vocabulary_file("v", write("unbis_terms.tsv", UNBIS_TSV.encode()))) == 3
    assert len(load_vocabulary_file("v", write("s.tsv", ANNIF_VOCAB.encode()))) == 2
    for kind, text in SKOS_SAMPLES.items():
        vocab = load_vocabulary_file("v", write(f"ok.{kind}", text.encode()), fmt="skos")
        assert vocab.concepts[0].prefLabel["en"] == "WATER RESOURCES"


def test_header_with_ten_thousand_subjects() -> None:
    subjects = [f"SUBJECT {i}" for i in range(10_000)]
    path = write("many.txt", ("%%%" + "".join(s + "|" for s in subjects) + "\n\nbody").encode())
    doc = read_document_file(path)
    assert doc.subjects == tuple(subjects) and doc.text == "body"


def test_line_longer_than_the_limit_is_refused_without_reading_it_whole() -> None:
    path = _WORKDIR / "huge.jsonl"
    with open(path, "wb") as handle:
        handle.write(b'{"text": "ok"}\n{"text": "')
        handle.write(b"x" * (MAX_DOCUMENT_BYTES + 10))
        handle.write(b'"}\n')
    with pytest.raises(InputError, match=r"huge\.jsonl:2: line longer than 50 MB"):
        list(read_jsonl(path))
    with pytest.raises(InputError, match=r"document larger than 50 MB"):
        read_document_file(path)
    path.unlink()


def test_deeply_nested_json_ld() -> None:
    path = write("deep.jsonld", b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(InputError, match=r"deep\.jsonld: not valid JSON-LD: nested too deeply"):
        load_vocabulary_file("v", path)


def test_deeply_nested_json() -> None:
    path = write("nested.jsonl", b'{"text": "ok"}\n' + b"[" * 200_000 + b"]" * 200_000 + b"\n")
    with pytest.raises(InputError, match=r"nested\.jsonl:2: invalid JSON"):
        list(read_jsonl(path))
    path = write("nested2.jsonl", b'{"text": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}\n")
    with pytest.raises(InputError, match=r"nested2\.jsonl:1"):
        list(read_jsonl(path))


@pytest.mark.parametrize("field", ["text", "id", "lang", "split"])
def test_lone_surrogate_escape_in_jsonl_names_the_line(field: str) -> None:
    path = write("sur.jsonl", b'{"text": "ok"}\n{"text": "t", "%s": "bad \\ud800", "labels": ["A"]}\n' % field.encode())
    with pytest.raises(InputError, match=r"sur\.jsonl:2: invalid Unicode"):
        list(read_jsonl(path))


@pytest.mark.parametrize(
    "name, valid, reader",
    [
        ("t.jsonl.gz", JSONL, lambda p: list(read_jsonl(p))),
        ("t.tsv.gz", ANNIF_CORPUS, lambda p: list(read_annif_tsv_corpus(p))),
        ("t.txt.gz", UN_DOC, read_document_file),
        ("unbis_terms.tsv.gz", UNBIS_TSV, lambda p: load_vocabulary_file("v", p)),
        ("v.tsv.gz", ANNIF_VOCAB, lambda p: load_vocabulary_file("v", p, fmt="annif-tsv")),
        ("v.ttl.gz", TURTLE, lambda p: load_vocabulary_file("v", p)),
    ],
)
def test_truncated_gzip_is_an_input_error(name: str, valid: str, reader: Callable[[Path], Any]) -> None:
    whole = gzip.compress((valid * 200).encode())
    for cut in (11, len(whole) // 2, len(whole) - 5):
        path = write(name, whole[:cut])
        with pytest.raises(InputError, match=re.escape(name)):
            reader(path)
    corrupt = bytearray(whole)
    corrupt[len(whole) // 2] ^= 0xFF
    path = write(name, bytes(corrupt))
    assert attempt("gzip damage", path, lambda: reader(path)) == "error"  # the CRC check catches any damage


def test_rdfxml_external_entity_is_refused() -> None:
    secret = write("secret.txt", b"TOP SECRET CONTENT")
    xxe = RDFXML.replace(
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>',
    ).replace("FRESHWATER", "&x;")
    path = write("xxe.rdf", xxe.encode())
    assert attempt("SKOS vocabulary", path, lambda: load_vocabulary_file("v", path)) == "error"
    with pytest.raises(InputError, match=r"xxe\.rdf: XML entity 'x' names an external resource \(line 1\)"):
        load_vocabulary_file("v", path)


def test_rdfxml_entity_expansion_bomb_is_refused_quickly() -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    bomb = RDFXML.replace('<?xml version="1.0" encoding="utf-8"?>', f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>')
    path = write("bomb.rdf", bomb.replace("FRESHWATER", "&a9;").encode())
    with pytest.raises(InputError, match=r"bomb\.rdf: XML entity 'a1' is nested"):
        with time_limit(5):
            load_vocabulary_file("v", path)
    # plain entities, as OWL files use for namespaces, still work; many references to a big one do not
    plain = RDFXML.replace(
        '<?xml version="1.0" encoding="utf-8"?>',
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY ex "http://example.org/t/"><!ENTITY big "' + "x" * 100_000 + '">]>',
    ).replace('"http://example.org/t/2"', '"&ex;2"')
    vocab = load_vocabulary_file("v", write("plain.rdf", plain.encode()))
    assert vocab.concepts[1].uri == "http://example.org/t/2"
    many = plain.replace("FRESHWATER", "&big;" * 200)
    with pytest.raises(InputError, match=r"would expand to more than 10 MB"):
        load_vocabulary_file("v", write("many.rdf", many.encode()))


@pytest.mark.parametrize("context", ['"http://192.0.2.1/context.jsonld"', '["file:///etc/hostname"]'])
def test_jsonld_remote_context_is_not_fetched(context: str) -> None:
    doc = json.loads(JSONLD)
    doc[0]["@context"] = json.loads(context)
    path = write("remote.jsonld", json.dumps(doc).encode())
    with time_limit(5), pytest.raises(InputError, match=r"remote\.jsonld: .*remote JSON-LD context"):
        load_vocabulary_file("v", path)


def test_skos_lone_surrogate_escape_names_the_concept() -> None:
    path = write("sur.ttl", TURTLE.replace('"FRESHWATER"@en', '"FRESH\\uD800WATER"@en').encode())
    with pytest.raises(InputError, match=r"sur\.ttl: concept http://example.org/t/2: invalid Unicode"):
        load_vocabulary_file("v", path)


# ------------------------------------------------------------------- uploads


def _docx(*paragraphs: str) -> bytes:
    import io

    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@st.composite
def damaged_binary(draw: st.DrawFn, valid: bytes) -> bytes:
    data = valid
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            index = min(at, len(data) - 1)
            data = data[:index] + bytes([draw(st.integers(0, 255))]) + data[index + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(max_size=50)) + data[at:]
        else:
            data = data[:at] + data[at + draw(st.integers(1, 200)) :]
    return data


UPLOAD_SAMPLES: dict[str, bytes] = {}


def _upload_sample(kind: str) -> bytes:
    if kind not in UPLOAD_SAMPLES:
        from helpers import pdf_bytes as _pdf

        UPLOAD_SAMPLES["docx"] = _docx("%%%WATER RESOURCES|", "", "可持续发展问题世界首脑会议", "Freshwater")
        UPLOAD_SAMPLES["pdf"] = _pdf("Human rights and freshwater")
        UPLOAD_SAMPLES["txt"] = UN_DOC.encode()
    return UPLOAD_SAMPLES[kind]


@FUZZ
@given(kind=st.sampled_from(["docx", "pdf", "txt"]), data=st.data())
def test_uploaded_files(kind: str, data: st.DataObject) -> None:
    from undex.server.uploads import extract_document

    valid = _upload_sample(kind)
    raw = data.draw(st.binary(max_size=2000) | damaged_binary(valid) | damaged_binary(valid))
    name = f"upload.{kind}"
    attempt(f"uploaded .{kind}", name, lambda: extract_document(raw, name))


def test_docx_zip_bomb_is_refused_without_inflating_it() -> None:
    import io
    import zipfile

    from undex.server.uploads import extract_document

    valid = _upload_sample("docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if item.filename == "word/document.xml":
                xml = source.read(item).replace(b"</w:body>", b"<!--" + b" " * 60_000_000 + b"--></w:body>")
                bomb.writestr(item, xml)
            else:
                bomb.writestr(item, source.read(item))
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024  # fits in an upload
    with time_limit(5), pytest.raises(InputError, match=r"upload\.docx: .*larger than"):
        extract_document(data, "upload.docx")
