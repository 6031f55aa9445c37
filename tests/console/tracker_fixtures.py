"""Tracker stores for the console's tests, written as Rasa's SQLTrackerStore writes them.

Events are real `rasa.shared.core.events` objects serialised with `as_dict()`, so the tests
read exactly the JSON the assistant stores (scripts/gen_tracker_store.py writes the same rows).
"""
from __future__ import annotations

import secrets
import string
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, Event, SessionStarted, SlotSet,
                                     UserUttered)

from scripts.gen_tracker_store import append, open_store

DAY = 86400.0
T0 = 1_735_732_800.0  # 2025-01-01 12:00 UTC


def marker(length: int = 8) -> str:
    """A random word to find a test's own messages by: letters only, because a hex token can hold
    seven digits in a row, which reads as a phone number and so is never a content gap."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(length))


def visitor(text: str, intent: str, confidence: float, at: float,
            ranking: Sequence[Tuple[str, float]] = ()) -> UserUttered:
    ranking_dicts = [{"name": name, "confidence": value} for name, value in ranking] or [
        {"name": intent, "confidence": confidence}]
    return UserUttered(text, intent={"name": intent, "confidence": confidence},
                       parse_data={"intent": {"name": intent, "confidence": confidence}, "entities": [],
                                   "text": text, "intent_ranking": ranking_dicts},
                       timestamp=at)


def reply(text: Optional[str], at: float, buttons: Optional[List[Dict[str, str]]] = None,
          custom: Optional[Dict[str, Any]] = None) -> BotUttered:
    return BotUttered(text, data={"buttons": buttons, "custom": custom}, timestamp=at)


def escalation(reason: str, urgent: bool, at: float) -> BotUttered:
    return reply(None, at, custom={"escalation": {"reason": reason, "urgent": urgent, "ticket": None,
                                                  "clinic_name": "Lumen Skin Clinic", "clinic_phone": "+1 555 0100",
                                                  "emergency_number": "911", "hours": "Mon-Fri"}})


def start(at: float) -> List[Event]:
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at)]


def action(name: str, at: float) -> ActionExecuted:
    return ActionExecuted(name, timestamp=at)


def slot(name: str, value: Any, at: float) -> SlotSet:
    return SlotSet(name, value, timestamp=at)


def loop(name: Optional[str], at: float) -> ActiveLoop:
    """A form starting (its name) or ending (None), as Rasa records it."""
    return ActiveLoop(name, timestamp=at)


def handoff_form(at: float, name: str, email: str, phone: str) -> List[Event]:
    """The hand-off form run to its end, as the assistant stores it: the visitor's answers read as
    fallback or low confidence, one contact detail rejected and asked again."""
    spelt_out = email.replace("@", " at ").replace(".", " dot ")  # no e-mail address to a pattern
    return [action("handoff_form", at), loop("handoff_form", at), slot("requested_slot", "contact_name", at),
            reply("What is your name?", at),
            visitor(name, "nlu_fallback", 0.1, at + 1, ranking=[("nlu_fallback", 0.1), ("greet", 0.05)]),
            slot("contact_name", name, at + 1), slot("requested_slot", "contact_detail", at + 1),
            reply("How can the clinic reach you: a phone number or an e-mail address?", at + 1),
            visitor(spelt_out, "nlu_fallback", 0.1, at + 2), slot("contact_detail", None, at + 2),
            reply("That does not look like a phone number or an e-mail address.", at + 2),
            visitor(phone, "inform", 0.3, at + 3), slot("contact_detail", phone, at + 3),  # low confidence
            slot("requested_slot", "preferred_time", at + 3), reply("When suits you best?", at + 3),
            visitor(f"mornings, or write to {email}", "nlu_fallback", 0.15, at + 4),
            slot("preferred_time", f"mornings, or write to {email}", at + 4),
            slot("requested_slot", "contact_consent", at + 4), reply("May the clinic contact you?", at + 4),
            visitor("yes", "affirm", 0.99, at + 5), slot("contact_consent", True, at + 5),
            slot("requested_slot", None, at + 5), loop(None, at + 5),
            reply(f"Thank you, {name}. Your reference is MN-ABC234.", at + 6)]


def write(path: Path, sender_id: str, events: Sequence[Event]) -> None:
    """Appends a conversation's events to the store at `path` (created with Rasa's schema)."""
    connection = open_store(path)
    try:
        append(connection, sender_id, [event.as_dict() for event in events])
    finally:
        connection.close()
