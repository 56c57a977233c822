"""The feedback store: reviews round-trip exactly, newest first with paging, the schema is
versioned and migrated, and bad input or a foreign file is a clear error with nothing stored."""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from undex.errors import InputError, NotFoundError, StoreError
from undex.feedback import Decision, FeedbackStore, NewReview, ShownSuggestion, parse_since
from undex.feedback.store import APPLICATION_ID, SCHEMA_VERSION

UTC = datetime.UTC


def review(project: str = "lexical-zh", text: str = "关切淡水资源短缺", **changes) -> NewReview:
    base = NewReview(
        project_id=project,
        vocab_id="unbis",
        language="zh",
        text=text,
        cataloguer="Li Wei",
        decisions=(Decision("u:water", "accepted"), Decision("u:oceans", "rejected"), Decision("u:fresh", "added")),
        suggestions=(ShownSuggestion("u:water", 0.9, 1), ShownSuggestion("u:oceans", 0.4, 2)),
        document_id="E/CN.17/2004/1",
        model_version="v123",
    )
    return NewReview(**{**base.__dict__, **changes})


@pytest.fixture
def store(tmp_path: Path):
    with FeedbackStore(tmp_path / "feedback.sqlite3") as opened:
        yield opened


def test_a_review_round_trips_with_its_suggestions_and_decisions(store: FeedbackStore) -> None:
    submitted = review()
    feedback_id = store.add(submitted, now=datetime.datetime(2026, 5, 4, 9, 30, tzinfo=UTC))
    [stored] = store.recent()
    assert stored.id == feedback_id
    assert stored.created_at == "2026-05-04T09:30:00.000000Z"
    assert (stored.project_id, stored.vocab_id, stored.language, stored.cataloguer) == (
        "lexical-zh",
        "unbis",
        "zh",
        "Li Wei",
    )
    assert (stored.document_id, stored.model_version, stored.text) == ("E/CN.17/2004/1", "v123", submitted.text)
    assert stored.suggestions == submitted.suggestions
    assert stored.decisions == submitted.decisions
    assert stored.subjects == ["u:water", "u:fresh"]


def test_without_text_only_its_sha256_is_kept(tmp_path: Path) -> None:
    with FeedbackStore(tmp_path / "f.sqlite3", store_text=False) as store:
        store.add(review(text="secret draft"))
        [stored] = store.recent()
    assert stored.text is None
    assert stored.text_sha256 == hashlib.sha256(b"secret draft").hexdigest()
    raw = sqlite3.connect(tmp_path / "f.sqlite3").execute("SELECT group_concat(text) FROM reviews").fetchone()[0]
    assert raw is None


def test_recent_is_newest_first_filtered_and_paged(store: FeedbackStore) -> None:
    days = [datetime.datetime(2026, 5, day, tzinfo=UTC) for day in range(1, 8)]
    ids = [store.add(review("a" if day.day % 2 else "b"), now=day) for day in days]
    assert [r.id for r in store.recent()] == ids[::-1]
    first = store.recent(limit=3)
    assert [r.id for r in first] == ids[:-4:-1]
    rest = store.recent(before=first[-1].id, limit=10)
    assert [r.id for r in first + rest] == ids[::-1]
    assert [r.project_id for r in store.recent(project_id="b")] == ["b", "b", "b"]
    assert [r.id for r in store.recent(since=parse_since("2026-05-06"))] == ids[:-3:-1]
    assert [r.id for r in store.reviews(project_id="a", since=parse_since("2026-05-02"))] == [ids[2], ids[4], ids[6]]


