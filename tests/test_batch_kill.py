"""`undex index` killed with SIGKILL at several points, then restarted: every document is
indexed exactly once, nothing finished is redone or lost, no truncated file looks complete."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from batch_helpers import make_workdir, read_jsonl, spec_for, write_corpus, write_directory

from undex.batch import SerialExecutor, run_index
from undex.batch.partitions import plan_partitions


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vocab = Path(__file__).parent / "fixtures" / "mini_unbis" / "mini_terms.tsv"
    return make_workdir(tmp_path_factory.mktemp("kill"), vocab)


def kill_when(args: list[str], cwd: Path, reached: Callable[[], bool], timeout: float = 90) -> None:
    """Start ``undex`` with ``args`` and SIGKILL it as soon as ``reached()`` holds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "undex", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    try:
        while not reached():
            if proc.poll() is not None:
                pytest.fail(f"undex ended before the kill point: {proc.stderr.read().decode()[-500:]}")
            if time.monotonic() > deadline:
                pytest.fail("the kill point was not reached in time")
            time.sleep(0.003)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()


def orphans(cwd: Path) -> list[int]:
    """Processes started from the multiprocessing machinery whose parent is gone, in ``cwd``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if b"multiprocessing" in cmdline and stat[1] == "1" and (proc / "cwd").resolve() == cwd.resolve():
                found.append(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def finish(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "undex", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def check_parts(parts_dir: Path, expected: dict[str, list[str]]) -> int:
    """Every visible partition file is complete and right; returns how many there are."""
    names = [p.name for p in parts_dir.iterdir()]
    assert all(n.startswith(("part-", ".undex-tmp-")) or n == "plan.json" for n in names), names
    done = sorted(parts_dir.glob("part-*.jsonl"))
    for part in done:
        assert [r["id"] for r in read_jsonl(part)] == expected[part.stem]
    return len(done)


@pytest.mark.parametrize("jobs, size, kill_points", [(1, 1000, (1, 50)), (2, 400, (10,))])
def test_jsonl_output_survives_sigkill(workdir: Path, tmp_path: Path, jobs: int, size: int, kill_points: tuple) -> None:
    corpus = tmp_path / "corpus.jsonl"
    ids = write_corpus(corpus, size, repeat_text=3)
    parts = plan_partitions(corpus, 10)
    expected = {p.name: ids[i * 10 : i * 10 + 10] for i, p in enumerate(parts)}
    reference = tmp_path / "reference.jsonl"
    run_index(corpus, spec_for(workdir, batch_size=1), SerialExecutor(), reference, partition_size=10, quiet=True)

    out, parts_dir = tmp_path / "out.jsonl", tmp_path / "out.jsonl.parts"
    args = ["index", "tfidf-mini", str(corpus), "-o", str(out), "--partition-size", "10", "--batch-size", "1"]
    args += ["--jobs", str(jobs)]
    finished = 0
    for point in kill_points:
        kill_when(args, workdir, lambda p=point: parts_dir.is_dir() and len(list(parts_dir.glob("part-*"))) >= p)
        assert not out.exists()  # the result never exists half-made
        now = check_parts(parts_dir, expected)
        assert finished <= now < len(parts)  # nothing finished was lost
        finished = now
    if jobs > 1:  # worker processes follow their killed parent
        deadline = time.monotonic() + 10
        while orphans(workdir) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not orphans(workdir)
    result = finish(args, workdir)
    assert f"{check_parts_count(result.stderr)} already done" in result.stderr
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ids  # each document exactly once, in corpus order
    assert out.read_bytes() == reference.read_bytes()
    manifest = json.loads((parts_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == size
    assert [p.name for p in parts_dir.iterdir()] == ["manifest.json"]


def check_parts_count(stderr: str) -> str:
    """The number of documents the restart reported as already done (a multiple of 10)."""
    for word, following in zip(stderr.split(), stderr.split()[1:], strict=False):
        if following == "already" and word.isdigit():
            assert int(word) % 10 == 0 and int(word) > 0
            return word
    raise AssertionError(f"no 'already done' count in: {stderr}")


def test_per_document_output_survives_sigkill(workdir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    names = write_directory(docs, 200)
    reference = tmp_path / "reference"
    shutil.copytree(docs, reference)
    run_index(reference, spec_for(workdir), SerialExecutor(), quiet=True)

    args = ["index", "tfidf-mini", str(docs), "--batch-size", "1", "--partition-size", "5"]
    for point in (10, 100):
        kill_when(args, workdir, lambda p=point: len(list(docs.glob("*.undex.tsv"))) >= p)
        for tsv in docs.glob("*.undex.tsv"):  # every visible result is whole
            assert tsv.read_bytes() == (reference / tsv.name).read_bytes()
    finish(args, workdir)
    for name in names:
        assert (docs / f"{name}.undex.tsv").read_bytes() == (reference / f"{name}.undex.tsv").read_bytes()
    assert sorted(p.name for p in docs.iterdir() if not p.name.endswith(".txt")) == sorted(
        f"{n}.undex.tsv" for n in names
    )
