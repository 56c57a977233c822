"""The feedback store: cataloguers' decisions on undex's suggestions, kept in SQLite.

One file under the data directory (``feedback.sqlite3``) in WAL mode, so the server
writes while the command line reads. A review is written in one transaction with
``synchronous=FULL``: a crash or ``kill -9`` loses at most the review being written and
never leaves half of one. The schema carries its version (``PRAGMA user_version``);
opening an older file applies the missing migrations in order, each in its own transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from undex.errors import NotFoundError, StoreError
from undex.feedback.model import Decision, NewReview, Review, ShownSuggestion, check_review, timestamp

DATABASE_FILE = "feedback.sqlite3"
APPLICATION_ID = 0x756E6478  # "undx": marks the file as an undex feedback database
BUSY_TIMEOUT_MS = 10_000
CHUNK = 500

MIGRATIONS: tuple[str, ...] = (
    # 1: reviews, the suggestions shown and the decisions taken
    f"""
    PRAGMA application_id = {APPLICATION_ID};
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        project_id TEXT NOT NULL,
        vocab_id TEXT NOT NULL,
        model_version TEXT,
        document_id TEXT,
        language TEXT NOT NULL,
        text TEXT,
        text_sha256 TEXT NOT NULL,
        cataloguer TEXT NOT NULL
    );
    CREATE TABLE suggestions (
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        rank INTEGER NOT NULL CHECK (rank >= 1),
        uri TEXT NOT NULL,
        score REAL NOT NULL,
        PRIMARY KEY (review_id, rank)
    );
    CREATE TABLE decisions (
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        uri TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected', 'added')),
        PRIMARY KEY (review_id, uri)
    );
    CREATE INDEX reviews_by_time ON reviews(created_at);
    CREATE INDEX reviews_by_project ON reviews(project_id, id)
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
REVIEW_COLUMNS = (
    "id, created_at, project_id, vocab_id, model_version, document_id, language, text, text_sha256, cataloguer"
)
"""In the order of :class:`Review`'s fields."""


def database_path(datadir: Path, given: Path | None = None) -> Path:
    """The feedback database: ``given``, else ``feedback.sqlite3`` in the data directory."""
    return given if given is not None else datadir / DATABASE_FILE


