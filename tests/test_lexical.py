"""The thesaurus-matching backend: Chinese zero-shot, cross-lingual ranking, evidence."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert len(batch.ranked(0)) == 12


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