def test_since_takes_dates_and_zoned_times() -> None:
    assert parse_since("2026-05-01") == datetime.datetime(2026, 5, 1, tzinfo=UTC)
    assert parse_since("2026-05-01T10:00:00+02:00").astimezone(UTC).hour == 8
    with pytest.raises(InputError, match="since: 'last week' is not a date"):
        parse_since("last week")


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"decisions": ()}, "decisions: at least one"),
        ({"decisions": (Decision("u:a", "accepted"), Decision("u:a", "rejected"))}, "decisions[1].uri"),
        ({"decisions": (Decision("u:a", "maybe"),)}, "decisions[0].decision must be one of"),
        ({"cataloguer": "  "}, "cataloguer"),
        ({"suggestions": (ShownSuggestion("u:a", 0.5, 1), ShownSuggestion("u:b", 0.4, 1))}, "ranks"),
        ({"suggestions": (ShownSuggestion("u:a", float("nan"), 1),)}, "suggestions[0].score"),
        ({"text": "bad \ud800 text"}, "text: invalid Unicode"),
    ],
)
def test_invalid_reviews_are_refused_naming_the_field_and_nothing_is_stored(
    store: FeedbackStore, changes: dict, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        store.add(review(**changes))
    assert words in str(caught.value)
    assert store.count() == 0


def test_a_new_file_has_the_current_schema_in_wal_mode(store: FeedbackStore, tmp_path: Path) -> None:
    store.add(review())
    raw = sqlite3.connect(tmp_path / "feedback.sqlite3")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == store.schema_version()
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reopening_keeps_the_reviews_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    with FeedbackStore(path) as store:
        first = store.add(review())
    with FeedbackStore(path) as store:
        second = store.add(review())
        assert [r.id for r in store.recent()] == [second, first]
        assert store.schema_version() == SCHEMA_VERSION


def test_an_empty_file_is_migrated_from_version_zero(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    sqlite3.connect(path).close()
    with FeedbackStore(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        store.add(review())
        assert store.count() == 1


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer than this undex knows"):
        FeedbackStore(path).count()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


def test_another_applications_database_or_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    raw = sqlite3.connect(other)
    raw.execute("PRAGMA application_id = 42")
    raw.close()
    with pytest.raises(StoreError, match="another application"):
        FeedbackStore(other).count()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database, just some bytes" * 200)
    with pytest.raises(StoreError, match=f"{damaged}: file is not a database"):
        FeedbackStore(damaged).add(review())


def test_reading_a_missing_database_does_not_create_it(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no feedback database at"):
        FeedbackStore(tmp_path / "none.sqlite3", create=False).count()
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_second_connection_sees_committed_reviews_at_once(tmp_path: Path) -> None:
    """The server writes while the command line reads the same file (WAL)."""
    path = tmp_path / "f.sqlite3"
    with FeedbackStore(path) as writer, FeedbackStore(path, create=False) as reader:
        writer.add(review())
        assert reader.count() == 1
        writer.add(review())
        assert [r.id for r in reader.reviews()] == [1, 2]


unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)
uris = st.lists(st.text(min_size=1, max_size=40).map(lambda s: f"u:{s}"), min_size=1, max_size=12, unique=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=unicode_text,
    name=unicode_text.filter(str.strip),
    document=st.none() | unicode_text,
    decided=uris,
    kinds=st.lists(st.sampled_from(["accepted", "rejected", "added"]), min_size=12, max_size=12),
    scores=st.lists(st.floats(0.0, 1.0), min_size=12, max_size=12),
)
def test_any_text_round_trips_exactly(tmp_path_factory, text, name, document, decided, kinds, scores) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.sqlite3"
    submitted = review(
        text=text,
        cataloguer=name,
        document_id=document,
        decisions=tuple(Decision(u, k) for u, k in zip(decided, kinds, strict=False)),
        suggestions=tuple(
            ShownSuggestion(u, s, rank) for rank, (u, s) in enumerate(zip(decided, scores, strict=False), start=1)
        ),
    )
    with FeedbackStore(path) as store:
        store.add(submitted)
        [stored] = list(store.reviews())
    assert (stored.text, stored.document_id, stored.cataloguer) == (text, document, name.strip())
    assert stored.decisions == submitted.decisions and stored.suggestions == submitted.suggestions
