"""Document structure: the parts of UN documents in six languages, with offsets.

Real documents come from the shared corpora (full-text Security Council resolutions,
General Assembly resolutions) and the Chinese seed report; the other languages are short
passages written here in the drafting style of UN documents."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from undex.analysis.drafting import to_roman
from undex.analysis.structure import DocumentStructure, Part, parse_structure, part_label
from undex.corpus import read_document_file
from undex.errors import InputError

TOP_LEVEL = {"front", "summary", "contents", "section", "body"}


def check_layout(structure: DocumentStructure) -> None:
    """The top-level parts follow one another without gap or overlap from the first
    character to the last, and every other part lies inside one of them."""
    top = [p for p in structure.parts if p.kind in TOP_LEVEL]
    assert top[0].start == 0 and top[-1].end == structure.length
    for before, after in zip(top, top[1:], strict=False):
        assert before.end == after.start, (before, after)
    for part in structure.parts:
        if part.kind not in TOP_LEVEL:
            assert any(t.start <= part.start and part.end <= t.end for t in top), part


def numbers(structure: DocumentStructure, kind: str) -> list[str | None]:
    return [p.number for p in structure.of_kind(kind)]


def text_of(text: str, part: Part) -> str:
    return text[part.start : part.end]


@pytest.fixture(scope="module")
def resolutions(corpora_dir: Path) -> dict[str, str]:
    rows = (json.loads(line) for line in (corpora_dir / "cr_unsc_res_en.jsonl").open(encoding="utf-8"))
    return {row["id"]: row["text"] for row in rows}


@pytest.fixture(scope="module")
def seed(seed_path: Path) -> str:
    return read_document_file(seed_path).text


# ------------------------------------------------------------------ resolutions


def test_security_council_resolutions_split_into_preamble_and_operative(resolutions: dict[str, str]) -> None:
    """Every resolution that opens with "The Security Council," and numbers its operative
    paragraphs gets its preamble before its operative paragraphs, numbered 1, 2, 3 ..."""
    opened = numbered = split = one_to_n = 0
    for text in resolutions.values():
        structure = parse_structure(text, "en")
        check_layout(structure)
        if not re.search(r"^The Security Council,\s*$", text, re.M):
            continue
        opened += 1
        written = re.findall(r"^(\d{1,2})\. [A-Z][a-z]+s\b", text, re.M)
        if not written:
            continue
        numbered += 1
        preamble, operative = structure.of_kind("preamble"), structure.of_kind("operative")
        if preamble and operative and preamble[-1].end <= operative[0].start:
            split += 1
        found = [int(n) for n in numbers(structure, "operative") if n]
        assert all(b > a or b == 1 for a, b in zip(found, found[1:], strict=False)), found
        one_to_n += found == list(range(1, len(found) + 1)) and len(found) >= len(written)
    assert opened > 700 and numbered > 550
    assert split >= 0.97 * numbered, (split, numbered)
    assert one_to_n >= 0.95 * numbered, (one_to_n, numbered)


def test_resolution_with_lettered_sections(resolutions: dict[str, str]) -> None:
    """S/RES/687 (1991): a preamble, operative paragraph 1, then sections A to I holding
    operative paragraphs 2 to 34."""
    text = resolutions["S/RES/687(1991)"]
    structure = parse_structure(text, "en")
    assert numbers(structure, "operative") == [str(n) for n in range(1, 35)]
    assert [p.number for p in structure.of_kind("heading")] == list("ABCDEFGHI")
    assert len(structure.of_kind("preamble")) > 20
    assert text_of(text, structure.of_kind("preamble")[0]).startswith("Recalling its resolutions 660 (1990)")
    section_c = next(p for p in structure.sections() if p.number == "C")
    assert part_label(structure, text.index("8. Decides that Iraq shall unconditionally")) == "operative 8"
    assert section_c.start < text.index("8. Decides that Iraq") < section_c.end


def test_resolution_front_and_annexes(resolutions: dict[str, str]) -> None:
    """S/RES/1454 (2002): symbol block, title, six preambular and five operative
    paragraphs, then annexes whose own numbered paragraphs are not operative ones."""
    text = resolutions["S/RES/1454(2002)"]
    structure = parse_structure(text, "en")
    assert structure.symbol == "S/RES/1454 (2002)"
    assert [p.heading for p in structure.of_kind("title")] == ["Resolution 1454 (2002)"]
    assert len(structure.of_kind("preamble")) == 6
    assert numbers(structure, "operative") == ["1", "2", "3", "4", "5"]
    headings = [p.heading for p in structure.of_kind("heading")]
    assert "Annex A" in headings and "Annex B" in headings
    annex_b = next(p.start for p in structure.of_kind("heading") if p.heading == "Annex B")
    assert all(p.start < annex_b for p in structure.of_kind("operative"))
    assert [p.number for p in structure.of_kind("paragraph") if p.start > annex_b][:3] == ["1", "2", "3"]


def test_general_assembly_operative_paragraphs(corpora_dir: Path) -> None:
    """General Assembly resolutions given as some of their numbered paragraphs only: the
    paragraphs read as operative ones."""
    rows = [json.loads(line) for line in (corpora_dir / "sovrano_unga72_en.jsonl").open(encoding="utf-8")]
    written = operative = other = 0
    for row in rows:
        structure = parse_structure(row["text"], "en")
        check_layout(structure)
        written += len(re.findall(r"^(\d{1,2})\.\s+[A-Z]", row["text"], re.M))
        operative += len(structure.of_kind("operative"))
        other += len(structure.of_kind("paragraph"))
    assert operative >= 0.9 * written and other <= 0.05 * written, (written, operative, other)


def test_flattened_resolution_reads_like_the_one_in_lines(resolutions: dict[str, str]) -> None:
    """Text extracted as one long line (no line breaks) gives the same parts."""
    text = resolutions["S/RES/601(1987)"]
    flat = re.sub(r"\s+", " ", text)
    in_lines, flattened = parse_structure(text, "en"), parse_structure(flat, "en")
    assert numbers(flattened, "operative") == numbers(in_lines, "operative") == [str(n) for n in range(1, 9)]
    assert len(flattened.of_kind("preamble")) == len(in_lines.of_kind("preamble")) == 5
    opening = flattened.of_kind("preamble")[0]
    assert flat[opening.start :].startswith("Having considered the reports of the Secretary-General")
    assert flat[: opening.start].rstrip().endswith("The Security Council,")


# ------------------------------------------------------------------ the seed


def han_unsegmented(text: str) -> str:
    return re.sub(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])", "", text)


def offset_map(original: str, changed: str) -> list[int]:
    """For each offset of ``original``, the offset of the same character in ``changed``
    (which only lacks some white space); a removed space maps to the next character."""
    mapping, j = [], 0
    for ch in original:
        mapping.append(j)
        if j < len(changed) and changed[j] == ch:
            j += 1
    mapping.append(j)
    return mapping


def landmarks(structure: DocumentStructure) -> list[tuple[str, str | None, int]]:
    return [
        (p.kind, p.number, p.start)
        for p in structure.parts
        if p.kind in ("summary", "contents", "heading", "paragraph")
    ]


def test_seed_report_parts(seed: str) -> None:
    """The seed: front page, summary (摘要), contents (目录), chapters 一 to 四 with
    sections A to D, paragraphs 1 to 50 in their chapters."""
    structure = parse_structure(seed)
    check_layout(structure)
    assert structure.language == "zh"
    summary = structure.of_kind("summary")[0]
    assert summary.heading == "摘要" and "协作 安排" in text_of(seed, summary)
    assert structure.of_kind("contents")[0].heading == "目录"
    assert [p.number for p in structure.of_kind("heading")] == ["一", "二", "三", "A", "B", "C", "D", "四"]
    assert numbers(structure, "paragraph") == [str(n) for n in range(1, 51)]
    heading_texts = [p.heading for p in structure.of_kind("heading")]
    assert "B. 能源" in heading_texts and "四. 结论" in heading_texts
    energy = next(p for p in structure.sections() if p.number == "B")
    assert [p.number for p in structure.of_kind("paragraph") if energy.start <= p.start < energy.end] == [
        str(n) for n in range(17, 28)
    ]
    assert part_label(structure, seed.index("淡水 、 水 和 卫生")) == "summary"
    assert structure.symbol == "E/200 4/100"


@pytest.mark.parametrize("variant", ["unsegmented", "traditional"])
def test_seed_unsegmented_and_traditional_have_the_same_parts(seed: str, variant: str) -> None:
    """Removing the spaces between Han characters, or writing Traditional characters,
    moves the parts with the text and changes nothing else."""
    changed = han_unsegmented(seed)
    if variant == "traditional":
        changed = opencc.OpenCC("s2t").convert(changed)
    mapping = offset_map(seed, changed) if variant == "unsegmented" else offset_map(seed, han_unsegmented(seed))
    expected = [(kind, number, mapping[start]) for kind, number, start in landmarks(parse_structure(seed))]
    assert landmarks(parse_structure(changed)) == expected
    assert len(expected) == 1 + 1 + 8 + 50


def test_fully_unsegmented_chinese_in_lines(seed: str) -> None:
    """Chinese laid out in lines, without any spaces (as extracted from a Chinese PDF)."""
    text = re.sub(r"[ \t]+", "", seed)
    text = re.sub(r"(?=[一二三四]\.|[A-D]\.|(?<!\d)\d{1,2}\.(?!\d))", "\n", text)
    structure = parse_structure(text, "zh")
    assert [p.number for p in structure.of_kind("heading")] == ["一", "二", "三", "A", "B", "C", "D", "四"]
    assert numbers(structure, "paragraph") == [str(n) for n in range(1, 51)]
    assert structure.of_kind("summary") and structure.of_kind("contents")


# ------------------------------------------------------------ other languages

FRENCH = """Nations Unies S/RES/2334 (2016)
Conseil de sécurité Distr. générale
23 décembre 2016

