"""Every word-based project explains its suggestions: where the subject's label occurs in the
text, or else which of the document's words weigh most for it."""

from __future__ import annotations

import pytest

from undex.corpus import Document, LabelledDoc
from undex.project import Project, ProjectRegistry
from undex.vocab import load_vocabulary_file, save_vocabulary

HEADER = "en\tzh\tar\tfr\tru\tes\tconcept_id\turi\ten_alt\tmicrothesauri\tdomains"
CONCEPTS = [
    ("MIGRANT WORKERS", "3000001"),
    ("WATER RESOURCES", "3000002"),
    ("PEACEKEEPING OPERATIONS", "3000003"),
    ("REMITTANCES", "3000004"),
]
TRAINING = [
    ("Protection of migrant workers and members of their families in host countries", ["3000001"]),
    ("Labour rights of migrant workers: wages, contracts and recruitment fees", ["3000001"]),
    ("Migrant workers in domestic work face abuse; States shall protect migrant workers", ["3000001"]),
    ("Money sent home by workers abroad supports households; transfer costs of money", ["3000004", "3000001"]),
    ("Lowering the cost of money transfers sent home to families", ["3000004"]),
    ("Water resources management, freshwater and irrigation in arid regions", ["3000002"]),
    ("Integrated management of water resources and river basins", ["3000002"]),
    ("Peacekeeping operations: troop contributors, mandates and the safety of peacekeepers", ["3000003"]),
    ("Financing of peacekeeping operations and the mission budget", ["3000003"]),
]
PROJECTS = """
[tfidf]
language = "en"
backend = "tfidf"
vocab = "evidence"
min_df = 1

[linear]
language = "en"
backend = "linear"
vocab = "evidence"
min_df = 1

[knn]
language = "en"
backend = "knn"
vocab = "evidence"
min_df = 1
k = 3

[omikuji]
language = "en"
backend = "omikuji"
vocab = "evidence"
min_df = 1

[ensemble]
language = "en"
backend = "ensemble"
vocab = "evidence"
sources = ["tfidf", "linear", "knn"]
weights = [1, 1, 1]
"""
WORD_BASED = ["tfidf", "linear", "knn", "omikuji", "ensemble"]
PASSAGE = (
    "The General Assembly, recalling the International Convention on the Protection of the Rights of All "
    "Migrant Workers and Members of Their Families, calls upon States to protect migrant workers from abuse "
    "and to ensure that migrant workers enjoy fair wages."
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ProjectRegistry:
    root = tmp_path_factory.mktemp("evidence")
    rows = [f"{en}\t\t\t\t\t\t{cid}\thttp://example.org/t/{cid}\t\t\t" for en, cid in CONCEPTS]
    (root / "terms.tsv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    save_vocabulary(load_vocabulary_file("evidence", root / "terms.tsv"), root / "data")
    (root / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    registry = ProjectRegistry(root / "projects.toml", root / "data")
    vocab = registry.get("tfidf").vocab
    index = {c.id: i for i, c in enumerate(vocab.concepts)}
    docs = [LabelledDoc(Document(f"d{i}", t), [index[c] for c in ids]) for i, (t, ids) in enumerate(TRAINING)]
    for project_id in WORD_BASED:
        registry.get(project_id).train(docs)
    return registry


def suggestion(project: Project, text: str, concept_id: str):
    index = project.vocab.index_of_id(concept_id)
    for ranked in project.suggest_batch([text], limit=4, explain=True).row(0):
        if ranked.concept == index:
            return ranked
    raise AssertionError(f"{project.id} does not suggest {concept_id}")


@pytest.mark.parametrize("project_id", WORD_BASED)
def test_label_occurrences_are_the_evidence(registry: ProjectRegistry, project_id: str) -> None:
    found = suggestion(registry.get(project_id), PASSAGE, "3000001")
    covered = [PASSAGE[e.start : e.end].lower() for e in found.evidence]
    assert covered == ["migrant workers"] * 3
    assert {e.label for e in found.evidence} == {"MIGRANT WORKERS"}


@pytest.mark.parametrize("project_id", WORD_BASED)
def test_without_a_label_the_weightiest_words_are_the_evidence(registry: ProjectRegistry, project_id: str) -> None:
    text = "Families count on the money their relatives send home; the cost of each transfer is too high."
    found = suggestion(registry.get(project_id), text, "3000004")
    assert found.evidence, f"{project_id} gives no evidence for REMITTANCES"
    for span in found.evidence:
        assert text[span.start : span.end] == span.label
    words = {text[e.start : e.end].lower() for e in found.evidence}
    assert words & {"money", "send home", "transfer", "cost", "home"}, words


def test_only_kept_suggestions_carry_evidence(registry: ProjectRegistry) -> None:
    batch = registry.get("ensemble").suggest_batch([PASSAGE], limit=1, explain=True)
    (best,) = batch.row(0)
    assert set(batch.evidence[0]) <= {best.concept}
