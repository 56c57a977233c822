"""What the routes share: the projects (models loaded once, shared by all requests) and
their descriptions in Annif's shapes."""

from __future__ import annotations

import datetime
import logging
import threading

from undex.api import Indexer
from undex.corpus import Document, LabelledDoc, SubjectResolver
from undex.errors import ConfigError, InputError, ModelError, NotFoundError, NotTrainedError, UndexError
from undex.project import Project, ProjectRegistry
from undex.server.models import IndexedDocument, ProjectBackend, ProjectExtras, ProjectInfo, Vocab
from undex.server.problems import ServerMisconfigured, Unavailable
from undex.vocab import Vocabulary, list_vocabularies

log = logging.getLogger("undex.server")


class ProjectService:
    """One :class:`Indexer` per project, created on first use and kept for the process."""

    def __init__(self, registry: ProjectRegistry) -> None:
        self.registry = registry
        self._indexers: dict[str, Indexer] = {}
        self._lock = threading.Lock()
        self._failures: dict[str, str] = {}
        """Why a project could not be loaded the last time it was tried."""

    def project(self, project_id: str) -> Project:
        return self.registry.get(project_id)  # NotFoundError -> 404

    def indexer(self, project_id: str) -> Indexer:
        """The loaded indexer of a project; 404 when unknown, 503 when it cannot serve."""
        project = self.project(project_id)
        with self._lock:
            indexer = self._indexers.setdefault(project_id, Indexer(project))
        try:
            loaded = indexer.load()
        except NotTrainedError as exc:
            self._failed(project_id, exc)
            raise
        except (NotFoundError, ModelError) as exc:
            self._failed(project_id, exc)
            raise Unavailable(f"project {project_id!r} cannot serve: {exc}") from None
        except ConfigError as exc:
            self._failed(project_id, exc)
            raise ServerMisconfigured(
                f"project {project_id!r} cannot serve: the server's configuration ({self.registry.path}) "
                f"is broken: {exc}"
            ) from None
        self._failures.pop(project_id, None)
        return loaded

    def _failed(self, project_id: str, exc: UndexError) -> None:
        """Remember why a project cannot serve; log each new reason once, not every request."""
        reason = str(exc)
        if self._failures.get(project_id) != reason:
            level = logging.ERROR if isinstance(exc, ConfigError) else logging.WARNING
            log.log(level, "project %r cannot serve: %s", project_id, reason)
        self._failures[project_id] = reason

    def preload(self) -> dict[str, str]:
        """Load every ready project now; returns project id -> 'ready' or the reason it is not."""
        states = {}
        for project_id in self.registry.ids():
            try:
                self.indexer(project_id)
                states[project_id] = "ready"
                log.info("project %r ready", project_id)
            except UndexError as exc:  # logged by indexer()
                states[project_id] = str(exc)
        return states

    def states(self) -> dict[str, str]:
        """'ready' for loaded projects, else why not ('not loaded' when never tried); loads nothing."""
        out = {}
        for project_id in self.registry.ids():
            indexer = self._indexers.get(project_id)
            if project_id in self._failures:
                out[project_id] = f"unavailable: {self._failures[project_id]}"
            elif indexer is not None and indexer.project.is_loaded:
                out[project_id] = "ready"
            else:
                out[project_id] = "not loaded" if self.project(project_id).is_ready else "not trained"
        return out

    # ------------------------------------------------------------- descriptions

    def vocabs(self) -> list[Vocab]:
        loaded = {m["vocab_id"]: m for m in list_vocabularies(self.registry.datadir)}
        wanted = {c.vocab for c in self.registry.configs.values()}
        out = [
            Vocab(
                vocab_id=vocab_id,
                languages=sorted(m.get("labels_per_language", {})),
                size=m.get("concepts"),
                loaded=True,
            )
            for vocab_id, m in loaded.items()
        ]
        out += [Vocab(vocab_id=v, loaded=False) for v in sorted(wanted - set(loaded))]
        return out

    def describe(self, project_id: str) -> ProjectInfo:
        p = self.project(project_id)
        vocab = next((v for v in self.vocabs() if v.vocab_id == p.config.vocab), None)
        manifest = p.manifest
        saved = manifest.get("saved_at") if manifest else None
        modified = (
            datetime.datetime.fromtimestamp(saved, datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            if saved
            else None
        )
        return ProjectInfo(
            project_id=p.id,
            name=p.config.name or p.id,
            language=p.config.language,
            backend=ProjectBackend(backend_id=p.config.backend),
            vocab=vocab,
            vocab_language=p.config.language,
            is_trained=manifest is not None,
            modification_time=modified,
            undex=ProjectExtras(
                is_ready=p.is_ready,
                requires_training=p.backend_class.requires_training,
                limit=p.config.limit,
                threshold=p.config.threshold,
            ),
        )

    # ------------------------------------------------------------------ learning

    def learn(self, project_id: str, documents: list[IndexedDocument]) -> None:
        """Feed indexed documents to a backend that learns incrementally; the model is saved."""
        indexer = self.indexer(project_id)
        project = indexer.project
        if not project.backend_class.supports_learning or not project.is_trained:
            raise Unavailable(
                f"the {project.config.backend!r} backend of project {project_id!r} does not learn "
                "from single documents, or it is not trained; train it with: undex train"
            )

        def labelled(vocab: Vocabulary) -> list[LabelledDoc]:  # for the vocabulary of the model learning
            resolver = SubjectResolver(vocab)
            docs = []
            for number, d in enumerate(documents):
                concepts = resolver.resolve_all(s.uri for s in d.subjects)
                if d.text.strip() and concepts:
                    docs.append(LabelledDoc(Document(f"learn-{number}", d.text), concepts))
            if not docs:
                raise InputError("no document has both text and a subject URI found in the vocabulary")
            return docs

        project.learn(labelled)
