"""omikuji, linear, knn and ensemble backends, calibration, optimize: trained on a small hand-made corpus."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import registry, train
from helpers import undex as run_cli

from undex.calibration import Calibrator
from undex.corpus import Document, LabelledDoc
from undex.errors import ConfigError, NotTrainedError, UndexError
from undex.optimize import set_project_settings
from undex.training import train_project
from undex.vocab import load_vocabulary_file, save_vocabulary

OCEANS = 4  # the mini vocabulary's concept that no training document has

PROJECTS = """
# a comment that optimize --save must keep
[omikuji-mini]
name = "omikuji"
language = "en"
backend = "omikuji"
vocab = "mini"
threads = 1

[bonsai-mini]
language = "en"
backend = "omikuji"
vocab = "mini"
preset = "bonsai"
threads = 1

[linear-mini]
language = "en"
backend = "linear"
vocab = "mini"
min_df = 1
alpha = 0.5

[knn-mini]
language = "en"
backend = "knn"
vocab = "mini"
k = 3

[ensemble-mini]
language = "en"
backend = "ensemble"
vocab = "mini"
sources = ["linear-mini", "omikuji-mini"]
limit = 3  # keep this comment

[ensemble-missing]
language = "en"
backend = "ensemble"
vocab = "mini"
sources = ["linear-mini", "no-such-project"]

[linear-other]
language = "en"
backend = "linear"
vocab = "other"
min_df = 1

[ensemble-mixed]
language = "en"
backend = "ensemble"
vocab = "mini"
sources = ["linear-mini", "linear-other"]

