"""Projects: a named combination of vocabulary, language, backend and parameters,
declared in ``projects.toml``, with its trained model under the data directory."""

from __future__ import annotations

import os
import re
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from undex import __version__
from undex.analysis import LANGUAGES, Analyzer, analyzer_for_vocabulary
from undex.backends import BACKENDS, Backend, BackendContext, get_backend_class
from undex.backends.base import SourceHandle
from undex.corpus import LabelledDoc
from undex.errors import ConfigError, ModelError, NotFoundError, NotTrainedError
from undex.modelstore import (
    SAFE_NAME,
    ModelChanged,
    artifact_dir,
    current_version,
    open_artifact,
    read_manifest,
    save_artifact,
    version_manifest,
)
from undex.suggestion import SuggestionBatch
from undex.vocab import Vocabulary, load_vocabulary, vocab_dir, vocabulary_checksum

PROJECT_ID = re.compile(rf"^{SAFE_NAME.pattern}\Z")
DEFAULT_PROJECTS = "projects.toml"
DEFAULT_DATADIR = "data"


class ProjectConfig(BaseModel):
    """One ``[section]`` of projects.toml. Keys not listed here are backend parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = ""
    language: str
    backend: str
    vocab: str = Field("unbis", pattern=rf"^{SAFE_NAME.pattern}$")
    limit: int = Field(10, ge=1, le=1000)
    threshold: float = Field(0.0, ge=0.0, le=1.0)
    learn_on_feedback: bool = False
    """Learn from each review cataloguers save (backends that learn incrementally)."""
    params: dict[str, Any] = Field(default_factory=dict)


def resolve_projects_path(projects: str | Path | None) -> Path:
    return Path(projects or os.environ.get("UNDEX_PROJECTS") or DEFAULT_PROJECTS)


def resolve_datadir(datadir: str | Path | None) -> Path:
    return Path(datadir or os.environ.get("UNDEX_DATADIR") or DEFAULT_DATADIR)


def parse_projects(text: str, source: str) -> dict[str, ProjectConfig]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    configs = {}
    fields = set(ProjectConfig.model_fields) - {"id", "params"}
    for project_id, section in data.items():
        if not isinstance(section, dict):
            raise ConfigError(f"{source}: {project_id!r} must be a [section]")
        if not PROJECT_ID.match(project_id):
            raise ConfigError(f"{source}: invalid project id {project_id!r} (letters, digits, '-', '_', '.')")
        known = {k: v for k, v in section.items() if k in fields}
        params = {k: v for k, v in section.items() if k not in fields}
        try:
            config = ProjectConfig(id=project_id, params=params, **known)
        except ValidationError as exc:
            raise ConfigError(f"{source}: [{project_id}]: {_first_error(exc)}") from None
        if config.language not in LANGUAGES:
            raise ConfigError(f"{source}: [{project_id}]: language must be one of {', '.join(LANGUAGES)}")
        if config.backend not in BACKENDS:
            raise ConfigError(
                f"{source}: [{project_id}]: unknown backend {config.backend[:60]!r}; "
                f"available: {', '.join(sorted(BACKENDS))}"
            )
        backend_class = get_backend_class(config.backend)
        if config.learn_on_feedback and not backend_class.supports_learning:
            raise ConfigError(f"{source}: [{project_id}]: learn_on_feedback needs a learning backend (knn)")
        try:
            backend_class.Params(**config.params)
        except ValidationError as exc:
            raise ConfigError(f"{source}: [{project_id}]: {_first_error(exc)}") from None
        configs[project_id] = config
    return configs


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


@dataclass(frozen=True)
class ModelSnapshot:
    """A loaded model together with exactly the vocabulary it was trained with. Requests
    read one snapshot and use it throughout; a new model or vocabulary makes a new one."""

    backend: Backend
    vocab: Vocabulary
    model_version: Path | None
    """The model version directory (None: a backend that needs no training)."""
    vocab_version: Path | None


class Project:
    """A configured project; the trained model is loaded on first use.

    Readers take the current :class:`ModelSnapshot` (one reference read) and never lock;
    learns are serialized and swap in a whole new snapshot after the model is saved.
    """

    def __init__(self, config: ProjectConfig, datadir: Path, registry: ProjectRegistry | None = None) -> None:
        self.config = config
        self.datadir = datadir
        self.registry = registry
        self._snapshot: ModelSnapshot | None = None
        self._loading = threading.Lock()
        self._writing = threading.Lock()

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def model_dir(self) -> Path:
        return artifact_dir(self.datadir, "projects", self.config.id)

    @property
    def vocab_dir(self) -> Path:
        return vocab_dir(self.datadir, self.config.vocab)

    @property
    def manifest(self) -> dict[str, Any] | None:
        return read_manifest(self.model_dir)

    @property
    def backend_class(self) -> type[Backend]:
        return get_backend_class(self.config.backend)

    @property
    def is_trained(self) -> bool:
        return self.manifest is not None

    @property
    def is_ready(self) -> bool:
        """Can suggest: trained, or a backend that needs no training."""
        return self.is_trained or not self.backend_class.requires_training

    is_loaded = property(lambda self: self._snapshot is not None)

    @property
    def vocab(self) -> Vocabulary:
        """The vocabulary saved now (what training uses); serving uses :meth:`snapshot`'s."""
        return load_vocabulary(self.datadir, self.config.vocab)

    def analyzer_for(self, language: str, vocab: Vocabulary | None = None) -> Analyzer:
        return analyzer_for_vocabulary(language, vocab or self.vocab)

    @property
    def vocab_checksum(self) -> str | None:
        """The checksum of the saved vocabulary the project uses (None when it is not loaded)."""
        return vocabulary_checksum(self.datadir, self.config.vocab)

    def sources(self) -> list[Project]:
        """The projects an ensemble combines, in the order it lists them (none for other backends)."""
        if not self.backend_class.is_ensemble:
            return []
        if self.registry is None:
            raise ConfigError(f"ensemble {self.id!r} needs a project registry to find its sources")
        found = []
        for source_id in self.config.params.get("sources", []):
            if source_id == self.id:
                raise ConfigError(f"ensemble {self.id!r} lists itself as a source")
            try:
                found.append(self.registry.get(source_id))
            except NotFoundError:
                raise ConfigError(f"ensemble {self.id!r}: source project {source_id!r} is not defined") from None
        return found

    def as_source(self) -> SourceHandle:
        """This project as a source of an ensemble sees it."""
        return SourceHandle(self.id, self.config.vocab, self.vocab_checksum, self.is_ready, lambda: self.backend)

    def _source_handles(self) -> list[SourceHandle]:
        return [source.as_source() for source in self.sources()]

    def _new_backend(self, vocab: Vocabulary | None = None) -> Backend:
        cls = self.backend_class
        vocab = vocab or self.vocab
        context = BackendContext(
            vocab=vocab,
            language=self.config.language,
            analyzer=self.analyzer_for(self.config.language, vocab),
            project_id=self.id,
            find_sources=self._source_handles,
            analyzer_for=lambda language: self.analyzer_for(language, vocab),
        )
        return cls(cls.Params(**self.config.params), context)

    def snapshot(self) -> ModelSnapshot:
        """The loaded model and its vocabulary; reloaded when a new model or vocabulary was
        saved, refused (ModelError) when the saved model was trained on another vocabulary."""
        found = self._snapshot
        if found is not None and self._is_current(found):
            return found
        with self._loading:  # concurrent requests after a swap load the new model once
            found = self._snapshot
            if found is not None and self._is_current(found):
                return found
            self._snapshot = None
            found = self._snapshot = self._load_snapshot()
            return found

    def _is_current(self, snapshot: ModelSnapshot) -> bool:
        """A model stays with the vocabulary it was loaded with until a new model is saved
        (a new vocabulary alone changes nothing it serves); a backend without a model follows
        the vocabulary."""
        if snapshot.model_version != current_version(self.model_dir):
            return False
        return snapshot.model_version is not None or snapshot.vocab_version == current_version(self.vocab_dir)

    @property
    def backend(self) -> Backend:
        """The ready backend of the current snapshot."""
        return self.snapshot().backend

    def _load_snapshot(self) -> ModelSnapshot:
        trained = current_version(self.model_dir) is not None
        vocab_version = current_version(self.vocab_dir)
        vocab = self.vocab
        if not trained:
            if self.backend_class.requires_training:
                raise NotTrainedError(f"project {self.id!r} is not trained; run: undex train {self.id} CORPUS...")
            backend = self._new_backend(vocab)
            backend.prepare()
            return ModelSnapshot(backend, vocab, None, vocab_version)
        version, manifest = open_artifact(self.model_dir, f"model of project {self.id!r}")
        self._check_manifest(manifest, vocab)
        backend = self._new_backend(vocab)
        backend.load(version)
        return ModelSnapshot(backend, vocab, version, vocab_version)

    def _check_manifest(self, manifest: dict[str, Any], vocab: Vocabulary) -> None:
        if manifest.get("backend") != self.config.backend:
            raise ModelError(
                f"the saved model of {self.id!r} is a {manifest.get('backend')!r} model, "
                f"but the project uses backend {self.config.backend!r}; retrain it"
            )
        trained_params = manifest.get("params")
        current_params = self.backend_class.Params(**self.config.params).model_dump(mode="json")
        if trained_params is not None and trained_params != current_params:
            changed = sorted(k for k in current_params if current_params.get(k) != trained_params.get(k))
            raise ModelError(
                f"the settings of {self.id!r} changed since it was trained ({', '.join(changed)}); retrain it"
            )
        if manifest.get("language", self.config.language) != self.config.language:
            raise ModelError(
                f"{self.id!r} was trained for language {manifest.get('language')!r}, "
                f"now set to {self.config.language!r}; retrain it"
            )
        if manifest.get("vocab_checksum") != vocab.checksum:
            raise ModelError(
                f"the model of {self.id!r} was trained on another vocabulary than the loaded "
                f"{self.config.vocab!r} (checksum {str(manifest.get('vocab_checksum'))[:12]} vs "
                f"{vocab.checksum[:12]}); retrain it"
            )

    def train(self, docs: Sequence[LabelledDoc], corpus: dict[str, Any] | None = None) -> dict[str, Any]:
        """Fit the backend on ``docs`` and save the model atomically. Returns the manifest."""
        if not docs:
            raise NotFoundError(f"no training documents for {self.id!r} (need text and known gold subjects)")
        vocab_version = current_version(self.vocab_dir)
        vocab = self.vocab
        backend = self._new_backend(vocab)
        started = time.perf_counter()
        backend.fit(docs)
        seconds = time.perf_counter() - started
        manifest = {
            "kind": "model",
            "undex_version": __version__,
            "project": self.id,
            "backend": self.config.backend,
            "language": self.config.language,
            "params": backend.params.model_dump(mode="json"),
            "vocab": self.config.vocab,
            "vocab_checksum": vocab.checksum,
            "training_documents": len(docs),
            "training_seconds": round(seconds, 3),
            "corpus": corpus or {},
            "summary": backend.training_summary(),
        }
        with self._writing, self._loading:
            version = save_artifact(self.model_dir, backend.save, manifest)
            self._snapshot = ModelSnapshot(backend, vocab, version, vocab_version)
        return manifest

    def learn(self, docs: Sequence[LabelledDoc] | Callable[[Vocabulary], Sequence[LabelledDoc]]) -> dict[str, Any]:
        """Add indexed documents to a trained model of a backend that learns incrementally,
        and save the result as a new model version (atomically). Returns the manifest.

        ``docs`` may be a function making them for the vocabulary of the learning model. Learns
        run one at a time, swap the model only once saved, and are redone on a model saved meanwhile."""
        if not self.backend_class.supports_learning:
            raise ConfigError(
                f"the {self.config.backend!r} backend of {self.id!r} does not learn from single documents; "
                "retrain it with: undex train"
            )
        if not self.is_trained:
            raise NotTrainedError(f"project {self.id!r} is not trained; run: undex train {self.id} CORPUS...")
        with self._writing:
            first_vocab = None
            for _ in range(3):
                current = self.snapshot()
                first_vocab = first_vocab or current.vocab.checksum
                if not callable(docs) and current.vocab.checksum != first_vocab:
                    break  # the documents' concept numbers belong to the other vocabulary
                try:
                    return self._learn_on(current, docs(current.vocab) if callable(docs) else docs)
                except ModelChanged:
                    continue
        raise ModelError(f"the model of {self.id!r} kept changing while learning; send the documents again")

    def _learn_on(self, current: ModelSnapshot, docs: Sequence[LabelledDoc]) -> dict[str, Any]:
        if current.model_version is None:
            raise NotTrainedError(f"project {self.id!r} is not trained; run: undex train {self.id} CORPUS...")
        if not docs:
            raise NotFoundError("no document to learn from (need text and known subjects)")
        manifest = dict(version_manifest(current.model_version))
        learned = current.backend.learn(docs)
        manifest["learned_documents"] = int(manifest.get("learned_documents", 0)) + len(docs)
        manifest["summary"] = learned.training_summary()
        for key in ("files", "saved_at"):
            manifest.pop(key, None)
        with self._loading:  # a request noticing the new version waits for it instead of loading it
            version = save_artifact(self.model_dir, learned.save, manifest, replaces=current.model_version)
            self._snapshot = ModelSnapshot(learned, current.vocab, version, current.vocab_version)
        return manifest

    def suggest_batch(
        self,
        texts: Sequence[str],
        limit: int | None = None,
        threshold: float | None = None,
        snapshot: ModelSnapshot | None = None,
        explain: bool = False,
    ) -> SuggestionBatch:
        """Scores by ``snapshot`` (default: the current one), cut to limit and threshold;
        ``explain`` adds evidence to every suggestion (dearer than scoring for word backends)."""
        backend = (snapshot or self.snapshot()).backend
        batch = backend.suggest_batch(list(texts)).filter(
            self.config.limit if limit is None else limit,
            self.config.threshold if threshold is None else threshold,
        )
        return backend.explain(list(texts), batch) if explain else batch


class ProjectRegistry:
    """The projects of one projects.toml, sharing one data directory."""

    def __init__(self, projects_path: Path, datadir: Path) -> None:
        self.path = projects_path
        self.datadir = datadir
        if not projects_path.is_file():
            raise NotFoundError(
                f"projects file {projects_path} not found (use --projects, UNDEX_PROJECTS or ./projects.toml)"
            )
        try:
            text = projects_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {projects_path}: {exc}") from None
        self.configs = parse_projects(text, str(projects_path))
        self._projects: dict[str, Project] = {}
        self._creating = threading.Lock()

    def ids(self) -> list[str]:
        return list(self.configs)

    def get(self, project_id: str) -> Project:
        if project_id not in self.configs:
            raise NotFoundError(f"unknown project {project_id!r}; known: {', '.join(self.configs) or 'none'}")
        with self._creating:  # concurrent first requests share one project (and model)
            if project_id not in self._projects:
                self._projects[project_id] = Project(self.configs[project_id], self.datadir, self)
            return self._projects[project_id]
