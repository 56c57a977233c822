"""The thesaurus-matching backend: Chinese zero-shot, cross-lingual ranking, evidence."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from undex.corpus import read_document_file
from undex.errors import ConfigError
from undex.project import ProjectRegistry

PROJECTS = """
[lexical-zh]
language = "zh"
backend = "lexical"
vocab = "unbis"
limit = 12

[lexical-en]
language = "en"
backend = "lexical"
vocab = "unbis"

[lexical-zh-en]
language = "zh"
backend = "lexical"
vocab = "unbis"
"""


@pytest.fixture(scope="module")
def registry(unbis_datadir: Path, tmp_path_factory: pytest.TempPathFactory) -> ProjectRegistry:
    folder = tmp_path_factory.mktemp("lexical")
    (folder / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    return ProjectRegistry(folder / "projects.toml", unbis_datadir)


def _uris(batch, row: int = 0) -> list[int]:
    return [c for c, _ in batch.ranked(row)]


def test_seed_raw_and_segmented_give_identical_suggestions(registry: ProjectRegistry, seed_path: Path) -> None:
    project = registry.get("lexical-zh")
    body = read_document_file(seed_path).text
    batch = project.suggest_batch([body, body.replace(" ", "")])
    assert batch.ranked(0) == batch.ranked(1)
    ranked = batch.ranked(0)
    assert ranked and all(a[1] >= b[1] > 0 for a, b in zip(ranked, ranked[1:], strict=False))
    gold = set(read_document_file(seed_path).subjects)
    assert project.vocab.concepts[ranked[0][0]].prefLabel["en"] in gold  # not two equally empty lists


def test_traditional_script_matches_simplified_labels(registry: ProjectRegistry) -> None:
    project = registry.get("lexical-zh")
    simplified = project.suggest_batch(["关于可持续发展和水资源的报告"])
    traditional = project.suggest_batch(["關於可持續發展和水資源的報告"])
    assert _uris(simplified) == _uris(traditional)
    labels = {project.vocab.concepts[c].prefLabel["en"] for c in _uris(simplified)}
    assert {"SUSTAINABLE DEVELOPMENT", "WATER RESOURCES"} <= labels


def test_evidence_points_at_the_original_text(registry: ProjectRegistry) -> None:
    project = registry.get("lexical-zh")
    text = "本 报告 讨论 可 持续 发展 与 淡水 。"
    batch = project.suggest_batch([text])
    vocab = project.vocab
    by_label = {vocab.concepts[c].prefLabel["en"]: c for c, _ in batch.ranked(0)}
    spans = batch.evidence[0][by_label["SUSTAINABLE DEVELOPMENT"]]
    assert [text[e.start : e.end] for e in spans] == ["可 持续 发展"]
    assert spans[0].label == "可持续发展"
    freshwater = batch.evidence[0][by_label["FRESHWATER"]]
    assert [text[e.start : e.end] for e in freshwater] == ["淡水"]


def test_longest_match_wins_in_english(registry: ProjectRegistry) -> None:
    project = registry.get("lexical-en")
    batch = project.suggest_batch(["Coordination within the UN system was discussed."])
    labels = [project.vocab.concepts[c].prefLabel["en"] for c, _ in batch.ranked(0)]
    assert labels[0] == "COORDINATION WITHIN UN SYSTEM"
    assert "UN SYSTEM" not in labels[:1]


def test_ranker_trained_on_english_ranks_chinese(registry: ProjectRegistry, corpora_dir: Path) -> None:
    from undex.corpus import CorpusStats, labelled_documents

    project = registry.get("lexical-zh-en")
    stats = CorpusStats()
    docs = list(labelled_documents([corpora_dir / "unbisnet_drafts_neth.jsonl"], project.vocab, stats, split="train"))[
        :600
    ]
    manifest = project.train(docs)
    assert manifest["summary"]["candidates"] > 0
    batch = project.suggest_batch(["联合国 可持续发展 问题 与 淡水 资源 和 人权"], limit=50)
    labels = [project.vocab.concepts[c].prefLabel["zh"] for c in _uris(batch)]
    assert {"可持续发展", "人权"} <= set(labels[:10])
    # subjects implied by the matches (association) join the matched ones, which all stay
    assert "淡水" in labels
    for concept, spans in batch.evidence[0].items():
        assert spans, f"suggestion {concept} without evidence"


def test_vocabulary_without_labels_in_language(tmp_path: Path, mini_vocab_path: Path) -> None:
    from undex.vocab import load_vocabulary_file, save_vocabulary

    vocab = load_vocabulary_file("mini", mini_vocab_path)
    for concept in vocab.concepts:
        concept.prefLabel.pop("ru")
    save_vocabulary(vocab, tmp_path)
    (tmp_path / "p.toml").write_text('[lex-ru]\nlanguage="ru"\nbackend="lexical"\nvocab="mini"\n', encoding="utf-8")
    project = ProjectRegistry(tmp_path / "p.toml", tmp_path).get("lex-ru")
    with pytest.raises(ConfigError, match="no usable labels in language 'ru'.*en: 5"):
        project.suggest_batch(["Водные ресурсы"])


@pytest.mark.subprocess
@pytest.mark.slow
def test_cli_explain_and_json_evidence(unbis_datadir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    (tmp_path / "doc.txt").write_text("可持续 发展 和 淡水", encoding="utf-8")
    env_args = ["--datadir", str(unbis_datadir)]
    run = [sys.executable, "-m", "undex", "suggest", "lexical-zh", "doc.txt", *env_args]
    explained = subprocess.run([*run, "--explain"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert explained.returncode == 0, explained.stderr
    assert "'可持续 发展' ~ 可持续发展" in explained.stdout
    as_json = subprocess.run([*run, "--format", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    results = json.loads(as_json.stdout)[0]["results"]
    assert all(r["evidence"] for r in results)


def test_stemming_collisions_are_resolved_by_the_written_words(registry: ProjectRegistry) -> None:
    """Porter stems "developing" and "developed" alike; the words as written decide."""
    project = registry.get("lexical-en")
    text = "Assistance to developing countries. The developed countries agreed."
    batch = project.suggest_batch([text], limit=20)
    vocab = project.vocab
    spans = {
        vocab.concepts[c].prefLabel["en"]: [text[e.start : e.end] for e in batch.evidence[0][c]]
        for c, _ in batch.ranked(0)
    }
    assert spans["DEVELOPING COUNTRIES"] == ["developing countries"]
    assert spans["DEVELOPED COUNTRIES"] == ["developed countries"]


ASSOCIATION_PROJECTS = """
[assoc-zh-en]
language = "zh"
backend = "lexical"
vocab = "unbis"

