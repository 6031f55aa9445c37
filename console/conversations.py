"""Conversations: the list (from the rollup, filtered, newest first) and one transcript (from the
tracker store, read-only), each visitor message with the intent and confidence the NLU gave it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote, urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from console.auth import require_role
from console.db import engine, tracker_engine
from console.rollup import ConversationFilter, ConversationRow, get_conversation, list_conversations, rollup_for
from console.tracker_reader import (GAP_LABELS, MAX_TRANSCRIPT_EVENTS, StoredEvent, TrackerReader, TrackerUnavailable,
                                    read_escalation, read_visitor_message)
from console.web import FIRST_DAY, app_settings, error_page, parse_day, render, whole_number

bp = Blueprint("conversations")

PER_PAGE = 50
MAX_PAGE = 100_000
TRUE_VALUES, FALSE_VALUES = {"1", "on", "true", "yes"}, {"", "0", "off", "false", "no"}
# Query parameter -> (ConversationFilter field, label on the page)
FLAGS: Dict[str, Tuple[str, str]] = {
    "escalated": ("escalated", "Escalated"),
    "urgent": ("urgent", "Urgent"),
    "fell_back": ("fell_back", "Fell back or low confidence"),
    "out_of_scope": ("out_of_scope", "Out of scope"),
    "guide_silent": ("guide_silent", "Guide silent"),
}


def conversation_url(sender_id: str) -> str:
    return "/conversations/" + quote(sender_id, safe="")


def when(timestamp: Optional[float]) -> str:
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------ the list's query string
@dataclass
class ListQuery:
    where: ConversationFilter = field(default_factory=ConversationFilter)
    page: int = 1
    errors: List[str] = field(default_factory=list)
    raw: Dict[str, str] = field(default_factory=dict)  # as typed, to refill the form

    def url(self, page: int) -> str:
        params = {k: v for k, v in self.raw.items() if v and k != "page"}
        if page > 1:
            params["page"] = str(page)
        return "/conversations" + ("?" + urlencode(params) if params else "")


def _date(raw: str, label: str, errors: List[str]) -> Optional[date]:
    if not raw:
        return None
    try:
        return parse_day(raw)
    except ValueError:
        errors.append(f"{label} must be a date written YYYY-MM-DD, like 2025-03-14, from {FIRST_DAY:%Y}.")
        return None


def parse_list_query(args: Mapping[str, Any]) -> ListQuery:
    """The filters of /conversations from its query string; problems listed in `errors`."""
    def arg(name: str) -> str:
        value = args.get(name)
        return (value if isinstance(value, str) else "").strip()

    errors: List[str] = []
    raw = {name: arg(name) for name in ("from", "to", "page", *FLAGS)}
    start, end = _date(raw["from"], "From", errors), _date(raw["to"], "To", errors)
    if start and end and start > end:
        errors.append("From must be on or before To.")
    flags: Dict[str, bool] = {}
    for name, (attribute, label) in FLAGS.items():
        value = raw[name].lower()
        if value not in TRUE_VALUES | FALSE_VALUES:
            errors.append(f"{label}: use the checkbox (the value {raw[name][:40]!r} is not understood).")
        flags[attribute] = value in TRUE_VALUES
    page = whole_number(raw["page"], 1, MAX_PAGE) if raw["page"] else 1
    if page is None:
        errors.append(f"Page must be a whole number from 1 to {MAX_PAGE:,}.")
        page = 1
    return ListQuery(ConversationFilter(start=start, end=end, **flags), page, errors, raw)


@bp.get("/conversations")
@require_role("staff")
async def conversation_list(request: Request) -> HTTPResponse:
    settings = app_settings(request)
    query = parse_list_query(request.args)
    if query.errors:
        return render(request, "conversations.html", http_status=400, query=query, flags=FLAGS, rows=[],
                      total=0, pages=0, available=True, url_for=conversation_url, when=when)
    service = rollup_for(settings)
    await service.ensure_fresh()
    rows, total = list_conversations(engine(settings), query.where, page=query.page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render(request, "conversations.html", query=query, flags=FLAGS, rows=rows, total=total, pages=pages,
                  available=service.available, url_for=conversation_url, when=when)


# ------------------------------------------------------------------ one transcript
@dataclass
class Line:
    """One line of a transcript: a visitor's message, the assistant's, or a new session."""

    kind: str  # "visitor", "assistant", "session"
    time: str
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    gap: Optional[str] = None
    best_guess: Optional[str] = None
    from_button: bool = False
    buttons: List[str] = field(default_factory=list)
    escalation: Optional[Dict[str, Any]] = None


def _buttons(event: StoredEvent) -> List[str]:
    data = event.payload.get("data")
    buttons = data.get("buttons") if isinstance(data, dict) else None
    if not isinstance(buttons, list):
        return []
    return [str(b.get("title") or b.get("payload") or "") for b in buttons if isinstance(b, dict)]


# Contact details are shown only on a follow-up's page, where each view is audited: in a
# transcript, the visitor's answers to the handoff form's contact questions are withheld, and
# the values the form kept are masked wherever a message repeats them ("Thank you, Ann.").
CONTACT_SLOTS = frozenset({"contact_name", "contact_detail"})
CONTACT_WITHHELD = "(contact details: shown on the follow-up's page)"
CONTACT_MASK = "[contact details]"


def _contact_values(events: List[StoredEvent]) -> List[str]:
    values = set()
    for event in events:
        if event.type_name == "slot" and event.payload.get("name") in CONTACT_SLOTS:
            value = event.payload.get("value")
            if isinstance(value, str) and len(value.strip()) >= 2:
                values.add(value.strip())
    return sorted(values, key=len, reverse=True)  # longest first: "Ann Lee" before "Ann"


def _mask(text: str, values: List[str]) -> str:
    for value in values:
        text = text.replace(value, CONTACT_MASK)
    return text


def transcript_lines(events: List[StoredEvent]) -> List[Line]:
    lines: List[Line] = []
    contact_values = _contact_values(events)
    requested_slot: Optional[str] = None
    for event in events:
        moment = when(event.timestamp)
        if event.type_name == "slot" and event.payload.get("name") == "requested_slot":
            value = event.payload.get("value")
            requested_slot = value if isinstance(value, str) else None
        elif event.type_name == "user":
            message = read_visitor_message(event)
            text = CONTACT_WITHHELD if requested_slot in CONTACT_SLOTS else _mask(message.text, contact_values)
            lines.append(Line("visitor", moment, text, message.intent, message.confidence,
                              GAP_LABELS.get(message.gap or ""), message.best_guess, message.is_button))
        elif event.type_name == "bot":
            text = event.payload.get("text")
            lines.append(Line("assistant", moment, _mask(text, contact_values) if isinstance(text, str) else "",
                              buttons=_buttons(event), escalation=read_escalation(event)))
        elif event.type_name == "session_started":
            requested_slot = None
            lines.append(Line("session", moment))
    return lines


@bp.get("/conversations/<sender_id:path>", unquote=True)  # ids may hold any character
@require_role("staff")
async def transcript(request: Request, sender_id: str) -> HTTPResponse:
    settings = app_settings(request)
    if not sender_id or len(sender_id) > 255:
        return error_page(request, 404, "No such conversation", "There is no conversation with this id.")
    reader = TrackerReader(tracker_engine(settings))
    try:
        events = reader.conversation_events(sender_id)
    except TrackerUnavailable:
        events = []
    if not events:
        return error_page(request, 404, "No such conversation",
                          "The assistant's conversation store has no conversation with this id.")
    summary: Optional[ConversationRow] = get_conversation(engine(settings), sender_id)
    return render(request, "transcript.html", sender_id=sender_id, lines=transcript_lines(events),
                  summary=summary, truncated=len(events) >= MAX_TRANSCRIPT_EVENTS, when=when)
