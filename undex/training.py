"""Training a project from corpus files, including ensembles and their source projects.

An ensemble learns its calibration and weights from documents its sources never saw:
``undex train ENSEMBLE CORPUS... --split train --dev-split dev`` first trains every source
project that is not trained yet on the ``train`` split, then fits the ensemble on ``dev``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import scipy.sparse as sp

from undex.chunking import chunked
from undex.corpus import CorpusStats, LabelledDoc, labelled_documents
from undex.errors import ConfigError, InputError
from undex.progress import Progress
from undex.project import Project
from undex.tuning import f1_at_5, ndcg_at, top_ranked

Say = Callable[[str], None]


def read_training_docs(
    project: Project, paths: Sequence[Path], split: str | None, labels_field: str | None, say: Say
) -> list[LabelledDoc]:
    stats = CorpusStats()
    docs = []
    with Progress(f"reading the corpus of {project.id}") as bar:
        for doc in labelled_documents(paths, project.vocab, stats, split, labels_field):
            docs.append(doc)
            bar.advance()
    stats.report(say)
    if not docs:
        where = f" in split {split!r}" if split else ""
        raise InputError(f"no training documents{where}: none has both text and a gold subject found in the vocabulary")
    return docs


def fit(project: Project, docs: list[LabelledDoc], corpus: dict[str, Any]) -> dict[str, Any]:
    with Progress(f"training {project.id} on {len(docs):,} documents"):
        return project.train(docs, corpus)


def corpus_info(paths: Sequence[Path], split: str | None, documents: int) -> dict[str, Any]:
    return {"paths": [str(Path(p).resolve()) for p in paths], "split": split, "documents": documents}


def train_project(
    project: Project,
    paths: Sequence[Path],
    split: str | None = None,
    dev_split: str | None = None,
    labels_field: str | None = None,
    say: Say = print,
) -> dict[str, Any]:
    """Train ``project`` (an ensemble: its untrained sources first, then itself on ``dev_split``)."""
    if not project.backend_class.is_ensemble:
        if dev_split is not None and dev_split == split:
            raise ConfigError(f"--dev-split {dev_split!r} must differ from --split: it holds documents out")
        docs = read_training_docs(project, paths, split, labels_field, say)
        manifest = fit(project, docs, corpus_info(paths, split, len(docs)))
        if dev_split is not None:
            report_held_out(project, paths, dev_split, labels_field, say)
        return manifest
    fit_split = dev_split if dev_split is not None else split
    sources = project.sources()
    for source in sources:
        if not source.is_trained:
            say(f"Source project {source.id!r} of {project.id!r} is not trained yet: training it now")
            manifest = train_project(source, paths, split, None, labels_field, say)
            seconds = manifest["training_seconds"]
            say(f"Trained {source.id!r} on {manifest['training_documents']} documents in {seconds:.1f} s")
    for source in sources:
        check_held_out(project, source, paths, fit_split)
    docs = read_training_docs(project, paths, fit_split, labels_field, say)
    manifest = fit(project, docs, corpus_info(paths, fit_split, len(docs)))
    report_ensemble(manifest.get("summary", {}), say)
    return manifest


def report_held_out(
    project: Project, paths: Sequence[Path], dev_split: str, labels_field: str | None, say: Say
) -> None:
    """A single backend fits nothing on held-out documents (the lexical combination is
    cross-fitted on the training split): ``--dev-split`` tells its quality on those written in
    the project's language."""
    language = project.config.language
    docs = read_training_docs(project, paths, dev_split, labels_field, say)
    docs = [d for d in docs if d.document.language in (None, language)]
    if not docs:
        say(f"  {project.id:<24} no held-out documents in {language!r}: quality not measured")
        return
    batches = [project.suggest_batch([d.document.text for d in chunk]).scores for chunk in chunked(docs, 64)]
    top = top_ranked(sp.vstack(batches).tocsr(), [d.concepts for d in docs])
    say(f"  {project.id:<24} F1@5 {f1_at_5(top):.4f}  NDCG@10 {ndcg_at(top):.4f}  (on {len(docs)} held-out documents)")


def report_ensemble(summary: dict[str, Any], say: Say) -> None:
    """Print the fitted weights and the scores on the fitting documents."""
    weights = ", ".join(f"{source} {weight:.2f}" for source, weight in summary.get("weights", {}).items())
    say(f"Ensemble weights: {weights}")
    for name, scores in [
        *summary.get("source_dev_scores", {}).items(),
        ("ensemble", summary.get("ensemble_dev_scores")),
    ]:
        if scores:
            say(f"  {name:<24} F1@5 {scores['F1@5']:.4f}  NDCG@10 {scores['NDCG@10']:.4f}  (on the held-out documents)")


def check_held_out(ensemble: Project, source: Project, paths: Sequence[Path], fit_split: str | None) -> None:
    """Refuse to fit an ensemble on documents one of its sources was trained on."""
    manifest = source.manifest
    if manifest is None:  # a zero-shot source learned from no documents
        return
    trained = manifest.get("corpus") or {}
    shared = {str(Path(p).resolve()) for p in trained.get("paths", [])} & {str(Path(p).resolve()) for p in paths}
    source_split = trained.get("split")
    if shared and (source_split is None or fit_split is None or source_split == fit_split):
        what = f"split {fit_split!r}" if fit_split else "all documents"
        raise ConfigError(
            f"ensemble {ensemble.id!r} would learn its weights and calibration from {what} of "
            f"{', '.join(sorted(shared))}, on which source {source.id!r} was trained "
            f"(split {source_split!r}); use held-out documents, e.g. --split train --dev-split dev"
        )
