"""actions.purge: retention on real SQLite databases (Rasa's own tracker store schema)."""
from __future__ import annotations

import asyncio
import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List

import pytest
import sqlalchemy as sa

from action_testkit import ROOT
from actions.purge import main, purge, tracker_db_url
from actions.tickets import TicketStore, tickets_table

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=2)
OLD_EMAIL = "old.visitor.7731@example.com"
RECENT_EMAIL = "recent.visitor.7731@example.com"


def conversation(sender: str, *times: datetime) -> "DialogueStateTracker":
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = []
    for moment in times:
        ts = moment.timestamp()
        events += [UserUttered(f"my e-mail is {sender}", {"name": "inform"}, timestamp=ts),
                   ActionExecuted("utter_ask_contact_detail", timestamp=ts),
                   BotUttered("Thanks", timestamp=ts)]
    return DialogueStateTracker.from_events(sender, events)


@pytest.fixture
def tracker_db(tmp_path) -> Path:
    """A tracker database written by Rasa's SQLTrackerStore, as the Rasa server writes it."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    for tracker in (conversation(OLD_EMAIL, OLD),
                    conversation(RECENT_EMAIL, RECENT),
                    conversation("returning@example.com", OLD, RECENT)):
        asyncio.run(store.save(tracker))
    store.engine.dispose()
    return path


@pytest.fixture
def endpoints(tmp_path, tracker_db) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tracker_db}\n")
    return path


def senders(db: Path) -> List[str]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT DISTINCT sender_id FROM events ORDER BY sender_id"))
        found = [row[0] for row in rows]
    engine.dispose()
    return found


def event_count(db: Path, sender: str) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()
    engine.dispose()
    return count


def ticket_at(store: TicketStore, created_at: datetime, contact: str, resolved: bool = False) -> str:
    ticket = store.create(reason="pregnancy", urgent=False, question="can I have it while pregnant?",
                          conversation_id="c", contact_name="Ann", contact_detail=contact,
                          preferred_time="mornings")
    with store.engine.begin() as conn:
        conn.execute(tickets_table.update().where(tickets_table.c.reference == ticket.reference)
                     .values(created_at=created_at))
    if resolved:
        store.resolve(ticket.reference)
    return ticket.reference


def test_old_conversations_go_and_recent_ones_stay_whole(endpoints, tracker_db, store, spool_path):
    report = purge(30, endpoints, store, spool_path, now=NOW)

    assert senders(tracker_db) == sorted([RECENT_EMAIL, "returning@example.com"])
    # A conversation with a recent message keeps its old turns too: its context stays intact.
    assert event_count(tracker_db, "returning@example.com") == 6
    assert (report.conversations, report.events) == (1, 3)


def test_removed_conversations_do_not_linger_in_the_sqlite_file(endpoints, tracker_db, store, spool_path):
    assert OLD_EMAIL.encode() in tracker_db.read_bytes()
    purge(30, endpoints, store, spool_path, now=NOW)
    content = tracker_db.read_bytes()
    assert OLD_EMAIL.encode() not in content
    assert RECENT_EMAIL.encode() in content


def test_rasa_still_reads_the_conversations_that_were_kept(endpoints, tracker_db, store, spool_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    purge(30, endpoints, store, spool_path, now=NOW)
    rasa_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    kept = asyncio.run(rasa_store.retrieve(RECENT_EMAIL))
    gone = asyncio.run(rasa_store.retrieve(OLD_EMAIL))
    rasa_store.engine.dispose()
    assert kept.latest_message.text == f"my e-mail is {RECENT_EMAIL}"
    assert gone is None or not gone.events


def test_old_tickets_go_open_or_resolved_and_recent_ones_stay(endpoints, store, db_path, spool_path):
    old_open = ticket_at(store, OLD, OLD_EMAIL)
    old_resolved = ticket_at(store, OLD, "+15550001111", resolved=True)
    recent = ticket_at(store, RECENT, RECENT_EMAIL)

    report = purge(30, endpoints, store, spool_path, now=NOW)

    assert [t.reference for t in store.list()] == [recent]
    assert store.get(old_open) is None and store.get(old_resolved) is None
    assert (report.tickets, report.open_tickets) == (2, 1)
    assert OLD_EMAIL.encode() not in db_path.read_bytes()


def test_spooled_requests_older_than_the_period_go_and_the_file_stays_private(endpoints, store, spool_path):
    spool_path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"contact_detail": OLD_EMAIL, "failed_at": OLD.isoformat()}),
             json.dumps({"contact_detail": RECENT_EMAIL, "failed_at": RECENT.isoformat()}),
             "not json: kept for staff to read"]
    spool_path.write_text("\n".join(lines) + "\n")

    report = purge(30, endpoints, store, spool_path, now=NOW)

    assert spool_path.read_text().splitlines() == lines[1:]
    assert report.spooled_requests == 1
    assert stat.S_IMODE(spool_path.stat().st_mode) == 0o600


def test_a_dry_run_counts_but_removes_nothing(endpoints, tracker_db, store, spool_path):
    ticket_at(store, OLD, OLD_EMAIL)
    report = purge(30, endpoints, store, spool_path, dry_run=True, now=NOW)
    assert (report.conversations, report.tickets) == (1, 1)
    assert OLD_EMAIL in senders(tracker_db)
    assert len(store.list()) == 1


def test_the_command_prints_what_it_removed(endpoints, store, capsys):
    ticket_at(store, datetime.now(timezone.utc) - timedelta(days=40), OLD_EMAIL)
    assert main(["--days", "30", "--endpoints", str(endpoints)]) == 0
    out = capsys.readouterr().out
    assert "removed 1 ticket(s) created more than 30 day(s) ago (1 of them still open)" in out
    assert "conversation(s)" in out and "spooled request(s)" in out


def test_the_period_comes_from_the_environment_when_not_given(endpoints, store, monkeypatch, capsys):
    monkeypatch.setenv("RETENTION_DAYS", "7")
    main(["--endpoints", str(endpoints), "--dry-run"])
    assert "would remove 0 ticket(s) created more than 7 day(s) ago" in capsys.readouterr().out


@pytest.mark.parametrize("days", [None, "0", "ninety"])
def test_without_a_valid_period_nothing_is_removed(endpoints, store, monkeypatch, days):
    ticket_at(store, OLD, OLD_EMAIL)
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    if days is not None:
        monkeypatch.setenv("RETENTION_DAYS", days)
    with pytest.raises(SystemExit, match="retention period"):
        main(["--endpoints", str(endpoints)])
    assert len(store.list()) == 1


def test_the_production_tracker_store_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRACKER_DB_HOST", "db.internal")
    monkeypatch.setenv("TRACKER_DB_PORT", "5433")
    monkeypatch.setenv("TRACKER_DB_NAME", "rasa")
    monkeypatch.setenv("TRACKER_DB_USER", "clinic")
    monkeypatch.setenv("TRACKER_DB_PASSWORD", "s3cret")
    for name in ("ACTION_SERVER_URL", "REDIS_HOST", "REDIS_PORT"):
        monkeypatch.setenv(name, "unused")
    url = sa.engine.make_url(tracker_db_url(ROOT / "endpoints.production.yml"))
    assert (url.drivername, url.host, url.port, url.database, url.username, url.password) == \
        ("postgresql", "db.internal", 5433, "rasa", "clinic", "s3cret")


def test_a_tracker_store_that_is_not_sql_is_reported_not_guessed(tmp_path, store, spool_path):
    endpoints = tmp_path / "memory.yml"
    endpoints.write_text("tracker_store:\n  type: in_memory\n")
    report = purge(30, endpoints, store, spool_path, now=NOW)
    assert "the tracker store is not SQL" in report.lines(30, dry_run=False)[0]