Résolution 2334 (2016)

Adoptée par le Conseil de sécurité à sa 7853e séance, le 23 décembre 2016

Le Conseil de sécurité,

Réaffirmant ses résolutions sur la question, notamment les résolutions 242 (1967)
et 338 (1973),

Guidé par les buts et principes énoncés dans la Charte des Nations Unies,

Profondément préoccupé par le fait que la poursuite des activités de peuplement
met gravement en péril la viabilité de la solution des deux États,

1. Réaffirme que la création de colonies dans le territoire occupé depuis 1967
n'a aucun fondement en droit;

2. Exige de nouveau l'arrêt immédiat et complet de toutes les activités de
peuplement;

3. Décide de rester saisi de la question.
"""

RUSSIAN = """Организация Объединенных Наций S/RES/2334 (2016)
Совет Безопасности Distr.: General
23 December 2016

Резолюция 2334 (2016),

принятая Советом Безопасности на его 7853-м заседании 23 декабря 2016 года

Совет Безопасности,

подтверждая свои соответствующие резолюции, включая резолюции 242 (1967)
и 338 (1973),

руководствуясь целями и принципами Устава Организации Объединенных Наций,

будучи глубоко обеспокоен тем, что продолжение деятельности по созданию
поселений ставит под угрозу жизнеспособность решения,

