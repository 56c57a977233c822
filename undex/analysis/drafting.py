"""The drafting conventions of United Nations documents in the six official languages.

These are the words and shapes the UN editorial manuals prescribe for every document: the
heading words of a summary and a table of contents, the ordinals that number chapters and
sections, the front matter of the first page (symbol, distribution, date, agenda item),
and how resolutions open their paragraphs: preambular paragraphs with a participle or an
adjective ("Recalling", "Deeply concerned", "Rappelant", "напоминая", "إذ يشير", "回顾")
ending in a comma, operative paragraphs with a verb in the present ("Decides",
"Décide", "постановляет", "يقرر", "决定") ending in a semicolon or a full stop.
Nothing here is taken from any particular document.
"""

from __future__ import annotations

import re

# ------------------------------------------------------------------ heading words


def _cjk_tolerant(word: str) -> str:
    """A regex for a CJK word that also matches it pre-segmented (spaces between characters)."""
    return r"\s?".join(re.escape(ch) for ch in word)


_SUMMARY_WORDS = [
    r"(?:executive\s+)?summary",
    r"r[ée]sum[ée](?:\s+analytique)?",
    r"resumen(?:\s+(?:ejecutivo|anal[ií]tico))?",
    r"резюме",
    r"краткое\s+содержание",
    r"аннотация",
    r"(?:ال)?موجز(?:\s+تنفيذي)?",
    r"(?:ال)?ملخص",
] + [_cjk_tolerant(w) for w in ("内容提要", "內容提要", "摘要", "提要")]

_CONTENTS_WORDS = [
    r"(?:table\s+of\s+)?contents",
    r"table\s+des\s+mati[èe]res",
    r"sommaire",
    r"[íi]ndice",
    r"содержание",
    r"оглавление",
    r"المحتويات",
] + [_cjk_tolerant(w) for w in ("目录", "目錄")]

SUMMARY_WORD = re.compile(r"(?:" + "|".join(_SUMMARY_WORDS) + r")", re.IGNORECASE)
CONTENTS_WORD = re.compile(r"(?:" + "|".join(_CONTENTS_WORDS) + r")", re.IGNORECASE)

ANNEX_WORD = re.compile(
    r"(?:annexe?|anexo|приложение|(?:ال)?مرفق|附\s?件)(?:\s+(?:[IVXL]+|[A-Z]|\d{1,2}))?\s*[.:：]?", re.IGNORECASE
)
"""An annex heading: "Annex", "Annex II", "Anexo B", "附件一"."""

# ---------------------------------------------------------------- ordinals

HAN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
HAN_NUMERAL = "一二三四五六七八九十"

ARABIC_ORDINALS = ("أولا", "ثانيا", "ثالثا", "رابعا", "خامسا", "سادسا", "سابعا", "ثامنا", "تاسعا", "عاشرا")
"""أولا - ... : the chapter numbering of Arabic UN documents (I., II., ...)."""

ARABIC_LETTERS = ("ألف", "باء", "جيم", "دال", "هاء", "واو", "زاي", "حاء", "طاء", "ياء", "كاف", "لام", "ميم")
"""ألف - ... : the section lettering of Arabic UN documents (A., B., ...)."""

CYRILLIC_LETTERS = "АБВГДЕЖЗИКЛМН"
"""А., Б., В. ...: the section lettering of Russian UN documents."""

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


def roman_value(numeral: str) -> int | None:
    """The value of a Roman numeral up to 89, or None for a malformed one ("IIII", "VX")."""
    total = 0
    for i, ch in enumerate(numeral):
        value = _ROMAN[ch]
        following = _ROMAN[numeral[i + 1]] if i + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total if 0 < total < 90 and to_roman(total) == numeral else None


def to_roman(value: int) -> str:
    out = []
    for size, symbol in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, value = divmod(value, size)
        out.append(symbol * count)
    return "".join(out)


