"""Concept search over the whole UNBIS Thesaurus: six languages, prefix and word matches,
accents, case and Chinese script folded, best first, and fast enough for type-ahead."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from undex.vocab import Vocabulary, load_vocabulary_file
from undex.vocab_search import ConceptSearch, concept_search, search_key


@pytest.fixture(scope="module")
def unbis(unbis_terms: Path) -> Vocabulary:
    return load_vocabulary_file("unbis", unbis_terms)


@pytest.fixture(scope="module")
def index(unbis: Vocabulary) -> ConceptSearch:
    return concept_search(unbis)


def english(index: ConceptSearch, query: str, language: str = "en", limit: int = 10) -> list[str]:
    return [index.vocab.concepts[m.concept].prefLabel["en"] for m in index.search(query, language, limit)]


@pytest.mark.parametrize(
    "query, language",
    [
        ("水资源", "zh"),
        ("水資源", "zh"),  # Traditional script
        ("水 资源", "zh"),  # pre-segmented
        ("ressources en eau", "fr"),
        ("RESSOURCES EN EAU", "fr"),
        ("recursos hídricos", "es"),  # the label has no accent
        ("Водные ресурсы", "ru"),
        ("الموارد المائية", "ar"),
        ("water resources", "en"),
    ],
)
def test_the_exact_label_in_any_language_comes_first(index: ConceptSearch, query: str, language: str) -> None:
    [best, *_] = index.search(query, language)
    assert index.vocab.concepts[best.concept].prefLabel["en"] == "WATER RESOURCES"
    assert best.tier == 0 and best.label.language == language


def test_traditional_and_simplified_chinese_give_the_same_results(index: ConceptSearch) -> None:
    assert english(index, "可持續發展", "zh") == english(index, "可持续发展", "zh")
    assert english(index, "可持續發展", "zh")[0] == "SUSTAINABLE DEVELOPMENT"


def test_prefix_matches_come_before_matches_inside_a_label(index: ConceptSearch) -> None:
    results = index.search("水资源", "zh", limit=30)
    tiers = [m.tier for m in results]
    assert tiers == sorted(tiers)
    labels = {m.label.text: m.tier for m in results}
    assert labels["水资源开发"] == 1  # WATER RESOURCES DEVELOPMENT starts with the query
    assert labels["共有水资源"] == 2  # SHARED WATER RESOURCES has it inside


def test_a_word_inside_a_label_is_found(index: ConceptSearch) -> None:
    assert "WATER RESOURCES" in english(index, "resources", limit=100)
    assert "HUMAN RIGHTS" in english(index, "homme", "fr", limit=100)  # droits de l'homme
    assert "WATER RESOURCES" in english(index, "مائية", "ar", limit=100)  # after the article of المائية


def test_query_words_match_in_any_order(index: ConceptSearch) -> None:
    assert english(index, "rights human")[0] == "HUMAN RIGHTS"
    assert english(index, "hum rig")[0] == "HUMAN RIGHTS"


def test_case_accents_and_punctuation_are_ignored(index: ConceptSearch) -> None:
    assert english(index, "DÉVELOPPEMENT DURABLE", "fr")[0] == "SUSTAINABLE DEVELOPMENT"
    assert english(index, "droits de l homme", "fr")[0] == "HUMAN RIGHTS"
    assert search_key("Droits de l'Homme") == search_key("droits  de l’homme") == "droits de l homme"


def test_shorter_and_preferred_labels_rank_first_within_a_tier(mini_vocab_path: Path) -> None:
    index = ConceptSearch(load_vocabulary_file("mini", mini_vocab_path))
    [oceans] = index.search("seas")
    assert index.vocab.concepts[oceans.concept].prefLabel["en"] == "OCEANS"
    assert not oceans.label.preferred  # found by its alternative label SEAS
    found = [index.vocab.concepts[m.concept].prefLabel["en"] for m in index.search("water", limit=5)]
    assert found == ["WATER RESOURCES"]


def test_each_concept_appears_once_and_the_limit_holds(index: ConceptSearch) -> None:
    results = index.search("eau", "fr", limit=7)
    assert len(results) == 7
    assert len({m.concept for m in results}) == 7


@pytest.mark.parametrize("query", ["", "   ", "!!", "—"])
def test_a_query_without_letters_finds_nothing(index: ConceptSearch, query: str) -> None:
    assert index.search(query) == []


def test_the_index_is_built_once_per_vocabulary(unbis: Vocabulary, index: ConceptSearch) -> None:
    assert concept_search(unbis) is index


QUERIES = ["a", "e", "水", "水资源", "可持續", "ressources en eau", "droits", "hum rig", "Водные", "موارد",
           "sustainable d", "recursos", "x", "coordination within un system", "zzzz"]  # fmt: skip


def test_every_query_takes_under_20_ms_over_the_whole_thesaurus(index: ConceptSearch) -> None:
    timings = {}
    for query in QUERIES:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            index.search(query, "en", 10)
            runs.append(time.perf_counter() - started)
        timings[query] = statistics.median(runs) * 1000
    assert len(index.labels) > 40_000  # six languages of more than 7,000 concepts
    assert max(timings.values()) < 20, timings
