"""Models survive faults: ``undex train`` killed with SIGKILL at random points, a read-only
or full data directory, and a retrained model appearing under a running process.

The invariant everywhere: the model a new process loads is complete (every SHA-256
verified) and is either the previous model or the new one, never a mixture.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from helpers import MODEL_CORPUS as CORPUS
from helpers import fresh, labelled, model_version, scores

from undex.corpus import CorpusStats, labelled_documents
from undex.modelstore import FAULT_STEP_ENV, SAVE_STEPS, current_version, open_artifact, save_artifact
from undex.vocab import load_vocabulary

KILL_SEEDS = range(int(os.environ.get("UNDEX_KILL_RUNS", "10")))
KILLS: Counter[str] = Counter()
WORDS = "water rivers lakes rights detention torture oceans seas fisheries development islands financing".split()


def write_corpus(path: Path, documents: int, seed: int, vocabulary: int = 0) -> Path:
    """A corpus built from the small test corpus plus filler words (``vocabulary`` distinct
    made-up words make the model's feature list, and so its files, larger)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(documents):
            text, subjects = CORPUS[i % len(CORPUS)]
            filler = " ".join(rng.choice(WORDS) for _ in range(20))
            invented = " ".join(f"w{rng.randrange(vocabulary)}x" for _ in range(40)) if vocabulary else ""
            handle.write(json.dumps({"id": f"d{i}", "text": f"{text} {filler} {invented}", "labels": subjects}) + "\n")
    return path


def undex(
    workdir: Path, *args: str, prefix: tuple[str, ...] = (), extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    env = {**os.environ, "UNDEX_PROJECTS": str(workdir / "projects.toml"), "UNDEX_DATADIR": str(workdir / "data")}
    env.update(extra_env or {})
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "undex", *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def trained_in_process(workdir: Path, corpus: Path) -> np.ndarray:
    """Train on ``corpus`` in a copy of ``workdir`` and return the model's scores."""
    copy = workdir.parent / f"{workdir.name}-reference"
    shutil.copytree(workdir, copy, symlinks=True)
    project = fresh(copy)
    vocab = load_vocabulary(copy / "data", "mini")
    project.train(list(labelled_documents([corpus], vocab, CorpusStats())))
    return scores(fresh(copy))


@pytest.fixture
def trained(mini_workdir: Path) -> tuple[Path, np.ndarray]:
    fresh(mini_workdir).train(labelled(mini_workdir / "data", CORPUS))
    return mini_workdir, scores(fresh(mini_workdir))


def model_dir(workdir: Path) -> Path:
    return workdir / "data" / "projects" / "tfidf-mini"


# ------------------------------------------------------------------ SIGKILL


def _kill_when_writing(process: subprocess.Popen, folder: Path, before: set[str], rng: random.Random) -> bool:
    """Kill ``process`` a few milliseconds after its temporary model directory appears."""
    while process.poll() is None:
        if any(name.startswith(".tmp-") for name in set(os.listdir(folder)) - before):
            time.sleep(rng.uniform(0, 0.02))
            process.send_signal(signal.SIGKILL)
            return True
        time.sleep(0.0002)
    return False


def _phase(process: subprocess.Popen, folder: Path, before: set[str]) -> str:
    """Where the kill landed, judged from what it left behind."""
    if process.returncode == 0:
        return "finished before the kill"
    added = set(os.listdir(folder)) - before
    if any(n.startswith("v") for n in added):
        return "killed after the new version was complete"
    if any(n.startswith(".tmp-") for n in added):
        return "killed while writing the new version"
    return "killed before writing"


@pytest.mark.subprocess
@pytest.mark.slow
def test_sigkill_during_train_leaves_a_loadable_model(trained: tuple[Path, np.ndarray]) -> None:
    """Kill ``undex train`` at random moments (even seeds) and while it writes the model
    files (odd seeds), again and again on the same data directory."""
    workdir, old = trained
    corpus = write_corpus(workdir / "corpus.jsonl", 300, seed=1, vocabulary=3000)
    new = trained_in_process(workdir, corpus)
    assert not np.array_equal(old, new)
    folder = model_dir(workdir)
    previous = old
    for seed in KILL_SEEDS:
        rng = random.Random(seed)
        before = set(os.listdir(folder))
        process = undex(workdir, "train", "tfidf-mini", str(corpus))
        if seed % 2:
            _kill_when_writing(process, folder, before, rng)
        else:
            time.sleep(rng.uniform(0.3, 2.5))
            process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        phase = _phase(process, folder, before)
        KILLS[phase] += 1
        loaded = scores(fresh(workdir))  # verifies every file's SHA-256
        if phase in ("killed before writing", "killed while writing the new version"):
            np.testing.assert_array_equal(loaded, previous, err_msg=f"seed {seed}: {phase}")
        else:
            np.testing.assert_array_equal(loaded, new, err_msg=f"seed {seed}: {phase}")
        previous = loaded

    # the next training run cleans up what the killed ones left and installs the new model
    rerun = undex(workdir, "train", "tfidf-mini", str(corpus))
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert sorted(n for n in os.listdir(folder) if not n.startswith("v")) == ["current"]
    assert len(os.listdir(folder)) <= 3  # current, the new version and one previous
    np.testing.assert_array_equal(scores(fresh(workdir)), new)


@pytest.fixture(scope="module", autouse=True)
def report_kills():
    yield
    target = os.environ.get("UNDEX_KILL_REPORT")
    if target:
        Path(target).write_text(json.dumps(dict(KILLS), indent=2) + "\n", encoding="utf-8")


# ----------------------------------------------------- read-only and full disks


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


# In a new user namespace root keeps no capability over the real file system, so
# permission bits apply to it as to anyone: a 0o555 directory really is read-only.
NO_CAPABILITIES = ("unshare", "--user") if os.geteuid() == 0 else ()
needs_userns = pytest.mark.skipif(
    os.geteuid() == 0 and not _works(["unshare", "--user", "true"]), reason="no user namespaces (unshare --user)"
)


@pytest.mark.subprocess
@pytest.mark.slow
@needs_userns
def test_read_only_data_directory_is_a_clear_error_and_keeps_the_model(trained: tuple[Path, np.ndarray]) -> None:
    workdir, old = trained
    corpus = write_corpus(workdir / "corpus.jsonl", 40, seed=2)
    old_version = model_version(workdir)
    folders = [workdir / "data", workdir / "data" / "projects", model_dir(workdir)]
    for folder in folders:
        folder.chmod(0o555)
    try:
        process = undex(workdir, "train", "tfidf-mini", str(corpus), prefix=NO_CAPABILITIES)
        _, err = process.communicate(timeout=120)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert process.returncode == 1, err
    assert err.strip().splitlines()[-1].startswith("undex: error: cannot write ")
    assert "Permission denied" in err and "Traceback" not in err
    assert model_version(workdir) == old_version
    np.testing.assert_array_equal(scores(fresh(workdir)), old)


FULL_DISK = """
set -e
mount -t tmpfs -o size={size}k undex-full "{mnt}"
cp -a "{data}" "{mnt}/data"
set +e
"{python}" -m undex train tfidf-mini "{corpus}" --datadir "{mnt}/data" --projects "{projects}"
echo "exit=$?"
ls -a "{mnt}/data/projects/tfidf-mini"
"{python}" -m undex suggest tfidf-mini --datadir "{mnt}/data" --projects "{projects}" --limit 3 --format json \
    < "{query}"
"""


@pytest.mark.subprocess
@pytest.mark.slow
@pytest.mark.skipif(
    not _works(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs none /mnt"]),
    reason="cannot mount a small tmpfs in a user namespace",
)
def test_full_disk_is_a_clear_error_and_keeps_the_model(trained: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    """A real ENOSPC: the data directory copied onto a tmpfs with room for the old model only."""
    workdir, _ = trained
    corpus = write_corpus(workdir / "big.jsonl", 400, seed=3, vocabulary=50_000)
    (workdir / "query.txt").write_text("protecting freshwater and water resources", encoding="utf-8")
    expected = fresh(workdir).suggest_batch(["protecting freshwater and water resources"], limit=3).ranked(0)
    used = sum(p.stat().st_size for p in (workdir / "data").rglob("*") if p.is_file()) // 1024
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = FULL_DISK.format(
        size=used + 64,
        mnt=mnt,
        data=workdir / "data",
        python=sys.executable,
        corpus=corpus,
        projects=workdir / "projects.toml",
        query=workdir / "query.txt",
    )
    result = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "exit=1" in result.stdout, result.stdout + result.stderr
    assert "undex: error: cannot write" in result.stderr and "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    listing = result.stdout.split("exit=1", 1)[1]
    assert ".tmp-" not in listing, "the failed write left its temporary directory behind"
    suggestions = json.loads(listing[listing.index("[") :])[0]["results"]
    vocab = fresh(workdir).vocab
    assert [r["uri"] for r in suggestions] == [vocab.concepts[i].uri for i, _ in expected]


# ------------------------------------------------ a model retrained under a running process


def test_running_process_switches_only_to_a_complete_model(trained: tuple[Path, np.ndarray]) -> None:
    """While a new version is being written the running project keeps its model; once
    ``current`` moves it loads the new one, and work already holding the old backend
    object finishes on it."""
    workdir, old = trained
    running = fresh(workdir)
    in_flight = running.backend
    writing, release = threading.Event(), threading.Event()
    newer = fresh(workdir)
    docs = labelled(workdir / "data", CORPUS[:5])
    newer_backend = newer._new_backend()
    newer_backend.fit(docs)

    def slow_write(folder: Path) -> None:
        newer_backend.save(folder)
        writing.set()
        assert release.wait(30)

    manifest = {
        "kind": "model",
        "backend": "tfidf",
        "params": newer_backend.params.model_dump(mode="json"),
        "language": "en",
        "vocab_checksum": running.manifest["vocab_checksum"],
    }
    writer = threading.Thread(target=save_artifact, args=(model_dir(workdir), slow_write, manifest))
    writer.start()
    try:
        assert writing.wait(30)
        assert running.backend is in_flight  # files written, manifest not yet: nothing changes
        np.testing.assert_array_equal(scores(running), old)
    finally:
        release.set()
        writer.join(30)
    reloaded = running.backend
    assert reloaded is not in_flight
    new = scores(running)
    assert not np.array_equal(new, old)
    np.testing.assert_array_equal(new, scores(fresh(workdir)))
    in_flight_scores = in_flight.suggest_batch(
        ["protecting freshwater and water resources", "human rights defenders in detention"]
    ).scores.toarray()
    np.testing.assert_array_equal(in_flight_scores, old[:2])


@pytest.mark.slow
def test_readers_never_see_a_mixture_while_models_are_swapped(trained: tuple[Path, np.ndarray]) -> None:
    """One thread saves new versions in a loop while others open the current one: every
    open is verified and consistent (the manifest belongs to the version it checks)."""
    workdir, _ = trained
    target = model_dir(workdir)
    errors: list[Exception] = []
    opened = Counter()
    stop = threading.Event()

    def write(number: int):
        def files(folder: Path) -> None:
            (folder / "data.bin").write_bytes(bytes([number % 256]) * (50_000 + number))

        return files

    def reader() -> None:
        while not stop.is_set():
            try:
                open_artifact(target, "model")  # data.bin's checksum pins it to its manifest
                opened["ok"] += 1
            except Exception as exc:  # noqa: BLE001 - any failure of a reader fails the test
                errors.append(exc)

    save_artifact(target, write(0), {"number": 0})
    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    for number in range(1, 40):
        save_artifact(target, write(number), {"number": number})
        time.sleep(0.002)
    stop.set()
    for thread in readers:
        thread.join(30)
    assert opened["ok"] > 0
    assert not errors, f"{len(errors)} of {len(errors) + opened['ok']} opens failed, e.g. {errors[0]!r}"


@pytest.mark.subprocess
def test_cleanup_spares_the_temporary_directory_of_a_running_writer(trained: tuple[Path, np.ndarray]) -> None:
    """Two ``undex train`` runs of one project: the later one must not delete the files the
    earlier one is still writing; leftovers of dead writers are removed."""
    workdir, _ = trained
    folder = model_dir(workdir)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        (folder / f".tmp-{other.pid}-abc").mkdir()
        (folder / f".tmp-{dead.pid}-abc").mkdir()
        (folder / ".tmp-legacy").mkdir()
        fresh(workdir).train(labelled(workdir / "data", CORPUS[:5]))
        left = sorted(n for n in os.listdir(folder) if n.startswith(".tmp-"))
        assert left == [f".tmp-{other.pid}-abc"]
    finally:
        other.kill()
        other.wait()


def test_concurrent_requests_after_a_swap_load_the_new_model_once(trained: tuple[Path, np.ndarray]) -> None:
    workdir, _ = trained
    running = fresh(workdir)
    _ = running.backend
    fresh(workdir).train(labelled(workdir / "data", CORPUS[:5]))
    loads = Counter()
    original = running._new_backend

    def counting(*args):
        loads["new"] += 1
        time.sleep(0.05)  # a slow load, so that the threads overlap
        return original(*args)

    running._new_backend = counting
    backends = []
    threads = [threading.Thread(target=lambda: backends.append(running.backend)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert loads["new"] == 1
    assert len(backends) == 8 and all(b is backends[0] for b in backends)
    np.testing.assert_array_equal(scores(running), scores(fresh(workdir)))


# ------------------------------------------- a kill at each step of saving (deterministic)


def _leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith("."))


@pytest.mark.parametrize("step", range(1, SAVE_STEPS + 1))
def test_a_kill_at_each_step_of_saving_is_recovered(trained: tuple[Path, np.ndarray], step: int) -> None:
    """``undex train`` killed at step N of save_artifact: a new process loads a complete
    model (the previous or the new one), and the next save removes what the kill left
    (orphan version, stray link, temporary directory) but never what ``current`` names."""
    workdir, _ = trained
    fresh(workdir).train(labelled(workdir / "data", CORPUS[:6]))  # a previous version, for pruning
    before, before_scores = model_version(workdir), scores(fresh(workdir))
    corpus = write_corpus(workdir / "corpus.jsonl", 12, seed=step)
    killed = undex(workdir, "train", "tfidf-mini", str(corpus), extra_env={FAULT_STEP_ENV: str(step)})
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL, f"step {step} was not reached"
    after_kill = model_version(workdir)
    if after_kill == before:
        np.testing.assert_array_equal(scores(fresh(workdir)), before_scores)
    else:
        np.testing.assert_array_equal(scores(fresh(workdir)), trained_in_process(workdir, corpus))

    folder = model_dir(workdir)
    fresh(workdir).train(labelled(workdir / "data", CORPUS[:5]))  # the next train, in a new process
    assert _leftovers(folder) == [], f"step {step}: leftovers {_leftovers(folder)}"
    versions = sorted(p.name for p in folder.glob("v*"))
    assert versions == sorted({after_kill.name, current_version(folder).name}), f"step {step}: {versions}"
    open_artifact(folder, "model")
