"""The machine-readable escalation marker, and the reminder that keeps an escalation standing.

Every escalation sends exactly one message whose `custom` payload is {"escalation": {...}}: the
chat widget renders it as a card and the evaluation counts it.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic import Clinic, load_clinic
from actions.vocabulary import display_name, load_vocabulary

REASON_MEDICAL_QUESTION = "medical_condition"  # a health question the vocabulary does not name


def escalation_payload(reason: str, urgent: bool, ticket: Optional[str], clinic: Clinic) -> Dict[str, Any]:
    """The machine-readable marker (at the top level of `custom`, as the REST channel sends it)."""
    return {
        "escalation": {
            "reason": reason,
            "urgent": urgent,
            "ticket": ticket,
            "clinic_name": clinic.name,
            "clinic_phone": clinic.phone,
            "emergency_number": clinic.emergency_number,
            "hours": clinic.hours,
        }
    }



def open_contraindication(tracker: Tracker) -> Optional[str]:
    """The contraindication the visitor told us about earlier in this conversation, if any."""
    reason = tracker.get_slot("escalation_reason")
    known = set(load_vocabulary()["contraindication"]) | {REASON_MEDICAL_QUESTION}
    return reason if reason in known and not tracker.get_slot("escalation_urgent") else None


def remind_of_open_contraindication(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """After an answer about treatment, for a visitor who told us of their own contraindication
    ("I'm on chemo" ... "would it help my complexion?"): the clinician's check still stands."""
    reason = open_contraindication(tracker)
    if reason is None:
        return False
    clinic = load_clinic()
    for_someone_else = bool(tracker.get_slot("escalation_for_someone_else"))
    about = (("their health" if for_someone_else else "your health") if reason == REASON_MEDICAL_QUESTION
             else display_name("contraindication", reason))
    because, whom = ((f"Because of {about} in the person you're asking for,", "them") if for_someone_else
                     else (f"Because you mentioned {about},", "you"))
    dispatcher.utter_message(text=(f"{because} a clinician still needs to check whether microneedling is suitable "
                                   f"for {whom} before any treatment; I can't give medical clearance. "
                                   f"You can call {clinic.name} on {clinic.phone}."))
    dispatcher.utter_message(json_message=escalation_payload(reason, False, None, clinic))
    return True
