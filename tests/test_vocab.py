"""Vocabulary loaders (UNBIS tables, SKOS, Annif TSV), label lookup and persistence."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pytest

from undex.corpus import SubjectResolver
from undex.errors import InputError, ModelError, NotFoundError
from undex.modelstore import current_version
from undex.vocab import (
    VOCAB_FILE,
    Vocabulary,
    list_vocabularies,
    load_vocabulary,
    load_vocabulary_file,
    save_vocabulary,
    vocab_dir,
    vocabulary_checksum,
)

SKOS_TTL = """\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/thes/> .

ex:c1 a skos:Concept ;
    skos:prefLabel "WATER RESOURCES"@en, "水资源"@zh, "ressources en eau"@fr ;
    skos:altLabel "WATER SUPPLY SOURCES"@en, "HYDRAULIC RESOURCES"@en ;
    skos:notation "060100" ;
    skos:narrower ex:c2 ;
    skos:related ex:c3 .

ex:c2 a skos:Concept ;
    skos:prefLabel "GROUNDWATER"@en, "地下水"@zh .

ex:c3 a skos:Concept ;
    skos:prefLabel "DESALINATION"@en .

ex:mt a skos:Collection ;
    skos:prefLabel "natural resources"@en, "自然资源"@zh ;
    skos:member ex:c1, ex:c2 .
