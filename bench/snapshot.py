"""Suggestions of every project, written so that two versions of undex can be compared.

A refactoring must not change what undex suggests. This trains every project of
``projects.toml`` on the shared corpora (train split; ensembles fitted on dev) in a temporary
data directory, suggests for the dev split of every corpus and for the seed, and writes per
project and document the ranked URIs, scores and evidence as JSON.

    python bench/snapshot.py --out /tmp/before.json --datadir /tmp/before-data   # old commit
    python bench/snapshot.py --out /tmp/after.json --compare /tmp/before.json --reuse-models /tmp/before-data

``--compare`` prints every difference (URIs, scores beyond 1e-9, evidence) and exits 1 when
there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TOLERANCE = 1e-9
LIMIT = 20


def deterministic_projects(folder: Path) -> Path:
    """projects.toml with Omikuji trained on one thread: its multi-threaded training is not
    deterministic, so two runs of the same code would differ."""
    import tomllib

    config = tomllib.loads((ROOT / "projects.toml").read_text(encoding="utf-8"))
    text = (ROOT / "projects.toml").read_text(encoding="utf-8")
    for pid, section in config.items():
        if section["backend"] == "omikuji" and "threads" not in section:
            text = text.replace(f"[{pid}]\n", f"[{pid}]\nthreads = 1\n", 1)
    path = folder / "projects.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _undex(*args: str, datadir: Path) -> None:
    env = {**os.environ, "UNDEX_PROJECTS": str(datadir / "projects.toml"), "UNDEX_DATADIR": str(datadir)}
    subprocess.run([sys.executable, "-m", "undex", *args], check=True, stdout=subprocess.DEVNULL, env=env)


def _projects() -> list[tuple[str, str]]:
    import tomllib

    config = tomllib.loads((ROOT / "projects.toml").read_text(encoding="utf-8"))
    return [(pid, section["backend"]) for pid, section in config.items()]


def _documents(max_per_corpus: int) -> list[tuple[str, str]]:
    from undex.corpus import read_corpus, read_document_file

    docs = []
    for path in sorted((SHARED / "data/derived/corpora").glob("*.jsonl")):
        for i, doc in enumerate(read_corpus(path, split="dev")):
            if i >= max_per_corpus:
                break
            docs.append((f"{path.stem}:{doc.id or i}", doc.text))
    seed = read_document_file(SHARED / "examples/seed.txt")
    docs.append(("seed", seed.text))
    return docs


def reuse_models(source: Path, datadir: Path) -> set[str]:
    """Copy the trained Omikuji models of an earlier snapshot's data directory: Omikuji's
    training is random (no seed), so only the same model gives the same suggestions."""
    reused = set()
    for pid, backend in _projects():
        if backend == "omikuji" and (source / "projects" / pid).is_dir():
            shutil.copytree(source / "projects" / pid, datadir / "projects" / pid, symlinks=True)
            reused.add(pid)
    return reused


def snapshot(datadir: Path, max_per_corpus: int, reuse_from: Path | None = None) -> dict:
    corpora = [str(p) for p in sorted((SHARED / "data/derived/corpora").glob("*.jsonl"))]
    projects_file = deterministic_projects(datadir)
    _undex("load-vocab", "unbis", str(SHARED / "data/derived/unbis_terms.tsv"), datadir=datadir)
    projects = _projects()
    reused = reuse_models(reuse_from, datadir) if reuse_from else set()
    for pid, backend in projects:
        if pid in reused:
            continue
        if backend == "ensemble":
            _undex("train", pid, *corpora, "--split", "train", "--dev-split", "dev", datadir=datadir)
        elif pid != "lexical-zh" and not pid.startswith(("lexical-ar", "lexical-fr", "lexical-ru", "lexical-es")):
            _undex("train", pid, *corpora, "--split", "train", datadir=datadir)
    import undex

    docs = _documents(max_per_corpus)
    out: dict = {}
    for pid, _ in projects:
        indexer = undex.load_project(pid, projects=projects_file, datadir=datadir)
        results = indexer.suggest_many([t for _, t in docs], limit=LIMIT, label_language="en")
        out[pid] = {
            doc_id: [
                {"uri": s.uri, "score": s.score, "evidence": [[e.start, e.end, e.label] for e in s.evidence]}
                for s in suggestions
            ]
            for (doc_id, _), suggestions in zip(docs, results, strict=True)
        }
    return out


def compare(before: dict, after: dict) -> list[str]:
    problems = []
    for pid in sorted(set(before) | set(after)):
        if pid not in before or pid not in after:
            problems.append(f"{pid}: only in {'after' if pid in after else 'before'}")
            continue
        for doc_id, old in before[pid].items():
            new = after[pid].get(doc_id)
            if new is None:
                problems.append(f"{pid} {doc_id}: missing")
            elif [s["uri"] for s in old] != [s["uri"] for s in new]:
                problems.append(f"{pid} {doc_id}: URIs differ")
            elif any(abs(a["score"] - b["score"]) > TOLERANCE for a, b in zip(old, new, strict=True)):
                problems.append(f"{pid} {doc_id}: scores differ")
            elif [a["evidence"] for a in old] != [b["evidence"] for b in new]:
                problems.append(f"{pid} {doc_id}: evidence differs")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--datadir", type=Path, help="Keep the trained models here (default: a temporary folder).")
    parser.add_argument("--max-per-corpus", type=int, default=200)
    parser.add_argument("--reuse-models", type=Path, help="An earlier --datadir: reuse its Omikuji models.")
    args = parser.parse_args()
    if not (SHARED / "data/derived").is_dir():
        sys.exit(f"error: {SHARED}/data not found: clone undex beside the shared/ folder")
    with tempfile.TemporaryDirectory() as tmp:
        datadir = args.datadir or Path(tmp)
        datadir.mkdir(parents=True, exist_ok=True)
        result = snapshot(datadir, args.max_per_corpus, args.reuse_models)
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    counts = {pid: len(docs) for pid, docs in result.items()}
    print(f"wrote {args.out}: {counts}")
    if args.compare:
        problems = compare(json.loads(args.compare.read_text(encoding="utf-8")), result)
        for line in problems[:200]:
            print(line)
        print(f"{len(problems)} differences against {args.compare}")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
