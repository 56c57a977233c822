"""A project that stays right while it learns and while its vocabulary and model change
under it: model and vocabulary are one snapshot, learns are serialized and swap whole models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_model_store import CORPUS, labelled

from undex.api import Indexer
from undex.backends.knn import KnnBackend
from undex.errors import ModelError
from undex.project import ProjectRegistry
from undex.vocab import load_vocabulary_file, save_vocabulary

HUMAN_RIGHTS_URI = "http://example.org/t/2000004"
KNN_PROJECTS = """
[knn-mini]
language = "en"
backend = "knn"
vocab = "mini"
min_df = 1
k = 3
"""


@pytest.fixture
def workdir(mini_workdir: Path) -> Path:
    (mini_workdir / "projects.toml").write_text(KNN_PROJECTS, encoding="utf-8")
    return mini_workdir


def fresh(workdir: Path):
    """The project as a new process sees it."""
    return ProjectRegistry(workdir / "projects.toml", workdir / "data").get("knn-mini")


@pytest.fixture
def trained(workdir: Path) -> Path:
    fresh(workdir).train(labelled(workdir / "data", CORPUS))
    return workdir


def save_reordered_vocabulary(workdir: Path, mini_vocab_path: Path) -> None:
    """The same concepts in the reverse order: same size, other column of each concept."""
    header, *rows = mini_vocab_path.read_text(encoding="utf-8").splitlines()
    reordered = workdir / "reordered.tsv"
    reordered.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    save_vocabulary(load_vocabulary_file("mini", reordered), workdir / "data")


def top_uri(indexer: Indexer, text: str) -> str:
    return indexer.suggest(text, limit=1)[0].uri


# ------------------------------------------------- 1. vocabulary and model agree


def test_a_running_model_keeps_its_vocabulary_until_retrained_on_the_new_one(
    trained: Path, mini_vocab_path: Path
) -> None:
    running = Indexer(fresh(trained))
    query = "human rights defenders in detention"
    assert top_uri(running, query) == HUMAN_RIGHTS_URI
    save_reordered_vocabulary(trained, mini_vocab_path)
    assert top_uri(running, query) == HUMAN_RIGHTS_URI  # the model with its own vocabulary
    with pytest.raises(ModelError, match="retrain"):
        Indexer(fresh(trained)).suggest(query)  # a new process cannot pair them
    fresh(trained).train(labelled(trained / "data", CORPUS))
    assert top_uri(running, query) == HUMAN_RIGHTS_URI
    assert running.vocab.checksum == running.project.manifest["vocab_checksum"]


# ------------------------------------------------- 2. learn against suggest


def test_learn_swaps_a_new_model_and_leaves_the_served_one_untouched(trained: Path) -> None:
    project = fresh(trained)
    served = project.backend
    rows = served.documents_.shape[0]
    project.learn(labelled(trained / "data", CORPUS[:2]))
    assert served.documents_.shape[0] == served.labels_.shape[0] == rows
    assert project.backend is not served
    assert project.backend.documents_.shape[0] == rows + 2


def test_a_learn_whose_save_fails_leaves_memory_and_disk_as_they_were(
    trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = fresh(trained)
    served = project.backend
    manifest = project.manifest

    def full_disk(self: KnnBackend, folder: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(KnnBackend, "save", full_disk)
    with pytest.raises(ModelError, match="No space left"):
        project.learn(labelled(trained / "data", CORPUS[:2]))
    assert project.backend is served
    assert served.documents_.shape[0] == len(CORPUS)
    assert project.manifest == manifest


def test_concurrent_learns_lose_no_update(trained: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = fresh(trained)
    original_save = KnnBackend.save

    def slow_save(self: KnnBackend, folder: Path) -> None:
        time.sleep(0.1)  # two learns overlap here unless they are serialized
        original_save(self, folder)

    monkeypatch.setattr(KnnBackend, "save", slow_save)
    docs = labelled(trained / "data", CORPUS[:1])
    threads = [threading.Thread(target=project.learn, args=(docs,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert project.manifest["learned_documents"] == 4
    assert fresh(trained).backend.documents_.shape[0] == len(CORPUS) + 4


def test_suggest_never_sees_a_half_applied_learn(trained: Path) -> None:
    project = fresh(trained)
    indexer = Indexer(project)
    docs = labelled(trained / "data", CORPUS[:1])
    errors: list[Exception] = []
    stop = threading.Event()

    def suggest() -> None:
        while not stop.is_set():
            try:
                assert top_uri(indexer, "human rights defenders in detention") == HUMAN_RIGHTS_URI
            except Exception as exc:  # noqa: BLE001 - any failure of a reader fails the test
                errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    readers = [threading.Thread(target=suggest) for _ in range(3)]
    try:
        for thread in readers:
            thread.start()
        for _ in range(15):
            project.learn(docs)
    finally:
        stop.set()
        for thread in readers:
            thread.join(30)
        sys.setswitchinterval(old)
    assert not errors, f"{len(errors)} suggestions failed, e.g. {errors[0]!r}"


def test_concurrent_first_requests_build_one_project(trained: Path) -> None:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(200):  # the race shows in a few percent of rounds without the lock
            registry = ProjectRegistry(trained / "projects.toml", trained / "data")
            barrier = threading.Barrier(6)
            got: list = []

            def first_request(
                registry: ProjectRegistry = registry, barrier: threading.Barrier = barrier, got: list = got
            ) -> None:
                barrier.wait()
                got.append(registry.get("knn-mini"))

            threads = [threading.Thread(target=first_request) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert len({id(p) for p in got}) == 1
    finally:
        sys.setswitchinterval(old)


def test_vocabulary_caches_are_keyed_by_checksum_and_bounded(workdir: Path, mini_vocab_path: Path) -> None:
    from undex.vocab import load_vocabulary, store
    from undex.vocab_search import _INDEXES, CACHED_VOCABULARIES, concept_search

    header, *rows = mini_vocab_path.read_text(encoding="utf-8").splitlines()
    for version in range(CACHED_VOCABULARIES + 3):  # load-vocab run again and again
        edited = [row.replace("OCEANS", f"OCEANS {version}") for row in rows]
        path = workdir / f"v{version}.tsv"
        path.write_text("\n".join([header, *edited]) + "\n", encoding="utf-8")
        save_vocabulary(load_vocabulary_file("mini", path), workdir / "data")
        concept_search(load_vocabulary(workdir / "data", "mini"))
        assert load_vocabulary(workdir / "data", "mini") is load_vocabulary(workdir / "data", "mini")
    assert len(store._VOCAB_CACHE) <= CACHED_VOCABULARIES
    assert len(_INDEXES) <= CACHED_VOCABULARIES
    assert all(isinstance(key, str) for key in _INDEXES)


def test_a_learn_is_redone_on_a_model_another_process_saved_meanwhile(
    trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = fresh(trained)
    _ = project.backend
    original_save = KnnBackend.save
    retrained: list[bool] = []

    def save_while_retrained(self: KnnBackend, folder: Path) -> None:
        if not retrained:  # `undex train` (another process) finishes while this learn is being saved
            retrained.append(True)
            corpus = trained / "corpus.jsonl"
            corpus.write_text("".join(json.dumps({"text": t, "labels": s}) + "\n" for t, s in CORPUS[:4]))
            env = {
                **os.environ,
                "UNDEX_PROJECTS": str(trained / "projects.toml"),
                "UNDEX_DATADIR": str(trained / "data"),
            }
            subprocess.run([sys.executable, "-m", "undex", "train", "knn-mini", str(corpus)], env=env, check=True)
        original_save(self, folder)

    monkeypatch.setattr(KnnBackend, "save", save_while_retrained)
    project.learn(lambda vocab: labelled(trained / "data", CORPUS[4:5]))
    assert project.manifest["training_documents"] == 4 and project.manifest["learned_documents"] == 1
    assert fresh(trained).backend.documents_.shape[0] == 5
