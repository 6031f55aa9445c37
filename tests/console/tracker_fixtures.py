"""Tracker stores for the console's tests, written as Rasa's SQLTrackerStore writes them.

Events are real `rasa.shared.core.events` objects serialised with `as_dict()`, so the tests
read exactly the JSON the assistant stores (scripts/gen_tracker_store.py writes the same rows).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.shared.core.events import (ActionExecuted, BotUttered, Event, SessionStarted, SlotSet,
                                     UserUttered)

from scripts.gen_tracker_store import append, open_store

DAY = 86400.0
T0 = 1_735_732_800.0  # 2025-01-01 12:00 UTC


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


def write(path: Path, sender_id: str, events: Sequence[Event]) -> None:
    """Appends a conversation's events to the store at `path` (created with Rasa's schema)."""
    connection = open_store(path)
    try:
        append(connection, sender_id, [event.as_dict() for event in events])
    finally:
        connection.close()
