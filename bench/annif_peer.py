"""Annif as a benchmark peer: its own virtual environment, the vocabulary and corpora in its
formats, and its tfidf, omikuji, mllm and hyperopt-weighted ensemble projects.

Annif is never a dependency of undex: it lives in bench/.annif-venv and runs as a child process.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from runner import BENCH, Run, log, run

from undex.vocab import Vocabulary

ANNIF_VENV = BENCH / ".annif-venv"
ANNIF_REQUIREMENT = "annif[omikuji]==1.4.3"
ANNIF_SOURCES = ("tfidf-en", "omikuji-en", "mllm-en")
ANNIF_ENSEMBLE = "ensemble-en"
ANNIF_PROJECTS = (*ANNIF_SOURCES, ANNIF_ENSEMBLE)
HYPEROPT_TRIALS = 50

PROJECTS_CFG = """
[tfidf-en]
name=Annif TF-IDF English
language=en
backend=tfidf
analyzer=snowball(english)
vocab=unbis
limit={limit}

[omikuji-en]
name=Annif Omikuji Parabel English
language=en
backend=omikuji
analyzer=snowball(english)
vocab=unbis
limit={limit}
cluster_balanced=True
cluster_k=2
max_depth=20

[mllm-en]
name=Annif MLLM English
language=en
backend=mllm
analyzer=snowball(english)
vocab=unbis
limit={limit}

[ensemble-en]
name=Annif ensemble English
language=en
backend=ensemble
vocab=unbis
limit={limit}
sources={sources}
"""

PUNKT_SCRIPT = """
import sys
from nltk.tokenize.punkt import PunktTrainer, save_punkt_params
trainer = PunktTrainer()
with open(sys.argv[1], encoding="utf-8") as handle:
    trainer.train("\\n".join(line.split("\\t", 1)[0] for line in handle), finalize=True)
