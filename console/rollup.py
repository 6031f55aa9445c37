"""The rollup: what the conversations and insights pages read instead of the tracker store.

Tables in the console's database (console.db.metadata):
- `rollup_conversations`: one row per conversation (sender_id) with the flags the list filters on;
- `rollup_daily`: per-day counters (conversations, visitor messages, fallbacks, topics, reasons...);
- `rollup_gap_messages`: the visitor messages the assistant could not answer well (content gaps);
- `rollup_active_loops`: the form (Rasa's active loop) each conversation is in, if any.
A visitor's answers to the hand-off form (name, phone or e-mail, preferred time) are never content
gaps, nor is any message holding something like an e-mail address or a phone number.
`rollup_state` keeps the id of the last tracker event processed. A refresh reads only the events
after it (a primary-key range), and moves the watermark in the same transaction as the counts,
with a compare-and-set, so two refreshes racing can never count an event twice.

Days are UTC dates of the event's timestamp.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from console.db import metadata
from console.tracker_reader import (FALLBACK_ACTIONS, FALLBACK_INTENT, GAP_FALLBACK, GAP_GUIDE_SILENT,
                                    GAP_LOW_CONFIDENCE, GAP_OUT_OF_SCOPE, GUIDE_SILENT_ACTIONS,
                                    OUT_OF_SCOPE_ACTIONS, StoredEvent, TrackerReader, TrackerUnavailable,
                                    read_escalation, read_visitor_message)

logger = logging.getLogger(__name__)

BATCH_EVENTS = 50_000  # events per transaction of a refresh: bounded memory, short transactions
REFRESH_INTERVAL_SECONDS = 2.0  # at most one look at the tracker store per this, per process
_IN_CHUNK = 500  # sender ids per IN (...) lookup

conversations = sa.Table(
    "rollup_conversations", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("last_activity", sa.Float, nullable=False),
    sa.Column("visitor_messages", sa.Integer, nullable=False, default=0),
    sa.Column("escalated", sa.Boolean, nullable=False, default=False),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("escalation_reason", sa.String(100)),  # the first one
    sa.Column("escalation_reasons", sa.Text, nullable=False, default=""),  # all, comma-separated
    sa.Column("fell_back", sa.Boolean, nullable=False, default=False),
    sa.Column("low_confidence", sa.Boolean, nullable=False, default=False),
    sa.Column("out_of_scope", sa.Boolean, nullable=False, default=False),
    sa.Column("guide_silent", sa.Boolean, nullable=False, default=False),
    sa.Column("last_event_id", sa.Integer, nullable=False),
    # The list is newest first, alone or filtered by one flag: each has its index.
    sa.Index("ix_rollup_conversations_last_activity", "last_activity"),
    *[sa.Index(f"ix_rollup_conversations_{flag}", flag, "last_activity")
      for flag in ("escalated", "urgent", "fell_back", "low_confidence", "out_of_scope", "guide_silent")],
)

daily = sa.Table(
    "rollup_daily", metadata,
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD, UTC
    sa.Column("metric", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),  # the intent or reason; "" for plain counts
    sa.Column("count", sa.Integer, nullable=False),
)

gap_messages = sa.Table(
    "rollup_gap_messages", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(255)),
    sa.Column("confidence", sa.Float),
    sa.Column("best_guess", sa.String(255)),
)

# Kept across refreshes: a form begun in one batch of events is often answered in the next.
# Only conversations in a loop have a row (a new table, so older databases need no migration).
active_loops = sa.Table(
    "rollup_active_loops", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
)

state = sa.Table(
    "rollup_state", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)
_STATE_NAME = "tracker"
# Present once the rollup has been built with the form state above. A rollup built before may
# hold form answers (contact details) among its gaps: it is rebuilt once from the first event.
_LOOPS_STATE_NAME = "active_loops"
TABLES = (conversations, daily, gap_messages, active_loops, state)

HANDOFF_FORM = "handoff_form"  # domain.yml: asks the visitor's name, phone or e-mail, preferred time
# A session start or a restart resets Rasa's tracker, ending any loop.
_LOOP_RESETS = frozenset({"session_started", "restart"})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 7 or more digits, with spaces, dashes, dots or parentheses between them and perhaps a leading +.
_PHONE = re.compile(r"\+?\(?\d(?:[\s.()-]*\d){6,}")

# rollup_daily metrics
M_CONVERSATIONS = "conversations"          # conversations started that day
M_ESCALATED = "escalated_conversations"    # conversations whose first escalation was that day
M_URGENT = "urgent_conversations"
M_REASON = "escalation_reason"             # key: reason; once per conversation and reason
M_MESSAGES = "visitor_messages"
M_INTENT = "intent"                        # key: intent of a visitor message (topics)
M_GAP = "gap"                              # key: fallback / low_confidence / out_of_scope / guide_silent


class ConcurrentRefresh(RuntimeError):
    """Another refresh moved the watermark first; this batch was rolled back."""


@dataclass
class ConversationRow:
    sender_id: str
    started: float
    last_activity: float
    visitor_messages: int = 0
    escalated: bool = False
    urgent: bool = False
    escalation_reason: Optional[str] = None
    escalation_reasons: str = ""
    fell_back: bool = False
    low_confidence: bool = False
    out_of_scope: bool = False
    guide_silent: bool = False
    last_event_id: int = 0

    @property
    def reasons(self) -> List[str]:
        return [reason for reason in self.escalation_reasons.split(",") if reason]

    def as_dict(self) -> Dict[str, object]:
        return {column.name: getattr(self, column.name) for column in conversations.columns}


@functools.lru_cache(maxsize=4096)
def _day_of_epoch_day(epoch_day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=epoch_day)).isoformat()


def day_of(timestamp: float) -> str:
    """The UTC date of a timestamp, YYYY-MM-DD (cached per day: a cold build sees millions)."""
    return _day_of_epoch_day(int(timestamp // 86400))


# ------------------------------------------------------------------ applying events
@dataclass
class _Batch:
    rows: Dict[str, ConversationRow]
    new_senders: set = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)  # (day, metric, key) -> delta
    gaps: List[Dict[str, object]] = field(default_factory=list)
    loops: Dict[str, str] = field(default_factory=dict)   # sender -> active loop, as of the last event
    loops_changed: set = field(default_factory=set)


def has_contact_details(text: str) -> bool:
    """Whether the text holds something like an e-mail address or a phone number."""
    return bool(_EMAIL.search(text) or _PHONE.search(text))


def _set_loop(batch: _Batch, sender_id: str, name: Optional[str]) -> None:
    if batch.loops.get(sender_id) == name:
        return
    if name:
        batch.loops[sender_id] = name
    else:
        batch.loops.pop(sender_id, None)
    batch.loops_changed.add(sender_id)


def _apply(batch: _Batch, event: StoredEvent) -> None:
    row = batch.rows.get(event.sender_id)
    timestamp = event.timestamp
    if row is None:
        row = ConversationRow(event.sender_id, started=timestamp, last_activity=timestamp)
        batch.rows[event.sender_id] = row
        batch.new_senders.add(event.sender_id)
        batch.counts[(day_of(timestamp), M_CONVERSATIONS, "")] += 1
    row.last_activity = max(row.last_activity, timestamp)
    row.last_event_id = event.id
    kind = event.type_name
    if kind == "user":
        _apply_visitor_message(batch, row, event)
    elif kind == "bot" and event.data:
        _apply_bot_message(batch, row, event)
    elif kind == "action":
        action = event.action_name
        if action in FALLBACK_ACTIONS:
            row.fell_back = True
        elif action in OUT_OF_SCOPE_ACTIONS:
            row.out_of_scope = True
        elif action in GUIDE_SILENT_ACTIONS:
            row.guide_silent = True
    elif kind == "active_loop":  # SQLTrackerStore keeps the loop's name (None: ended) as action_name
        _set_loop(batch, event.sender_id, event.action_name)
    elif kind in _LOOP_RESETS:
        _set_loop(batch, event.sender_id, None)


def _apply_visitor_message(batch: _Batch, row: ConversationRow, event: StoredEvent) -> None:
    message = read_visitor_message(event)
    day = day_of(event.timestamp)
    row.visitor_messages += 1
    batch.counts[(day, M_MESSAGES, "")] += 1
    if batch.loops.get(event.sender_id) == HANDOFF_FORM:
        # An answer to the form (a name, a phone number...): not a topic, not a fallback, and
        # never a content gap, whatever the NLU made of it.
        return
    if message.intent:
        batch.counts[(day, M_INTENT, message.intent)] += 1
    if message.intent == FALLBACK_INTENT:
        row.fell_back = True
    gap = message.gap
    if gap is None or has_contact_details(message.text):  # contact details never become training data
        return
    row.low_confidence |= gap == GAP_LOW_CONFIDENCE
    row.out_of_scope |= gap == GAP_OUT_OF_SCOPE
    row.guide_silent |= gap == GAP_GUIDE_SILENT
    batch.counts[(day, M_GAP, gap)] += 1
    batch.gaps.append({"event_id": event.id, "sender_id": event.sender_id, "timestamp": event.timestamp,
                       "kind": gap, "text": message.text, "intent": message.intent,
                       "confidence": message.confidence,
                       "best_guess": message.best_guess if gap == GAP_FALLBACK else message.intent})


def _apply_bot_message(batch: _Batch, row: ConversationRow, event: StoredEvent) -> None:
    marker = read_escalation(event)
    if marker is None:
        return
    day = day_of(event.timestamp)
    reason = str(marker.get("reason") or "unspecified")[:100]
    if not row.escalated:
        row.escalated = True
        row.escalation_reason = reason
        batch.counts[(day, M_ESCALATED, "")] += 1
    if marker.get("urgent") is True and not row.urgent:
        row.urgent = True
        batch.counts[(day, M_URGENT, "")] += 1
    if reason not in row.reasons:  # a reminder of the same reason is not a new escalation
        row.escalation_reasons = ",".join(row.reasons + [reason])
        batch.counts[(day, M_REASON, reason)] += 1


# ------------------------------------------------------------------ writing
def _insert_for(connection: Connection):
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def _load_rows(connection: Connection, senders: Iterable[str]) -> Dict[str, ConversationRow]:
    wanted = list(senders)
    rows: Dict[str, ConversationRow] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start:start + _IN_CHUNK]
        for found in connection.execute(sa.select(conversations).where(conversations.c.sender_id.in_(chunk))):
            rows[found.sender_id] = ConversationRow(**dict(found._mapping))
    return rows


def _load_loops(connection: Connection, senders: Iterable[str]) -> Dict[str, str]:
    wanted = list(senders)
    loops: Dict[str, str] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start:start + _IN_CHUNK]
        for found in connection.execute(sa.select(active_loops).where(active_loops.c.sender_id.in_(chunk))):
            loops[found.sender_id] = found.name
    return loops


def _write_loops(connection: Connection, batch: _Batch) -> None:
    changed = sorted(batch.loops_changed)
    for start in range(0, len(changed), _IN_CHUNK):
        connection.execute(active_loops.delete().where(active_loops.c.sender_id.in_(changed[start:start + _IN_CHUNK])))
    current = [{"sender_id": sender, "name": batch.loops[sender]} for sender in changed if sender in batch.loops]
    if current:
        connection.execute(active_loops.insert(), current)


def _write(connection: Connection, batch: _Batch) -> None:
    insert = _insert_for(connection)
    touched = [row.as_dict() for row in batch.rows.values()]
    new = [row for row in touched if row["sender_id"] in batch.new_senders]
    old = [row for row in touched if row["sender_id"] not in batch.new_senders]
    if new:
        connection.execute(conversations.insert(), new)
    if old:
        update = (conversations.update().where(conversations.c.sender_id == sa.bindparam("b_sender_id"))
                  .values({c.name: sa.bindparam(f"b_{c.name}") for c in conversations.columns if c.name != "sender_id"}))
        connection.execute(update, [{f"b_{k}": v for k, v in row.items()} for row in old])
    if batch.counts:
        statement = insert(daily)
        statement = statement.on_conflict_do_update(index_elements=[daily.c.day, daily.c.metric, daily.c.key],
                                                    set_={"count": daily.c.count + statement.excluded.count})
        connection.execute(statement, [{"day": d, "metric": m, "key": k, "count": n}
                                       for (d, m, k), n in batch.counts.items()])
    if batch.gaps:
        connection.execute(gap_messages.insert(), batch.gaps)
    if batch.loops_changed:
        _write_loops(connection, batch)


def _watermark(connection: Connection) -> int:
    value = connection.execute(sa.select(state.c.last_event_id).where(state.c.name == _STATE_NAME)).scalar()
    if value is None:
        connection.execute(_insert_for(connection)(state).values(name=_STATE_NAME, last_event_id=0)
                           .on_conflict_do_nothing(index_elements=[state.c.name]))
        return 0
    return int(value)


def _move_watermark(connection: Connection, old: int, new: int) -> None:
    moved = connection.execute(state.update().where(state.c.name == _STATE_NAME)
                               .where(state.c.last_event_id == old).values(last_event_id=new))
    if moved.rowcount != 1:
        raise ConcurrentRefresh(f"watermark moved from {old} by another refresh")


def _reset(connection: Connection) -> None:
    for table in (conversations, daily, gap_messages, active_loops):
        connection.execute(table.delete())
    connection.execute(state.update().where(state.c.name == _STATE_NAME).values(last_event_id=0))


def _keeps_loops(connection: Connection) -> bool:
    """Whether the rollup was built with form state; marks it so from now on (see _LOOPS_STATE_NAME)."""
    found = connection.execute(sa.select(state.c.name).where(state.c.name == _LOOPS_STATE_NAME)).first()
    if found is None:
        connection.execute(_insert_for(connection)(state).values(name=_LOOPS_STATE_NAME, last_event_id=0)
                           .on_conflict_do_nothing(index_elements=[state.c.name]))
    return found is not None


def watermark(engine: Engine) -> int:
    with engine.begin() as connection:
        return _watermark(connection)


@dataclass(frozen=True)
class RefreshResult:
    events: int
    last_event_id: int
    seconds: float
    rebuilt: bool = False


def refresh(engine: Engine, reader: TrackerReader, *, settle_seconds: float = 0.0,
            batch_events: int = BATCH_EVENTS, now: Optional[float] = None) -> RefreshResult:
    """Fold every tracker event after the watermark into the rollup, batch by batch.

    `settle_seconds` holds back events younger than that: on PostgreSQL ids are handed out
    before commit, so a slow transaction can commit a smaller id after a larger one has been
    read; the margin lets it land before the watermark passes it.
    """
    began = time.perf_counter()
    rebuilt = False
    with engine.begin() as connection:
        last = _watermark(connection)
        if not _keeps_loops(connection) and last > 0:
            logger.warning("the rollup was built without the hand-off form's state: rebuilding")
            _reset(connection)
            last, rebuilt = 0, True
    top = reader.max_id()
    if top < last:  # the store was replaced (a fresh tracker.db): start over
        logger.warning("tracker store's newest event %s is older than the rollup's %s: rebuilding", top, last)
        with engine.begin() as connection:
            _reset(connection)
        last, rebuilt = 0, True
    processed = 0
    cutoff = (time.time() if now is None else now) - settle_seconds if settle_seconds > 0 else None
    while last < top:
        events = reader.events_after(last, batch_events)
        if cutoff is not None:
            events = list(_until(events, cutoff))
        if not events:
            break
        with engine.begin() as connection:
            senders = {event.sender_id for event in events}
            batch = _Batch(rows=_load_rows(connection, senders), loops=_load_loops(connection, senders))
            for event in events:
                _apply(batch, event)
            _write(connection, batch)
            _move_watermark(connection, last, events[-1].id)
        last = events[-1].id
        processed += len(events)
        if len(events) < batch_events:
            break
    return RefreshResult(processed, last, time.perf_counter() - began, rebuilt)


def _until(events: Sequence[StoredEvent], cutoff: float) -> Iterable[StoredEvent]:
    for event in events:
        if event.timestamp > cutoff:
            return
        yield event


# ------------------------------------------------------------------ throttled refresh, per process
class Rollup:
    """A rollup bound to one console database and one tracker store, refreshed at most every
    `interval` seconds; one refresh at a time in the process."""

    def __init__(self, engine: Engine, reader: TrackerReader, *, interval: float = REFRESH_INTERVAL_SECONDS,
                 settle_seconds: float = 0.0) -> None:
        self.engine, self.reader = engine, reader
        self.interval, self.settle_seconds = interval, settle_seconds
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._built = False
        self.available = True  # False while the tracker store cannot be read
        self.last_result: Optional[RefreshResult] = None

    def refresh_if_due(self) -> None:
        if time.monotonic() - self._checked_at < self.interval:
            return
        # Once built, a page never waits for another page's refresh: it shows what is there.
        if not self._lock.acquire(blocking=not self._built):
            return
        try:
            if time.monotonic() - self._checked_at < self.interval:
                return
            try:
                self.last_result = refresh(self.engine, self.reader, settle_seconds=self.settle_seconds)
                self.available = True
            except TrackerUnavailable as error:
                logger.info("tracker store not readable yet: %s", error)
                self.available = False
            except ConcurrentRefresh as error:  # another console process did it
                logger.info("%s", error)
            self._built = True
            self._checked_at = time.monotonic()
        finally:
            self._lock.release()

    async def ensure_fresh(self) -> None:
        """For a request handler: refresh in a worker thread, so the event loop keeps serving."""
        await asyncio.get_running_loop().run_in_executor(None, self.refresh_if_due)


_rollups: Dict[Tuple[str, str], Rollup] = {}
_rollups_lock = threading.Lock()


def rollup_for(settings) -> Rollup:
    """The process's Rollup for these settings (console.settings.Settings)."""
    from console import db  # at call time: the engines are cached there
    key = (settings.database_url, settings.tracker_url)
    with _rollups_lock:
        if key not in _rollups:
            tracker = db.tracker_engine(settings)
            settle = 10.0 if tracker.dialect.name == "postgresql" else 0.0
            _rollups[key] = Rollup(db.engine(settings), TrackerReader(tracker), settle_seconds=settle)
        return _rollups[key]


