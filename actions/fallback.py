"""Two-stage fallback and the clinic's contact details.

When the assistant is unsure it suggests what it thinks was meant (buttons), then asks to
rephrase, then offers the clinic's contact. Also answers booking/price/hours questions, which
the guide does not cover, with the clinic's details from clinic.yml.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic import load_clinic
from actions.marker import remind_of_open_contraindication
from actions.messages import entity_values

# What a suggestion says for each intent, and what clicking it sends.
SUGGESTIONS: Dict[str, Tuple[str, str]] = {
    "ask_what_is": ("What microneedling is", "/ask_what_is"),
    "ask_how_it_works": ("How microneedling works", "/ask_how_it_works"),
    "ask_product_absorption": ("Serums and absorption", "/ask_product_absorption"),
    "ask_devices": ("Devices and needles", "/ask_devices"),
    "ask_prp": ("Microneedling with PRP", "/ask_prp"),
    "ask_during_treatment": ("What a session feels like", "/ask_during_treatment"),
    "ask_risks": ("Side effects and risks", "/ask_risks"),
    "ask_sessions": ("How many sessions", "/ask_sessions"),
    "ask_results_timeline": ("When results show", "/ask_results_timeline"),
    "ask_results_vary": ("Whether it works for everyone", "/ask_results_vary"),
    "ask_combined_treatments": ("What it is combined with", "/ask_combined_treatments"),
    "ask_aftercare": ("Aftercare", "/ask_aftercare"),
    "ask_downtime": ("Downtime", "/ask_downtime"),
    "report_normal_recovery": ("Is my recovery normal?", "/report_normal_recovery"),
    "ask_who_should_avoid": ("Who shouldn't have it", "/ask_who_should_avoid"),
    "ask_conditions_treated": ("What it can treat", "/ask_conditions_treated"),
    "ask_booking": ("Booking and prices", "/ask_booking"),
    "request_clinician": ("Talk to a clinician", "/request_clinician"),
    "ask_capabilities": ("What I can help with", "/ask_capabilities"),
    "ask_skin_type": ("Different skin types", "/ask_skin_type"),
    "ask_comparison": ("How it compares with other treatments", "/ask_comparison"),
    "ask_outside_guide": ("Something the guide doesn't cover", "/ask_outside_guide"),
}
# Near-misses the assistant answers straight away, with the response that answers them (a
# guess that needs the conversation's context, or any safety intent, is only offered).
NEAREST_ANSWERS: Dict[str, str] = {
    "ask_what_is": "utter_what_is", "ask_how_it_works": "utter_how_it_works",
    "ask_product_absorption": "utter_product_absorption", "ask_devices": "utter_devices",
    "ask_prp": "utter_prp", "ask_during_treatment": "utter_during_treatment", "ask_risks": "utter_risks",
    "ask_sessions": "utter_sessions", "ask_results_timeline": "utter_results_timeline",
    "ask_results_vary": "utter_results_vary", "ask_aftercare": "utter_aftercare", "ask_downtime": "utter_downtime",
    "ask_who_should_avoid": "utter_who_should_avoid", "ask_conditions_treated": "utter_conditions_overview",
    "ask_skin_type": "utter_skin_type", "ask_comparison": "utter_comparison", "ask_outside_guide": "utter_outside_guide",
    "ask_combined_treatments": "utter_combined_treatments",
}


def contact_line() -> str:
    clinic = load_clinic()
    return (f"You can reach {clinic.name} on {clinic.phone} or {clinic.email} "
            f"({clinic.hours}), {clinic.address}.")


def suggested_guesses(tracker: Tracker, count: int = 3) -> List[str]:
    """The classifier's best guesses that have a suggestion of their own, best first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [r["name"] for r in ranking if r.get("name") in SUGGESTIONS][:count]


def nearest_response(guess: str, tracker: Tracker, domain: Dict[Text, Any]) -> str:
    """The guess's answer, for the condition of the message or the conversation when the domain has
    one of its own ("i have melasma" ... "can I do it alone?": `utter_combined_treatments_melasma`)."""
    response = NEAREST_ANSWERS[guess]
    condition = next(iter(entity_values(tracker, "condition")), None) or tracker.get_slot("condition")
    specific = f"{response}_{condition}"
    return specific if condition and specific in (domain or {}).get("responses", {}) else response


def answer_nearest(dispatcher: CollectingDispatcher, guesses: List[str], tracker: Tracker,
                   domain: Dict[Text, Any]) -> bool:
    """"It sounds like you're asking about ...", that answer, and the next two guesses as buttons;
    False when the best guess has no answer of its own (it needs the conversation's context)."""
    if not guesses or guesses[0] not in NEAREST_ANSWERS:
        return False
    dispatcher.utter_message(text=f"It sounds like you're asking about {SUGGESTIONS[guesses[0]][0].lower()}.")
    dispatcher.utter_message(response=nearest_response(guesses[0], tracker, domain))
    others = [{"title": SUGGESTIONS[g][0], "payload": SUGGESTIONS[g][1]} for g in guesses[1:3]]
    dispatcher.utter_message(text="If you meant something else:", buttons=others + [
        {"title": "Something else", "payload": "/out_of_scope"}])
    return True


class ActionDefaultAskAffirmation(Action):
    """Stage one. A near-miss gets the nearest answer ("It sounds like you're asking about ...")
    and the next two guesses as buttons; otherwise "Did you mean ...?" with a way out."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        guesses = suggested_guesses(tracker)
        if not guesses:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        if answer_nearest(dispatcher, guesses, tracker, domain):
            return []
        buttons = [{"title": SUGGESTIONS[g][0], "payload": SUGGESTIONS[g][1]} for g in guesses[:2]]
        buttons.append({"title": "Something else", "payload": "/out_of_scope"})
        dispatcher.utter_message(text="Sorry, I'm not sure I understood. Did you mean one of these?",
                                 buttons=buttons)
        return []


class ActionDefaultFallback(Action):
    """Stage three: still not understood. Offer the clinic's contact; forget the message."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text=("Sorry, I still didn't understand. I can answer questions about microneedling; "
                  "for anything else the team is happy to help. " + contact_line()))
        return [UserUtteranceReverted()]


class ActionShareClinicContact(Action):
    """Booking, prices, hours, location: the guide is silent, the clinic answers."""

    def name(self) -> Text:
        return "action_share_clinic_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text=("For bookings, prices and consultations, please contact the clinic directly. "
                  + contact_line()
                  + " At a consultation a qualified dermatologist or licensed provider looks at whether microneedling"
                    " is right for your skin."))
        # "I take warfarin" ... "so can I just book?": the clinician's check comes before a booking.
        remind_of_open_contraindication(dispatcher, tracker)
        return []