1. вновь подтверждает, что создание поселений на оккупированной территории
не имеет юридической силы;

2. требует немедленно и полностью прекратить всю деятельность по созданию
поселений;

3. постановляет продолжать заниматься этим вопросом.
"""

ARABIC = """الأمم المتحدة S/RES/2334 (2016)
مجلس الأمن Distr.: General
23 December 2016

القرار 2334 (2016)

الذي اتخذه مجلس الأمن في جلسته 7853 المعقودة في 23 كانون الأول/ديسمبر 2016

إن مجلس الأمن،

إذ يؤكد من جديد قراراته ذات الصلة، بما فيها القراران 242 (1967) و 338 (1973)،

وإذ يسترشد بمقاصد ميثاق الأمم المتحدة ومبادئه،

وإذ يساوره بالغ القلق لأن استمرار أنشطة الاستيطان يعرض للخطر حل الدولتين،

١ - يؤكد من جديد أن إنشاء المستوطنات في الأرض المحتلة ليس له أي شرعية قانونية؛

٢ - يطالب بوقف جميع الأنشطة الاستيطانية وقفا فوريا وكاملا؛

٣ - يقرر أن يبقي المسألة قيد نظره.
"""

SPANISH = """Naciones Unidas A/59/100
Asamblea General Distr. general
14 de junio de 2004
Español
Original: inglés

