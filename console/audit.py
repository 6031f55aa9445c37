"""The audit log: who did what to which record, and when (contact views, resolutions, accounts)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Protocol, Union

import sqlalchemy as sa

from console.db import as_utc, engine, metadata, utcnow
from console.settings import Settings

audit_table = sa.Table(
    "console_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("actor", sa.String(254), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(500), nullable=False),
)

ANONYMOUS = "(not signed in)"


class HasEmail(Protocol):
    email: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject: str


def record(settings: Settings, user: Union[HasEmail, str, None], action: str, subject: str) -> None:
    """Append one entry; `user` is a signed-in user, an email/name (the CLI), or None (anonymous)."""
    actor = user if isinstance(user, str) else (user.email if user is not None else ANONYMOUS)
    with engine(settings).begin() as conn:
        conn.execute(audit_table.insert().values(
            at=utcnow(), actor=actor[:254], action=action[:64], subject=subject[:500]))


def entries(settings: Settings, limit: int = 200, offset: int = 0,
            action: Optional[str] = None) -> List[AuditEntry]:
    """Latest first."""
    query = sa.select(audit_table).order_by(audit_table.c.id.desc()).limit(limit).offset(offset)
    if action:
        query = query.where(audit_table.c.action == action)
    with engine(settings).connect() as conn:
        return [AuditEntry(at=as_utc(row.at), actor=row.actor, action=row.action, subject=row.subject)
                for row in conn.execute(query)]
