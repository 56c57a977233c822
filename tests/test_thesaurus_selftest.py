"""Thesaurus self-test (issue 14): a sentence holding a concept's label, in any of the six
languages, finds that concept among the top 3 of the zero-shot ``lexical-<lang>`` project and
brings in no other concept with a score over 0.5. The sentences and the scoring are those of
``bench/selftest.py``, which runs every concept; here a sample (the full run is ``slow``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from undex.project import ProjectRegistry

ROOT = Path(__file__).resolve().parent.parent
MIN_RECALL = 0.98
MAX_FALSE = 0.02
SAMPLE_STEP = 37
"""Every 37th concept: about 200 concepts, 1,300 sentences in all."""


def _load_selftest():
    spec = importlib.util.spec_from_file_location("bench_selftest", ROOT / "bench" / "selftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


selftest = _load_selftest()


@pytest.fixture(scope="module")
def registry(unbis_datadir: Path) -> ProjectRegistry:
    return ProjectRegistry(ROOT / "projects.toml", unbis_datadir)


@pytest.mark.parametrize("language", selftest.LANGUAGES)
def test_carrier_sentence_alone_names_no_concept(registry: ProjectRegistry, language: str) -> None:
    project = registry.get(f"lexical-{language}")
    assert project.suggest_batch([selftest.CARRIERS[language].format(label="")]).ranked(0) == []


@pytest.mark.parametrize("language", selftest.LANGUAGES)
def test_sample_of_labels_finds_their_concepts(registry: ProjectRegistry, language: str) -> None:
    project = registry.get(f"lexical-{language}")
    result = selftest.run_selftest(project, language, list(range(0, len(project.vocab), SAMPLE_STEP)))
    assert result.cases > 150
    assert result.recall >= MIN_RECALL, result.misses
    assert result.false_rate <= MAX_FALSE, result.false_examples


@pytest.mark.slow
@pytest.mark.parametrize("language", selftest.LANGUAGES)
def test_every_label_finds_its_concept(registry: ProjectRegistry, language: str) -> None:
    result = selftest.run_selftest(registry.get(f"lexical-{language}"), language)
    assert result.recall >= MIN_RECALL, result.misses[:50]
    assert result.false_rate <= MAX_FALSE, result.false_examples[:50]
