"""Hand questions that touch a contraindication to a clinician; triage red flags after treatment.

Every escalation sends exactly one message whose `custom` payload is {"escalation": {...}}:
the chat widget renders it as a card and the evaluation counts it. Reasons are the keys of the
`contraindication` and `red_flag` groups in nlp/vocabulary.yml, plus the categories below.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic import load_clinic
from actions.context import RETRIEVAL_INTENT, conditions_in_message
from actions.marker import REASON_MEDICAL_QUESTION, escalation_payload, remind_of_open_contraindication
from actions.messages import entity_values, first_entity_value, latest_intent, latest_text, typed_visitor_texts
from actions.vocabulary import display_name, load_vocabulary
from nlp import recovery_triage

# Categories that are not a vocabulary key.
REASON_VISITOR_REQUEST = "visitor_request"  # the visitor asked for a clinician
REASON_RED_FLAG = "post_treatment_red_flag"  # worrying signs after treatment, kind not recognised
REASON_BEYOND_NORMAL = "beyond_normal_recovery"  # after treatment, more than the guide calls normal
# Danger signs whose advice is the emergency one: swelling of the face or eyes, breathing, sight.
EMERGENCY_SIGNS = ("allergic_reaction", "vision_change")

# No clearance means no treatment yet, and a visitor already booked needs to hear that.
HOLD_OFF = "Please hold off on any treatment, including one already booked, until a clinician has checked."
# The guide's own words, where it has them, for why a clinician must assess.
_GUIDE_INFECTION = ("The clinic's guide says microneedling should be avoided on active cystic acne, "
                    "open wounds or infected skin, as the procedure can spread bacteria or worsen inflammation.")
_GUIDE_KELOID = ("The clinic's guide says people prone to keloids or with autoimmune skin conditions should "
                 "consult a dermatologist, because microneedling can carry higher risk and may be contraindicated.")
GUIDE_QUOTES: Dict[str, str] = {
    "active_acne": _GUIDE_INFECTION,
    "open_wound": _GUIDE_INFECTION,
    "skin_infection": _GUIDE_INFECTION,
    "cold_sores": _GUIDE_INFECTION,
    "keloid": _GUIDE_KELOID,
    "autoimmune": _GUIDE_KELOID,
}


def gate_decision(tracker: Tracker) -> Dict[str, Any]:
    """What nlp/safety_gate.py decided for the latest message (empty when it kept DIET's intent)."""
    return tracker.latest_message.get("intent") or {}


def contraindication_reason(tracker: Tracker) -> str:
    """The reason confirmed by "yes, I have it now"; else an unambiguous mention, then an
    ambiguous one (DIET judged the message personal)."""
    if latest_intent(tracker) == "affirm" and tracker.get_slot("pending_contraindication"):
        return tracker.get_slot("pending_contraindication")
    reason = (gate_decision(tracker).get("reason") or first_entity_value(tracker, "contraindication")
              or first_entity_value(tracker, "contraindication_hint"))
    return reason or REASON_MEDICAL_QUESTION


def question_for_clinician(tracker: Tracker) -> str:
    """The visitor's own words: the message that named the condition, not the "yes" after it."""
    if latest_intent(tracker) == "affirm" and tracker.get_slot("pending_question"):
        return tracker.get_slot("pending_question")
    return latest_text(tracker)


def offer_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, urgent: bool,
                    text: str, yes_title: str, on_behalf: bool = False) -> List[EventType]:
    """Offer a clinician follow-up (yes starts handoff_form) and remember what it is about."""
    dispatcher.utter_message(text=text, buttons=[{"title": yes_title, "payload": "/affirm"},
                                                 {"title": "No, thanks", "payload": "/deny"}])
    return [
        SlotSet("escalation_reason", reason),
        SlotSet("escalation_question", question_for_clinician(tracker)),
        SlotSet("escalation_urgent", urgent),
        SlotSet("escalation_for_someone_else", on_behalf),
        SlotSet("last_topic", "escalation"),
        SlotSet("pending_contraindication", None),
        SlotSet("pending_question", None),
    ]


