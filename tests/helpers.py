"""Helpers shared by several test modules (test modules never import each other).

Grouped by what they serve: the mini vocabulary and projects, running ``undex`` (in a new
process or in this one), batch corpora, trained models, and the REST app. Nothing here
imports the serve or dask extras at import time.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from undex.batch import IndexSpec, ProjectRef
from undex.cli import main
from undex.corpus import CorpusStats, Document, LabelledDoc, SubjectResolver, labelled_documents
from undex.modelstore import current_version
from undex.project import ProjectRegistry
from undex.training import train_project
from undex.vocab import load_vocabulary, load_vocabulary_file, save_vocabulary

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI_VOCAB = FIXTURES / "mini_unbis" / "mini_terms.tsv"

MINI_PROJECTS = """
[tfidf-mini]
name = "mini"
language = "en"
backend = "tfidf"
vocab = "mini"
min_df = 1
"""

# ------------------------------------------------------------------ running undex

DOCS = [
    ("Water resources and freshwater management in arid regions", ["WATER RESOURCES", "FRESHWATER"]),
    ("Freshwater lakes and rivers: water resources protection", ["FRESHWATER", "WATER RESOURCES"]),
    ("Human rights violations and the protection of human rights defenders", ["HUMAN RIGHTS"]),
    ("Report on human rights in detention", ["human rights"]),
    ("Oceans and seas: marine pollution of the oceans", ["OCEANS"]),
    ("Sustainable development goals and sustainable development financing", ["SUSTAINABLE DEVELOPMENT"]),
    ("A record with an unknown subject only", ["NO SUCH SUBJECT"]),
    ("", ["OCEANS"]),
]

CLI_RECORDS = [
    {"text": "Water resources and freshwater in dry regions", "labels": ["WATER RESOURCES", "FRESHWATER"]},
    {"text": "Human rights of detainees", "labels": ["HUMAN RIGHTS"]},
    {"text": "Pollution of the oceans and seas", "labels": ["OCEANS"]},
]


def undex(args: list[str], cwd: Path, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``undex`` in a new process (as a user does)."""
    return subprocess.run(
        [sys.executable, "-m", "undex", *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout
    )


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def undex_here(args: list[str], cwd: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Ran:
    """Run the ``undex`` entry point in this process (faster: no start-up)."""
    monkeypatch.chdir(cwd)
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


class Cli:
    """Runs undex in this process with the workdir's projects file and data directory."""

    def __init__(self, workdir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
        self.workdir, self.capsys, self.monkeypatch = workdir, capsys, monkeypatch
        monkeypatch.chdir(workdir)
        monkeypatch.delenv("UNDEX_DEBUG", raising=False)
        monkeypatch.setenv("UNDEX_PROJECTS", str(workdir / "projects.toml"))
        monkeypatch.setenv("UNDEX_DATADIR", str(workdir / "data"))

    def __call__(self, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(list(args))
        out, err = self.capsys.readouterr()
        return info.value.code or 0, out, err

    def fails(self, *args: str, message: str, stdin: bytes | None = None) -> list[str]:
        """Assert a clean failure whose error line contains ``message``; return stderr lines."""
        code, _, err = self(*args, stdin=stdin)
        lines = err.strip().splitlines()
        assert code == 1, err
        assert "Traceback" not in err
        errors = [line for line in lines if line.startswith("undex: error: ")]
        assert len(errors) == 1 and errors[0] == lines[-1], err
        assert message in errors[0], err
        return lines


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


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


# ------------------------------------------------------------------ batch corpora

TEXTS = [doc for doc in DOCS if doc[0] and "NO SUCH SUBJECT" not in doc[1]] + [
    ("Water for sustainable development and the oceans", ["WATER RESOURCES", "SUSTAINABLE DEVELOPMENT", "OCEANS"]),
    ("Human rights and access to freshwater", ["HUMAN RIGHTS"]),
]


def write_corpus(path: Path, n: int, repeat_text: int = 1) -> list[str]:
    """A JSONL corpus of ``n`` records cycling through TEXTS; returns the ids in order."""
    ids = []
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            text, labels = TEXTS[i % len(TEXTS)]
            ids.append(f"doc-{i:05d}")
            record = {"id": ids[-1], "lang": "en", "text": " ".join([text] * repeat_text), "labels": labels}
            handle.write(json.dumps(record) + "\n")
    return ids


def write_directory(folder: Path, n: int) -> list[str]:
    """``n`` UN-format .txt documents (gold subjects in the header); returns their names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n):
        text, labels = TEXTS[i % len(TEXTS)]
        names.append(f"report-{i:04d}")
        (folder / f"{names[-1]}.txt").write_text(f"%%%{'|'.join(labels)}|\n\n{text}\n", encoding="utf-8")
    return names


def make_workdir(root: Path, vocab_path: Path = MINI_VOCAB) -> Path:
    """projects.toml, the mini vocabulary and a trained ``tfidf-mini`` under ``root``."""
    (root / "projects.toml").write_text(MINI_PROJECTS, encoding="utf-8")
    datadir = root / "data"
    save_vocabulary(load_vocabulary_file("mini", vocab_path), datadir)
    write_corpus(root / "train.jsonl", 64)
    project = ProjectRegistry(root / "projects.toml", datadir).get("tfidf-mini")
    docs = list(labelled_documents([root / "train.jsonl"], project.vocab, CorpusStats()))
    project.train(docs)
    return root


def spec_for(root: Path, **kwargs) -> IndexSpec:
    return IndexSpec(ProjectRef.of(root / "projects.toml", root / "data", "tfidf-mini"), "en", **kwargs)


# ------------------------------------------------------------------ trained models

MODEL_CORPUS = [
    ("Managing water resources and freshwater in dry regions", ["WATER RESOURCES", "FRESHWATER"]),
    ("Rivers and freshwater lakes: protecting water resources", ["FRESHWATER", "WATER RESOURCES"]),
    ("Groundwater and water supply sources for cities", ["WATER RESOURCES"]),
    ("Human rights violations and the protection of human rights defenders", ["HUMAN RIGHTS"]),
    ("Report on human rights in detention and torture", ["HUMAN RIGHTS"]),
    ("Oceans and seas: marine pollution of the oceans", ["OCEANS"]),
    ("Fisheries on the high seas and ocean governance", ["OCEANS"]),
    ("Sustainable development goals and development financing", ["SUSTAINABLE DEVELOPMENT"]),
    ("Sustainable development of small island states and the oceans", ["SUSTAINABLE DEVELOPMENT", "OCEANS"]),
]
MODEL_QUERIES = [
    "protecting freshwater and water resources",
    "human rights defenders in detention",
    "marine pollution on the high seas",
    "financing sustainable development",
    "nothing in common with anything",
]


def labelled(vocab_datadir: Path, corpus: list[tuple[str, list[str]]]) -> list[LabelledDoc]:
    resolver = SubjectResolver(load_vocabulary(vocab_datadir, "mini"))
    return [
        LabelledDoc(Document(f"d{i}", text), resolver.resolve_all(subjects))
        for i, (text, subjects) in enumerate(corpus)
    ]


def registry(workdir: Path) -> ProjectRegistry:
    """The projects of ``workdir`` as a new process would see them (nothing cached)."""
    return ProjectRegistry(workdir / "projects.toml", workdir / "data")


def fresh(workdir: Path):
    """The project ``tfidf-mini`` as a new process would see it."""
    return registry(workdir).get("tfidf-mini")


def scores(project) -> np.ndarray:
    return project.suggest_batch(MODEL_QUERIES, limit=1000).scores.toarray()


def model_version(workdir: Path) -> Path:
    version = current_version(workdir / "data" / "projects" / "tfidf-mini")
    assert version is not None
    return version


def train(workdir: Path, project_id: str, split: str = "train", dev_split: str | None = None, say=lambda _: None):
    """Train ``project_id`` of ``workdir`` on ``workdir/corpus.jsonl`` as ``undex train`` does."""
    return train_project(registry(workdir).get(project_id), [workdir / "corpus.jsonl"], split, dev_split, say=say)


# ------------------------------------------------------------------ the REST app

API_TOKEN = "s3cret-token-for-tests"

API_PROJECTS = """
[tfidf-mini]
language = "en"
backend = "tfidf"
vocab = "mini"
min_df = 1

[lexical-mini]
language = "zh"
backend = "lexical"
vocab = "mini"

[untrained]
language = "en"
backend = "tfidf"
vocab = "mini"

[no-vocab]
language = "en"
backend = "lexical"
vocab = "missing"
"""


def make_app(root: Path, **overrides):
    """The app on a fresh data directory: the mini vocabulary, one trained tfidf project,
    a zero-shot lexical one, an untrained one and one whose vocabulary is missing."""
    from undex.server import ServerSettings, create_app

    data = root / "data"
    save_vocabulary(load_vocabulary_file("mini", MINI_VOCAB), data)
    (root / "projects.toml").write_text(API_PROJECTS, encoding="utf-8")
    projects = ProjectRegistry(root / "projects.toml", data)
    docs = [
        LabelledDoc(Document("a", "water resources and freshwater lakes"), [0, 1]),
        LabelledDoc(Document("b", "human rights defenders"), [3]),
    ]
    projects.get("tfidf-mini").train(docs)
    options = {"max_body_bytes": 256 * 1024, "max_batch_documents": 8, "preload": False, **overrides}
    return create_app(projects, ServerSettings(**options))


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica (written by hand, with a valid xref)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