[ensemble-self]
language = "en"
backend = "ensemble"
vocab = "mini"
sources = ["linear-mini", "ensemble-self"]
"""

TOPICS = {
    "WATER RESOURCES": "water resources management, water supply and water scarcity in river basins",
    "FRESHWATER": "freshwater lakes, rivers and groundwater protection of fresh water",
    "HUMAN RIGHTS": "human rights defenders, torture, detention and the protection of human rights",
    "SUSTAINABLE DEVELOPMENT": "sustainable development goals, development financing and poverty eradication",
}


def corpus_records() -> list[dict]:
    """Documents mixing one or two topics; every third goes to the dev split."""
    names = list(TOPICS)
    records = []
    for i in range(36):
        first, second = names[i % 4], names[(i // 4) % 4]
        labels = sorted({first, second})
        text = f"Report {i}. {TOPICS[first]}. " + (f"Also {TOPICS[second]}." if i % 2 else "")
        if not i % 2:
            labels = [first]
        records.append(
            {"id": f"d{i}", "lang": "en", "text": text, "labels": labels, "split": "dev" if i % 3 == 0 else "train"}
        )
    return records


@pytest.fixture
def workdir(tmp_path: Path, mini_vocab_path: Path) -> Path:
    (tmp_path / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    with open(tmp_path / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for record in corpus_records():
            handle.write(json.dumps(record) + "\n")
    save_vocabulary(load_vocabulary_file("mini", mini_vocab_path), tmp_path / "data")
    other = tmp_path / "other.tsv"
    other.write_text(mini_vocab_path.read_text(encoding="utf-8").replace("OCEANS", "SEAS"), encoding="utf-8")
    save_vocabulary(load_vocabulary_file("other", other), tmp_path / "data")
    return tmp_path


QUERIES = ["protection of freshwater rivers and groundwater", "torture and detention of human rights defenders"]


@pytest.mark.parametrize("project_id", ["omikuji-mini", "bonsai-mini", "linear-mini", "knn-mini"])
def test_backend_learns_saves_and_loads(workdir: Path, project_id: str) -> None:
    manifest = train(workdir, project_id)
    assert manifest["training_documents"] == 24
    scores = registry(workdir).get(project_id).backend.suggest_batch(QUERIES).scores.toarray()
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    assert scores[:, OCEANS].max() == 0.0, "a concept without training examples must score 0"
    assert scores[0].argmax() == 1 and scores[1].argmax() == 3  # FRESHWATER, HUMAN RIGHTS
    fresh = registry(workdir).get(project_id)  # a new registry loads the saved model from disk
    np.testing.assert_allclose(fresh.backend.suggest_batch(QUERIES).scores.toarray(), scores, rtol=1e-5)


def test_knn_learned_documents_are_neighbours_at_once(workdir: Path) -> None:
    """A model that has suggested (and so prepared its indexed documents for the product)
    learns a document: the learned model finds it, the one it was learned from does not."""
    train(workdir, "knn-mini")
    before = registry(workdir).get("knn-mini").backend
    assert before.suggest_batch(QUERIES[:1]).scores.toarray()[0, OCEANS] == 0.0
    learned = before.learn([LabelledDoc(Document("new", QUERIES[0]), [OCEANS])])
    assert learned.suggest_batch(QUERIES[:1]).scores.toarray()[0, OCEANS] > 0.0
    assert before.suggest_batch(QUERIES[:1]).scores.toarray()[0, OCEANS] == 0.0


@pytest.mark.subprocess
@pytest.mark.slow
def test_omikuji_keeps_native_logs_off_the_console(workdir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, 'tests'); from helpers import train;"
        f"train(Path({str(workdir)!r}), 'omikuji-mini')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent
    )
    assert result.returncode == 0, result.stderr
    assert "INFO" not in result.stderr + result.stdout


def test_ensemble_trains_missing_sources_then_calibrates_on_dev(workdir: Path) -> None:
    said: list[str] = []
    train(workdir, "linear-mini")
    manifest = train(workdir, "ensemble-mini", "train", "dev", said.append)
    assert any("'omikuji-mini'" in line and "not trained" in line for line in said)
    assert not any("'linear-mini'" in line and "not trained" in line for line in said)
    assert any(line.startswith("Ensemble weights: linear-mini") for line in said)
    assert manifest["training_documents"] == 12  # the dev split only
    assert manifest["corpus"]["split"] == "dev"
    weights = manifest["summary"]["weights"]
    assert set(weights) == {"linear-mini", "omikuji-mini"} and sum(weights.values()) == pytest.approx(1.0)
    ensemble = registry(workdir).get("ensemble-mini")
    scores = ensemble.backend.suggest_batch(QUERIES).scores.toarray()
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    assert scores[:, OCEANS].max() == 0.0
    assert scores[0].argmax() == 1 and scores[1].argmax() == 3
    best_three = [int(c) for c in np.argsort(-scores[0], kind="stable")[:3] if scores[0, c] > 0]
    assert [c for c, _ in ensemble.suggest_batch(QUERIES).ranked(0)] == best_three  # limit = 3 in projects.toml


def test_ensemble_refuses_to_calibrate_on_the_sources_training_documents(workdir: Path) -> None:
    with pytest.raises(ConfigError, match="held-out"):
        train(workdir, "ensemble-mini", "train", None)


def test_ensemble_with_missing_source(workdir: Path) -> None:
    train(workdir, "linear-mini")
    with pytest.raises(ConfigError, match="'no-such-project' is not defined"):
        train(workdir, "ensemble-missing", "train", "dev")


def test_ensemble_listing_itself_is_refused_before_training(workdir: Path) -> None:
    said: list[str] = []
    with pytest.raises(ConfigError, match="'ensemble-self' lists itself as a source"):
        train(workdir, "ensemble-self", "train", "dev", said.append)
    assert not registry(workdir).get("linear-mini").is_trained and said == []


def test_ensemble_with_untrained_source(workdir: Path) -> None:
    train(workdir, "linear-mini")
    train(workdir, "omikuji-mini")
    train(workdir, "ensemble-mini", "train", "dev")
    (workdir / "data" / "projects" / "omikuji-mini" / "current").unlink()  # the source loses its model
    with pytest.raises(NotTrainedError, match="source project 'omikuji-mini' is not trained"):
        registry(workdir).get("ensemble-mini").backend.suggest_batch(QUERIES)


def test_ensemble_sources_on_different_vocabularies(workdir: Path) -> None:
    train(workdir, "linear-mini")
    train(workdir, "linear-other")
    with pytest.raises(ConfigError, match="all sources must share one vocabulary"):
        train(workdir, "ensemble-mixed", "train", "dev")


def test_dev_split_of_a_single_backend_reports_held_out_quality(workdir: Path) -> None:
    said: list[str] = []
    project = registry(workdir).get("linear-mini")
    train_project(project, [workdir / "corpus.jsonl"], "train", "dev", say=said.append)
    assert any("held-out documents" in line and "F1@5" in line for line in said)
    with pytest.raises(ConfigError, match="must differ from --split"):
        train_project(project, [workdir / "corpus.jsonl"], "train", "train", say=said.append)


@pytest.mark.parametrize("method", ["pav", "platt"])
@pytest.mark.parametrize("scope", ["global", "concept"])
def test_calibration_is_monotone_and_round_trips(tmp_path: Path, method: str, scope: str) -> None:
    rng = np.random.default_rng(0)
    raw = rng.random((200, 3)).astype(np.float32)
    gold = sp.csr_matrix(rng.random((200, 3)) < raw)  # higher raw score, likelier gold
    calibrator = Calibrator(method, scope, min_examples=5).fit(sp.csr_matrix(raw), gold)  # type: ignore[arg-type]
    grid = sp.csr_matrix(np.tile(np.linspace(0.01, 1, 50, dtype=np.float32)[:, None], (1, 3)))
    out = calibrator.transform(grid).toarray()
    assert (np.diff(out, axis=0) >= -1e-9).all() and out.min() > 0.0 and out.max() <= 1.0
    assert out[-1].mean() > 0.6 and out[0].mean() < 0.4
    calibrator.save(tmp_path / "c.npz")
    np.testing.assert_allclose(Calibrator.load(tmp_path / "c.npz").transform(grid).toarray(), out)


@pytest.mark.subprocess
@pytest.mark.slow
def test_optimize_prints_and_saves_best_setting(workdir: Path) -> None:
    train(workdir, "linear-mini")
    train(workdir, "omikuji-mini")
    train(workdir, "ensemble-mini", "train", "dev")
    result = run_cli(
        ["optimize", "ensemble-mini", "corpus.jsonl", "--split", "dev", "--save", "--format", "json"], workdir
    )
    assert result.returncode == 0, result.stderr
    best = json.loads(result.stdout)
    assert 1 <= best["Best limit"] <= 15 and 0.0 <= best["Best threshold"] <= 0.95
    assert best["F1 score (doc avg)"] > 0.5 and best["Documents evaluated"] == 12
    text = (workdir / "projects.toml").read_text(encoding="utf-8")
    assert "# a comment that optimize --save must keep" in text and "# keep this comment" in text
    section = tomllib.loads(text)["ensemble-mini"]
    assert section["limit"] == best["Best limit"] and section["threshold"] == best["Best threshold"]
    result = run_cli(
        [
            "eval",
            "ensemble-mini",
            "corpus.jsonl",
            "--split",
            "dev",
            "--format",
            "json",
            "--limit",
            str(best["Best limit"]),
            "--threshold",
            str(best["Best threshold"]),
        ],
        workdir,
    )
    assert json.loads(result.stdout)["F1 score (doc avg)"] == pytest.approx(best["F1 score (doc avg)"], abs=1e-4)


@pytest.mark.subprocess
@pytest.mark.slow
def test_optimize_without_gold_subjects_is_a_clear_error(workdir: Path) -> None:
    train(workdir, "linear-mini")
    (workdir / "plain.jsonl").write_text(json.dumps({"id": "x", "text": "water resources", "split": "dev"}) + "\n")
    result = run_cli(["optimize", "linear-mini", "plain.jsonl"], workdir)
    assert result.returncode == 1
    assert "cannot optimize: no documents with text and gold subjects" in result.stderr
    assert "Traceback" not in result.stderr


def test_saving_settings_adds_missing_keys(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[a]\nbackend = "tfidf"  # why\n\n# next one\n[b]\nlimit = 5\n["v1.0"]\n', encoding="utf-8")
    set_project_settings(path, "a", {"limit": 7, "threshold": 0.35})
    set_project_settings(path, "b", {"limit": 2})
    set_project_settings(path, "v1.0", {"limit": 4})
    text = path.read_text(encoding="utf-8")
    assert tomllib.loads(text) == {
        "a": {"backend": "tfidf", "limit": 7, "threshold": 0.35},
        "b": {"limit": 2},
        "v1.0": {"limit": 4},
    }
    assert "# why" in text and "# next one" in text
    assert text.startswith('[a]\nbackend = "tfidf"  # why\nlimit = 7\nthreshold = 0.35\n\n# next one\n[b]\n')
    with pytest.raises(UndexError, match="no \\[c\\] section"):
        set_project_settings(path, "c", {"limit": 1})


def test_filter_keeps_the_best_ranked_suggestions() -> None:
    from undex.suggestion import SuggestionBatch

    rng = np.random.default_rng(3)
    dense = np.round(rng.random((30, 40)), 1) * (rng.random((30, 40)) < 0.5)  # ties and empty cells
    batch = SuggestionBatch(sp.csr_matrix(dense.astype(np.float32)))
    for limit, threshold in ((1, 0.0), (5, 0.3), (100, 0.5), (None, 0.2), (3, 0.95)):
        kept = batch.filter(limit, threshold)
        for row in range(30):
            expected = [(c, s) for c, s in batch.ranked(row) if s >= threshold][:limit]
            assert kept.ranked(row) == expected