def han_value(numeral: str) -> int | None:
    """The value of a Chinese numeral from 一 to 九十九, or None."""
    if "十" not in numeral:
        return HAN_DIGITS.get(numeral) if len(numeral) == 1 else None
    tens, _, units = numeral.partition("十")
    if (tens and tens not in HAN_DIGITS) or (units and units not in HAN_DIGITS) or len(numeral) > 3:
        return None
    return HAN_DIGITS.get(tens, 1) * 10 + HAN_DIGITS.get(units, 0)


# ------------------------------------------------------------------ front matter

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
    "يناير|فبراير|مارس|أبريل|مايو|يونيه|يونيو|يوليه|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|"
    "كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|كانون الأول"
)
_MONTH = rf"(?:{_MONTHS})(?:\s?/\s?(?:{_MONTHS}))?"
DATE = re.compile(
    rf"\b\d{{1,2}}(?:er)?\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?\d{{4}}"
    rf"|\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"
    r"|\d{4}\s?年\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?",
    re.IGNORECASE,
)

SYMBOL = re.compile(r"(?<![\w/])[A-Z]{1,8}(?:\.\d+)?(?:/[A-Za-z0-9][A-Za-z0-9.\-]*(?:\s\d+(?=/))?)+(?:\s?\(\d{4}\))?")
"""A UN document symbol: A/RES/70/1, S/RES/2334 (2016), E/CN.17/2001/PC/2, A/HRC/42/L.1.
A digit group split by a space before the next slash ("E/200 4/100", as pre-segmented
Chinese text writes it) is part of the symbol. Callers keep only matches with a digit."""

_AGENDA = (
    r"agenda\s+item|item\s+\d+.{0,40}\bagenda|point\s+\d+.{0,40}ordre\s+du\s+jour|ordre\s+du\s+jour\s+provisoire"
    r"|tema\s+\d+.{0,40}programa|programa\s+provisional|пункт\s+\d+.{0,40}повестк|повестк\w*\s+дня"
    r"|البند\s+\S+.{0,40}جدول\s+الأعمال|جدول\s+الأعمال\s+المؤقت"
    r"|(?:临\s?时\s?|臨\s?時\s?)?[议議]\s?程\s?[*＊]*\s?[项項]\s?目\s?\d+(?:\s?\([a-z]\))?"
    r"|(?:临\s?时\s?|臨\s?時\s?)[议議]\s?程"
)
_FRONT_MARKS = (
    r"distr\.|\boriginal\s?:|оригинал\s?:|الأصل\s?:|原\s?文\s?[:：]"
    r"|^(?:adopted|adoptée|adopté|aprobad[oa]|принят[аы]?|اتخذ)|第\s?\d+\s?次\s?会议|第\s?\d+\s?次\s?會議"
)
_SESSION = r"\bsession\b|período\s+de\s+sesiones|сесси[яи]|الدورة|" + "|".join(
    _cjk_tolerant(w) for w in ("届会", "屆會")
)
FRONT_MARK = re.compile(rf"{_AGENDA}|{_FRONT_MARKS}", re.IGNORECASE)
"""Distribution, original language, agenda item, adoption: first-page furniture."""
SESSION = re.compile(_SESSION, re.IGNORECASE)
"""A session line ("Fifty-ninth session"); front matter when the line is short."""

_CJK_ORGANS = ("安全理事会", "安全理事會", "经济及社会理事会", "經濟及社會理事會")
_ORGANS = (
    "Security Council|General Assembly|Economic and Social Council|"
    "Conseil de sécurité|Assemblée générale|Conseil économique et social|"
    "Consejo de Seguridad|Asamblea General|Consejo Económico y Social|"
    "Совет Безопасности|Генеральная Ассамблея|Экономический и Социальный Совет|"
    "مجلس الأمن|الجمعية العامة|المجلس الاقتصادي والاجتماعي|"
    + "|".join(_cjk_tolerant(w) for w in _CJK_ORGANS)
    + "|大会|大會"
)
_UNITED_NATIONS = (
    "United Nations|Nations Unies|Naciones Unidas|Организация Объединенных Наций|الأمم المتحدة|联合国|聯合國"
)
BODY_NAMES = re.compile(
    rf"^(?:the\s+|le\s+|la\s+|l['’]|el\s+|إن\s+)?(?:{_ORGANS}|{_UNITED_NATIONS})\s*[,،，]?$", re.IGNORECASE
)
"""A line naming the Organization or a principal organ: first-page furniture, or the
author line of a resolution."""
AUTHOR = re.compile(rf"(?<!\w)(?:(?:The|Le|La|L['’]|El)\s+(?:{_ORGANS})|(?:إن\s+)?(?:{_ORGANS}))\s*[,،，]")
"""The author that opens a resolution: "The Security Council,", "Совет Безопасности,", "安全理事会，"."""

