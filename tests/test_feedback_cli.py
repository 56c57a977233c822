"""``undex feedback export`` (a corpus ``undex train`` and ``undex eval`` read) and
``undex feedback stats`` (precision by rank as judged by cataloguers, added subjects, weeks)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from undex.cli import main
from undex.feedback import Decision, FeedbackStore, NewReview, ShownSuggestion
from undex.feedback.export import split_of

UTC = datetime.UTC
WATER, FRESH, SUSTAINABLE, HUMAN, OCEANS = (f"http://example.org/t/200000{n}" for n in range(1, 6))
MONDAY = datetime.datetime(2026, 5, 4, 10, tzinfo=UTC)  # ISO week 19


def undex(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def review(document_id, text, decisions, suggestions=(), project="tfidf-mini", language="en") -> NewReview:
    return NewReview(
        project_id=project,
        vocab_id="mini",
        language=language,
        text=text,
        cataloguer="A. Cataloguer",
        decisions=tuple(Decision(uri, kind) for uri, kind in decisions),
        suggestions=tuple(ShownSuggestion(uri, 1.0 - rank / 10, rank) for rank, uri in enumerate(suggestions, 1)),
        document_id=document_id,
    )


@pytest.fixture
def workdir(mini_workdir: Path, monkeypatch) -> Path:
    """The mini project and vocabulary, and a feedback database with four reviews."""
    monkeypatch.chdir(mini_workdir)
    first = review(
        "A/RES/1",
        "Water resources and freshwater lakes under threat.",
        [(WATER, "accepted"), (OCEANS, "rejected"), (FRESH, "accepted"), (SUSTAINABLE, "added")],
        suggestions=[WATER, OCEANS, FRESH],
    )
    decided = [(HUMAN, "accepted"), (OCEANS, "rejected")]
    second = review("S/2005/2", "Human rights of the people of the oceans.", decided, suggestions=[HUMAN, OCEANS])
    revised = review("A/RES/1", "Water resources and freshwater lakes.", [(WATER, "accepted"), (FRESH, "accepted")])
    nothing_kept = review("zh-1", "关切海洋", [(OCEANS, "rejected")], [OCEANS], project="lexical-mini", language="zh")
    with FeedbackStore(mini_workdir / "data" / "feedback.sqlite3") as store:
        store.add(first, now=MONDAY)
        store.add(second, now=MONDAY + datetime.timedelta(days=1))
        store.add(nothing_kept, now=MONDAY + datetime.timedelta(days=2))
        store.add(revised, now=MONDAY + datetime.timedelta(days=7))  # week 20
    return mini_workdir


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_the_latest_review_of_each_document_as_a_corpus(workdir: Path, capsys) -> None:
    code, _, err = undex(["feedback", "export", "reviewed.jsonl"], capsys)
    assert code == 0, err
    assert "2 documents written; 1 earlier reviews of the same documents left out" in err
    assert "1 reviews that kept no subject skipped" in err
    records = read_jsonl(workdir / "reviewed.jsonl")
    assert [(r["id"], r["lang"], r["labels_unbis"]) for r in records] == [
        ("S/2005/2", "en", ["HUMAN RIGHTS"]),
        ("A/RES/1", "en", ["WATER RESOURCES", "FRESHWATER"]),
    ]
    assert records[1]["text"] == "Water resources and freshwater lakes."
    assert [r["split"] for r in records] == [split_of("S/2005/2\ten"), split_of("A/RES/1\ten")]
    assert all(r["split"] in ("train", "dev", "test") for r in records)


def test_export_filters_and_fixed_split(workdir: Path, capsys) -> None:
    code, _, err = undex(["feedback", "export", "week19.jsonl", "--project", "tfidf-mini", "--since", "2026-05-05",
                          "--split", "test"], capsys)  # fmt: skip
    assert code == 0, err
    assert [(r["id"], r["split"]) for r in read_jsonl(workdir / "week19.jsonl")] == [
        ("S/2005/2", "test"),
        ("A/RES/1", "test"),
    ]
    code, _, err = undex(["feedback", "export", "x.jsonl", "--since", "last monday"], capsys)
    assert code == 1 and "--since: 'last monday' is not a date" in err


def test_undex_eval_and_train_read_the_exported_corpus(workdir: Path, capsys) -> None:
    undex(["feedback", "export", "reviewed.jsonl", "--split", "test"], capsys)
    code, out, err = undex(["train", "tfidf-mini", "reviewed.jsonl"], capsys)
    assert code == 0 and "Trained 'tfidf-mini' on 2 documents" in out, err
    code, out, err = undex(["eval", "tfidf-mini", "reviewed.jsonl", "--split", "test", "--format", "json"], capsys)
    assert code == 0, err
    assert "2 of 2 documents used" in err
    assert json.loads(out)["F1@5"] > 0.5, "a model trained on the reviews finds their subjects"


def test_stats_are_precision_by_rank_added_subjects_and_weeks(workdir: Path, capsys) -> None:
    code, out, err = undex(["feedback", "stats", "--format", "json"], capsys)
    assert code == 0, err
    lexical, tfidf = json.loads(out)
    assert (lexical["project_id"], lexical["language"], lexical["reviewed"]) == ("lexical-mini", "zh", 1)
    assert lexical["accepted_at_1"] == 0.0 and lexical["missed_share"] is None
    assert tfidf["project_id"] == "tfidf-mini" and tfidf["reviewed"] == 3 and tfidf["with_suggestions"] == 2
    # rank 1: WATER and HUMAN accepted; among the first 5: WATER, FRESH, HUMAN of 5 shown
    assert (tfidf["accepted_at_1"], tfidf["accepted_at_5"], tfidf["accepted_at_10"]) == (1.0, 0.6, 0.6)
    # kept: 2 + 1 added, 1, and 2 (no suggestions recorded); 1 added
    assert (tfidf["added"], tfidf["missed_share"]) == (1, 0.1667)
    assert [(w["week"], w["reviewed"], w["accepted_at_5"]) for w in tfidf["weeks"]] == [
        ("2026-W19", 2, 0.6),
        ("2026-W20", 1, None),
    ]


def test_stats_as_text_and_filtered(workdir: Path, capsys) -> None:
    code, out, _ = undex(["feedback", "stats", "--project", "tfidf-mini"], capsys)
    assert code == 0
    assert out.splitlines()[:3] == [
        "tfidf-mini (en): 3 documents reviewed, 2 with the suggestions shown",
        "  accepted among the first 1: 1.00, 5: 0.60, 10: 0.60",
        "  added (undex missed them): 1 subjects, 0.17 of the subjects kept",
    ]
    assert "2026-W19" in out and "2026-W20" in out and "lexical-mini" not in out
    code, out, _ = undex(["feedback", "stats", "--since", "2030-01-01"], capsys)
    assert code == 0 and out.strip() == "No reviews yet."


def test_without_a_database_the_commands_say_so_and_create_nothing(tmp_path: Path, capsys) -> None:
    code, _, err = undex(["feedback", "stats", "--datadir", str(tmp_path)], capsys)
    assert code == 1 and "no feedback database at" in err
    assert list(tmp_path.iterdir()) == []


def test_export_of_reviews_without_text_skips_them(mini_workdir: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(mini_workdir)
    with FeedbackStore(mini_workdir / "data" / "feedback.sqlite3", store_text=False) as store:
        store.add(review("A/RES/2", "secret", [(WATER, "accepted")]))
    code, _, err = undex(["feedback", "export", "out.jsonl"], capsys)
    assert code == 0 and "0 documents written; 1 reviews without their text (--no-store-text) skipped" in err
    assert (mini_workdir / "out.jsonl").read_text() == ""
