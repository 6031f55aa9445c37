"""The cached action-response validation accepts and rejects exactly what Rasa's own does."""
from __future__ import annotations

import asyncio

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from channels import rasa_speedups

RASAS_OWN = RemoteAction._validate_action_result  # before apply(): channels.rest applies it on import

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "condition", "value": "stretch_marks"}],
     "responses": [{"response": "utter_ask_condition/stretch_marks"}]},
    {},
]
INVALID = [
    {"events": [{"event": "slot", "name": 3}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_answer_condition", None)


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_as_before(action, result):
    assert RASAS_OWN(action, result) is True
    assert rasa_speedups.validate_action_result(action, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_as_before_with_rasas_hint(action, result):
    with pytest.raises(ValidationError) as rasas:
        RASAS_OWN(action, result)
    with pytest.raises(ValidationError) as ours:
        rasa_speedups.validate_action_result(action, result)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_apply_replaces_the_method_rasa_calls(monkeypatch, action):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASAS_OWN)
    rasa_speedups.apply()
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result


@pytest.mark.parametrize("name", ["user", "bot", "action", "slot", "session_started", "restart"])
def test_event_types_resolve_to_rasas_classes(name):
    from rasa.shared.core.events import Event

    expected = rasa_speedups._rasas_resolve_by_type(name)
    assert rasa_speedups.resolve_by_type(name) is expected
    assert rasa_speedups.resolve_by_type(name) is expected  # from the cache now


def test_unknown_event_types_still_fail_or_fall_back_as_in_rasa():
    from rasa.shared.core.events import UserUttered

    with pytest.raises(ValueError, match="Unknown event name"):
        rasa_speedups.resolve_by_type("no_such_event")
    assert rasa_speedups.resolve_by_type("no_such_event", UserUttered) is UserUttered
    assert "no_such_event" not in rasa_speedups._event_classes


def test_tracker_events_read_back_through_the_patched_lookup(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_speedups.apply()
    domain = Domain.from_yaml("version: '3.1'\nslots:\n  condition:\n    type: text\n    mappings: [{type: custom}]")
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker.from_events("visitor", [UserUttered("<b>hi</b> '; DROP TABLE events;--"),
                                                           SlotSet("condition", "acne_scars")])
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("visitor"))
    assert [type(e) for e in again.events] == [UserUttered, SlotSet]
    assert again.events[0].text == "<b>hi</b> '; DROP TABLE events;--"  # stored as data


def _store_and_domain(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    domain = Domain.from_yaml("version: '3.1'\nslots:\n  condition:\n    type: text\n    mappings: [{type: custom}]")
    return SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))


def _stored_texts(tmp_path, sender):
    import json
    import sqlite3

    with sqlite3.connect(tmp_path / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]


def test_a_tracker_read_in_this_turn_stores_only_its_new_events_without_counting_them(tmp_path, monkeypatch):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_speedups.apply()
    store = _store_and_domain(tmp_path)
    asyncio.run(store.save(DialogueStateTracker.from_events("v", [UserUttered("one")])))  # new: Rasa's count

    def no_count_query(*args, **kwargs):
        raise AssertionError("the stored events were counted with a query")

    monkeypatch.setattr(rasa_speedups, "_rasas_additional_events", no_count_query)
    tracker = asyncio.run(store.retrieve("v"))
    tracker.update(UserUttered("two"))
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("three"))
    asyncio.run(store.save(tracker))  # saved twice in a turn: nothing stored twice
    assert _stored_texts(tmp_path, "v") == ["one", "two", "three"]


def test_a_failed_save_keeps_the_count_so_the_events_are_stored_next_time(tmp_path, monkeypatch):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_speedups.apply()
    store = _store_and_domain(tmp_path)
    asyncio.run(store.save(DialogueStateTracker.from_events("v", [UserUttered("one")])))
    tracker = asyncio.run(store.retrieve("v"))
    tracker.update(UserUttered("two"))

    async def refused(self, tracker):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rasa_speedups, "_rasas_sql_save", refused)
    with pytest.raises(RuntimeError):
        asyncio.run(store.save(tracker))
    monkeypatch.undo()
    asyncio.run(store.save(tracker))
    assert _stored_texts(tmp_path, "v") == ["one", "two"]


def test_sqlite_connections_are_kept_between_turns(tmp_path):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_speedups.apply()
    store = _store_and_domain(tmp_path)
    opened = []
    sa_event = rasa_speedups.sa.event
    sa_event.listen(store.engine, "connect", lambda *args: opened.append(1))
    for text in ("one", "two", "three"):
        tracker = asyncio.run(store.retrieve("v")) or DialogueStateTracker("v", [])
        tracker.update(UserUttered(text))
        asyncio.run(store.save(tracker))
    assert len(opened) <= 1, "a connection per session again"
    assert _stored_texts(tmp_path, "v") == ["one", "two", "three"]


def test_a_kept_connection_is_not_used_once_the_database_file_is_gone(tmp_path):
    """The database moved away and a directory in its place: the turn fails, nothing goes to the old file."""
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_speedups.apply()
    store = _store_and_domain(tmp_path)
    asyncio.run(store.save(DialogueStateTracker.from_events("v", [UserUttered("one")])))
    tracker = asyncio.run(store.retrieve("v"))
    database, away = tmp_path / "tracker.db", tmp_path / "tracker.db.away"
    database.rename(away)
    database.mkdir()
    tracker.update(UserUttered("lost"))
    with pytest.raises(Exception):
        asyncio.run(store.save(tracker))
    database.rmdir()
    away.rename(database)
    asyncio.run(store.save(tracker))  # the file is back: saved now, once
    assert _stored_texts(tmp_path, "v") == ["one", "lost"]


def test_a_replaced_database_file_is_opened_anew(tmp_path):
    import shutil

    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_speedups.apply()
    store = _store_and_domain(tmp_path)
    asyncio.run(store.save(DialogueStateTracker.from_events("v", [UserUttered("one")])))
    database = tmp_path / "tracker.db"
    shutil.copy(database, tmp_path / "copy.db")
    database.unlink()
    (tmp_path / "copy.db").rename(database)  # same contents, another file
    asyncio.run(store.save(DialogueStateTracker.from_events("w", [UserUttered("two")])))
    assert _stored_texts(tmp_path, "w") == ["two"], "written to the deleted file"
