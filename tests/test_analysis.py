"""Chinese analysis (raw = pre-segmented, Traditional = Simplified, full = half width,
thesaurus labels kept whole) and the alphabetic analyzers."""

from __future__ import annotations

import re
from pathlib import Path

import opencc
import pytest

from undex.analysis import ChineseAnalyzer, analyzer_for_vocabulary, get_analyzer
from undex.corpus import read_document_file
from undex.features import TextVectorizer
from undex.vocab import Vocabulary, load_vocabulary


@pytest.fixture(scope="module")
def unbis(unbis_datadir: Path) -> Vocabulary:
    return load_vocabulary(unbis_datadir, "unbis")


@pytest.fixture(scope="module")
def zh(unbis: Vocabulary) -> ChineseAnalyzer:
    analyzer = analyzer_for_vocabulary("zh", unbis)
    assert isinstance(analyzer, ChineseAnalyzer)
    return analyzer


@pytest.fixture(scope="module")
def seed_body(seed_path: Path) -> str:
    return read_document_file(seed_path).text


def unsegment(text: str) -> str:
    return re.sub(r"\s+", "", text)


def to_full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_seed_is_pre_segmented(seed_body: str) -> None:
    """Guard: the property below is only meaningful because the seed has spaces between words."""
    assert seed_body.count(" ") > 1000 and " 可 持续 发展 " in seed_body


def test_seed_raw_and_pre_segmented_give_identical_tokens(zh: ChineseAnalyzer, seed_body: str) -> None:
    segmented = zh.tokens(seed_body)
    assert len(segmented) > 1000
    assert zh.tokens(unsegment(seed_body)) == segmented
    # the joined-back text is what gets segmented: pre-segmentation does not leak into words
    assert "可持续发展" in segmented and "可" not in segmented[:10]


def test_seed_raw_and_pre_segmented_give_identical_features(zh: ChineseAnalyzer, seed_body: str) -> None:
    vectorizer = TextVectorizer(zh)
    assert vectorizer.char_ngrams
    features = vectorizer.features(seed_body)
    assert any(f.startswith("#") for f in features)
    assert vectorizer.features(unsegment(seed_body)) == features


def test_traditional_and_full_width_give_simplified_tokens(zh: ChineseAnalyzer, seed_body: str) -> None:
    simplified = unsegment(seed_body)
    expected = zh.tokens(simplified)
    traditional = opencc.OpenCC("s2t").convert(simplified)
    assert traditional != simplified
    assert zh.tokens(traditional) == expected
    full_width = to_full_width(simplified)
    assert full_width != simplified
    assert zh.tokens(full_width) == expected
    assert zh.tokens(to_full_width(traditional)) == expected


def test_spans_point_into_the_original_text(zh: ChineseAnalyzer) -> None:
    text = "聯合國 可 持續 發展 目標２０３０"
    tokens = zh.analyze(text)
    terms = [t.term for t in tokens]
    assert "可持续发展" in terms and "2030" in terms
    span = tokens[terms.index("可持续发展")]
    assert text[span.start : span.end] == "可 持續 發展"
    number = tokens[terms.index("2030")]
    assert text[number.start : number.end] == "２０３０"


@pytest.mark.parametrize(
    "label", ["机构间合作", "可持续发展", "被遗弃儿童", "人权活动家", "清洁生产", "联合国系统内的协调"]
)
def test_thesaurus_labels_stay_whole(zh: ChineseAnalyzer, unbis: Vocabulary, label: str) -> None:
    assert unbis.lookup_label(label) is not None
    sentence = f"各国应当加强{label}的工作"
    assert label in zh.tokens(sentence)
    assert label not in ChineseAnalyzer().tokens(sentence)  # the segmenter alone splits it


def test_other_languages_use_no_vocabulary_dictionary(unbis: Vocabulary) -> None:
    assert analyzer_for_vocabulary("en", unbis) is get_analyzer("en")
    assert analyzer_for_vocabulary("zh", unbis) is get_analyzer("zh", unbis.labels_in("zh"))  # one per word list


def test_chinese_stopwords_and_punctuation_dropped(zh: ChineseAnalyzer) -> None:
    tokens = zh.tokens("我们的工作，以及其他方面。")
    assert "的" not in tokens and "以及" not in tokens and "，" not in tokens and "。" not in tokens
    assert "工作" in tokens


def test_english_stems_and_drops_stopwords() -> None:
    en = get_analyzer("en")
    assert en.tokens("The Protection of Human Rights Defenders and the rights of children") == [
        "protect",
        "human",
        "right",
        "defend",
        "right",
        "children",
    ]
    assert en.tokens("Running runs") == ["run", "run"]
    assert en.label_terms("RIGHTS OF THE CHILD") == ["right", "of", "the", "child"]


def test_english_tokens_have_original_spans() -> None:
    text = "Oceans and Seas, 2030"
    for token in get_analyzer("en").analyze(text):
        assert token.term.startswith(text[token.start : token.end].lower()[:3])


def test_french_spanish_fold_accents_like_unbis_labels() -> None:
    fr = get_analyzer("fr")
    assert fr.tokens("Développement durable") == fr.tokens("developpement DURABLE")
    es = get_analyzer("es")
    assert es.tokens("Recursos hídricos") == es.tokens("recursos hidricos")


def test_unknown_language_is_a_config_error() -> None:
    from undex.errors import ConfigError

    with pytest.raises(ConfigError, match="unsupported language 'de'"):
        get_analyzer("de")


ZH_CORPUS = [
    ("加强水资源管理和淡水保护", ["WATER RESOURCES", "FRESHWATER"]),
    ("可持续发展目标与可持续发展筹资", ["SUSTAINABLE DEVELOPMENT"]),
    ("保护人权维护者的人权", ["HUMAN RIGHTS"]),
    ("海洋污染和海洋保护", ["OCEANS"]),
    ("小岛屿国家的可持续发展与海洋", ["SUSTAINABLE DEVELOPMENT", "OCEANS"]),
]


def test_seed_raw_and_pre_segmented_give_identical_suggestions(mini_workdir: Path, seed_body: str) -> None:
    from undex.corpus import Document, LabelledDoc, SubjectResolver
    from undex.project import ProjectRegistry

    projects = mini_workdir / "projects.toml"
    projects.write_text('[tfidf-zh]\nlanguage = "zh"\nbackend = "tfidf"\nvocab = "mini"\nmin_df = 1\n')
    project = ProjectRegistry(projects, mini_workdir / "data").get("tfidf-zh")
    resolver = SubjectResolver(project.vocab)
    project.train([LabelledDoc(Document(str(i), t), resolver.resolve_all(s)) for i, (t, s) in enumerate(ZH_CORPUS)])
    batch = project.suggest_batch([seed_body, unsegment(seed_body)], limit=5)
    assert batch.ranked(0) and batch.ranked(0) == batch.ranked(1)
    assert project.vocab.concepts[batch.ranked(0)[0][0]].prefLabel["en"] == "SUSTAINABLE DEVELOPMENT"