Quincuagésimo noveno período de sesiones
Tema 52 del programa provisional*
Desarrollo sostenible

Cooperación entre organismos en materia de agua dulce y saneamiento

Informe del Secretario General

Resumen
El presente informe examina la cooperación entre los organismos del sistema de las
Naciones Unidas en materia de agua dulce, saneamiento y energía, y propone medidas
para mejorar la coordinación.

Índice
                                                                   Párrafos   Página
I.  Introducción ...................................................  1–2       3
II. Agua dulce y saneamiento .......................................  3–4       3

I. Introducción

1. La Cumbre Mundial sobre el Desarrollo Sostenible pidió que se reforzara la
cooperación entre organismos.

2. El presente informe se ha preparado en respuesta a esa solicitud.

II. Agua dulce y saneamiento

3. ONU-Agua coordina las actividades del sistema relativas al agua dulce y al
saneamiento.

4. Se han establecido grupos de tareas sobre el saneamiento y la gestión integrada
de los recursos hídricos.
"""

ENGLISH_REPORT = """United Nations                                                      E/CN.17/2004/100
Economic and Social Council                                         Distr.: General
                                                                    14 April 2004

                                                                    Original: English

Commission on Sustainable Development
Twelfth session
14-30 April 2004
Item 5 of the provisional agenda*
Other matters

           Follow-up to the World Summit on Sustainable Development:
           inter-agency cooperation and coordination

           Report of the Secretary-General

 Contents
                                                                    Paragraphs   Page
   I.   Introduction . . . . . . . . . . . . . . . . . . . . . . .      1–3        2
   II.  Decisions of the Chief Executives Board . . . . . . . . .      4–9        3
        A.   Freshwater, water and sanitation . . . . . . . . . . .    4–6        3
        B.   Energy . . . . . . . . . . . . . . . . . . . . . . . .    7–9        4

 Executive summary
   The present report outlines the decisions taken within the framework of the
 United Nations System Chief Executives Board for Coordination to strengthen inter-
 agency cooperation, with a focus on freshwater, energy and oceans.

 * E/CN.17/2004/1.

04-30512 (E)    210404
*0430512*

 I. Introduction

 1. The Johannesburg Plan of Implementation requested the Secretary-General to
 promote system-wide inter-agency cooperation and coordination on the follow-up
 to the Summit.
 2. The Commission, at its eleventh session, reaffirmed the need for coordinated
 follow-up.
 3. The present report provides an update.

 II. Decisions of the Chief Executives Board

 A. Freshwater, water and sanitation

 4. The Millennium Declaration calls for halving the proportion of people
 without access to safe drinking water.
E/CN.17/2004/100

 5. UN-Water has been established as the inter-agency mechanism.
 6. Task forces on sanitation and on integrated water resources management were
 created.

 B. Energy

 7. The Summit identified energy as a key area.
 8. There is no single entity in charge of energy in the system.
 9. The Board agreed to establish UN-Energy.
"""

ARABIC_REPORT = """أولا - مقدمة

1 - طلب مؤتمر القمة العالمي للتنمية المستدامة تعزيز التعاون بين الوكالات.

ثانيا - المياه العذبة والصرف الصحي

ألف - المياه العذبة

2 - تنسق آلية الأمم المتحدة للمياه أنشطة المنظومة المتعلقة بالمياه العذبة.

باء - الصرف الصحي

3 - أنشئت فرق عمل معنية بالصرف الصحي.
"""

CHINESE_RESOLUTION = """安全理事会，

回顾其以往关于该问题的各项决议，

