"""`undex index`: per-document and JSONL output, skipping, resuming, --jobs, progress."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from batch_helpers import Ran, make_workdir, read_jsonl, spec_for, undex_here, write_corpus, write_directory

from undex.batch import ProcessExecutor, SerialExecutor, run_index
from undex.batch.partitions import plan_partitions, read_partition
from undex.corpus import LineSpan
from undex.corpus import read_jsonl as corpus_jsonl
from undex.errors import InputError


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vocab = Path(__file__).parent / "fixtures" / "mini_unbis" / "mini_terms.tsv"
    return make_workdir(tmp_path_factory.mktemp("batch"), vocab)


def test_partitions_cover_every_record_once(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    ids = write_corpus(corpus, 23)
    with open(corpus, "a", encoding="utf-8") as handle:
        handle.write("\n\n")  # blank lines are not records
    parts = plan_partitions(corpus, 5)
    assert [p.records for p in parts] == [5, 5, 5, 5, 3]
    seen = [doc.id for part in parts for _, doc in read_partition(part)]
    assert seen == ids
    # a span's line numbers are the file's: an error names the real line
    assert parts[2].span == LineSpan(parts[2].span.start, parts[2].span.end, 11)
    assert next(corpus_jsonl(corpus, span=parts[4].span)).id == "doc-00020"


def test_gzipped_corpus_is_one_partition(tmp_path: Path) -> None:
    plain = tmp_path / "c.jsonl"
    ids = write_corpus(plain, 7)
    zipped = tmp_path / "c.jsonl.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    (part,) = plan_partitions(zipped, 3)
    assert part.kind == "stream" and part.records == 7
    assert [doc.id for _, doc in read_partition(part)] == ids


def test_directory_writes_tsv_beside_each_document_and_skips_done(
    workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def undex(args: list[str], cwd: Path) -> Ran:
        return undex_here(args, cwd, capsys, monkeypatch)

    names = write_directory(tmp_path / "docs", 9)
    (tmp_path / "docs" / "empty.txt").write_text("", encoding="utf-8")
    result = undex(["index", "tfidf-mini", str(tmp_path / "docs"), "--limit", "3"], workdir)
    assert result.returncode == 0, result.stderr
    assert "Indexed 10 documents" in result.stderr
    lines = (tmp_path / "docs" / f"{names[0]}.undex.tsv").read_text(encoding="utf-8").splitlines()
    assert 1 <= len(lines) <= 3
    uri, label, score = lines[0].split("\t")
    assert uri.startswith("<http://example.org/t/") and label in ("WATER RESOURCES", "FRESHWATER")
    assert 0 < float(score) <= 1
    assert (tmp_path / "docs" / "empty.undex.tsv").read_text(encoding="utf-8") == ""

    done = tmp_path / "docs" / f"{names[1]}.undex.tsv"
    done.write_text("kept\n", encoding="utf-8")
    (tmp_path / "docs" / f"{names[2]}.undex.tsv").unlink()
    again = undex(["index", "tfidf-mini", str(tmp_path / "docs")], workdir)
    assert "Indexed 1 documents" in again.stderr and "9 already done" in again.stderr
    assert done.read_text(encoding="utf-8") == "kept\n"
    assert (tmp_path / "docs" / f"{names[2]}.undex.tsv").exists()

    forced = undex(["index", "tfidf-mini", str(tmp_path / "docs"), "--force", "--label-language", "zh"], workdir)
    assert "Indexed 10 documents" in forced.stderr
    assert "淡水" in done.read_text(encoding="utf-8") or "水资源" in done.read_text(encoding="utf-8")


def test_corpus_to_jsonl_serial_equals_jobs(workdir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    ids = write_corpus(corpus, 60)
    serial = run_index(corpus, spec_for(workdir), SerialExecutor(), tmp_path / "a.jsonl", partition_size=7, quiet=True)
    jobs = run_index(corpus, spec_for(workdir), ProcessExecutor(2), tmp_path / "b.jsonl", partition_size=7, quiet=True)
    assert serial.documents == jobs.documents == 60 and jobs.partitions == 9
    records = read_jsonl(tmp_path / "a.jsonl")
    assert [r["id"] for r in records] == ids
    assert set(records[0]["results"][0]) == {"uri", "label", "score"}
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    workers = [pid for pid in jobs.peak_rss_mb if pid != "main"]
    # worker processes did the work (which of the two takes how many partitions is up to the scheduler)
    assert 1 <= len(workers) <= 2 and str(os.getpid()) not in workers
    manifest = json.loads((tmp_path / "a.jsonl.parts" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == 60 and len(manifest["partitions"]) == 9
    assert not list((tmp_path / "a.jsonl.parts").glob("part-*"))


def test_jsonl_run_resumes_only_missing_partitions(workdir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    ids = write_corpus(corpus, 30)
    out = tmp_path / "out.jsonl"
    parts = plan_partitions(corpus, 10)

    class StopAfterFirst(SerialExecutor):  # an interruption after one finished partition
        def run(self, task, parts, progress):  # type: ignore[no-untyped-def]
            yield task(parts[0])
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_index(corpus, spec_for(workdir), StopAfterFirst(), out, partition_size=10, quiet=True)
    assert not out.exists()
    first = out.with_name("out.jsonl.parts") / f"{parts[0].name}.jsonl"
    assert [r["id"] for r in read_jsonl(first)] == ids[:10]

    resumed = run_index(corpus, spec_for(workdir), SerialExecutor(), out, partition_size=10, quiet=True)
    assert (resumed.documents, resumed.skipped) == (20, 10)
    assert [r["id"] for r in read_jsonl(out)] == ids
    finished = out.read_bytes()

    with pytest.raises(InputError, match="--force"):  # other settings do not mix into the same output
        run_index(corpus, spec_for(workdir, limit=2), SerialExecutor(), out, partition_size=10, quiet=True)
    assert out.read_bytes() == finished
    done = run_index(corpus, spec_for(workdir), SerialExecutor(), out, partition_size=10, quiet=True)
    assert (done.documents, done.skipped) == (0, 30)


def test_plain_progress_lines_when_not_a_tty(
    workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "c.jsonl"
    write_corpus(corpus, 40)
    monkeypatch.setattr("undex.batch.runs.PROGRESS_INTERVAL", 0.0)  # a line per partition, as a long run prints
    result = undex_here(
        ["index", "tfidf-mini", str(corpus), "--partition-size", "10", "--report", str(tmp_path / "r.json")],
        workdir,
        capsys,
        monkeypatch,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("index tfidf-mini:")]
    assert lines[0].startswith("index tfidf-mini: 10 docs of 40 (25%)") and "docs/s" in lines[0]
    assert "left" in lines[0]  # the ETA
    assert lines[-1].startswith("index tfidf-mini: 40 docs of 40 (100%)")
    assert "\x1b[" not in result.stderr  # no terminal escape codes in logs
    assert (tmp_path / "c.undex.jsonl").exists()
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["documents"] == 40 and report["peak_rss_mb"]["main"] > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["index", "tfidf-mini", "missing-dir"], "missing-dir: no such file or directory"),
        (["index", "tfidf-mini", "-"], "not stdin"),
        (["index", "nope", "."], "unknown project 'nope'"),
        (["index", "tfidf-mini", "train.jsonl", "--dask", "nowhere"], "--dask 'nowhere'"),
        (["index", "tfidf-mini", "train.jsonl", "--label-language", "xx"], "--label-language must be one of"),
    ],
)
def test_bad_input_is_one_clear_line(
    workdir: Path, args: list[str], message: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = undex_here(args, workdir, capsys, monkeypatch)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_annif_tsv_partitions_keep_line_based_ids(tmp_path: Path) -> None:
    corpus = tmp_path / "short.tsv"
    corpus.write_text("".join(f"text {i}\t<http://example.org/t/{i}>\n" for i in range(9)), encoding="utf-8")
    whole = [doc.id for _, doc in read_partition(plan_partitions(corpus, 100)[0])]
    parts = plan_partitions(corpus, 4)
    assert [p.kind for p in parts] == ["tsv"] * 3
    assert (
        [doc.id for part in parts for _, doc in read_partition(part)]
        == whole
        == [f"short.tsv:{i}" for i in range(1, 10)]
    )
