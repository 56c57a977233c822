"""Corpus readers (every format, gzip, BOM, CRLF) and gold-subject resolution."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from undex.corpus import (
    CorpusStats,
    Document,
    SubjectResolver,
    labelled_documents,
    read_corpus,
    read_document_file,
)
from undex.errors import InputError, NotFoundError
from undex.vocab import Vocabulary, load_vocabulary_file

UN_DOC = "%%%WATER RESOURCES|FRESHWATER|\n\nFreshwater lakes.\nSecond line.\n"


def write(path: Path, data: str | bytes, gz: bool = False) -> Path:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def jsonl(path: Path, records: list[dict], gz: bool = False) -> Path:
    return write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), gz)


@pytest.fixture(scope="module")
def mini_vocab() -> Vocabulary:
    return load_vocabulary_file("mini", Path(__file__).parent / "fixtures" / "mini_unbis" / "mini_terms.tsv")


# ------------------------------------------------------------------ UN document format


@pytest.mark.parametrize(
    "raw, gz",
    [
        (UN_DOC.encode(), False),
        (b"\xef\xbb\xbf" + UN_DOC.encode(), False),
        (UN_DOC.replace("\n", "\r\n").encode(), False),
        (b"\xef\xbb\xbf" + UN_DOC.replace("\n", "\r\n").encode(), True),
    ],
    ids=["plain", "bom", "crlf", "bom-crlf-gzip"],
)
def test_un_document_with_header(tmp_path: Path, raw: bytes, gz: bool) -> None:
    path = write(tmp_path / ("doc-1.txt.gz" if gz else "doc-1.txt"), raw, gz)
    doc = read_document_file(path)
    assert doc.id == "doc-1"
    assert doc.subjects == ("WATER RESOURCES", "FRESHWATER")
    assert doc.text == "Freshwater lakes.\nSecond line.\n"
    assert list(read_corpus(path)) == [doc]


def test_un_document_without_header_is_unlabelled(tmp_path: Path) -> None:
    doc = read_document_file(write(tmp_path / "plain.txt", "\ufeffJust a body\r\nwith two lines", gz=False))
    assert doc.subjects == ()
    assert doc.text == "Just a body\nwith two lines"


def test_seed_document(seed_path: Path) -> None:
    doc = read_document_file(seed_path)
    assert doc.subjects[0] == "SUSTAINABLE DEVELOPMENT"
    assert "CLEANER PRODUCTION" in doc.subjects and len(doc.subjects) == 12
    assert "经济" in doc.text and not doc.text.startswith("%%%")


@pytest.mark.parametrize(
    "text, message",
    [
        ("%%%WATER RESOURCES|FRESHWATER\n\nbody", "each subject must be followed by '|'"),
        ("%%%WATER RESOURCES||\n\nbody", "empty subject"),
        ("%%%WATER RESOURCES|\nbody right away", "line 2 must be blank"),
    ],
)
def test_malformed_header(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "bad.txt", text)
    with pytest.raises(InputError, match=message) as info:
        read_document_file(path)
    assert str(path) in str(info.value)


def test_wrong_encoding_names_file_and_true_byte_offset(tmp_path: Path) -> None:
    """The offset is counted in the file's bytes, BOM included."""
    path = write(tmp_path / "latin.txt", b"\xef\xbb\xbfcaf\xe9")
    with pytest.raises(InputError, match=r"latin\.txt: not UTF-8 text \(invalid byte at offset 6\)"):
        read_document_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        list(read_corpus(tmp_path / "missing.txt"))
    with pytest.raises(NotFoundError, match="no such file"):
        read_document_file(tmp_path / "missing.txt")


# ------------------------------------------------------------------------ directories