# ------------------------------------------------------------------ reading
FLAG_FILTERS = ("escalated", "urgent", "fell_back", "out_of_scope", "guide_silent")


@dataclass(frozen=True)
class ConversationFilter:
    start: Optional[date] = None  # activity on or after this UTC day
    end: Optional[date] = None    # activity on or before this UTC day
    escalated: bool = False
    urgent: bool = False
    fell_back: bool = False       # fell back or low confidence
    out_of_scope: bool = False
    guide_silent: bool = False

    def conditions(self) -> List[sa.sql.ColumnElement]:
        c = conversations.c
        where: List[sa.sql.ColumnElement] = []
        if self.start is not None:
            where.append(c.last_activity >= _epoch(self.start))
        if self.end is not None:
            where.append(c.last_activity < _epoch(self.end + timedelta(days=1)))
        if self.escalated:
            where.append(c.escalated.is_(True))
        if self.urgent:
            where.append(c.urgent.is_(True))
        if self.fell_back:
            where.append(sa.or_(c.fell_back.is_(True), c.low_confidence.is_(True)))
        if self.out_of_scope:
            where.append(c.out_of_scope.is_(True))
        if self.guide_silent:
            where.append(c.guide_silent.is_(True))
        return where


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def list_conversations(engine: Engine, where: ConversationFilter, *, page: int, per_page: int
                       ) -> Tuple[List[ConversationRow], int]:
    """One page of conversations, newest activity first, and how many match in all."""
    conditions = where.conditions()
    with engine.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(conversations).where(*conditions)).scalar()
        found = connection.execute(sa.select(conversations).where(*conditions)
                                   .order_by(conversations.c.last_activity.desc(), conversations.c.sender_id)
                                   .limit(per_page).offset((page - 1) * per_page)).all()
    return [ConversationRow(**dict(row._mapping)) for row in found], int(total or 0)