def why_a_clinician(reason: str, on_behalf: bool) -> str:
    """Why a clinician must assess, said of the visitor or of the person they ask for."""
    if on_behalf:
        named = display_name("contraindication", reason) if reason != REASON_MEDICAL_QUESTION else "their health"
        return (f"Thanks for telling me. Because of {named} in the person you're asking for, a clinician "
                "needs to check whether microneedling is suitable for them; I can't give medical clearance.")
    if reason == REASON_MEDICAL_QUESTION:
        return ("Thanks for telling me. Because this is about your own health, a clinician needs to check "
                "whether microneedling is suitable for you; I can't give medical clearance.")
    return (f"Thanks for telling me. Because you mentioned {display_name('contraindication', reason)}, "
            "a clinician needs to check whether microneedling is suitable for you; "
            "I can't give medical clearance.")


def escalate_to_clinician(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str,
                          on_behalf: bool = False) -> List[EventType]:
    """Explain why a clinician must assess, send the marker, offer a call back. No clearance.
    `on_behalf`: the one to be treated is someone the visitor asks for ("my dad's on warfarin")."""
    clinic = load_clinic()
    # The message may also ask what microneedling does for a condition: general facts first.
    for condition in conditions_in_message(tracker):
        dispatcher.utter_message(response=f"utter_{RETRIEVAL_INTENT}/{condition}")
    on_behalf = on_behalf or bool(gate_decision(tracker).get("on_behalf"))
    why = why_a_clinician(reason, on_behalf)
    dispatcher.utter_message(text=why)
    dispatcher.utter_message(text=HOLD_OFF)
    quote = GUIDE_QUOTES.get(reason)
    if quote:
        dispatcher.utter_message(text=quote)
    dispatcher.utter_message(json_message=escalation_payload(reason, False, None, clinic))
    return offer_follow_up(
        dispatcher, tracker, reason, urgent=False, yes_title="Yes, please contact me", on_behalf=on_behalf,
        text=(f"Would you like a clinician from {clinic.name} to contact you? "
              f"You can also call us on {clinic.phone} ({clinic.hours})."))


def triage_red_flag(dispatcher: CollectingDispatcher, tracker: Tracker,
                    signs: Optional[List[str]] = None) -> List[EventType]:
    """Urgent advice first, with the numbers; then the urgent marker and an optional call back."""
    clinic = load_clinic()
    signs = (signs or []) + list(gate_decision(tracker).get("signs") or []) + entity_values(tracker, "red_flag")
    # The more dangerous sign decides the advice: "pus, and now my lips are swelling" is allergic.
    emergency = [s for s in EMERGENCY_SIGNS if s in signs]
    reason = emergency[0] if emergency else (signs[0] if signs else REASON_RED_FLAG)
    if reason == "allergic_reaction":
        advice = (f"This could be an allergic reaction. If you have any trouble breathing or swallowing, or "
                  f"swelling of your lips, eyes, face, tongue or throat, call {clinic.emergency_number} now or "
                  f"go to the nearest emergency department. Otherwise, call {clinic.name} right away on "
                  f"{clinic.phone}.")
    elif reason == "vision_change":
        advice = (f"A change in your vision after a treatment needs medical attention immediately: call "
                  f"{clinic.emergency_number} or go to the nearest emergency department now, then let "
                  f"{clinic.name} know on {clinic.phone}.")
    else:
        advice = (f"These can be signs of an infection and need to be checked urgently. Please call "
                  f"{clinic.name} right away on {clinic.phone}. If you have a high fever, feel very unwell, "
                  f"have trouble breathing or the redness is spreading fast, seek emergency care or call "
                  f"{clinic.emergency_number}.")
    dispatcher.utter_message(text=advice)
    dispatcher.utter_message(json_message=escalation_payload(reason, True, None, clinic))
    return offer_follow_up(
        dispatcher, tracker, reason, urgent=True, yes_title="Yes, ask a clinician to call me",
        text=("I can also ask a clinician to call you back, but please don't wait for that "
              "if things are getting worse."))