JOB_NUMBER = re.compile(r"\b\d{2}-\d{4,6}\s?\([A-Z]\)|\bGE\.\d{2}-\d{4,6}")
FOOTNOTE_STAR = re.compile(r"^[*＊]+")

# ------------------------------------------------------------- resolution paragraphs

_EN_ADVERB = r"(?:[A-Z][a-z]+ly|Also|Further|Again|Once again|Hereby)"
_EN_ADJECTIVE = r"(?:mindful|aware|conscious|cognizant|cognisant|desirous|anxious|appreciative|determined)"
_EN_PREAMBLE = (
    rf"(?:{_EN_ADVERB}\s+(?:[a-z]+(?:ing|ed)|{_EN_ADJECTIVE})\b"
    rf"|(?!United\b|During\b|Bring\b|Adopted\b)[A-Z][a-z]+(?:ing|ed)\b|(?i:{_EN_ADJECTIVE})\b|Whereas\b)"
)
_EN_OPERATIVE = (
    rf"(?:{_EN_ADVERB}\s+[a-z]+s\b"
    r"|(?!(?:This|Its|His|Has|Was|As|Is|Thus|Unless|Whereas|Nations|States|Affairs|Rights|Always)\b)[A-Z][a-z]+s\b)"
)

_FR_ADVERB = r"(?:\w+ment|[ÉE]galement|Aussi|En outre|De plus)"
_FR_PREAMBLE = (
    rf"(?:{_FR_ADVERB}\s+)?(?:[Ss]e\s+|[Ss]['’])?"
    r"(?:\w+ant|\w+é(?:e|s|es)?|convaincue?s?|résolue?s?|consciente?s?|soucieu(?:x|se|ses)|désireu(?:x|se|ses)"
    r"|inquiète?s?)\b"
)
_FR_OPERATIVE = (
    rf"(?:{_FR_ADVERB}\s+)?(?:[Ss]e\s+|[Ss]['’])?(?i:décide|prie|demande|exhorte|engage|invite|réaffirme|condamne"
    r"|félicite|souligne|note|prend|accueille|exige|approuve|autorise|recommande|encourage|appuie|rappelle"
    r"|déplore|regrette|remercie|affirme|déclare|charge|salue|lance|souscrit|reconna[iî]t|insiste|réitère"
    r"|constate|estime|considère|proclame|adopte|souhaite|exprime|entérine|confirme|juge|réclame|appelle"
    r"|convient|attend|fait|soutient|rend|renouvelle|proroge|accepte)\b"
)

_ES_ADVERB = r"(?:\w+mente|Además|También|Asimismo)"
_ES_PREAMBLE = (
    rf"(?:{_ES_ADVERB}\s+)?(?:\w+(?:ando|iendo|yendo)|\w+(?:ado|ada|ados|adas|ido|ida|idos|idas)|conscientes?)\b"
)
_ES_OPERATIVE = (
    rf"(?:{_ES_ADVERB}\s+)?(?i:decide|pide|solicita|exhorta|insta|reafirma|condena|acoge|observa|toma|exige"
    r"|aprueba|autoriza|recomienda|alienta|apoya|recuerda|deplora|lamenta|agradece|afirma|declara|encarga"
    r"|celebra|hace|reconoce|insiste|reitera|subraya|destaca|invita|expresa|resuelve|proclama|adopta|encomia"
    r"|conviene|considera|estima|señala|felicita|pone|manifiesta|prorroga|renueva|acepta)\b"
)