铭记《联合国宪章》的宗旨和原则，

深为关切持续的定居点活动危及两国解决方案的可行性，

1. 重申以色列在1967年以来占领的巴勒斯坦领土上建立定居点没有任何法律效力；

2. 要求立即完全停止一切定居点活动；

3. 决定继续处理此案。
"""


@pytest.mark.parametrize(
    ("text", "language", "preamble_opening"),
    [
        (FRENCH, "fr", "Réaffirmant ses résolutions"),
        (RUSSIAN, "ru", "подтверждая свои"),
        (ARABIC, "ar", "إذ يؤكد من جديد"),
        (CHINESE_RESOLUTION, "zh", "回顾其以往"),
    ],
)
def test_resolutions_in_other_languages(text: str, language: str, preamble_opening: str) -> None:
    for stated in (language, None):
        structure = parse_structure(text, stated)
        check_layout(structure)
        assert structure.language == language
        preamble = structure.of_kind("preamble")
        assert len(preamble) == 3 and text_of(text, preamble[0]).startswith(preamble_opening)
        assert numbers(structure, "operative") == ["1", "2", "3"]
        assert preamble[-1].end <= structure.of_kind("operative")[0].start
        assert part_label(structure, structure.of_kind("operative")[1].start + 5) == "operative 2"
    if language != "zh":
        assert structure.symbol == "S/RES/2334 (2016)"
        assert (
            structure.of_kind("title")[0].heading.endswith("2334 (2016)")
            or "2334" in structure.of_kind("title")[0].heading
        )


def test_spanish_report() -> None:
    structure = parse_structure(SPANISH, "es")
    check_layout(structure)
    assert structure.symbol == "A/59/100"
    assert structure.of_kind("title")[0].heading.endswith("Informe del Secretario General")
    summary = structure.of_kind("summary")[0]
    assert summary.heading == "Resumen" and "agua dulce, saneamiento" in text_of(SPANISH, summary)
    contents = structure.of_kind("contents")[0]
    assert "Párrafos" in text_of(SPANISH, contents) and "1–2" in text_of(SPANISH, contents)
    assert [(p.number, p.heading) for p in structure.of_kind("heading")] == [
        ("I", "I. Introducción"),
        ("II", "II. Agua dulce y saneamiento"),
    ]
    assert numbers(structure, "paragraph") == ["1", "2", "3", "4"]
    assert [part_label(structure, SPANISH.index(s)) for s in ("propone medidas", "ONU-Agua")] == [
        "summary",
        "paragraph 3",
    ]


def test_english_report_laid_out_like_a_pdf() -> None:
    """First page furniture in columns, contents with dot leaders, the summary after the
    contents, a footnote, page header and footer between paragraphs."""
    text = ENGLISH_REPORT
    structure = parse_structure(text, "en")
    check_layout(structure)
    assert structure.symbol == "E/CN.17/2004/100"
    assert structure.of_kind("title")[0].heading.endswith(
        "inter-agency cooperation and coordination Report of the Secretary-General"
    )
    assert [p.kind for p in structure.parts if p.kind in TOP_LEVEL][:3] == ["front", "contents", "summary"]
    assert structure.of_kind("summary")[0].heading == "Executive summary"
    assert [p.heading for p in structure.of_kind("heading")] == [
        "I. Introduction",
        "II. Decisions of the Chief Executives Board",
        "A. Freshwater, water and sanitation",
        "B. Energy",
    ]
    assert numbers(structure, "paragraph") == [str(n) for n in range(1, 10)]
    assert part_label(structure, text.index("UN-Water has been")) == "paragraph 5"
    assert part_label(structure, text.index("Energy . . .")) == "contents"
    assert [p.number for p in structure.sections()] == ["I", "II", "A", "B"]


CHINESE_REPORT = """联合国 E/2004/100
经济及社会理事会

秘书长的报告

摘要
本报告概述机构间合作。

第一章 导言
1. 首脑会议要求加强合作。
2. 委员会重申必须协调。