[plain-zh-en]
language = "zh"
backend = "lexical"
vocab = "unbis"
association = false
"""


def _indexed_records(vocab) -> list:
    """English records: water reports are always indexed under COORDINATION WITHIN UN SYSTEM,
    whose label never occurs in them; human-rights records are not (and name migrants, a
    candidate that is not their subject, so that the ranker sees negative candidates)."""
    from undex.corpus import Document, LabelledDoc

    index = {c.prefLabel["en"]: i for i, c in enumerate(vocab.concepts)}
    water = ["FRESHWATER", "OCEANS", "COORDINATION WITHIN UN SYSTEM"]
    rights = ["HUMAN RIGHTS", "REFUGEES"]
    docs = []
    for i in range(40):
        docs.append(
            LabelledDoc(
                Document(f"w{i}", f"Report {i} on freshwater and oceans", "en"), [index[label] for label in water]
            )
        )
        docs.append(
            LabelledDoc(
                Document(f"h{i}", f"Human rights of refugees and migrants, report {i}", "en"),
                [index[x] for x in rights],
            )
        )
    return docs


def test_association_suggests_subjects_whose_labels_are_absent(unbis_datadir: Path, tmp_path: Path) -> None:
    (tmp_path / "projects.toml").write_text(ASSOCIATION_PROJECTS, encoding="utf-8")
    registry = ProjectRegistry(tmp_path / "projects.toml", unbis_datadir)
    text = "关于 淡水 和 海洋 的 报告"
    for project_id in ("assoc-zh-en", "plain-zh-en"):
        project = registry.get(project_id)
        project.train(_indexed_records(project.vocab))
    vocab = registry.get("assoc-zh-en").vocab
    coordination = next(i for i, c in enumerate(vocab.concepts) if c.prefLabel["en"] == "COORDINATION WITHIN UN SYSTEM")

    plain = registry.get("plain-zh-en").suggest_batch([text], limit=10)
    assert coordination not in _uris(plain)

    batch = registry.get("assoc-zh-en").suggest_batch([text], limit=10)
    assert coordination in _uris(batch)[:3]
    # the evidence of an implied subject is the matches that imply it
    assert {text[e.start : e.end] for e in batch.evidence[0][coordination]} <= {"淡水", "海洋"}
    assert batch.evidence[0][coordination]

    # the saved model gives the same suggestions after loading
    reloaded = ProjectRegistry(tmp_path / "projects.toml", unbis_datadir).get("assoc-zh-en")
    assert reloaded.suggest_batch([text], limit=10).ranked(0) == batch.ranked(0)
    assert "combination" in reloaded.manifest["summary"]


def test_broken_association_model_is_a_clear_error(unbis_datadir: Path, tmp_path: Path) -> None:
    from undex.errors import ModelError
    from undex.modelstore import current_version

    (tmp_path / "projects.toml").write_text(ASSOCIATION_PROJECTS, encoding="utf-8")
    registry = ProjectRegistry(tmp_path / "projects.toml", unbis_datadir)
    project = registry.get("assoc-zh-en")
    project.train(_indexed_records(project.vocab))
    version = current_version(project.model_dir)
    assert version is not None
    (version / "association.npz").write_bytes(b"not a model")
    fresh = ProjectRegistry(tmp_path / "projects.toml", unbis_datadir).get("assoc-zh-en")
    with pytest.raises(ModelError):
        fresh.suggest_batch(["淡水"])


# --------------------------------------------------------------------- feature table


def test_feature_table_declares_each_feature_once() -> None:
    from undex.backends.lexical import FEATURE_TABLE, FEATURES, LEARNED_FEATURES, ZERO_SHOT_WEIGHTS, LexicalParams

    names = [feature.name for feature in FEATURE_TABLE]
    assert len(set(names)) == len(names) == 26
    assert FEATURES == tuple(names)
    assert LexicalParams().learned_features == [f.name for f in FEATURE_TABLE if f.learned] == list(LEARNED_FEATURES)
    assert ZERO_SHOT_WEIGHTS == {f.name: f.zero_shot_weight for f in FEATURE_TABLE if f.zero_shot_weight != 0.0}
    # frequency and position are learned too (as functions of the document's length), and
    # the zero-shot formula does not depend on the length
    assert {"relative_tf_idf", "first_position", "spread", "document_length"} <= set(LEARNED_FEATURES)
    assert "document_length" not in ZERO_SHOT_WEIGHTS


STRUCTURED_REPORT = """Commission on Sustainable Development

