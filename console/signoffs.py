"""Clinicians' sign-offs of answers: who approved which wording, and when.

A sign-off stores the SHA-256 of the answer's variations and the variations themselves, so a
later edit shows as "changed since sign-off" next to the wording that was approved. Rows are
only ever added: a new sign-off supersedes the previous one, and the history stays.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa

from console import audit
from console.answers import Answer, Variation
from console.db import as_utc, engine, metadata, utcnow
from console.settings import Settings

signoffs_table = sa.Table(
    "console_answer_signoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("answer_name", sa.String(200), nullable=False, index=True),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("signed_text", sa.Text, nullable=False),  # JSON of the variations approved
    sa.Column("clinician", sa.String(254), nullable=False),  # the account's e-mail, its name here
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
)

AUDIT_ACTION = "answer_signed_off"


class Status(str, Enum):
    SIGNED = "signed"
    CHANGED = "changed"  # signed, but the text differs now
    UNSIGNED = "unsigned"


@dataclass(frozen=True)
class SignOff:
    answer_name: str
    text_hash: str
    variations: Tuple[Variation, ...]
    clinician: str
    signed_at: datetime


def _dump(variations: Iterable[Variation]) -> str:
    return json.dumps([{"text": v.text, "buttons": list(v.buttons), "channel": v.channel} for v in variations],
                      ensure_ascii=False)


def _load(raw: str) -> Tuple[Variation, ...]:
    return tuple(Variation(v["text"], tuple(v.get("buttons") or ()), v.get("channel")) for v in json.loads(raw))


def _row(row) -> SignOff:
    return SignOff(row.answer_name, row.text_hash, _load(row.signed_text), row.clinician, as_utc(row.signed_at))


def sign_off(settings: Settings, answer: Answer, clinician: audit.HasEmail) -> SignOff:
    """Approve the answer's current wording in the clinician's name, and say so in the audit log."""
    signed = SignOff(answer.name, answer.text_hash, answer.variations, clinician.email, utcnow())
    with engine(settings).begin() as conn:
        conn.execute(signoffs_table.insert().values(
            answer_name=signed.answer_name, text_hash=signed.text_hash, signed_text=_dump(signed.variations),
            clinician=signed.clinician, signed_at=signed.signed_at))
    audit.record(settings, clinician, AUDIT_ACTION, f"{answer.name} sha256:{answer.text_hash[:12]}")
    return signed


def latest(settings: Settings) -> Dict[str, SignOff]:
    """The sign-off in force for each answer: its newest."""
    newest = (sa.select(sa.func.max(signoffs_table.c.id)).group_by(signoffs_table.c.answer_name)).scalar_subquery()
    query = sa.select(signoffs_table).where(signoffs_table.c.id.in_(newest))
    with engine(settings).connect() as conn:
        return {row.answer_name: _row(row) for row in conn.execute(query)}


def history(settings: Settings, answer_name: str) -> List[SignOff]:
    """Every sign-off of one answer, newest first."""
    query = (sa.select(signoffs_table).where(signoffs_table.c.answer_name == answer_name)
             .order_by(signoffs_table.c.id.desc()))
    with engine(settings).connect() as conn:
        return [_row(row) for row in conn.execute(query)]


def status(answer: Answer, signed: Optional[SignOff]) -> Status:
    if signed is None:
        return Status.UNSIGNED
    return Status.SIGNED if signed.text_hash == answer.text_hash else Status.CHANGED
