"""Indexing and evaluation on Dask: a LocalCluster with 2 worker processes, reached by its
scheduler address the way a real cluster is."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from dask import distributed
from helpers import TEXTS, kill_when, make_workdir, read_jsonl, spec_for, undex, write_corpus, write_directory

from undex.batch import SerialExecutor, run_index
from undex.batch.evaluate import EvalMerger, EvalSpec, evaluate_partition, evaluation_partitions

pytestmark = [pytest.mark.dask]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vocab = Path(__file__).parent / "fixtures" / "mini_unbis" / "mini_terms.tsv"
    return make_workdir(tmp_path_factory.mktemp("dask"), vocab)


@pytest.fixture(scope="module")
def scheduler() -> str:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    yield cluster.scheduler_address
    cluster.close()


def eval_corpus(path: Path) -> None:
    """Gold subjects, an unknown subject, an empty text and two splits."""
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(90):
            text, labels = TEXTS[(i * 5) % len(TEXTS)]
            labels = labels + ["NO SUCH SUBJECT"] if i % 7 == 0 else labels
            record = {"id": f"e{i}", "text": "" if i == 13 else text, "labels": labels}
            handle.write(json.dumps({**record, "split": "test" if i % 3 else "train"}) + "\n")


@pytest.mark.subprocess
@pytest.mark.slow
def test_index_on_dask_writes_the_same_output_as_one_process(workdir: Path, tmp_path: Path, scheduler: str) -> None:
    corpus = tmp_path / "c.jsonl"
    ids = write_corpus(corpus, 200)
    run_index(corpus, spec_for(workdir), SerialExecutor(), tmp_path / "serial.jsonl", partition_size=20, quiet=True)
    out = tmp_path / "dask.jsonl"
    args = ["index", "tfidf-mini", str(corpus), "-o", str(out), "--partition-size", "20"]
    result = undex([*args, "--dask", scheduler, "--report", str(tmp_path / "r.json")], workdir)
    assert result.returncode == 0, result.stderr
    assert "Dask dashboard: http" in result.stderr
    assert [r["id"] for r in read_jsonl(out)] == ids
    assert out.read_bytes() == (tmp_path / "serial.jsonl").read_bytes()
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["partitions"] == 10 and report["workers"] == 2
    with distributed.Client(scheduler) as client:
        worker_pids = set(client.run(os.getpid).values())
    assert set(report["peak_rss_mb"]) - {"main"} <= {str(pid) for pid in worker_pids}


@pytest.mark.slow
def test_each_worker_loads_the_model_once(workdir: Path, tmp_path: Path, scheduler: str) -> None:
    from undex.batch import DaskExecutor

    def loaded_backend() -> tuple[int, int]:
        from undex.batch.tasks import _REGISTRIES

        projects = [r._projects.get("tfidf-mini") for r in _REGISTRIES.values()]
        backends = {id(p._snapshot.backend) for p in projects if p is not None and p._snapshot is not None}
        return len(backends), next(iter(backends), 0)

    docs = tmp_path / "docs"
    write_directory(docs, 40)
    with distributed.Client(scheduler) as client:
        run_index(docs, spec_for(workdir), DaskExecutor(client), partition_size=4, quiet=True)
        first = client.run(loaded_backend)
        (docs / "report-0000.undex.tsv").unlink()
        again = run_index(docs, spec_for(workdir), DaskExecutor(client), partition_size=4, quiet=True)
        second = client.run(loaded_backend)
    assert again.documents == 1 and again.skipped == 39
    assert all(count == 1 for count, _ in first.values())  # one model object per worker process
    assert {w: b for w, (_, b) in first.items()} == {w: b for w, (_, b) in second.items() if w in first}
    assert len(list(docs.glob("*.undex.tsv"))) == 40


@pytest.mark.subprocess
@pytest.mark.slow
def test_eval_on_dask_equals_single_process_eval(workdir: Path, tmp_path: Path, scheduler: str) -> None:
    corpus = tmp_path / "gold.jsonl"
    eval_corpus(corpus)
    args = ["eval", "tfidf-mini", str(corpus), "--split", "test", "--limit", "3", "--format", "json"]
    single = undex(args, workdir)
    dask = undex([*args, "--dask", scheduler, "--batch-size", "4"], workdir)
    assert single.returncode == 0 and dask.returncode == 0, dask.stderr
    one, many = json.loads(single.stdout), json.loads(dask.stdout)
    assert list(one) == list(many)
    for name, value in one.items():
        if isinstance(value, int):
            assert many[name] == value, name  # counts merge exactly
        else:
            assert many[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    assert one["Documents evaluated"] == 59
    notes = [line for line in single.stderr.splitlines() if "documents used" in line or "match no concept" in line]
    assert notes and all(note in dask.stderr for note in notes)


def test_merging_partial_evaluations_is_order_independent(workdir: Path, tmp_path: Path) -> None:
    from undex.batch import ProjectRef

    corpus = tmp_path / "gold.jsonl"
    eval_corpus(corpus)
    spec = EvalSpec(ProjectRef.of(workdir / "projects.toml", workdir / "data", "tfidf-mini"), limit=5, threshold=0.0)
    partials = [evaluate_partition(p, spec) for p in evaluation_partitions([corpus], 7)]
    project = spec.project.load()
    forward, backward = EvalMerger(len(project.vocab)), EvalMerger(len(project.vocab))
    for p in partials:
        forward.add(p)
    for p in reversed(partials):
        backward.add(p)
    (a, stats_a), (b, stats_b) = forward.result(project, [corpus]), backward.result(project, [corpus])
    assert a.results() == b.results()
    assert (stats_a.used, stats_a.no_text, stats_a.notes) == (stats_b.used, stats_b.no_text, stats_b.notes)
    assert stats_a.used == 89 and stats_a.no_text == 1 and "NO SUCH SUBJECT (13)" in stats_a.notes[0]


@pytest.mark.subprocess
@pytest.mark.slow
def test_dask_index_restarts_after_sigkill_without_losing_partitions(
    workdir: Path, tmp_path: Path, scheduler: str
) -> None:
    corpus = tmp_path / "c.jsonl"
    ids = write_corpus(corpus, 1200, repeat_text=3)
    out, parts_dir = tmp_path / "out.jsonl", tmp_path / "out.jsonl.parts"
    args = ["index", "tfidf-mini", str(corpus), "-o", str(out), "--partition-size", "10", "--batch-size", "1"]
    kill_when([*args, "--dask", scheduler], workdir, lambda: len(list(parts_dir.glob("part-*"))) >= 15)
    assert not out.exists()
    for part in parts_dir.glob("part-*.jsonl"):  # visible partitions are whole
        start = int(part.stem.split("-")[1]) * 10
        assert [r["id"] for r in read_jsonl(part)] == ids[start : start + 10]
    result = undex([*args, "--dask", scheduler], workdir)
    assert result.returncode == 0, result.stderr
    assert "already done" in result.stderr
    assert [r["id"] for r in read_jsonl(out)] == ids
