"""Read-only access to Rasa's SQLTrackerStore (`events` table), for the console.

Two kinds of read, both on an index, so a page view never scans the store:
- `events_after(last_id)`: a range of the primary key, for the rollup's incremental refresh;
- `conversation_events(sender_id)`: one conversation, on Rasa's index on sender_id.
Each read is one short transaction on a read-only connection (console.db.tracker_engine), so
the assistant's writes are never held up by the console.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

logger = logging.getLogger(__name__)

# Rasa's own table, declared here only to read it (never created by the console).
_tracker_metadata = sa.MetaData()
events = sa.Table(
    "events", _tracker_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

# A transcript longer than this is cut (a bot loop could store thousands of events).
MAX_TRANSCRIPT_EVENTS = 5000

# The rollup needs little of the JSON: a visitor message's text and confidences, and a bot
# message's escalation marker. The database extracts those fields itself (7x faster than
# json.loads of the whole parse_data here); actions and slots, most of the bytes, stay put.
_ROLLUP_BOT_DATA = sa.case(
    (sa.and_(events.c.type_name == "bot", events.c.data.like('%"escalation"%')), events.c.data),
    else_=sa.null(),
).label("data")
_VISITOR_FIELDS = {  # label -> JSON path
    "text": (("text",), False),
    "confidence": (("parse_data", "intent", "confidence"), True),
    # For nlu_fallback, the first intent after it in the ranking: the classifier's best guess.
    "guess": (("parse_data", "intent_ranking", 1, "name"), False),
    "guess_confidence": (("parse_data", "intent_ranking", 1, "confidence"), True),
}


def _json_field(dialect: str, path: Sequence[object], numeric: bool) -> Optional[sa.sql.ColumnElement]:
    """`data`'s value at `path` (a constant above), computed in the database, or None when the
    dialect cannot."""
    if dialect == "sqlite":
        return sa.func.json_extract(events.c.data, "$" + "".join(
            f"[{step}]" if isinstance(step, int) else f".{step}" for step in path))
    if dialect == "postgresql":
        value = sa.cast(events.c.data, postgresql.JSON).op("#>>")(
            sa.literal_column("'{" + ",".join(str(step) for step in path) + "}'"))
        return sa.cast(value, sa.Float) if numeric else value
    return None


def _visitor_columns(dialect: str) -> List[sa.sql.ColumnElement]:
    columns = []
    for label, (path, numeric) in _VISITOR_FIELDS.items():
        expression = _json_field(dialect, path, numeric)
        if expression is None:  # another dialect: the rows' JSON is parsed in Python instead
            return [sa.case((events.c.type_name == "user", events.c.data), else_=sa.null()).label("user_data")]
        columns.append(sa.case((events.c.type_name == "user", expression), else_=sa.null()).label(label))
    return columns


@dataclass(slots=True)
class StoredEvent:
    """One row of the events table; `payload` is its JSON, parsed on first use."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    intent_name: Optional[str]
    action_name: Optional[str]
    data: Optional[str]
    message: Optional["VisitorMessage"] = None  # a user event's fields, when the database extracted them
    _payload: Optional[Dict[str, Any]] = field(default=None, repr=False)

    @property
    def payload(self) -> Dict[str, Any]:
        if self._payload is None:
            try:
                parsed = json.loads(self.data) if self.data else {}
            except ValueError:  # a damaged row must not take the page down
                parsed = {}
            self._payload = parsed if isinstance(parsed, dict) else {}
        return self._payload


class TrackerUnavailable(RuntimeError):
    """The tracker store cannot be read (no file yet, no table yet, server down)."""


class TrackerReader:
    """Queries on the tracker store through a read-only engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _execute(self, query: sa.sql.Select) -> List[sa.engine.Row]:
        try:
            with self.engine.connect() as connection:
                return connection.execute(query).all()
        except (OperationalError, ProgrammingError) as error:
            # No store file yet (mode=ro will not create one) or no events table yet: the
            # assistant has simply not had a conversation.
            raise TrackerUnavailable(str(error.orig) if error.orig else str(error)) from error

    def _execute_raw(self, query: sa.sql.Select) -> List[tuple]:
        # The statement's only parameters are integers and constants, safe to inline.
        sql = str(query.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
        try:
            with self.engine.connect() as connection:
                cursor = connection.connection.cursor()
                try:
                    cursor.execute(sql)
                    return cursor.fetchall()
                finally:
                    cursor.close()
        except (OperationalError, ProgrammingError) as error:
            raise TrackerUnavailable(str(error.orig) if error.orig else str(error)) from error
        except Exception as error:  # the DB-API's own errors, not wrapped by SQLAlchemy here
            if type(error).__name__ in {"OperationalError", "ProgrammingError", "UndefinedTable"}:
                raise TrackerUnavailable(str(error)) from error
            raise

    def _rows(self, query: sa.sql.Select) -> List[StoredEvent]:
        return [StoredEvent(row.id, row.sender_id, row.type_name, row.timestamp or 0.0,
                            row.intent_name, row.action_name, row.data) for row in self._execute(query)]

    def max_id(self) -> int:
        """The newest event's id (0 for an empty store): one lookup on the primary key."""
        try:
            with self.engine.connect() as connection:
                return int(connection.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0)
        except (OperationalError, ProgrammingError) as error:
            raise TrackerUnavailable(str(error.orig) if error.orig else str(error)) from error

    def events_after(self, last_id: int, limit: int) -> List[StoredEvent]:
        """Up to `limit` events with id > last_id, in id order, carrying only what the rollup reads."""
        visitor = _visitor_columns(self.engine.dialect.name)
        query = (sa.select(events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp,
                           events.c.intent_name, events.c.action_name, _ROLLUP_BOT_DATA, *visitor)
                 .where(events.c.id > last_id).order_by(events.c.id).limit(limit))
        extracted = len(visitor) > 1
        result = []
        # Plain DB-API tuples: a cold build reads a million rows, and SQLAlchemy's Row objects
        # would double the time of the read.
        for event_id, sender, kind, timestamp, intent, action, data, *fields in self._execute_raw(query):
            event = StoredEvent(event_id, sender, kind, timestamp or 0.0, intent, action, data)
            if kind == "user":
                if extracted:
                    event.message = _message(fields[0], intent, *fields[1:])
                else:
                    event.data = fields[0]
            result.append(event)
        return result

    def conversation_events(self, sender_id: str, limit: int = MAX_TRANSCRIPT_EVENTS) -> List[StoredEvent]:
        """One conversation's events, oldest first (at most `limit`)."""
        query = (sa.select(events).where(events.c.sender_id == sender_id)
                 .order_by(events.c.id).limit(limit))
        return self._rows(query)


