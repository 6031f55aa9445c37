"""The console's tables (in the tickets' database) and its read-only view of the tracker store.

Every console module declares its tables on `metadata` below; `create_all` runs at app start,
after all page modules are imported, so one call creates them all.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from console.settings import Settings

metadata = sa.MetaData()


@functools.lru_cache(maxsize=None)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def engine(settings: Settings) -> Engine:
    """The tickets database's engine, one per URL for the process."""
    return _engine_for(settings.database_url)


def create_all(settings: Settings) -> None:
    metadata.create_all(engine(settings))


@functools.lru_cache(maxsize=None)
def _tracker_engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        # mode=ro: the console can never write to, or create, the assistant's store.
        path = Path(parsed.database).resolve()
        return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", future=True)
    if parsed.get_backend_name() == "postgresql":
        # Every transaction read-only, so a console bug cannot change a conversation.
        return sa.create_engine(url, future=True, pool_pre_ping=True,
                                execution_options={"postgresql_readonly": True})
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def tracker_engine(settings: Settings) -> Engine:
    """A read-only engine on Rasa's tracker store (SQLite file opened mode=ro, PostgreSQL read-only)."""
    return _tracker_engine_for(settings.tracker_url)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite hands back naive datetimes; everything the console stores is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