def test_directory_of_un_documents_and_annif_fulltext_layout(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", UN_DOC)
    write(tmp_path / "b.txt", "Oceans and seas.")
    write(tmp_path / "b.key", "OCEANS\nHUMAN RIGHTS\n\n")
    write(tmp_path / "c.txt.gz", "Human rights report.", gz=True)
    write(
        tmp_path / "c.tsv", "<http://example.org/t/2000004>\tHUMAN RIGHTS\r\n<http://example.org/t/2000005>\tOCEANS\r\n"
    )
    write(tmp_path / "d.txt", "No subjects at all.")
    write(tmp_path / "notes.md", "not a document")
    docs = {d.id: d for d in read_corpus(tmp_path)}
    assert sorted(docs) == ["a", "b", "c", "d"]
    assert docs["a"].subjects == ("WATER RESOURCES", "FRESHWATER")
    assert docs["b"].subjects == ("OCEANS", "HUMAN RIGHTS") and docs["b"].text == "Oceans and seas."
    assert docs["c"].subjects == ("http://example.org/t/2000004", "http://example.org/t/2000005")
    assert docs["c"].text == "Human rights report."
    assert docs["d"].subjects == ()


def test_directory_subjects_resolve_to_concepts(tmp_path: Path, mini_vocab: Vocabulary) -> None:
    write(tmp_path / "b.txt", "Oceans and seas.")
    write(tmp_path / "b.key", "oceans\n")
    write(tmp_path / "c.txt", "Rights.")
    write(tmp_path / "c.tsv", "<http://example.org/t/2000004>\tHUMAN RIGHTS\n")
    stats = CorpusStats()
    docs = list(labelled_documents([tmp_path], mini_vocab, stats))
    assert [[mini_vocab.concepts[i].prefLabel["en"] for i in d.concepts] for d in docs] == [
        ["OCEANS"],
        ["HUMAN RIGHTS"],
    ]


# ------------------------------------------------------------------------------ JSONL

RECORDS = [
    {"id": "r1", "lang": "en", "text": "Water", "labels": ["WATER RESOURCES*"], "split": "train"},
    {"id": "r2", "lang": "en", "text": "Seas", "labels": ["raw"], "labels_unbis": ["OCEANS"], "split": "test"},
    {"id": "r3", "lang": "", "text": "Rights", "labels": ["HUMAN RIGHTS"], "mine": ["FRESHWATER"], "split": "train"},
    {"id": "r4", "text": "No split"},
]


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl_fields_and_split(tmp_path: Path, gz: bool) -> None:
    path = jsonl(tmp_path / ("c.jsonl.gz" if gz else "c.jsonl"), RECORDS, gz)
    docs = list(read_corpus(path))
    assert [d.id for d in docs] == ["r1", "r2", "r3", "r4"]
    assert docs[0] == Document("r1", "Water", "en", ("WATER RESOURCES*",), "train")
    assert docs[1].subjects == ("OCEANS",)  # labels_unbis preferred over labels
    assert docs[2].language is None and docs[3].subjects == ()
    assert [d.id for d in read_corpus(path, split="train")] == ["r1", "r3"]
    assert [d.id for d in read_corpus(path, split="test")] == ["r2"]
    assert list(read_corpus(path, split="dev")) == []


def test_jsonl_labels_field(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "c.jsonl", RECORDS)
    assert [d.subjects for d in read_corpus(path, labels_field="labels")][:2] == [("WATER RESOURCES*",), ("raw",)]
    assert [d.subjects for d in read_corpus(path, labels_field="mine")][2] == ("FRESHWATER",)


def test_jsonl_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", json.dumps(RECORDS[0]) + "\n\n{not json}\n")
    with pytest.raises(InputError, match=r"bad\.jsonl:3: invalid JSON"):
        list(read_corpus(path))
    path = write(tmp_path / "list.jsonl", "[1, 2]\n")
    with pytest.raises(InputError, match=r"list\.jsonl:1: a JSON object was expected"):
        list(read_corpus(path))
    path = jsonl(tmp_path / "labels.jsonl", [{"id": "x", "text": "t", "labels": [1, 2]}])
    with pytest.raises(InputError, match=r"labels\.jsonl:1: subjects must be a list of strings"):
        list(read_corpus(path))


def test_jsonl_wrong_encoding_offset_counts_the_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.jsonl", b'\xef\xbb\xbf{"text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"bom\.jsonl:1: not UTF-8 text \(invalid byte at offset 16\)"):
        list(read_corpus(path))
    path = write(tmp_path / "l2.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"l2\.jsonl:2: not UTF-8 text \(invalid byte at offset 28\)"):
        list(read_corpus(path))


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    data = gzip.compress(("".join(json.dumps(r) + "\n" for r in RECORDS) * 200).encode())
    path = write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.jsonl.gz: cannot read"):
        list(read_corpus(path))


def test_jsonl_streams_records(tmp_path: Path) -> None:
    """The reader yields the first record before it reaches a broken line far below."""
    path = write(tmp_path / "s.jsonl", json.dumps(RECORDS[0]) + "\n" + "{broken\n")
    reader = read_corpus(path)
    assert next(reader).id == "r1"
    with pytest.raises(InputError, match=":2: invalid JSON"):
        next(reader)


def test_shared_corpus_split_counts(corpora_dir: Path) -> None:
    path = corpora_dir / "sovrano_unga72_en.jsonl"
    splits = [d.split for d in read_corpus(path)]
    assert len(splits) == 91
    assert sum(1 for _ in read_corpus(path, split="test")) == splits.count("test") == 10


# ------------------------------------------------------------------- Annif TSV corpus


@pytest.mark.parametrize("gz", [False, True])
def test_annif_tsv_corpus(tmp_path: Path, gz: bool, mini_vocab: Vocabulary) -> None:
    text = (
        "Oceans and seas\t<http://example.org/t/2000005>\n"
        "\n"
        "Water and rights\t<http://example.org/t/2000001> <http://example.org/t/2000004>\r\n"
        "No subjects here\t\n"
    )
    path = write(tmp_path / ("short.tsv.gz" if gz else "short.tsv"), text, gz)
    docs = list(read_corpus(path))
    assert [d.text for d in docs] == ["Oceans and seas", "Water and rights", "No subjects here"]
    assert docs[1].subjects == ("http://example.org/t/2000001", "http://example.org/t/2000004")
    assert docs[2].subjects == ()
    stats = CorpusStats()
    labelled = list(labelled_documents([path], mini_vocab, stats))
    assert [d.concepts for d in labelled] == [[4], [0, 3]]
    assert stats.summary() == "2 of 3 documents used; 1 skipped without gold subjects in the vocabulary"


# ------------------------------------------------------------------ subject resolution


@pytest.mark.parametrize(
    "subject, preferred",
    [
        ("WATER RESOURCES", "WATER RESOURCES"),
        ("water resources", "WATER RESOURCES"),
        ("Water Resources", "WATER RESOURCES"),
        ("WATER SUPPLY SOURCES", "WATER RESOURCES"),  # alternative label
        ("seas", "OCEANS"),  # alternative label, any case
        ("http://example.org/t/2000002", "FRESHWATER"),
        ("<http://example.org/t/2000002>", "FRESHWATER"),
        ("HUMAN RIGHTS--AFRICA", "HUMAN RIGHTS"),  # UN Digital Library heading with subdivision
        ("OCEANS*", "OCEANS"),  # catalogue's '*' mark
        ("SUSTAINABLE DEVELOPMENT--FINANCING*", "SUSTAINABLE DEVELOPMENT"),
        ("可持续发展", "SUSTAINABLE DEVELOPMENT"),  # a Chinese preferred label
    ],
)
def test_subject_resolver_maps(mini_vocab: Vocabulary, subject: str, preferred: str) -> None:
    resolver = SubjectResolver(mini_vocab)
    index = resolver.resolve(subject)
    assert index is not None and mini_vocab.concepts[index].prefLabel["en"] == preferred
    assert resolver.mapped == 1 and resolver.report() is None


def test_subject_resolver_counts_and_reports_unknown(mini_vocab: Vocabulary) -> None:
    resolver = SubjectResolver(mini_vocab)
    subjects = ["OCEANS", "Alliance of Civilizations", "NO SUCH--THING", "Alliance of Civilizations", "http://x/1"]
    assert resolver.resolve_all(subjects) == [4]
    assert resolver.unmapped == {"Alliance of Civilizations": 2, "NO SUCH--THING": 1, "http://x/1": 1}
    report = resolver.report(top=2)
    assert report is not None
    assert report.startswith("4 gold subject(s) (3 distinct) match no concept")
    assert "Alliance of Civilizations (2)" in report and "http://x/1" not in report


def test_unmapped_subjects_reported_once_per_corpus(tmp_path: Path, mini_vocab: Vocabulary) -> None:
    first = jsonl(
        tmp_path / "one.jsonl", [{"text": "a", "labels": ["OCEANS", "MARS"]}, {"text": "b", "labels": ["MARS"]}]
    )
    second = jsonl(tmp_path / "two.jsonl", [{"text": "c", "labels": ["VENUS"]}, {"text": "", "labels": ["OCEANS"]}])
    stats = CorpusStats()
    docs = list(labelled_documents([first, second], mini_vocab, stats))
    assert [d.document.text for d in docs] == ["a"]
    assert (stats.read, stats.used, stats.no_text, stats.no_subjects) == (4, 1, 1, 2)
    assert len(stats.notes) == 2
    assert stats.notes[0].startswith(f"{first}: 2 gold subject(s) (1 distinct)") and "MARS (2)" in stats.notes[0]
    assert stats.notes[1].startswith(f"{second}: 1 gold subject(s)") and "VENUS (1)" in stats.notes[1]


@pytest.mark.parametrize("name", ["dl_voting_samples.jsonl", "cr_unsc_res_en.jsonl"])
def test_raw_catalogue_labels_resolve_like_the_catalogue_mapping(
    corpora_dir: Path, unbis_datadir: Path, name: str
) -> None:
    """Raw ``labels`` ('*' marks, ``A--B`` headings, alternative labels, name headings) resolve
    to exactly the concepts of the corpus's own UNBIS mapping ``labels_unbis``."""
    from undex.vocab import load_vocabulary

    vocab = load_vocabulary(unbis_datadir, "unbis")
    raw_stats, unbis_stats = CorpusStats(), CorpusStats()
    path = corpora_dir / name
    raw = list(labelled_documents([path], vocab, raw_stats, labels_field="labels"))
    mapped = list(labelled_documents([path], vocab, unbis_stats))
    assert [d.concepts for d in raw] == [d.concepts for d in mapped] and raw
    assert raw_stats.used == unbis_stats.used
    assert len(raw_stats.notes) == 1 and "UN INTERIM FORCE IN LEBANON (2)" in raw_stats.notes[0]
    assert unbis_stats.notes == []