class FeedbackStore:
    """The reviews in one SQLite file, opened on first use; safe to share between threads."""

    def __init__(self, path: Path, store_text: bool = True, create: bool = True) -> None:
        self.path = path
        self.store_text = store_text
        self.create = create
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- opening

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's and the file system's failures become one StoreError naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"feedback database {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"feedback database {self.path}: {exc.strerror or exc}") from exc

    @contextmanager
    def _session(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            if self._connection is None:
                self._connection = self._open()
            yield self._connection

    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():
            if not self.create:
                raise NotFoundError(
                    f"no feedback database at {self.path} (the server creates it when the first decisions are saved)"
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
            _migrate(connection, self.path)
        except BaseException:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        with self._session() as connection:
            return connection.execute("PRAGMA user_version").fetchone()[0]

    # ----------------------------------------------------------------- writing

    def add(self, review: NewReview, now: datetime.datetime | None = None) -> int:
        """Store a review in one transaction; returns its id."""
        check_review(review)
        created = timestamp(now or datetime.datetime.now(datetime.UTC))
        digest = hashlib.sha256(review.text.encode("utf-8")).hexdigest()
        row = (
            created,
            review.project_id,
            review.vocab_id,
            review.model_version,
            review.document_id,
            review.language,
            review.text if self.store_text else None,
            digest,
            review.cataloguer.strip(),
        )
        with self._session() as connection, _transaction(connection):
            cursor = connection.execute(
                "INSERT INTO reviews (created_at, project_id, vocab_id, model_version, document_id, language,"
                " text, text_sha256, cataloguer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            review_id = int(cursor.lastrowid)
            connection.executemany(
                "INSERT INTO suggestions (review_id, rank, uri, score) VALUES (?, ?, ?, ?)",
                [(review_id, s.rank, s.uri, float(s.score)) for s in review.suggestions],
            )
            connection.executemany(
                "INSERT INTO decisions (review_id, uri, decision) VALUES (?, ?, ?)",
                [(review_id, d.uri, d.decision) for d in review.decisions],
            )
        return review_id

    # ----------------------------------------------------------------- reading

    def recent(
        self,
        project_id: str | None = None,
        since: datetime.datetime | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Review]:
        """Newest first: at most ``limit`` reviews with an id below ``before`` (the paging cursor)."""
        where, params = _filters(project_id, since)
        if before is not None:
            where.append("id < ?")
            params.append(before)
        query = f"SELECT {REVIEW_COLUMNS} FROM reviews {_where(where)} ORDER BY id DESC LIMIT ?"
        with self._session() as connection:
            rows = connection.execute(query, [*params, limit]).fetchall()
            return _with_details(connection, rows)

    def reviews(self, project_id: str | None = None, since: datetime.datetime | None = None) -> Iterator[Review]:
        """Every matching review, oldest first, read ``CHUNK`` at a time."""
        where, params = _filters(project_id, since)
        after = 0
        while True:
            query = f"SELECT {REVIEW_COLUMNS} FROM reviews {_where([*where, 'id > ?'])} ORDER BY id LIMIT {CHUNK}"
            with self._session() as connection:
                batch = _with_details(connection, connection.execute(query, [*params, after]).fetchall())
            yield from batch
            if len(batch) < CHUNK:
                return
            after = batch[-1].id

    def count(self) -> int:
        with self._session() as connection:
            return connection.execute("SELECT count(*) FROM reviews").fetchone()[0]


# --------------------------------------------------------------------- helpers


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (takes the write lock at once) ... COMMIT, or ROLLBACK on any error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to SCHEMA_VERSION, one transaction per step (another process may
    migrate at the same time: the version is read again under the write lock)."""
    application = connection.execute("PRAGMA application_id").fetchone()[0]
    if application not in (0, APPLICATION_ID):
        raise StoreError(f"{path} is an SQLite database of another application, not undex's feedback")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has feedback schema version {version}, newer than this undex knows ({SCHEMA_VERSION}); "
            "upgrade undex"
        )
    for step in range(version, SCHEMA_VERSION):
        with _transaction(connection):
            if connection.execute("PRAGMA user_version").fetchone()[0] != step:
                continue
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {step + 1}")


def _filters(project_id: str | None, since: datetime.datetime | None) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    if project_id is not None:
        where.append("project_id = ?")
        params.append(project_id)
    if since is not None:
        where.append("created_at >= ?")
        params.append(timestamp(since))
    return where, params


def _where(conditions: Sequence[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def _with_details(connection: sqlite3.Connection, rows: list[tuple]) -> list[Review]:
    """Reviews from ``reviews`` rows, with their suggestions and decisions (two queries)."""
    if not rows:
        return []
    ids = [row[0] for row in rows]
    marks = ",".join("?" * len(ids))
    shown: dict[int, list[ShownSuggestion]] = {i: [] for i in ids}
    decided: dict[int, list[Decision]] = {i: [] for i in ids}
    query = f"SELECT review_id, uri, score, rank FROM suggestions WHERE review_id IN ({marks}) ORDER BY review_id, rank"
    for review_id, uri, score, rank in connection.execute(query, ids):
        shown[review_id].append(ShownSuggestion(uri, score, rank))
    query = f"SELECT review_id, uri, decision FROM decisions WHERE review_id IN ({marks}) ORDER BY review_id, rowid"
    for review_id, uri, decision in connection.execute(query, ids):
        decided[review_id].append(Decision(uri, decision))
    return [Review(*row, tuple(shown[row[0]]), tuple(decided[row[0]])) for row in rows]