# ---------------------------------------------------------------- what the events mean
FALLBACK_INTENT = "nlu_fallback"  # FallbackClassifier's intent (config.yml, threshold 0.2)
# Above the fallback threshold but still a guess: the assistant answered, perhaps the wrong question.
LOW_CONFIDENCE = 0.5
OUT_OF_SCOPE_INTENT = "out_of_scope"
GUIDE_SILENT_INTENT = "ask_outside_guide"  # microneedling questions the guide does not answer
# Actions that answer those (the conversation flag also counts a route that skips the intent).
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_two_stage_fallback"})
OUT_OF_SCOPE_ACTIONS = frozenset({"action_answer_out_of_scope"})
GUIDE_SILENT_ACTIONS = frozenset({"action_answer_outside_guide"})

GAP_FALLBACK, GAP_LOW_CONFIDENCE, GAP_OUT_OF_SCOPE, GAP_GUIDE_SILENT = (
    "fallback", "low_confidence", "out_of_scope", "guide_silent")
GAP_LABELS = {GAP_FALLBACK: "fell back", GAP_LOW_CONFIDENCE: "low confidence", GAP_OUT_OF_SCOPE: "out of scope",
              GAP_GUIDE_SILENT: "guide silent"}


@dataclass(frozen=True)
class VisitorMessage:
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    # For a fallback, the intent the classifier ranked first after nlu_fallback.
    best_guess: Optional[str]
    best_guess_confidence: Optional[float]
    is_button: bool  # a "/intent" payload from a button, not typed words

    @property
    def gap(self) -> Optional[str]:
        """Why the assistant could not answer this message well, or None."""
        if self.is_button or not self.text.strip():
            return None
        if self.intent == FALLBACK_INTENT:
            return GAP_FALLBACK
        if self.intent == OUT_OF_SCOPE_INTENT:
            return GAP_OUT_OF_SCOPE
        if self.intent == GUIDE_SILENT_INTENT:
            return GAP_GUIDE_SILENT
        if self.confidence is not None and self.confidence < LOW_CONFIDENCE:
            return GAP_LOW_CONFIDENCE
        return None


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read_visitor_message(event: StoredEvent) -> VisitorMessage:
    """A `user` event's text and what the NLU made of it (parse_data as Rasa stores it)."""
    if event.message is not None:
        return event.message
    payload = event.payload
    text = payload.get("text") if isinstance(payload.get("text"), str) else ""
    parse = payload.get("parse_data") if isinstance(payload.get("parse_data"), dict) else {}
    intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
    name = intent.get("name") if isinstance(intent.get("name"), str) else event.intent_name
    ranking = parse.get("intent_ranking") if isinstance(parse.get("intent_ranking"), list) else []
    second = ranking[1] if len(ranking) > 1 and isinstance(ranking[1], dict) else {}
    return _message(text, name, intent.get("confidence"), second.get("name"), second.get("confidence"))


def _message(text: Any, intent: Optional[str], confidence: Any, guess: Any, guess_confidence: Any) -> VisitorMessage:
    text = text if isinstance(text, str) else ""
    is_fallback = intent == FALLBACK_INTENT and isinstance(guess, str)
    return VisitorMessage(text=text, intent=intent, confidence=_number(confidence),
                          best_guess=guess if is_fallback else None,
                          best_guess_confidence=_number(guess_confidence) if is_fallback else None,
                          is_button=text.startswith("/"))


def read_escalation(event: StoredEvent) -> Optional[Dict[str, Any]]:
    """The escalation marker of a `bot` event (actions/marker.py), or None."""
    data = event.payload.get("data")
    custom = data.get("custom") if isinstance(data, dict) else None
    marker = custom.get("escalation") if isinstance(custom, dict) else None
    return marker if isinstance(marker, dict) else None