_RU_ADVERB = r"(?:вновь|глубоко|серьезно|серьёзно|особо|также|далее|решительно|настоятельно|твердо|еще раз|с \w+)"
_RU_PREAMBLE = (
    rf"(?:{_RU_ADVERB}\s+)*(?:[а-яё]+(?:[аяую]я|ясь|ась|[аеиоу]в|вши|вшись)|будучи|памятуя"
    r"|обеспокоенн\w*|убежденн\w*|убеждённ\w*|встревоженн\w*|преисполненн\w*|исполненн\w*)\b"
)
_RU_OPERATIVE = rf"(?:{_RU_ADVERB}\s+)*[а-яё]+(?:ет|ит|ят|ут|ют)\b"

_AR_PREAMBLE = r"و?\s?إذ\s"
_AR_OPERATIVE = r"و?[يت][\u0621-\u064a]{2,}"

_ZH_PREAMBLE_WORDS = (
    "回顾 回顧 重申 注意到 深为关切 深為關切 深表关切 深表關切 严重关切 嚴重關切 关切 關切 确认 確認 认识到 "
    "認識到 欢迎 歡迎 强调 強調 铭记 銘記 考虑到 考慮到 深信 意识到 意識到 决心 決心 表示 申明 赞扬 讚揚 "
    "贊揚 审议了 審議了 根据 根據 又 还 還 进一步 進一步 满意地 滿意地 遗憾地 遺憾地 震惊 震驚 痛惜 承认 "
    "承認 希望 相信 认为 認為 忆及 憶及 念及 感谢 感謝 赞赏 讚賞 鉴于 鑒於 注意"
).split()
_ZH_OPERATIVE_WORDS = (
    "决定 決定 请 請 吁请 籲請 敦促 要求 谴责 譴責 重申 欢迎 歡迎 表示 赞扬 讚揚 核可 授权 授權 鼓励 鼓勵 "
    "强调 強調 注意到 促请 促請 呼吁 呼籲 支持 赞同 贊同 宣布 宣佈 确认 確認 邀请 邀請 建议 建議 再次 又 还 "
    "還 深表 认可 認可 核准 核準 指示 责成 責成 通过 通過 同意 延长 延長"
).split()


def _cue(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


PREAMBLE_CUES: dict[str, re.Pattern[str]] = {
    "en": _cue(_EN_PREAMBLE),
    "fr": _cue(_FR_PREAMBLE),
    "es": _cue(_ES_PREAMBLE),
    "ru": _cue(_RU_PREAMBLE),
    "ar": _cue(_AR_PREAMBLE),
    "zh": _cue("|".join(sorted(_ZH_PREAMBLE_WORDS, key=len, reverse=True))),
}
OPERATIVE_CUES: dict[str, re.Pattern[str]] = {
    "en": _cue(_EN_OPERATIVE),
    "fr": _cue(_FR_OPERATIVE),
    "es": _cue(_ES_OPERATIVE),
    "ru": _cue(_RU_OPERATIVE),
    "ar": _cue(_AR_OPERATIVE),
    "zh": _cue("|".join(sorted(_ZH_OPERATIVE_WORDS, key=len, reverse=True))),
}

PREAMBLE_END = ",，،"
"""Preambular paragraphs end with a comma in every language."""
PREAMBLE_LINKS = ("and", "et", "y", "и", "و")
"""... or, in older resolutions, with "; and" before the next one."""
OPERATIVE_END = ";；؛.。"
"""Operative paragraphs end with a semicolon, the last one with a full stop."""


def _opening(text: str, language: str) -> str:
    """The first words of a paragraph as the cue patterns read them (CJK spaces removed)."""
    head = text[:200].lstrip()[:40]
    return "".join(head.split()) if language == "zh" else head


def opens_preamble(text: str, language: str) -> bool:
    """Whether a paragraph opens the way a preambular paragraph does in ``language``."""
    cue = PREAMBLE_CUES.get(language)
    return bool(cue and cue.match(_opening(text, language)))


def opens_operative(text: str, language: str) -> bool:
    """Whether a paragraph opens with an operative verb in ``language``."""
    cue = OPERATIVE_CUES.get(language)
    return bool(cue and cue.match(_opening(text, language)))