Summary

The present report reviews cooperation on freshwater and on oceans.

I. Freshwater

1. Freshwater resources are under pressure. Freshwater supply and freshwater quality decline.

2. Oceans are mentioned here once.

II. Energy

3. Energy efficiency and renewable energy. Human rights were discussed at length, human rights again.

4. Human rights, human rights and human rights.
"""


def test_structure_features_tell_where_a_candidate_occurs(registry: ProjectRegistry) -> None:
    from undex.backends.lexical import FEATURES

    project = registry.get("lexical-en")
    labels = lambda found: [project.vocab.concepts[c].prefLabel["en"] for c in found.concepts]  # noqa: E731

    found = project.backend.candidates(STRUCTURED_REPORT, "en")
    row = {label: dict(zip(FEATURES, found.features[i], strict=True)) for i, label in enumerate(labels(found))}
    assert row["FRESHWATER"]["in_lead"] == 1.0 and row["FRESHWATER"]["in_heading"] == 1.0
    assert row["HUMAN RIGHTS"]["in_lead"] == 0.0 and row["HUMAN RIGHTS"]["in_heading"] == 0.0
    # human rights fill the energy section; oceans are one mention among others
    assert row["HUMAN RIGHTS"]["section_focus"] > row["OCEANS"]["section_focus"] > 0.0
    # the summary is no section: oceans and human rights are each in one of the two sections
    assert row["HUMAN RIGHTS"]["section_spread"] == row["OCEANS"]["section_spread"] == 0.5

    flat = project.backend.candidates("Freshwater, oceans and human rights.", "en")
    structure = [FEATURES.index(n) for n in ("in_heading", "section_spread", "section_focus", "operative_share")]
    assert not flat.features[:, structure].any()


def test_feature_rows_describe_the_candidates_relative_to_the_document(registry: ProjectRegistry) -> None:
    from undex.backends.lexical import FEATURES

    project = registry.get("lexical-en")
    text = "Human rights of refugees. Human rights again, and human rights. Finally oceans."
    found = project.backend.candidates(text, "en")
    assert found.features.shape == (len(found.concepts), len(FEATURES))
    labels = [project.vocab.concepts[c].prefLabel["en"] for c in found.concepts]
    row = {label: dict(zip(FEATURES, found.features[i], strict=True)) for i, label in enumerate(labels)}
    assert row["HUMAN RIGHTS"]["relative_occurrences"] == 1.0
    assert row["HUMAN RIGHTS"]["first_position"] == 0.0
    assert row["HUMAN RIGHTS"]["distinct_labels"] == 1.0
    assert row["OCEANS"]["first_position"] > 0.5
    assert row["OCEANS"]["relative_occurrences"] == pytest.approx(1 / 3)
    for name in ("relative_occurrences", "relative_tf_idf", "contained_share", "first_position", "last_position"):
        assert all(0.0 <= r[name] <= 1.0 for r in row.values()), name
    # untrained: nothing known about what indexers did
    assert all(r["prior"] == 0.0 and r["label_precision"] == 0.0 for r in row.values())


# --------------------------------------------------------------------------- rankers


def test_untrained_suggestions_are_the_zero_shot_formula(registry: ProjectRegistry) -> None:
    from undex.backends.lexical import FEATURES, ZERO_SHOT_WEIGHTS
    from undex.backends.lexical.features import ZERO_SHOT_BIAS

    project = registry.get("lexical-en")
    text = "Sustainable development and freshwater. Water resources of developing countries."
    found = project.backend.candidates(text, "en")
    weights = np.array([ZERO_SHOT_WEIGHTS.get(name, 0.0) for name in FEATURES])
    expected = 1.0 / (1.0 + np.exp(-(found.features @ weights + ZERO_SHOT_BIAS)))
    scores = dict(project.backend.suggest_batch([text]).ranked(0))
    assert sorted(scores) == sorted(found.concepts)
    assert [scores[c] for c in found.concepts] == pytest.approx(list(expected), abs=1e-6)


def _ranker_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Candidates whose being a subject depends on their ``ambiguity`` feature."""
    from undex.backends.lexical import FEATURES

    rng = np.random.default_rng(seed)
    X = rng.random((400, len(FEATURES)))
    y = X[:, FEATURES.index("ambiguity")] + 0.1 * rng.standard_normal(400) > 0.5
    return X, y


