"""Rasa 3.6 speed-ups that change no behaviour, found with cProfile (README: Performance).

`RemoteAction._validate_action_result` calls `jsonschema.validate()`, which first re-checks the
schema itself against the JSON Schema meta-schema, on every custom action call: about 90 ms of
CPU per call on the 2-core machine, most of a custom-action turn. The schema is a constant, so it
is checked once and its validator reused; responses are validated exactly as before.

`Event.resolve_by_type` walks every subclass of `Event` (about 30 classes, recursively) for
each event it reads back from the tracker store: 11,700 calls to load 390 events in a profile of
20 turns. The class for a type name never changes once imported, so a name found is kept.

`SQLTrackerStore.save` first counts, with a query, how many of the conversation's events are
already stored, to store only the rest: about 5.5 ms of CPU a turn. The tracker it saves was read
from the same store in the same turn (under the conversation's lock), so that number is known: the
events it was read with, then the events each save stored. Rasa's query is still used for a
tracker this process did not read or save (a new conversation, a tracker of all sessions).

SQLAlchemy 1.4 opens a new SQLite connection for every session (its default pool for a file
database keeps none): retrieve + save 11.4 ms a turn against 5.9 ms with kept connections. A kept
connection would go on writing to a database file that was moved or deleted, so each one
remembers which file it opened (device and inode) and is given out again only while that path is
still the same file; otherwise it is dropped and a new connection opens the path as it is now,
failing the turn with the "not saved" reply when the database is gone (tests/live/test_faults.py).

Not adopted, measured: SQLite's write-ahead log (a commit 1.25 -> 0.28 ms, but it changes how
other processes, the staff console among them, see the file).
"""
from __future__ import annotations

import itertools
import os
from functools import lru_cache
from typing import Any, Dict, Iterator, Optional, Text, Type

import sqlalchemy as sa
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

_rasas_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


@lru_cache(maxsize=1)
def action_result_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Same contract as Rasa's: True, or the best-matching ValidationError with Rasa's hint."""
    error = best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (". Failed to validate Action server response from API, make sure your response "
                      f"from the Action endpoint is valid. For more information about the format visit "
                      f"{DOCS_BASE_URL}/custom-actions")
    raise error


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Rasa's lookup, remembered for every name it finds (unknown names are not cached)."""
    found = _event_classes.get(type_name)
    if found is None:
        found = _rasas_resolve_by_type(type_name, default)
        if found is not None and found is not default:
            _event_classes[type_name] = found
    return found


# How many of a tracker's events are in the SQL store, set when this process read or saved it.
STORED_EVENTS = "_events_in_sql_store"
_rasas_sql_retrieve = SQLTrackerStore._retrieve
_rasas_sql_save = SQLTrackerStore.save
_rasas_additional_events = SQLTrackerStore._additional_events


async def retrieve_counted(self: SQLTrackerStore, sender_id: Text,
                           fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
    tracker = await _rasas_sql_retrieve(self, sender_id, fetch_events_from_all_sessions)
    if tracker is not None and not fetch_events_from_all_sessions:
        setattr(tracker, STORED_EVENTS, len(tracker.events))
    return tracker


def additional_events(self: SQLTrackerStore, session: Any, tracker: DialogueStateTracker) -> Iterator:
    """The events not stored yet: counted without a query when this process read or saved them."""
    stored = getattr(tracker, STORED_EVENTS, None)
    if stored is None or stored > len(tracker.events):
        return _rasas_additional_events(self, session, tracker)
    return itertools.islice(tracker.events, stored, len(tracker.events))


async def save_counted(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    await _rasas_sql_save(self, tracker)  # raises when the write fails: the count stays as it was
    setattr(tracker, STORED_EVENTS, len(tracker.events))


_rasas_sql_init = SQLTrackerStore.__init__
_FILE_IDENTITY = "sqlite_file_identity"
KEPT_SQLITE_CONNECTIONS = 4


def _file_identity(path: str) -> Optional[tuple]:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def keep_sqlite_connections(engine: sa.engine.Engine) -> sa.engine.Engine:
    """The same database through a pool of kept connections, each checked to still be the file
    at the path before it is used again. Other dialects and in-memory SQLite are returned as given."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return engine
    engine.dispose()
    pooled = sa.create_engine(engine.url, poolclass=sa.pool.QueuePool, pool_size=KEPT_SQLITE_CONNECTIONS,
                              max_overflow=KEPT_SQLITE_CONNECTIONS, connect_args={"check_same_thread": False})

    @sa.event.listens_for(pooled, "connect")
    def remember_file(dbapi_connection: Any, record: Any) -> None:
        record.info[_FILE_IDENTITY] = _file_identity(path)

    @sa.event.listens_for(pooled, "checkout")
    def still_the_same_file(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        identity = _file_identity(path)
        if identity is None or identity != record.info.get(_FILE_IDENTITY):
            # SQLAlchemy drops this connection and opens the path anew (which fails if it is gone).
            raise sa.exc.DisconnectionError(f"{path} is no longer the database file this connection opened")

    return pooled


def sql_init_with_kept_connections(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    _rasas_sql_init(self, *args, **kwargs)
    self.engine = keep_sqlite_connections(self.engine)
    self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
    SQLTrackerStore._retrieve = retrieve_counted
    SQLTrackerStore._additional_events = additional_events
    SQLTrackerStore.save = save_counted
    SQLTrackerStore.__init__ = sql_init_with_kept_connections

