"""console.tracker_reader: read-only, indexed reads of Rasa's tracker store."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.db import _tracker_engine_for
from console.tracker_reader import (GAP_FALLBACK, GAP_GUIDE_SILENT, GAP_LOW_CONFIDENCE, GAP_OUT_OF_SCOPE,
                                    TrackerReader, TrackerUnavailable, read_escalation, read_visitor_message)
from tests.console.tracker_fixtures import T0, escalation, reply, start, visitor, write


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    path = tmp_path / "tracker.db"
    write(path, "alice", start(T0) + [
        visitor("does it hurt?", "ask_during_treatment", 0.93, T0 + 1),
        reply("Most people feel mild discomfort.", T0 + 2),
        visitor("hmm the thing again??", "nlu_fallback", 0.2, T0 + 3,
                ranking=[("nlu_fallback", 0.2), ("ask_sessions", 0.18)]),
        visitor("I'm pregnant", "report_contraindication", 1.0, T0 + 4),
        escalation("pregnancy", False, T0 + 5),
    ])
    write(path, "bob", start(T0 + 10) + [visitor("what's the weather", "out_of_scope", 0.9, T0 + 11)])
    return path


def reader_for(path: Path) -> TrackerReader:
    return TrackerReader(_tracker_engine_for(f"sqlite:///{path}"))


def test_incremental_read_returns_only_newer_events_with_the_visitor_fields(store: Path) -> None:
    reader = reader_for(store)
    everything = reader.events_after(0, 1000)
    assert [e.id for e in everything] == sorted(e.id for e in everything)
    assert reader.max_id() == everything[-1].id
    later = reader.events_after(everything[4].id, 1000)
    assert [e.id for e in later] == [e.id for e in everything[5:]]

    messages = [read_visitor_message(e) for e in everything if e.type_name == "user"]
    assert [(m.text, m.intent, m.confidence) for m in messages] == [
        ("does it hurt?", "ask_during_treatment", 0.93), ("hmm the thing again??", "nlu_fallback", 0.2),
        ("I'm pregnant", "report_contraindication", 1.0), ("what's the weather", "out_of_scope", 0.9)]
    assert messages[1].best_guess == "ask_sessions" and messages[1].gap == GAP_FALLBACK
    assert messages[0].gap is None and messages[3].gap == GAP_OUT_OF_SCOPE
    markers = [read_escalation(e) for e in everything if e.type_name == "bot"]
    assert [m and m["reason"] for m in markers] == [None, "pregnancy"]


def test_a_transcript_is_one_conversations_events_with_their_full_json(store: Path) -> None:
    events = reader_for(store).conversation_events("bob")
    assert {e.sender_id for e in events} == {"bob"}
    assert [e.type_name for e in events] == ["action", "session_started", "action", "user"]
    assert events[-1].payload["parse_data"]["intent"]["name"] == "out_of_scope"


def test_the_reader_cannot_write_to_the_store(store: Path) -> None:
    engine = _tracker_engine_for(f"sqlite:///{store}")
    with pytest.raises(sa.exc.OperationalError, match="readonly"):
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events"))
    assert sqlite3.connect(store).execute("SELECT count(*) FROM events").fetchone()[0] == 12


def test_a_missing_store_is_reported_and_not_created(tmp_path: Path) -> None:
    reader = reader_for(tmp_path / "none.db")
    with pytest.raises(TrackerUnavailable):
        reader.events_after(0, 10)
    with pytest.raises(TrackerUnavailable):
        reader.max_id()
    assert not (tmp_path / "none.db").exists()


def test_the_incremental_read_uses_the_primary_key_and_the_transcript_the_sender_index(store: Path) -> None:
    connection = sqlite3.connect(store)
    plan = " ".join(str(row) for row in connection.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE id > 3 ORDER BY id LIMIT 10"))
    assert "INTEGER PRIMARY KEY" in plan or "rowid" in plan.lower()
    plan = " ".join(str(row) for row in connection.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE sender_id = 'bob' ORDER BY id"))
    assert "ix_events_sender_id" in plan


@pytest.mark.parametrize("confidence, intent, expected", [
    (0.35, "ask_sessions", GAP_LOW_CONFIDENCE), (0.5, "ask_sessions", None),
    (0.9, "ask_outside_guide", GAP_GUIDE_SILENT)])
def test_gap_kinds(tmp_path: Path, confidence: float, intent: str, expected) -> None:
    path = tmp_path / "t.db"
    write(path, "c", [visitor("some words", intent, confidence, T0), visitor("/greet", "greet", 0.3, T0 + 1)])
    typed, button = [read_visitor_message(e) for e in reader_for(path).events_after(0, 10)]
    assert typed.gap == expected
    assert button.is_button and button.gap is None  # a button press is not a content gap
