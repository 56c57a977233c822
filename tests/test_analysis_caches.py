"""The caches that let an ensemble's sources share work on a batch: the analysis of a text,
its structure and its features are computed once and are the same as computed afresh; and
the garbage collector's pause while a document is matched."""

from __future__ import annotations

import gc

import pytest

from undex.analysis import ChineseAnalyzer, SnowballAnalyzer, TextCache, get_analyzer
from undex.analysis.structure import forget_parsed, parse_structure
from undex.features import TextVectorizer, forget_transformed
from undex.matching import paused_collection

TEXTS = [
    "The Security Council,\n\nRecalling its resolutions on the protection of civilians,\n\n"
    "1. Decides to remain seized of the matter.\n",
    "Human rights of migrant workers and their families; the right to safe drinking water.",
    "Peacekeeping operations in the Middle East: financing of the United Nations forces.",
]


@pytest.mark.parametrize("analyzer", [SnowballAnalyzer("en"), SnowballAnalyzer("fr"), ChineseAnalyzer()])
def test_remembered_analysis_is_the_tokens_analyze_gives(analyzer) -> None:
    text = "Les droits de l'homme, l'égalité des sexes. 人权与性别平等 Human rights 2024"
    tokens = analyzer.analyze(text)
    analyzed = analyzer.analyzed(text)
    assert analyzed.tokens() == tokens
    assert analyzed.words == [text[t.start : t.end] for t in tokens]
    assert analyzer.analyzed(text) is analyzed  # remembered
    assert analyzer.tokens(text) == [t.term for t in tokens if not t.stop]


def test_forgotten_analysis_is_computed_again_alike() -> None:
    analyzer = get_analyzer("en")
    first = analyzer.analyzed(TEXTS[0])
    analyzer.forget_texts()
    again = analyzer.analyzed(TEXTS[0])
    assert again is not first and again == first


def test_text_cache_is_bounded_by_texts_and_characters() -> None:
    cache: TextCache[str, int] = TextCache(max_texts=2, max_characters=10)
    cache.put("a", 1, 1)
    cache.put("b", 2, 1)
    cache.put("c", 3, 1)  # a third text: the cache starts again
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, None, 3)
    cache.put("long", 4, 11)  # longer than the whole cache: not kept
    assert cache.get("long") is None and cache.get("c") == 3
    cache.put("d", 5, 10)  # over the characters left: the cache starts again
    assert (cache.get("c"), cache.get("d")) == (None, 5)


def test_remembered_structure_is_the_one_parsed_afresh() -> None:
    parsed = parse_structure(TEXTS[0], "en")
    assert parse_structure(TEXTS[0], "en") is parsed
    forget_parsed()
    again = parse_structure(TEXTS[0], "en")
    assert again is not parsed and again.parts == parsed.parts
    assert [p.kind for p in again.parts][-1] == "operative"


def _fitted(texts: list[str], ngrams: int = 2) -> TextVectorizer:
    vectorizer = TextVectorizer(get_analyzer("en"), word_ngrams=ngrams)
    vectorizer.fit_transform(texts)
    return vectorizer


def test_vectorizers_fitted_alike_share_features_but_not_the_matrix() -> None:
    forget_transformed()
    first, second = _fitted(TEXTS), _fitted(TEXTS)
    shared = first.transform(TEXTS[:2])
    other = second.transform(TEXTS[:2])
    assert (shared != other).nnz == 0
    other.data[:] = 0.0  # a caller changing its matrix changes no one else's
    assert (first.transform(TEXTS[:2]) != shared).nnz == 0
    forget_transformed()
    assert (first.transform(TEXTS[:2]) != shared).nnz == 0


def test_vectorizers_fitted_differently_do_not_share_features(tmp_path) -> None:
    bigrams, unigrams, fewer = _fitted(TEXTS), _fitted(TEXTS, ngrams=1), _fitted(TEXTS[:2])
    widths = {v.transform(TEXTS[:1]).shape[1] for v in (bigrams, unigrams, fewer)}
    assert len(widths) == 3
    assert bigrams.transform(["human rights of migrant workers"]).nnz == 4 + 3
    bigrams.save(tmp_path)
    loaded = TextVectorizer(get_analyzer("en"))
    loaded.load(tmp_path)
    assert (loaded.transform(TEXTS) != bigrams.transform(TEXTS)).nnz == 0


def test_collection_paused_while_matching_and_restored_after() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), paused_collection():
        assert not gc.isenabled()
        raise ValueError("a failed document")
    assert gc.isenabled()
    gc.disable()  # switched off by someone else: left off
    try:
        with paused_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