RECENT_TURNS = 3  # visitor messages read together when judging a recovery report


def recent_visitor_text(tracker: Tracker) -> str:
    """The visitor's last few messages of this conversation, oldest first."""
    return " . ".join(typed_visitor_texts(tracker)[-RECENT_TURNS:]) or latest_text(tracker)


def condition_spans(text: str) -> List[tuple]:
    """Where the text names a condition being treated ("my acne scars"): not a new symptom."""
    lowered = text.lower()
    spans = []
    for concept in load_vocabulary()["condition"].values():
        if concept.key == "hyperpigmentation":
            continue  # new dark patches after a treatment are a symptom
        for term in concept.terms:
            spans += [m.span() for m in re.finditer(rf"\b{re.escape(term)}\b", lowered)]
    return spans


def conversation_triage(tracker: Tracker) -> recovery_triage.Triage:
    """The recovery triage of the visitor's last few messages read together."""
    recent = recent_visitor_text(tracker)
    return recovery_triage.triage(recent, condition_spans(recent))


def escalate_recovery_check(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """After a treatment, more than the guide calls normal but no danger sign: a clinician checks."""
    clinic = load_clinic()
    dispatcher.utter_message(response="utter_beyond_normal_recovery")
    dispatcher.utter_message(json_message=escalation_payload(REASON_BEYOND_NORMAL, False, None, clinic))
    dispatcher.utter_message(response="utter_red_flags_to_watch")
    return offer_follow_up(
        dispatcher, tracker, REASON_BEYOND_NORMAL, urgent=False, yes_title="Yes, please contact me",
        text=(f"Would you like a clinician from {clinic.name} to contact you? "
              f"You can also call us on {clinic.phone} ({clinic.hours})."))


class ActionEscalateToClinician(Action):
    """The visitor's own situation touches a contraindication (or they asked for a clinician)."""

    def name(self) -> Text:
        return "action_escalate_to_clinician"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return escalate_to_clinician(dispatcher, tracker, contraindication_reason(tracker))


class ActionTriageRedFlag(Action):
    def name(self) -> Text:
        return "action_triage_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return triage_red_flag(dispatcher, tracker)


class ActionRespondToRecoveryReport(Action):
    """Normal healing gets reassurance with the guide's facts; a red flag in it gets triage."""

    def name(self) -> Text:
        return "action_respond_to_recovery_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        red_flag = first_entity_value(tracker, "red_flag")
        if red_flag and red_flag not in recovery_triage.denied_danger(latest_text(tracker).lower()):
            return triage_red_flag(dispatcher, tracker)  # ("no exudate, no fever" names them to deny them)
        # "Normal" only if the conversation so far agrees: "had it 9 days ago" ... "still red?"
        earlier = conversation_triage(tracker)
        if not earlier.signs and asks_again(tracker) and tracker.get_slot("last_topic") != "normal_recovery":
            return answer_asked_again(dispatcher, tracker)
        if earlier.tier == recovery_triage.DANGER:
            return triage_red_flag(dispatcher, tracker, signs=list(earlier.reasons))
        if earlier.tier == recovery_triage.BEYOND_NORMAL and earlier.signs:
            return escalate_recovery_check(dispatcher, tracker)
        return reassure_normal_recovery(dispatcher, earlier)


def asks_again(tracker: Tracker) -> bool:
    """"so that's fine??" (nlp/safety_gate.py): a question whether what was told is fine."""
    return bool((tracker.latest_message.get("intent") or {}).get("follow_up"))


def answer_asked_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """"so that's fine??" when the conversation tells no sign after a treatment: a contraindication
    told earlier still needs its clinician; otherwise ask what they notice, never "it's normal"."""
    if remind_of_open_contraindication(dispatcher, tracker):
        return []
    dispatcher.utter_message(response="utter_ask_what_you_notice")
    return []


def reassure_normal_recovery(dispatcher: CollectingDispatcher, triaged: recovery_triage.Triage) -> List[EventType]:
    dispatcher.utter_message(response="utter_normal_recovery")
    if "mild_swelling" in triaged.signs.get(recovery_triage.NORMAL, ()):
        dispatcher.utter_message(response="utter_mild_swelling_note")
    dispatcher.utter_message(response="utter_red_flags_to_watch")
    return [SlotSet("last_topic", "normal_recovery")]


def unchanged_normal_recovery(tracker: Tracker) -> Optional[recovery_triage.Triage]:
    """The earlier normal report, when the latest message only says nothing has changed ("today
    also same, ok?"): it names no sign, so alone it would read as a report with none recognised."""
    if tracker.get_slot("last_topic") != "normal_recovery" or not recovery_triage.said_unchanged(latest_text(tracker)):
        return None
    earlier = conversation_triage(tracker)
    return earlier if earlier.tier == recovery_triage.NORMAL else None


def normal_with_the_time_told_before(tracker: Tracker) -> Optional[recovery_triage.Triage]:
    """"Treatment took place 48 hours ago." then "Residual redness and warmth persist.": alone the
    redness "persists", read with the time told before it is inside the guide's 24-72 hours. So is
    "is that normal then or should i be worried", which names no sign of its own."""
    latest = latest_text(tracker)
    own = recovery_triage.triage(latest, condition_spans(latest))
    if own.days is not None or len(typed_visitor_texts(tracker)) < 2:
        return None  # a time told in the message itself is read there ("still peeling after 2 and half weeks")
    if not own.signs:
        # (only after the assistant called it normal: otherwise nobody has said so yet)
        if not (recovery_triage.seeks_reassurance(latest) and tracker.get_slot("last_topic") == "normal_recovery"):
            return None
    elif set(own.signs) - {recovery_triage.NORMAL, recovery_triage.BEYOND_NORMAL} \
            or set(own.signs.get(recovery_triage.BEYOND_NORMAL, ())) - {"lasting_symptoms"}:
        return None
    earlier = conversation_triage(tracker)
    # only on a time told before: "still peeling" with no time at all is the classifier's to judge
    return earlier if earlier.tier == recovery_triage.NORMAL and earlier.days is not None else None


class ActionEscalateRecoveryCheck(Action):
    def name(self) -> Text:
        return "action_escalate_recovery_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        unchanged = unchanged_normal_recovery(tracker) or normal_with_the_time_told_before(tracker)
        if unchanged is not None:
            return reassure_normal_recovery(dispatcher, unchanged)
        return escalate_recovery_check(dispatcher, tracker)


class ActionAskIfCurrent(Action):
    """A condition named without saying whose or when ("lupus and microneedling?"): ask once."""

    def name(self) -> Text:
        return "action_ask_if_current"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reason = contraindication_reason(tracker)
        if reason != REASON_MEDICAL_QUESTION:
            dispatcher.utter_message(text=f"You mentioned {display_name('contraindication', reason)}.")
        dispatcher.utter_message(response="utter_ask_if_current")
        return [SlotSet("pending_contraindication", reason), SlotSet("pending_question", latest_text(tracker))]


class ActionAnswerNotCurrent(Action):
    """"No, I don't have it now": the general answer, with the line that matters, no escalation."""

    def name(self) -> Text:
        return "action_answer_not_current"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text="Thanks, then here is the general answer.")
        dispatcher.utter_message(response="utter_who_should_avoid")
        return [SlotSet("pending_contraindication", None), SlotSet("pending_question", None)]