def test_logistic_ranker_follows_the_estimator_contract() -> None:
    from sklearn.base import clone

    from undex.backends.lexical import FEATURES
    from undex.backends.lexical.features import zero_shot_logit
    from undex.backends.lexical.ranker import LogisticRanker

    X, y = _ranker_data()
    ranker = LogisticRanker(C=0.5, learned_features=["ambiguity", "prior"])
    assert not hasattr(ranker, "coef_")
    assert ranker.fit(X, y) is ranker
    assert ranker.get_params() == {
        "C": 0.5,
        "learned_features": ["ambiguity", "prior"],
        "zero_shot_offset": True,
        "length_interactions": False,
    }
    assert not hasattr(clone(ranker), "coef_")
    weights = ranker.weights()
    assert weights["ambiguity"] > 1.0
    assert {name for name, w in weights.items() if w != 0.0} <= {"ambiguity", "prior"}
    # the learned part corrects the zero-shot formula, which stays in the decision
    standardised = (X - ranker.mean_) / ranker.scale_
    correction = standardised @ ranker.coef_ + ranker.intercept_
    assert ranker.decision_function(X) == pytest.approx(zero_shot_logit(X) + correction)
    assert (ranker.predict(X) == y).mean() > 0.8
    proba = ranker.predict_proba(X)
    assert proba.shape == (len(X), 2) and proba.sum(axis=1) == pytest.approx(np.ones(len(X)))
    plain = LogisticRanker(zero_shot_offset=False, learned_features=[]).fit(X, y)
    learned_only = ((X - plain.mean_) / plain.scale_) @ plain.coef_ + plain.intercept_
    assert plain.decision_function(X) == pytest.approx(learned_only)
    assert np.count_nonzero(plain.coef_) > len(FEATURES) // 2  # empty list: every feature is learned