save_punkt_params(trainer.get_params(), dir=sys.argv[2])
"""


# ----------------------------------------------------------------------- formats


def one_line(text: str) -> str:
    return " ".join(text.split())


def annif_uri(uri: str) -> str:
    """A URI Turtle and Annif accept (some UNBIS concepts have ``urn:`` ids with spaces)."""
    return quote(uri, safe=":/#?&=%@+,;~")


def turtle_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def write_tsv(pairs: Iterable[tuple[str, list[int]]], vocab: Vocabulary, path: Path) -> None:
    """Annif's TSV corpus: one document a line, text then its subjects' URIs in <>."""
    with open(path, "w", encoding="utf-8") as out:
        for text, concepts in pairs:
            uris = " ".join(f"<{annif_uri(vocab.concepts[c].uri)}>" for c in concepts)
            out.write(f"{one_line(text)}\t{uris}\n")


def write_skos(vocab: Vocabulary, path: Path) -> None:
    """The vocabulary as SKOS Turtle with English labels (the language of the compared projects)."""
    uri_of = {c.id: c.uri for c in vocab.concepts}
    with open(path, "w", encoding="utf-8") as out:
        out.write("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n")
        for concept in vocab.concepts:
            lines = ["a skos:Concept", f"skos:prefLabel {turtle_literal(concept.label('en'))}@en"]
            lines += [f"skos:altLabel {turtle_literal(v)}@en" for v in concept.altLabel.get("en", [])]
            for relation in ("broader", "narrower", "related"):
                targets = [uri_of.get(t, t) for t in getattr(concept, relation)]
                lines += [f"skos:{relation} <{annif_uri(t)}>" for t in targets if ":" in t]
            out.write(f"<{annif_uri(concept.uri)}> " + " ;\n    ".join(lines) + " .\n")


# ----------------------------------------------------------------------- Annif


def annif_bin(name: str) -> str:
    return str(ANNIF_VENV / "bin" / name)


def ensure_annif() -> str:
    """Install Annif into bench/.annif-venv unless there; return its version."""
    if not (ANNIF_VENV / "bin" / "annif").exists():
        log(f"installing {ANNIF_REQUIREMENT} into bench/.annif-venv")
        shutil.rmtree(ANNIF_VENV, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(ANNIF_VENV)])
        try:
            run([annif_bin("pip"), "install", "-q", ANNIF_REQUIREMENT], timeout=1200)
        except SystemExit as failure:
            shutil.rmtree(ANNIF_VENV, ignore_errors=True)
            message = f"Annif could not be installed into {ANNIF_VENV}; nothing was compared.\n{failure}"
            raise SystemExit(message) from None
    out = run([annif_bin("python"), "-c", "import importlib.metadata as m; print(m.version('annif'))"]).stdout
    return out.strip().splitlines()[-1]


def ensure_punkt(train_tsv: Path) -> None:
    """Annif tokenizes with NLTK, which needs the 'punkt_tab' data that only NLTK's downloader
    fetches (not reachable here). Punkt is unsupervised: train the English parameters on the
    training texts with NLTK's own PunktTrainer, into the venv's nltk_data folder."""
    target = ANNIF_VENV / "nltk_data" / "tokenizers" / "punkt_tab" / "english"
    if (target / "abbrev_types.txt").exists():
        return
    log("training NLTK Punkt parameters for Annif's tokenizer on the train texts")
    target.mkdir(parents=True, exist_ok=True)
    run([annif_bin("python"), "-c", PUNKT_SCRIPT, str(train_tsv), str(target)])


def annif_env(workdir: Path) -> dict[str, str]:
    return {"ANNIF_PROJECTS": str(workdir / "projects.cfg"), "ANNIF_DATADIR": str(workdir / "data")}


def write_projects(workdir: Path, sources: str, limit: int) -> None:
    (workdir / "projects.cfg").write_text(PROJECTS_CFG.format(limit=limit, sources=sources), encoding="utf-8")


def fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def trained_annif(workdir: Path, train_tsv: Path, dev_tsv: Path, limit: int, reuse: bool) -> dict[str, Run]:
    """Annif's projects trained on ``train_tsv``, the ensemble's weights fitted by hyperopt on
    ``dev_tsv``. With ``reuse``, models an earlier run trained on the same files are kept."""
    record = workdir / "runs.json"
    key = fingerprint(train_tsv, dev_tsv, workdir / "unbis.ttl")
    if reuse and record.exists():
        saved = json.loads(record.read_text(encoding="utf-8"))
        if saved.get("fingerprint") == key:
            log("Annif: reusing the models trained by an earlier run on the same data")
            return {k: Run(**v) for k, v in saved["runs"].items()}
        log("Annif: the training data changed since the saved models; training again")
    shutil.rmtree(workdir / "data", ignore_errors=True)
    runs = train_annif(workdir, train_tsv, dev_tsv, limit)
    record.write_text(json.dumps({"fingerprint": key, "runs": {k: vars(v) for k, v in runs.items()}}))
    return runs


def train_annif(workdir: Path, train_tsv: Path, dev_tsv: Path, limit: int) -> dict[str, Run]:
    env = annif_env(workdir)
    write_projects(workdir, ",".join(ANNIF_SOURCES), limit)
    log("Annif: load-vocab")
    run([annif_bin("annif"), "load-vocab", "unbis", str(workdir / "unbis.ttl")], env)
    runs = {}
    for project in ANNIF_SOURCES:
        log(f"Annif: train {project}")
        runs[project] = run([annif_bin("annif"), "train", project, str(train_tsv)], env)
    log(f"Annif: hyperopt {ANNIF_ENSEMBLE} weights on dev ({HYPEROPT_TRIALS} trials)")
    hyperopt = [annif_bin("annif"), "hyperopt", ANNIF_ENSEMBLE, str(dev_tsv), "--trials", str(HYPEROPT_TRIALS)]
    hyper = run([*hyperopt, "--jobs", "1"], env)
    line = next((x for x in hyper.stdout.splitlines() if x.startswith("sources=")), None)
    if line is None:
        raise SystemExit(f"annif hyperopt printed no weights:\n{hyper.stdout[-2000:]}")
    write_projects(workdir, line.removeprefix("sources="), limit)
    runs[ANNIF_ENSEMBLE] = Run(
        sum(r.seconds for r in runs.values()) + hyper.seconds,
        max([hyper.max_rss_kb] + [r.max_rss_kb for r in runs.values()]),
        line,
    )
    return runs


def prepare_annif(workdir: Path, vocab: Vocabulary, splits: dict[str, list[tuple[str, list[int]]]]) -> str:
    """Install Annif, write the vocabulary and each split (text, concepts) in its formats."""
    version = ensure_annif()
    workdir.mkdir(parents=True, exist_ok=True)
    for split, pairs in splits.items():
        write_tsv(pairs, vocab, workdir / f"{split}.tsv")
    write_skos(vocab, workdir / "unbis.ttl")
    ensure_punkt(workdir / "train.tsv")
    return version