"""


@pytest.fixture(scope="module")
def unbis(unbis_terms: Path) -> Vocabulary:
    return load_vocabulary_file("unbis", unbis_terms)


def concept(vocab: Vocabulary, label: str):
    index = vocab.lookup_label(label)
    assert index is not None, label
    return vocab.concepts[index]


# ------------------------------------------------------------------------- UNBIS table


def test_unbis_table(unbis: Vocabulary) -> None:
    assert len(unbis) == 7221
    counts = unbis.label_counts()
    assert counts["en"] == 7221 and counts["zh"] > 7000 and set(counts) == {"ar", "zh", "en", "fr", "ru", "es"}
    inter = concept(unbis, "INTER-AGENCY COOPERATION")
    assert inter.id == "1003249" and inter.uri == "http://metadata.un.org/thesaurus/1003249"
    assert inter.prefLabel["zh"] == "机构间合作"
    assert inter.altLabel["en"] == ["INTERAGENCY COOPERATION"]
    assert inter.microthesauri == ["010200"] and inter.domains == ["01"]
    assert unbis.group_name("010200", "en") == "international relations"
    assert unbis.group_name("01", "zh") == "政治和法律问题"
    assert unbis.group_name("999999", "en") == "999999"
    assert len(unbis.groups) > 150
    assert len({c.id for c in unbis.concepts}) == len({c.uri for c in unbis.concepts}) == 7221


def test_unbis_relations_table_links_both_ways(unbis: Vocabulary) -> None:
    refugees = concept(unbis, "MOZAMBICAN REFUGEES")
    african = concept(unbis, "AFRICAN REFUGEES")
    assert african.id in refugees.broader and refugees.id in african.narrower
    mozambicans = concept(unbis, "MOZAMBICANS")
    assert mozambicans.id in refugees.related and refugees.id in mozambicans.related


def test_unbis_table_without_side_tables(tmp_path: Path, unbis_terms: Path) -> None:
    """The terms table alone loads; the microthesaurus names and links are simply absent."""
    shutil.copy(unbis_terms, tmp_path / "unbis_terms.tsv")
    vocab = load_vocabulary_file("alone", tmp_path / "unbis_terms.tsv")
    assert len(vocab) == 7221 and vocab.groups == {}
    assert concept(vocab, "MOZAMBICAN REFUGEES").broader == []


# ------------------------------------------------------------------------------- SKOS


@pytest.mark.parametrize("gz", [False, True])
def test_skos_turtle(tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("thes.ttl.gz" if gz else "thes.ttl")
    path.write_bytes(gzip.compress(SKOS_TTL.encode()) if gz else SKOS_TTL.encode())
    vocab = load_vocabulary_file("skos", path)
    assert [c.uri for c in vocab.concepts] == [f"http://example.org/thes/c{i}" for i in (1, 2, 3)]
    water, ground, desal = vocab.concepts
    assert water.id == "c1" and water.notation == "060100"
    assert water.prefLabel == {"en": "WATER RESOURCES", "zh": "水资源", "fr": "ressources en eau"}
    assert water.altLabel == {"en": ["HYDRAULIC RESOURCES", "WATER SUPPLY SOURCES"]}
    assert water.narrower == ["c2"] and ground.broader == ["c1"]
    assert water.related == ["c3"] and desal.related == ["c1"]
    assert water.microthesauri == ["mt"] and ground.microthesauri == ["mt"] and desal.microthesauri == []
    assert vocab.group_name("mt", "zh") == "自然资源"
    assert vocab.lookup_label("地下水") == 1 and vocab.lookup_label("hydraulic resources") == 0


def test_skos_rdfxml_gives_the_same_vocabulary(tmp_path: Path) -> None:
    import rdflib

    (tmp_path / "thes.ttl").write_text(SKOS_TTL, encoding="utf-8")
    graph = rdflib.Graph().parse(tmp_path / "thes.ttl", format="turtle")
    graph.serialize(tmp_path / "thes.rdf", format="xml")
    from_ttl = load_vocabulary_file("v", tmp_path / "thes.ttl")
    from_xml = load_vocabulary_file("v", tmp_path / "thes.rdf")
    assert from_xml.checksum == from_ttl.checksum


def test_invalid_skos_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text("ex:c1 a skos:Concept", encoding="utf-8")
    with pytest.raises(InputError, match="bad.ttl: not valid RDF"):
        load_vocabulary_file("bad", path)


# -------------------------------------------------------------------------- Annif TSV


def test_annif_tsv_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "subjects.tsv"
    path.write_text(
        "<http://example.org/s/1>\tWasserressourcen\n\n<http://example.org/s/2>\tMeere\t06.2\r\n", encoding="utf-8"
    )
    vocab = load_vocabulary_file("annif", path, language="de")
    assert [(c.id, c.uri, c.prefLabel, c.notation) for c in vocab.concepts] == [
        ("1", "http://example.org/s/1", {"de": "Wasserressourcen"}, ""),
        ("2", "http://example.org/s/2", {"de": "Meere"}, "06.2"),
    ]
    assert vocab.lookup_label("MEERE") == 1 and vocab.index_of_uri("<http://example.org/s/1>") == 0
    # no English labels here: an empty or '*'-only subject must not match a concept
    assert vocab.lookup_label("") is None and vocab.lookup_label("  ") is None
    assert SubjectResolver(vocab).resolve_all(["*", "--Meere", "Meere*"]) == [1]


def test_annif_tsv_vocabulary_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "subjects.tsv"
    path.write_text("<http://example.org/s/1>\tone\nhttp://example.org/s/2\ttwo\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"subjects.tsv:2: expected '<uri>\\tlabel'"):
        load_vocabulary_file("annif", path)


@pytest.mark.parametrize(
    "content",
    [
        b"en\tconcept_id\turi\nCAF\xc9\t1\thttp://x/1\n",  # bad byte in the first (header-sniffed) chunk
        b"<http://x/1>\tcaf\xe9\n",
        b"en\tconcept_id\turi\n" + b"".join(b"T%d\t%d\thttp://x/%d\n" % (i, i, i) for i in range(2000)) + b"CAF\xc9\n",
    ],
    ids=["unbis-header-line", "annif-tsv", "unbis-far-in-file"],
)
def test_vocabulary_in_wrong_encoding_names_file_and_byte_offset(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "latin.tsv"
    path.write_bytes(content)
    offset = content.index(b"\xc9" if b"\xc9" in content else b"\xe9")
    with pytest.raises(InputError, match=rf"latin\.tsv: not UTF-8 text \(invalid byte at offset {offset}\)"):
        load_vocabulary_file("latin", path)


def test_unknown_vocabulary_file_or_format(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        load_vocabulary_file("x", tmp_path / "missing.tsv")
    (tmp_path / "terms.txt").write_text("whatever", encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell the vocabulary format"):
        load_vocabulary_file("x", tmp_path / "terms.txt")
    (tmp_path / "empty.tsv").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no concepts found"):
        load_vocabulary_file("x", tmp_path / "empty.tsv")


# ---------------------------------------------------------------------- label lookup


@pytest.mark.parametrize(
    "variant",
    [
        "SUSTAINABLE DEVELOPMENT",
        "sustainable development",
        "Sustainable  Development",
        "  sustainable\tdevelopment\n",
        "ＳＵＳＴＡＩＮＡＢＬＥ　ＤＥＶＥＬＯＰＭＥＮＴ",  # full width, ideographic space
        "développement durable",  # French label is stored without accents
        "DÉVELOPPEMENT DURABLE",
        "desarrollo sostenible",
        "可持续发展",
        "ECOLOGICALLY SUSTAINABLE DEVELOPMENT",  # alternative label
    ],
)
def test_label_lookup_normalises(unbis: Vocabulary, variant: str) -> None:
    assert concept(unbis, variant).prefLabel["en"] == "SUSTAINABLE DEVELOPMENT"


def test_label_lookup_unknown(unbis: Vocabulary) -> None:
    assert unbis.lookup_label("no such concept at all") is None
    assert unbis.lookup_label("") is None


# ----------------------------------------------------------------------- persistence


@pytest.mark.slow
def test_save_load_round_trip_is_exact(unbis: Vocabulary, tmp_path: Path) -> None:
    """(Load time is measured in bench/foundation.py, not asserted here.)"""
    import undex.vocab

    save_vocabulary(unbis, tmp_path, source="unbis_terms.tsv")
    undex.vocab.store._VOCAB_CACHE.clear()  # a real load from disk, not the process cache
    loaded = load_vocabulary(tmp_path, "unbis")
    original = unbis.to_json()
    assert loaded.to_json() == original
    assert vocabulary_checksum(tmp_path, "unbis") == hashlib.sha256(original.encode("utf-8")).hexdigest()
    assert loaded.checksum == unbis.checksum == vocabulary_checksum(tmp_path, "unbis")
    assert loaded.lookup_label("机构间合作") == unbis.lookup_label("INTER-AGENCY COOPERATION")
    listed = list_vocabularies(tmp_path)
    assert [(m["vocab_id"], m["concepts"], m["source"]) for m in listed] == [("unbis", 7221, "unbis_terms.tsv")]


def test_tampered_vocabulary_file_is_a_model_error(mini_vocab_path: Path, tmp_path: Path) -> None:
    import undex.vocab

    save_vocabulary(load_vocabulary_file("mini", mini_vocab_path), tmp_path)
    undex.vocab.store._VOCAB_CACHE.clear()
    version = current_version(vocab_dir(tmp_path, "mini"))
    assert version is not None
    data = gzip.decompress((version / VOCAB_FILE).read_bytes()).replace(b"OCEANS", b"OCEANX")
    (version / VOCAB_FILE).write_bytes(gzip.compress(data))
    with pytest.raises(ModelError, match="corrupt or was modified"):
        load_vocabulary(tmp_path, "mini")


def test_unknown_saved_vocabulary(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="run: undex load-vocab nope FILE"):
        load_vocabulary(tmp_path, "nope")