def _length_dependent_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Candidates of short documents whose being a subject depends on ``ambiguity``, and
    of long ones where it depends on ``genericity`` instead."""
    from undex.backends.lexical import FEATURES

    rng = np.random.default_rng(seed)
    X = rng.random((1200, len(FEATURES)))
    long = np.arange(len(X)) % 2 == 1
    X[:, FEATURES.index("document_length")] = np.where(long, 1.0, 0.3)
    telling = np.where(long, X[:, FEATURES.index("genericity")], X[:, FEATURES.index("ambiguity")])
    return X, telling + 0.05 * rng.standard_normal(len(X)) > 0.5


def test_ranker_with_length_interactions_learns_what_tells_in_long_documents() -> None:
    from sklearn.base import clone

    from undex.backends.lexical.ranker import LogisticRanker

    X, y = _length_dependent_data()
    X_new, y_new = _length_dependent_data(seed=1)
    long = X_new[:, -1] == 1.0
    plain = LogisticRanker(C=10.0, learned_features=["ambiguity", "genericity"], zero_shot_offset=False).fit(X, y)
    by_length = LogisticRanker(
        C=10.0, learned_features=["ambiguity", "genericity"], zero_shot_offset=False, length_interactions=True
    ).fit(X, y)
    for subset in (long, ~long):
        accuracy = (by_length.predict(X_new[subset]) == y_new[subset]).mean()
        assert accuracy > 0.9 > (plain.predict(X_new[subset]) == y_new[subset]).mean()
    weights = by_length.weights()
    assert weights["genericity_x_length"] > 0 > weights["ambiguity_x_length"]
    # the saved arrays give back the same decisions
    loaded = clone(by_length).set_arrays(by_length.to_arrays())
    assert loaded.decision_function(X_new) == pytest.approx(by_length.decision_function(X_new))


def test_ranker_without_positive_and_negative_candidates_is_a_model_error() -> None:
    from undex.backends.lexical.ranker import LogisticRanker
    from undex.errors import ModelError

    X, _ = _ranker_data()
    with pytest.raises(ModelError, match="no positive and negative candidates"):
        LogisticRanker().fit(X, np.ones(len(X), dtype=bool))


def test_zero_shot_ranker_is_the_fixed_formula() -> None:
    from undex.backends.lexical import FEATURES, ZERO_SHOT_WEIGHTS
    from undex.backends.lexical.features import ZERO_SHOT_BIAS
    from undex.backends.lexical.ranker import ZeroShotRanker

    X, _ = _ranker_data(1)
    logit = sum(X[:, FEATURES.index(name)] * weight for name, weight in ZERO_SHOT_WEIGHTS.items()) + ZERO_SHOT_BIAS
    ranker = ZeroShotRanker()
    assert ranker.decision_function(X) == pytest.approx(logit)
    assert ranker.predict_proba(X)[:, 1] == pytest.approx(1.0 / (1.0 + np.exp(-logit)))


# ---------------------------------------------------------------------- matcher cache


class _CountingBuilder:
    """Builds real matchers, counting the builds (slowly, so that threads overlap)."""

    def __init__(self) -> None:
        self.builds = 0

    def __call__(self, vocab, language, analyzer):
        from undex.matching import LabelMatcher

        self.builds += 1
        time.sleep(0.05)
        return LabelMatcher(vocab, language, analyzer)


@pytest.mark.slow
def test_matchers_are_shared_by_vocabulary_content(mini_vocab_path: Path) -> None:
    from undex.analysis import get_analyzer
    from undex.backends.lexical.matchers import MatcherCache
    from undex.vocab import load_vocabulary_file

    builder = _CountingBuilder()
    cache = MatcherCache(size=4, build=builder)
    english = get_analyzer("en")
    first = load_vocabulary_file("mini", mini_vocab_path)
    again = load_vocabulary_file("mini", mini_vocab_path)  # another object, same content
    assert cache.get(first, "en", english) is cache.get(again, "en", english)
    assert builder.builds == 1
    changed = load_vocabulary_file("mini", mini_vocab_path)
    changed.concepts[0].prefLabel["en"] = "GROUNDWATER"
    assert cache.get(changed, "en", english) is not cache.get(first, "en", english)
    assert builder.builds == 2


@pytest.mark.slow
def test_matcher_cache_is_bounded_least_recently_used_first(mini_vocab_path: Path) -> None:
    from undex.analysis import get_analyzer
    from undex.backends.lexical.matchers import MATCHERS, MatcherCache
    from undex.vocab import load_vocabulary_file

    assert MATCHERS.size >= 6  # every UN language of one vocabulary stays built
    vocab = load_vocabulary_file("mini", mini_vocab_path)
    builder = _CountingBuilder()
    cache = MatcherCache(size=2, build=builder)
    for language in ("en", "fr", "en", "es"):
        cache.get(vocab, language, get_analyzer(language))
    assert cache.keys() == [(vocab.checksum, "en"), (vocab.checksum, "es")]
    assert builder.builds == 3
    cache.get(vocab, "fr", get_analyzer("fr"))  # evicted, so built again
    assert builder.builds == 4


def test_concurrent_requests_build_a_matcher_once(mini_vocab_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from undex.analysis import get_analyzer
    from undex.backends.lexical.matchers import MatcherCache
    from undex.vocab import load_vocabulary_file

    vocab = load_vocabulary_file("mini", mini_vocab_path)
    builder = _CountingBuilder()
    cache = MatcherCache(size=2, build=builder)
    start = threading.Barrier(4)

    def request(_: int):
        start.wait()
        return cache.get(vocab, "en", get_analyzer("en"))

    with ThreadPoolExecutor(4) as pool:
        matchers = list(pool.map(request, range(4)))
    assert builder.builds == 1
    assert all(m is matchers[0] for m in matchers)


def test_projects_on_one_vocabulary_share_the_matcher(registry: ProjectRegistry) -> None:
    zero_shot = registry.get("lexical-zh").backend.matcher("zh")
    assert registry.get("lexical-zh-en").backend.matcher("zh") is zero_shot


def test_held_out_association_scores_ignore_the_documents_own_subjects() -> None:
    import scipy.sparse as sp

    from undex.backends.lexical.association import cross_fitted_predictions

    rng = np.random.default_rng(0)
    bags = sp.csr_matrix((rng.random((30, 12)) > 0.7).astype(np.float32))
    labels = sp.lil_matrix((rng.random((30, 12)) > 0.8).astype(np.float32))
    folds = np.arange(30) % 5
    before = cross_fitted_predictions(bags, labels.tocsr(), folds, 1.0).toarray()
    labels[7] = 1.0  # document 7 gets every subject
    after = cross_fitted_predictions(bags, labels.tocsr(), folds, 1.0).toarray()
    assert np.array_equal(before[folds == folds[7]], after[folds == folds[7]])
    assert not np.array_equal(before, after)  # the other folds learned from it
    # scored documents may be described by other bags than those the models learned from
    empty = sp.csr_matrix(bags.shape, dtype=np.float32)
    assert cross_fitted_predictions(bags, labels.tocsr(), folds, 1.0, empty).nnz == 0


def test_records_and_full_texts_are_combined_with_their_own_weights() -> None:
    from undex.backends.lexical.association import COMBINATION_FEATURES, LONG_DOCUMENT_WORDS, combination_rows

    lexical, associated = {0: 0.8, 1: 0.3}, np.array([0.0, 0.2, 0.5, 0.0])
    record_concepts, record = combination_rows(lexical, associated, 5, words=LONG_DOCUMENT_WORDS - 1)
    full_concepts, full_text = combination_rows(lexical, associated, 5, words=5_000)
    # the matched concepts and the best associated one, in either regime
    assert record_concepts == full_concepts == [0, 1, 2]
    in_records = np.array([name.startswith("record:") for name in COMBINATION_FEATURES])
    in_full_texts = np.array([name.startswith("full_text:") for name in COMBINATION_FEATURES])
    assert not record[:, in_full_texts].any() and record[:, in_records].any()
    assert not full_text[:, in_records].any() and full_text[:, in_full_texts].any()
    assert (record[:, COMBINATION_FEATURES.index("full_text")] == 0).all()
    assert (full_text[:, COMBINATION_FEATURES.index("full_text")] == 1).all()
    # the same facts of a candidate, and the same times the document's length
    logit = COMBINATION_FEATURES.index("full_text:lexical_logit")
    assert full_text[0, logit] == pytest.approx(np.log(0.8 / 0.2))
    by_length = COMBINATION_FEATURES.index("full_text:lexical_logit_x_length")
    assert 0 < full_text[0, by_length] < full_text[0, logit]


def test_unknown_learned_feature_is_a_config_error(tmp_path: Path, mini_vocab_path: Path) -> None:
    (tmp_path / "p.toml").write_text(
        '[lex]\nlanguage="en"\nbackend="lexical"\nvocab="mini"\nlearned_features=["prior", "priority"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"learned_features.*unknown features 'priority'; known: .*label_size"):
        ProjectRegistry(tmp_path / "p.toml", tmp_path).get("lex")
