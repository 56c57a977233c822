"""MARC 21 out: records pymarc reads back (191 symbol or 035 id, 650 _7 $a $2 unbist $0 URI),
and ``undex index ... --format marcxml`` writing a whole collection."""

from __future__ import annotations

import json
from pathlib import Path

import pymarc
import pytest

from undex.cli import main
from undex.marc import SubjectHeading, is_un_symbol, marc_record, marcxml_bytes, write_marcxml

WATER = SubjectHeading("ressources en eau", "http://example.org/t/2000001")
RIGHTS = SubjectHeading("droits de l'homme", "http://example.org/t/2000004")


def read_back(data: bytes) -> list[pymarc.Record]:
    from io import BytesIO

    return pymarc.parse_xml_to_array(BytesIO(data))


def subjects_of(record: pymarc.Record) -> list[tuple[str, str, str, str]]:
    """(second indicator, $a, $2, $0) of every 650 field."""
    return [(f.indicators.second, f["a"], f["2"], f["0"]) for f in record.get_fields("650")]


@pytest.mark.parametrize(
    "document_id, symbol",
    [
        ("A/RES/58/217", True),
        ("S/RES/1(1946)", True),
        ("E/CN.17/2004/1", True),
        ("A/C.2/58/L.1/Rev.1", True),
        ("ST/SGB/2003/13", True),
        ("N1743073", False),
        ("seed", False),
        ("corpus.jsonl:3", False),
        ("A RES 58", False),
        ("", False),
        (None, False),
    ],
)
def test_un_symbols_are_told_from_other_ids(document_id: str | None, symbol: bool) -> None:
    assert is_un_symbol(document_id) is symbol


def test_a_record_with_a_symbol_reads_back_with_pymarc() -> None:
    [record] = read_back(marcxml_bytes([marc_record("A/RES/58/217", [WATER, RIGHTS])]))
    assert record["191"]["a"] == "A/RES/58/217"
    assert record.get_fields("035") == []
    assert subjects_of(record) == [
        ("7", "ressources en eau", "unbist", "http://example.org/t/2000001"),
        ("7", "droits de l'homme", "unbist", "http://example.org/t/2000004"),
    ]
    assert record.get_fields("650")[0].indicators.first == " "
    assert record.leader.type_of_record == "a" and record.leader.coding_scheme == "a"


def test_an_id_that_is_no_symbol_goes_to_035_and_control_characters_are_dropped() -> None:
    [record] = read_back(marcxml_bytes([marc_record("report\x01-7", [SubjectHeading("水资源\x00", WATER.uri)])]))
    assert record.get_fields("191") == []
    assert record["035"]["a"] == "report-7"
    assert subjects_of(record) == [("7", "水资源", "unbist", WATER.uri)]


def test_a_collection_is_written_atomically_and_keeps_record_order(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    records = [marc_record(f"A/RES/{n}", [WATER]) for n in range(3)]
    assert write_marcxml(target, records) == 3
    assert [r["191"]["a"] for r in read_back(target.read_bytes())] == ["A/RES/0", "A/RES/1", "A/RES/2"]
    assert [p.name for p in tmp_path.iterdir()] == ["out.xml"]


def _undex(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return exited.value.code, capsys.readouterr().err


def test_index_writes_marcxml_with_labels_in_the_language_asked(mini_workdir: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(mini_workdir)
    with open("projects.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[lexical-mini]\nlanguage = "en"\nbackend = "lexical"\nvocab = "mini"\n')
    documents = [
        {"id": "A/RES/58/217", "text": "Water resources and human rights of women."},
        {"id": "note-2", "text": "Protecting the oceans and their water resources."},
    ]
    Path("corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")

    command = ["index", "lexical-mini", "corpus.jsonl", "-o", "out.xml", "--format", "marcxml", "--label-language"]
    command.append("fr")
    code, err = _undex(command, capsys)
    assert code == 0, err
    assert "Wrote 2 MARC records -> out.xml" in err
    first, second = read_back(Path("out.xml").read_bytes())
    results = [json.loads(line) for line in Path("out.xml.parts/results.jsonl").read_text().splitlines()]
    assert first["191"]["a"] == "A/RES/58/217" and second["035"]["a"] == "note-2"
    for record, result in zip((first, second), results, strict=True):
        expected = [("7", r["label"], "unbist", r["uri"]) for r in result["results"]]
        assert subjects_of(record) == expected and expected
    assert ("7", "ressources en eau", "unbist", "http://example.org/t/2000001") in subjects_of(first)

    code, err = _undex(command, capsys)
    assert code == 0 and "Nothing to do" in err, "a finished run is not redone"
    assert len(read_back(Path("out.xml").read_bytes())) == 2


def test_marcxml_needs_an_output_file(mini_workdir: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(mini_workdir)
    Path("corpus.jsonl").write_text('{"id": "x", "text": "water"}\n', encoding="utf-8")
    code, err = _undex(["index", "tfidf-mini", "corpus.jsonl", "--format", "marcxml"], capsys)
    assert code == 1 and "--format marcxml needs --output" in err
