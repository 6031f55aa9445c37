"""Small helpers for reading the visitor's latest message from a tracker."""
from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker

from actions.vocabulary import canonical_key

MAX_STORED_TEXT = 2000  # what a ticket keeps of a visitor's message


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()[:MAX_STORED_TEXT]


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Canonical values of one entity in the latest message, first mention first, no repeats."""
    values: List[str] = []
    for found in tracker.latest_message.get("entities") or []:
        value = found.get("value")
        if found.get("entity") == entity and isinstance(value, str):
            key = canonical_key(entity, value)
            if key not in values:
                values.append(key)
    return values


def first_entity_value(tracker: Tracker, entity: str) -> Optional[str]:
    values = entity_values(tracker, entity)
    return values[0] if values else None


def typed_visitor_texts(tracker: Tracker, before_latest: bool = False) -> List[str]:
    """What the visitor typed in this conversation, oldest first (button payloads left out);
    `before_latest`: without the latest message."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    if before_latest:
        texts = texts[:-1]
    return [t for t in texts if t and not t.startswith("/")]


def previous_user_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the visitor's message before the latest one, if there was one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")
