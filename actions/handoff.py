"""The clinician follow-up form: collect contact details with consent, then create a ticket."""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clinic import load_clinic
from actions.escalation import REASON_VISITOR_REQUEST
from actions.marker import escalation_payload
from actions.notification import notify_staff
from actions.tickets import TicketStore

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 100
MAX_TIME_LENGTH = 100
MAX_CONTACT_ATTEMPTS = 3
CONTACT_NOT_GIVEN = "not given"  # set after three invalid contact details; no ticket is created
# Requests the ticket database refused; HANDOFF_SPOOL_PATH moves it (e.g. a test's own action server).
SPOOL_PATH = Path(os.environ.get("HANDOFF_SPOOL_PATH")
                  or Path(__file__).resolve().parent.parent / "var" / "handoff_spool.jsonl")

EMAIL_PATTERN = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$")
PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().-]+$")

# Cleared once a request is settled, so a later request does not inherit this one's reason.
REQUEST_SLOTS = ("contact_name", "contact_detail", "preferred_time", "contact_consent", "contact_attempts",
                 "escalation_reason", "escalation_question", "escalation_urgent", "escalation_for_someone_else")


def normalise_contact(value: str) -> Optional[str]:
    """A valid e-mail address (lower-cased) or phone number (digits and a leading +), else None."""
    value = value.strip()
    if EMAIL_PATTERN.match(value) and len(value) <= 254:
        return value.lower()
    if PHONE_CHARACTERS.match(value):
        digits = re.sub(r"\D", "", value)
        if 7 <= len(digits) <= 15:
            return ("+" if value.startswith("+") else "") + digits
    return None


def clean_text(value: Any, limit: int) -> str:
    """Bounded plain text: control characters dropped, whitespace collapsed."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value or ""))
    return " ".join(text.split())[:limit]


class ActionAskContactName(Action):
    """The form's first question. A visitor who asked for a person ("can I just ring someone?")
    also gets the clinic's number, for those who would rather phone than wait for a call back."""

    def name(self) -> Text:
        return "action_ask_contact_name"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if (tracker.latest_message.get("intent") or {}).get("name") == "request_clinician":
            clinic = load_clinic()
            dispatcher.utter_message(text=f"If you'd rather phone, {clinic.name} is on {clinic.phone} ({clinic.hours}). "
                                          f"Otherwise a clinician can call you back.")
        dispatcher.utter_message(response="utter_ask_contact_name")
        return []


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_handoff_form"

    def validate_contact_name(self, slot_value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        name = clean_text(slot_value, MAX_NAME_LENGTH)
        if not name:
            dispatcher.utter_message(text="Sorry, I didn't catch a name. What should the clinician call you?")
            return {"contact_name": None}
        return {"contact_name": name}

    def validate_contact_detail(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        contact = normalise_contact(str(slot_value or ""))
        if contact:
            return {"contact_detail": contact, "contact_attempts": 0}
        attempts = int(tracker.get_slot("contact_attempts") or 0) + 1
        if attempts >= MAX_CONTACT_ATTEMPTS:
            clinic = load_clinic()
            dispatcher.utter_message(
                text=(f"I'm sorry, I still can't read that as a phone number or e-mail address. "
                      f"Please call {clinic.name} on {clinic.phone} ({clinic.hours}) and mention your "
                      f"question; a clinician will help you there."))
            # Completes the form without a ticket: action_create_handoff_ticket sees no contact.
            return {"contact_detail": CONTACT_NOT_GIVEN, "preferred_time": CONTACT_NOT_GIVEN,
                    "contact_consent": False, "contact_attempts": attempts}
        dispatcher.utter_message(
            text=("That doesn't look like a phone number or e-mail address. Please enter one like "
                  "+1 555 123 4567 or name@example.com."))
        return {"contact_detail": None, "contact_attempts": attempts}

    def validate_preferred_time(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"preferred_time": clean_text(slot_value, MAX_TIME_LENGTH) or "any time"}


def spool_request(request: Dict[str, Any]) -> None:
    """Keep a request the database refused in a private file, so staff can recover it."""
    SPOOL_PATH.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(SPOOL_PATH, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as spool:
        spool.write(json.dumps(request, ensure_ascii=False) + "\n")


def notify_in_background(store: TicketStore, reference: str) -> None:
    """Staff delivery (with retries) must not keep the visitor waiting."""
    def deliver() -> None:
        ticket = store.get(reference)
        if ticket:
            notify_staff(store, ticket)
    threading.Thread(target=deliver, name=f"notify-{reference}", daemon=True).start()


class ActionCreateHandoffTicket(Action):
    def name(self) -> Text:
        return "action_create_handoff_ticket"

    def __init__(self, store: Optional[TicketStore] = None, notify: bool = True) -> None:
        self._store = store
        self._notify = notify

    def store(self) -> TicketStore:
        if self._store is None:
            self._store = TicketStore()
        return self._store

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic = load_clinic()
        reset = [SlotSet(slot, None) for slot in REQUEST_SLOTS]
        contact = tracker.get_slot("contact_detail")
        if contact == CONTACT_NOT_GIVEN:
            return reset
        if not tracker.get_slot("contact_consent"):
            dispatcher.utter_message(
                text=(f"Okay, I won't pass on your details. A clinician still needs to check this before any "
                      f"treatment: you can call {clinic.name} on {clinic.phone} ({clinic.hours})."))
            return reset
        reason = tracker.get_slot("escalation_reason") or REASON_VISITOR_REQUEST
        urgent = bool(tracker.get_slot("escalation_urgent"))
        request = dict(
            reason=reason, urgent=urgent,
            question=tracker.get_slot("escalation_question") or "(asked to speak to a clinician)",
            conversation_id=tracker.sender_id,
            contact_name=tracker.get_slot("contact_name") or "",
            contact_detail=contact or "",
            preferred_time=tracker.get_slot("preferred_time") or "any time",
        )
        try:
            store = self.store()
            ticket = store.create(**request)
        except Exception as error:  # the database is down or refused: keep the request, tell the visitor
            spool_request({**request, "failed_at": datetime.now(timezone.utc).isoformat()})
            logger.error("handoff ticket not saved (%s); request kept in %s for conversation %s",
                         type(error).__name__, SPOOL_PATH, tracker.sender_id)
            dispatcher.utter_message(
                text=(f"Sorry, I couldn't register your request just now. It has been kept for the team, "
                      f"but to be sure please call {clinic.name} on {clinic.phone} ({clinic.hours})."))
            return reset
        if self._notify:
            notify_in_background(store, ticket.reference)
        dispatcher.utter_message(
            text=(f"Thank you, {ticket.contact_name}. Your reference is {ticket.reference}. A clinician from "
                  f"{clinic.name} will contact you {clinic.follow_up_time} at your preferred time "
                  f"({ticket.preferred_time}). Please don't start or book treatment until you've spoken with them."))
        dispatcher.utter_message(json_message=escalation_payload(reason, urgent, ticket.reference, clinic))
        return reset + [SlotSet("handoff_ticket", ticket.reference)]
