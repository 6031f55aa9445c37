"""Clinician follow-up tickets in a SQL database (SQLAlchemy).

SQLite under var/ by default; PostgreSQL (or any SQLAlchemy URL) via HANDOFF_DB_URL.
All values go through bound parameters: a visitor's text is stored as data, never as SQL.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import sqlalchemy as sa

DEFAULT_DB_PATH = Path(__file__).resolve().parent.parent / "var" / "handoff.db"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
REFERENCE_ATTEMPTS = 5

STATUS_OPEN = "open"
STATUS_RESOLVED = "resolved"

metadata = sa.MetaData()
tickets_table = sa.Table(
    "handoff_tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("contact_name", sa.String(100), nullable=False),
    sa.Column("contact_detail", sa.String(254), nullable=False),
    sa.Column("preferred_time", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default=STATUS_OPEN),
    sa.Column("notified", sa.Boolean, nullable=False, default=False),
    sa.Column("notify_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_notify_error", sa.String(500)),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Column("resolution_note", sa.Text),
)
# Columns added after the first release: (name, DDL type), added to an existing table if missing.
LATER_COLUMNS = (("resolution_note", "TEXT"),)
MAX_NOTE_LENGTH = 2000


@dataclass
class Ticket:
    reference: str
    reason: str
    urgent: bool
    question: str
    conversation_id: str
    contact_name: str
    contact_detail: str
    preferred_time: str
    created_at: datetime
    status: str = STATUS_OPEN
    notified: bool = False
    notify_attempts: int = 0
    last_notify_error: Optional[str] = None
    resolved_at: Optional[datetime] = None
    resolution_note: Optional[str] = None


def database_url() -> str:
    return os.environ.get("HANDOFF_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def new_reference() -> str:
    return "MN-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class TicketStore:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or database_url()
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        metadata.create_all(self.engine)
        add_missing_columns(self.engine)

    def create(self, *, reason: str, urgent: bool, question: str, conversation_id: str,
               contact_name: str, contact_detail: str, preferred_time: str) -> Ticket:
        for attempt in range(REFERENCE_ATTEMPTS):
            ticket = Ticket(
                reference=new_reference(), reason=reason, urgent=urgent, question=question,
                conversation_id=conversation_id, contact_name=contact_name, contact_detail=contact_detail,
                preferred_time=preferred_time, created_at=datetime.now(timezone.utc),
            )
            try:
                with self.engine.begin() as conn:
                    conn.execute(tickets_table.insert().values(**ticket.__dict__))
                return ticket
            except sa.exc.IntegrityError:
                # References are random (32^6); a clash with an existing one just draws again.
                if attempt == REFERENCE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def get(self, reference: str) -> Optional[Ticket]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(tickets_table).where(tickets_table.c.reference == reference.strip().upper())
            ).mappings().first()
        return _to_ticket(row) if row else None

    def list(self, status: Optional[str] = None, only_unnotified: bool = False) -> List[Ticket]:
        query = sa.select(tickets_table).order_by(tickets_table.c.created_at)
        if status:
            query = query.where(tickets_table.c.status == status)
        if only_unnotified:
            query = query.where(tickets_table.c.notified.is_(False))
        with self.engine.connect() as conn:
            return [_to_ticket(row) for row in conn.execute(query).mappings()]

    def record_notification(self, reference: str, ok: bool, error: Optional[str] = None) -> None:
        values = {"notify_attempts": tickets_table.c.notify_attempts + 1,
                  "last_notify_error": None if ok else (error or "unknown error")[:500]}
        if ok:
            values["notified"] = True
        with self.engine.begin() as conn:
            conn.execute(tickets_table.update().where(tickets_table.c.reference == reference).values(**values))

    def resolve(self, reference: str, note: Optional[str] = None) -> bool:
        """Resolve an open ticket, with what was done (`note`); False if it was already resolved."""
        note = (note or "").strip()[:MAX_NOTE_LENGTH] or None
        with self.engine.begin() as conn:
            result = conn.execute(
                tickets_table.update()
                .where(tickets_table.c.reference == reference.strip().upper())
                .where(tickets_table.c.status != STATUS_RESOLVED)
                .values(status=STATUS_RESOLVED, resolved_at=datetime.now(timezone.utc), resolution_note=note)
            )
        return result.rowcount == 1


def add_missing_columns(engine: sa.engine.Engine) -> None:
    """A database made by an older version gets the newer columns (idempotent, SQLite and PostgreSQL)."""
    present = {column["name"] for column in sa.inspect(engine).get_columns(tickets_table.name)}
    for name, ddl_type in LATER_COLUMNS:
        if name not in present:
            with engine.begin() as conn:
                conn.execute(sa.text(f"ALTER TABLE {tickets_table.name} ADD COLUMN {name} {ddl_type}"))


def _to_ticket(row) -> Ticket:
    return Ticket(**{field: row[field] for field in Ticket.__dataclass_fields__})
