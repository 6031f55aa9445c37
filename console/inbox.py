"""The follow-ups inbox: clinician follow-up tickets (actions.tickets), as `make tickets` shows them.

Contact details appear only on a ticket's own page, and every view of it is written to the audit
log. The conversation that led to a ticket is read from the tracker store, read-only.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from actions.notification import notify_staff
from actions.tickets import MAX_NOTE_LENGTH, STATUS_OPEN, STATUS_RESOLVED, Ticket, TicketStore
from console import audit
from console.auth import require_role
from console.db import as_utc, tracker_engine
from console.settings import Settings
from console.web import app_settings, error_page, render

logger = logging.getLogger(__name__)
bp = Blueprint("inbox")

FILTERS = {"open": "Open", "resolved": "Resolved", "all": "All"}
REFERENCE_PATTERN = re.compile(r"^MN-[A-Z0-9]{6}$")
TRANSCRIPT_LIMIT = 400  # events: a follow-up's conversation is a few dozen turns
# Messages after a redirect: fixed texts chosen by a code, so nothing from the URL is echoed.
DONE_MESSAGES = {
    "resolved": "The follow-up is resolved.",
    "already-resolved": "This follow-up had already been resolved.",
    "notified": "The notification was re-sent and delivered.",
    "notify-failed": "The notification could not be delivered; the error is shown below.",
    "already-notified": "Staff had already been notified about this follow-up.",
}


# A failed notification's error can carry the webhook's URL or a token (an exception's message
# often quotes the request): the page shows a short reason with those removed; the full text
# stays in the database for `python -m actions.staff_tickets`.
NOTIFY_REASON_CHARS = 80
REDACTED = "[removed]"
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*", re.IGNORECASE)
_SECRET_FIELD = re.compile(r"\b(url|token|key|secret|password|passwd|auth\w*|signature|sig)\b\s*[=:]\s*\S+"
                           r"|\b(bearer)\s+\S+", re.IGNORECASE)
_TOKEN_LIKE = re.compile(r"[\w+/=.~-]{16,}")  # a long run with a digit in it: a key, a path, an id


def notify_reason(error: Optional[str]) -> str:
    """The notification error as the ticket page shows it: one short line, no URL, nothing token-like."""
    if not error:
        return ""
    text = " ".join(error.split())
    text = _URL.sub(REDACTED, text)
    text = _SECRET_FIELD.sub(lambda m: f"{m.group(1) or m.group(2)} {REDACTED}", text)
    text = _TOKEN_LIKE.sub(lambda m: REDACTED if any(ch.isdigit() for ch in m.group()) else m.group(), text)
    return text if len(text) <= NOTIFY_REASON_CHARS else text[:NOTIFY_REASON_CHARS - 1].rstrip() + "…"


@functools.lru_cache(maxsize=None)
def ticket_store(url: str) -> TicketStore:
    return TicketStore(url)


def store_for(settings: Settings) -> TicketStore:
    return ticket_store(settings.database_url)


def inbox_order(tickets: List[Ticket]) -> List[Ticket]:
    """Open first, urgent before routine, oldest first; then resolved, most recently resolved first."""
    open_ = sorted((t for t in tickets if t.status != STATUS_RESOLVED),
                   key=lambda t: (not t.urgent, as_utc(t.created_at)))
    done = sorted((t for t in tickets if t.status == STATUS_RESOLVED),
                  key=lambda t: as_utc(t.resolved_at or t.created_at), reverse=True)
    return open_ + done


# ------------------------------------------------------------------ transcript
@dataclass(frozen=True)
class Line:
    speaker: str  # "visitor" or "assistant"
    text: str


def transcript(settings: Settings, conversation_id: str) -> Optional[List[Line]]:
    """The visitor's and the assistant's messages in order, or None when the store cannot be read."""
    query = sa.text("SELECT type_name, data FROM events WHERE sender_id = :sender "
                    "AND type_name IN ('user', 'bot') ORDER BY id LIMIT :limit")
    try:
        with tracker_engine(settings).connect() as conn:
            rows = conn.execute(query, {"sender": conversation_id, "limit": TRANSCRIPT_LIMIT}).all()
    except sa.exc.SQLAlchemyError as error:
        logger.warning("tracker store not readable for the inbox: %s", type(error).__name__)
        return None
    return [line for line in (_line(row.type_name, row.data) for row in rows) if line]


def _line(type_name: str, data: str) -> Optional[Line]:
    try:
        event = json.loads(data or "{}")
    except ValueError:
        return None
    text = event.get("text") if isinstance(event, dict) else None
    if not isinstance(text, str) or not text.strip():
        return None  # a bot event with only a payload (the escalation marker) has nothing to read
    return Line("visitor" if type_name == "user" else "assistant", text)


# ------------------------------------------------------------------ pages
@bp.get("/inbox")
@require_role("staff")
async def inbox(request: Request) -> HTTPResponse:
    status = request.args.get("status", "open")
    if status not in FILTERS:
        return error_page(request, 400, "Unknown filter",
                          f"Show open, resolved or all follow-ups; {status[:40]!r} is not one of them.")
    store = store_for(app_settings(request))
    tickets = store.list(status={"open": STATUS_OPEN, "resolved": STATUS_RESOLVED}.get(status))
    return render(request, "inbox.html", tickets=inbox_order(tickets), status=status, filters=FILTERS)


def _find(request: Request, reference: str) -> Optional[Ticket]:
    reference = reference.strip().upper()
    if not REFERENCE_PATTERN.match(reference):
        return None
    return store_for(app_settings(request)).get(reference)


def _missing(request: Request, reference: str) -> HTTPResponse:
    return error_page(request, 404, "No such follow-up",
                      f"There is no follow-up with the reference {reference[:20]!r}. References look like MN-ABC234.")


def _ticket_page(request: Request, ticket: Ticket, status: int = 200, error: str = "", note: str = "") -> HTTPResponse:
    settings = app_settings(request)
    audit.record(settings, request.ctx.user, "viewed contact details", ticket.reference)
    return render(request, "ticket.html", http_status=status, ticket=ticket, error=error, note=note,
                  notify_error=notify_reason(ticket.last_notify_error),
                  transcript=transcript(settings, ticket.conversation_id),
                  done=DONE_MESSAGES.get(request.args.get("done", ""), ""), max_note=MAX_NOTE_LENGTH)


@bp.get("/inbox/<reference>")
@require_role("staff")
async def ticket_page(request: Request, reference: str) -> HTTPResponse:
    ticket = _find(request, reference)
    return _ticket_page(request, ticket) if ticket else _missing(request, reference)


@bp.post("/inbox/<reference>/resolve")
@require_role("staff")
async def resolve(request: Request, reference: str) -> HTTPResponse:
    ticket = _find(request, reference)
    if ticket is None:
        return _missing(request, reference)
    note = (request.form.get("note") or "").strip()
    if not note or len(note) > MAX_NOTE_LENGTH:
        problem = ("Write a short note of what was done before resolving." if not note
                   else f"The note is {len(note)} characters; keep it to {MAX_NOTE_LENGTH}.")
        return _ticket_page(request, ticket, status=400, error=problem, note=note)
    settings = app_settings(request)
    if not store_for(settings).resolve(ticket.reference, note=note):
        return redirect(f"/inbox/{ticket.reference}?done=already-resolved", status=303)
    audit.record(settings, request.ctx.user, "resolved follow-up", ticket.reference)
    return redirect(f"/inbox/{ticket.reference}?done=resolved", status=303)


@bp.post("/inbox/<reference>/notify")
@require_role("staff")
async def renotify(request: Request, reference: str) -> HTTPResponse:
    ticket = _find(request, reference)
    if ticket is None:
        return _missing(request, reference)
    if ticket.notified:
        return redirect(f"/inbox/{ticket.reference}?done=already-notified", status=303)
    settings = app_settings(request)
    store = store_for(settings)
    # Delivery retries with back-off (seconds): off the event loop, so other pages stay responsive.
    delivered = await asyncio.get_running_loop().run_in_executor(None, notify_staff, store, ticket)
    audit.record(settings, request.ctx.user, "re-sent notification",
                 f"{ticket.reference}: {'delivered' if delivered else 'failed'}")
    return redirect(f"/inbox/{ticket.reference}?done={'notified' if delivered else 'notify-failed'}", status=303)