def get_conversation(engine: Engine, sender_id: str) -> Optional[ConversationRow]:
    with engine.connect() as connection:
        found = connection.execute(sa.select(conversations).where(conversations.c.sender_id == sender_id)).first()
    return ConversationRow(**dict(found._mapping)) if found else None


def day_span(engine: Engine) -> Optional[Tuple[date, date]]:
    """The first and last day with any activity, or None for an empty rollup."""
    with engine.connect() as connection:
        first, last = connection.execute(sa.select(sa.func.min(daily.c.day), sa.func.max(daily.c.day))).one()
    return (date.fromisoformat(first), date.fromisoformat(last)) if first else None


def daily_counts(engine: Engine, start: date, end: date) -> Dict[Tuple[str, str], Dict[str, int]]:
    """(metric, key) -> {day: count} for the days start..end inclusive."""
    result: Dict[Tuple[str, str], Dict[str, int]] = {}
    with engine.connect() as connection:
        for row in connection.execute(sa.select(daily).where(daily.c.day >= start.isoformat(),
                                                             daily.c.day <= end.isoformat())):
            result.setdefault((row.metric, row.key), {})[row.day] = row.count
    return result


@dataclass(frozen=True)
class GapMessage:
    event_id: int
    sender_id: str
    timestamp: float
    kind: str
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    best_guess: Optional[str]


def recent_gap_messages(engine: Engine, start: date, end: date, limit: int) -> List[GapMessage]:
    """The newest `limit` content-gap messages of the days start..end (index on timestamp)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(gap_messages).where(gap_messages.c.timestamp >= _epoch(start),
                                          gap_messages.c.timestamp < _epoch(end + timedelta(days=1)))
            .order_by(gap_messages.c.timestamp.desc()).limit(limit)).all()
    return [GapMessage(**dict(row._mapping)) for row in rows]
