"""actions.tickets: the clinician follow-up tickets in a real SQLite database."""
from __future__ import annotations

import re
import sqlite3
import time
from datetime import datetime, timezone

import pytest

from actions.tickets import (
    REFERENCE_ALPHABET,
    STATUS_OPEN,
    STATUS_RESOLVED,
    TicketStore,
    database_url,
    new_reference,
)

REFERENCE = re.compile(rf"^MN-[{REFERENCE_ALPHABET}]{{6}}$")


def make(store, **overrides):
    values = dict(reason="pregnancy", urgent=False, question="I'm 12 weeks pregnant, can I have it?",
                  conversation_id="conv-1", contact_name="Ann Smith", contact_detail="ann@example.com",
                  preferred_time="mornings")
    values.update(overrides)
    return store.create(**values)


def test_the_alphabet_avoids_characters_misheard_on_the_phone():
    assert len(REFERENCE_ALPHABET) == len(set(REFERENCE_ALPHABET)) == 32
    assert not set("01OI") & set(REFERENCE_ALPHABET)
    assert set(REFERENCE_ALPHABET) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def test_references_are_in_the_documented_format():
    references = [new_reference() for _ in range(5000)]
    assert all(REFERENCE.match(ref) for ref in references)
    # All of the alphabet is used (so references are as hard to guess as documented).
    assert set("".join(ref[3:] for ref in references)) == set(REFERENCE_ALPHABET)


def test_a_reference_clash_draws_a_new_reference_instead_of_failing(monkeypatch, tmp_path):
    # Random references can repeat (about 1 in 1e9 per pair); the store must never hand one out twice.
    store = TicketStore(f"sqlite:///{tmp_path / 'clash.db'}")
    drawn = iter(["MN-AAAAAA", "MN-AAAAAA", "MN-BBBBBB"])
    monkeypatch.setattr("actions.tickets.new_reference", lambda: next(drawn))
    details = dict(reason="keloid", urgent=False, question="q", conversation_id="c",
                   contact_name="n", contact_detail="+15551234567", preferred_time="any time")
    first, second = store.create(**details), store.create(**details)
    assert (first.reference, second.reference) == ("MN-AAAAAA", "MN-BBBBBB")
    assert len(store.list()) == 2


def test_database_url_defaults_to_var_and_follows_the_environment(monkeypatch, isolated_db):
    assert database_url() == isolated_db
    monkeypatch.delenv("HANDOFF_DB_URL")
    assert database_url().startswith("sqlite:///") and database_url().endswith("/var/handoff.db")


def test_create_then_get(store):
    before = datetime.now(timezone.utc)
    created = make(store, urgent=True, question="'); DROP TABLE handoff_tickets;--")
    assert REFERENCE.match(created.reference)
    assert created.status == STATUS_OPEN and created.notified is False and created.notify_attempts == 0
    assert before <= created.created_at <= datetime.now(timezone.utc)

    loaded = store.get(created.reference)
    assert loaded is not None
    for field in ("reference", "reason", "urgent", "question", "conversation_id", "contact_name",
                  "contact_detail", "preferred_time", "status", "notified", "notify_attempts",
                  "last_notify_error", "resolved_at"):
        assert getattr(loaded, field) == getattr(created, field), field
    assert loaded.question == "'); DROP TABLE handoff_tickets;--"
    assert loaded.urgent is True
    assert abs(loaded.created_at.replace(tzinfo=None) - created.created_at.replace(tzinfo=None)).total_seconds() < 1


def test_get_accepts_a_reference_as_staff_type_it(store):
    ticket = make(store)
    assert store.get(f"  {ticket.reference.lower()} \n").reference == ticket.reference
    assert store.get("MN-ZZZZZZ") is None


def test_the_store_creates_its_table_and_parent_directory(tmp_path):
    path = tmp_path / "nested" / "dir" / "tickets.db"
    store = TicketStore(f"sqlite:///{path}")
    make(store)
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from handoff_tickets").fetchone()[0] == 1


def test_the_store_uses_handoff_db_url(db_path):
    make(TicketStore())
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from handoff_tickets").fetchone()[0] == 1


def test_tickets_survive_a_new_store_on_the_same_database(isolated_db):
    ticket = make(TicketStore(isolated_db))
    assert TicketStore(isolated_db).get(ticket.reference).contact_detail == "ann@example.com"


def test_list_is_oldest_first_and_filters(store):
    first = make(store, contact_name="First")
    time.sleep(0.01)
    second = make(store, contact_name="Second")
    time.sleep(0.01)
    third = make(store, contact_name="Third")
    assert [t.reference for t in store.list()] == [first.reference, second.reference, third.reference]

    store.resolve(second.reference)
    store.record_notification(third.reference, ok=True)
    assert [t.reference for t in store.list(status=STATUS_OPEN)] == [first.reference, third.reference]
    assert [t.reference for t in store.list(status=STATUS_RESOLVED)] == [second.reference]
    assert [t.reference for t in store.list(only_unnotified=True)] == [first.reference, second.reference]
    assert [t.reference for t in store.list(status=STATUS_OPEN, only_unnotified=True)] == [first.reference]


def test_list_of_an_empty_store(store):
    assert store.list() == []


def test_resolve(store):
    ticket = make(store)
    assert store.resolve(ticket.reference.lower()) is True
    resolved = store.get(ticket.reference)
    assert resolved.status == STATUS_RESOLVED
    assert resolved.resolved_at is not None
    assert store.resolve("MN-ZZZZZZ") is False


def test_record_notification_failure_then_success(store):
    ticket = make(store)
    store.record_notification(ticket.reference, ok=False, error="HTTP 500")
    failed = store.get(ticket.reference)
    assert (failed.notified, failed.notify_attempts, failed.last_notify_error) == (False, 1, "HTTP 500")

    store.record_notification(ticket.reference, ok=False)
    assert store.get(ticket.reference).last_notify_error == "unknown error"
    store.record_notification(ticket.reference, ok=False, error="x" * 2000)
    assert len(store.get(ticket.reference).last_notify_error) == 500

    store.record_notification(ticket.reference, ok=True)
    done = store.get(ticket.reference)
    assert (done.notified, done.notify_attempts, done.last_notify_error) == (True, 4, None)


def test_record_notification_only_touches_its_ticket(store):
    one, other = make(store), make(store)
    store.record_notification(one.reference, ok=True)
    assert store.get(other.reference).notified is False
    assert store.get(other.reference).notify_attempts == 0


def test_a_long_question_is_kept_whole(store):
    question = "Is it safe? " * 160 + "<img src=x onerror=alert(1)> ü ✓"
    ticket = make(store, question=question)
    assert store.get(ticket.reference).question == question


@pytest.mark.parametrize("missing", ["reason", "question", "contact_detail"])
def test_a_ticket_without_required_fields_is_refused(store, missing):
    with pytest.raises(Exception):
        make(store, **{missing: None})
    assert store.list() == []