第二章 水和卫生
（一）淡水
3. 联合国之水已经成立。
（二）卫生
4. 设立了卫生问题工作队。
"""


def test_chinese_report_with_chapters() -> None:
    structure = parse_structure(CHINESE_REPORT)
    check_layout(structure)
    assert structure.symbol == "E/2004/100" and structure.of_kind("title")[0].heading == "秘书长的报告"
    assert [(p.heading, p.level) for p in structure.of_kind("heading")] == [
        ("第一章 导言", 1),
        ("第二章 水和卫生", 1),
        ("（一）淡水", 2),
        ("（二）卫生", 2),
    ]
    assert numbers(structure, "paragraph") == ["1", "2", "3", "4"]
    assert part_label(structure, CHINESE_REPORT.index("机构间合作")) == "summary"


def test_arabic_report_headings() -> None:
    structure = parse_structure(ARABIC_REPORT)
    assert structure.language == "ar"
    assert [(p.number, p.level) for p in structure.of_kind("heading")] == [
        ("أولا", 1),
        ("ثانيا", 1),
        ("ألف", 2),
        ("باء", 2),
    ]
    assert numbers(structure, "paragraph") == ["1", "2", "3"]


# ------------------------------------------------------------ edge cases


@pytest.mark.parametrize(
    "text",
    [
        "Water resources management in small island developing States and coastal areas.",
        "Cooperation between agencies\non freshwater, sanitation and energy,\nwith no numbering at all",
        "可持续发展问题世界首脑会议的后续行动：机构间合作与协调",
    ],
)
def test_text_without_parts_is_one_body(text: str) -> None:
    structure = parse_structure(text)
    assert structure.parts == (Part("body", 0, len(text)),)
    assert part_label(structure, len(text) // 2) == "body"
    assert structure.sections() == [Part("body", 0, len(text))]


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty_text(text: str) -> None:
    structure = parse_structure(text)
    assert structure.parts == (Part("body", 0, len(text)),)
    assert structure.part_at(0).kind == "body" and structure.symbol is None


def test_bad_input_is_named() -> None:
    with pytest.raises(InputError, match="unsupported language 'de'"):
        parse_structure("Text", "de")
    structure = parse_structure("Some text.", "en")
    with pytest.raises(InputError, match="offset 11 is outside the text"):
        structure.part_at(11)
    with pytest.raises(InputError, match="outside"):
        structure.part_at(-1)


def test_every_offset_has_its_innermost_part(resolutions: dict[str, str]) -> None:
    text = resolutions["S/RES/674(1990)"]
    structure = parse_structure(text, "en")
    for offset in range(0, len(text) + 1, 7):
        innermost = structure.part_at(offset)
        containing = structure.parts_at(offset)
        assert containing[-1] == innermost
        if offset < len(text):
            assert innermost.start <= offset < innermost.end
            assert all(p.start <= offset < p.end for p in containing)
            assert min(containing, key=lambda p: p.end - p.start) == innermost


PIECES = [
    "1. ", "2. ", "3.", "12, ", "I. ", "II. ", "A. ", "B.", "А. ", "一、", "二.", "（一）", "第一章",
    "أولا - ", "ألف - ", "١ - ", "\n", "\n\n", " ", ",", "，", "، ", ";", ".",
    "Summary", "Contents", "摘要", "目录", "Résumé",
    "The Security Council,", "安全理事会，", "Recalling", "Decides", "إذ يشير", "يقرر", "回顾", "决定", "напоминая",
    "постановляет", "S/RES/1 (2000)", "12 June 2004", "Annex", "word ", "ABC ", "x" * 700, "(a) ", "\f", "\r\n",
    "..... 3", "第", "十", "A", "I", "\u3000",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=60) | st.lists(st.text(max_size=30), max_size=20),
    language=st.sampled_from([None, "en", "zh", "ar", "ru", "fr", "es"]),
)
def test_any_text_gets_a_layout(pieces: list[str], language: str | None) -> None:
    """Whatever the text, the parts cover it without gaps and every offset has a part."""
    text = "".join(pieces)
    structure = parse_structure(text, language)
    check_layout(structure)
    for offset in range(0, len(text) + 1, max(1, len(text) // 9)):
        assert structure.part_at(offset) in structure.parts


# ------------------------------------------------------------ long documents


def long_report(resolutions: dict[str, str], size: int) -> str:
    """A report of ``size`` characters laid out like a PDF extraction: front page,
    summary, chapters and sections with consecutively numbered paragraphs (their text
    taken from real resolutions), page headers and footers between pages."""
    sentences = [" ".join(s.split()) for text in resolutions.values() for s in re.split(r"(?<=[;.])\s+", text)]
    sentences = [s for s in sentences if 80 < len(s) < 400 and not s.isupper()]
    out = ["United Nations A/59/100\n\nGeneral Assembly Distr.: General\n14 June 2004\n\n", "Report\n\n"]
    out.append("Summary\n" + sentences[0] + "\n\n")
    paragraph, chapter, length = 0, 0, sum(map(len, out))
    while length < size:
        chapter += 1
        block = [f"{to_roman(chapter)}. Chapter {chapter}\n\n"]
        for letter in "ABC":
            block.append(f"{letter}. Section {letter} of chapter {chapter}\n\n")
            for _ in range(6):
                paragraph += 1
                block.append(f"{paragraph}. {sentences[paragraph % len(sentences)]}\n\n")
            block.append(f"04-{paragraph:05d} (E)\nA/59/100\n\n")
        out += block
        length += sum(map(len, block))
    return "".join(out)


def best_time(text: str) -> float:
    return min(_timed(text) for _ in range(3))


def _timed(text: str) -> float:
    start = time.perf_counter()
    parse_structure(text, "en")
    return time.perf_counter() - start


def test_hundred_thousand_characters(resolutions: dict[str, str]) -> None:
    """A 100k-character report parses in well under a tenth of a second (the budget is
    50 ms on an idle machine; the bound here leaves room for a busy one), and time grows
    linearly with length."""
    text = long_report(resolutions, 100_000)
    structure = parse_structure(text, "en")
    check_layout(structure)
    paragraphs = numbers(structure, "paragraph")
    assert paragraphs == [str(n) for n in range(1, len(paragraphs) + 1)] and len(paragraphs) > 250
    assert len(structure.of_kind("heading")) == 4 * len(paragraphs) // 18
    assert structure.of_kind("summary")
    hundred, four_hundred = best_time(text), best_time(long_report(resolutions, 400_000))
    assert hundred < 0.25, hundred
    assert four_hundred < 8 * hundred, (hundred, four_hundred)


# ------------------------------------------------------------ the CLI


def run_cli(main, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code in (0, None)


def test_suggest_explain_names_the_part_of_each_evidence_span(
    resolutions: dict[str, str], unbis_datadir: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """`undex suggest --explain` and the JSON evidence say which part each span is in."""
    from undex.cli import main

    (tmp_path / "projects.toml").write_text(
        '[lexical-en]\nlanguage = "en"\nbackend = "lexical"\nvocab = "unbis"\n', encoding="utf-8"
    )
    (tmp_path / "resolution.txt").write_text(resolutions["S/RES/601(1987)"], encoding="utf-8")
    text = read_document_file(tmp_path / "resolution.txt").text
    structure = parse_structure(text, "en")
    monkeypatch.chdir(tmp_path)
    command = ["suggest", "lexical-en", "resolution.txt", "--datadir", str(unbis_datadir), "--limit", "30"]

    run_cli(main, [*command, "--explain"])
    spans = re.findall(r"^\t\[(\d+):\d+\] \[([^\]]+)\] ", capsys.readouterr().out, re.M)
    assert spans and all(part == part_label(structure, int(start)) for start, part in spans)
    assert {part.split()[0] for _, part in spans} >= {"preamble", "operative"}
    assert any(re.fullmatch(r"operative [1-8]", part) for _, part in spans)

    run_cli(main, [*command, "--format", "json"])
    evidence = [e for result in json.loads(capsys.readouterr().out)[0]["results"] for e in result["evidence"]]
    assert evidence and all(e["part"] == part_label(structure, e["start"]) for e in evidence)
