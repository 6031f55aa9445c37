"""Answers that depend on what the visitor is talking about: the condition kept in a slot.

"Can it help my stretch marks?" sets `condition`; "how many sessions?" then gets the stretch-mark
answer where the guide has one, the general one otherwise; "actually I meant my acne scars"
switches the condition and answers the last question again for it.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import NEAREST_ANSWERS
from actions.marker import remind_of_open_contraindication
from actions.messages import entity_values, latest_intent, latest_text, previous_user_intent
from actions.vocabulary import described_conditions, load_vocabulary

RETRIEVAL_INTENT = "ask_condition"
# Below this the selector's choice of condition for a message that names none is a guess, and
# the condition in context wins.
SURE_SELECTION = 0.5
# ... and higher when the message points back ("would those ever fully go away?"). Not "it" (the
# treatment, in nearly every question) nor "this"/"that" ("can it help that orange-peel look?").
SURE_SELECTION_WITH_PRONOUN = 0.85
_POINTS_BACK = re.compile(r"\b(those|these|them|they|mine|ones)\b", re.IGNORECASE)


def points_back(text: str) -> bool:
    """"would those ever go away?", "and the old ones?": the message refers to what was discussed."""
    return bool(_POINTS_BACK.search(text or ""))
MAX_CONDITIONS_PER_ANSWER = 3  # "acne scars and stretch marks and pores?" answers each, up to this

# Follow-up topics answered per condition: the intent, and the conditions that have their own
# response `utter_<topic>_<condition>` in domain.yml (the others get `utter_<topic>`).
CONTEXT_TOPICS: Dict[str, str] = {
    "ask_sessions": "sessions",
    "ask_results_timeline": "results_timeline",
    "ask_results_vary": "results_vary",
    "ask_combined_treatments": "combined_treatments",
}
CONDITION_SPECIFIC: Dict[str, frozenset] = {
    "sessions": frozenset({"acne_scars", "surgical_scars", "stretch_marks", "wrinkles", "dull_skin",
                           "melasma", "hair_loss"}),
    "results_timeline": frozenset({"acne_scars", "stretch_marks", "wrinkles", "surgical_scars", "hair_loss"}),
    "results_vary": frozenset({"stretch_marks", "hair_loss", "melasma"}),
    "combined_treatments": frozenset({"surgical_scars", "melasma", "hair_loss"}),
}


def topic_response(topic: str, condition: Optional[str]) -> str:
    if condition and condition in CONDITION_SPECIFIC.get(topic, ()):
        return f"utter_{topic}_{condition}"
    return f"utter_{topic}"


def selected_condition(tracker: Tracker) -> Optional[str]:
    """The condition the ResponseSelector chose for ask_condition/<key>, if it chose one."""
    selector = (tracker.latest_message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    key = ((selector.get("response") or {}).get("intent_response_key") or "")
    prefix = RETRIEVAL_INTENT + "/"
    condition = key[len(prefix):] if key.startswith(prefix) else None
    return condition if condition in load_vocabulary()["condition"] else None


def selector_confidence(tracker: Tracker) -> float:
    selector = (tracker.latest_message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    return float((selector.get("response") or {}).get("confidence") or 0.0)


def conditions_in_message(tracker: Tracker) -> List[str]:
    """Conditions named in the latest message: the vocabulary's entities first, then a condition
    described by its cause or look (`described_as`), else the selector's."""
    named = [c for c in entity_values(tracker, "condition") if c in load_vocabulary()["condition"]]
    if named:
        return named[:MAX_CONDITIONS_PER_ANSWER]
    described = described_conditions(tracker.latest_message.get("text") or "")
    if described:
        return described[:MAX_CONDITIONS_PER_ANSWER]
    intent = tracker.latest_message.get("intent") or {}
    # The selector runs on every message; its choice counts when the message is about a condition
    # (also when the safety gate turned such a question into an escalation).
    if RETRIEVAL_INTENT in (intent.get("name"), intent.get("gated_from")) or intent.get("name") == "inform_condition":
        chosen = selected_condition(tracker)
        return [chosen] if chosen else []
    return []


# The classifier's second reading is answered too when it holds at least this share of its belief
# ("dul skin and unevn tone, good option for me?" reads as skin type and as a condition; "how long
# is one session? need to squeeze it in" as sessions and as what a session is like). On the blind
# sets' single messages this added an answer to 7% of them and fixed 0.8% (README "Ablation").
SECOND_READING = 0.2
# Readings that already answer what else the message asks, or are answered with care elsewhere.
_NO_SECOND_READING = frozenset({"ask_who_should_avoid"})


def second_reading_responses(tracker: Tracker, answered: List[str]) -> List[str]:
    """Responses for the classifier's close second reading of the latest message, none already sent."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name") or ""
    if "+" in name or intent.get("gated_from") or name in _NO_SECOND_READING:
        return []
    others = [r for r in tracker.latest_message.get("intent_ranking") or []
              if r.get("name") not in (name, "nlu_fallback")]
    if not others or others[0].get("confidence", 0.0) < SECOND_READING:
        return []
    second = others[0].get("name")
    if second == RETRIEVAL_INTENT:
        named = [c for c in entity_values(tracker, "condition") if c in load_vocabulary()["condition"]]
        chosen = selected_condition(tracker) if selector_confidence(tracker) >= SURE_SELECTION else None
        responses = [f"utter_{RETRIEVAL_INTENT}/{c}" for c in (named[:1] or ([chosen] if chosen else []))]
    elif second in CONTEXT_TOPICS:
        named = conditions_in_message(tracker)
        responses = [topic_response(CONTEXT_TOPICS[second], named[0] if named else tracker.get_slot("condition"))]
    else:
        responses = [NEAREST_ANSWERS[second]] if second in NEAREST_ANSWERS and second not in _NO_SECOND_READING else []
    return [r for r in responses if r not in answered]


def answer_second_reading(dispatcher: CollectingDispatcher, tracker: Tracker, answered: List[str]) -> None:
    for response in second_reading_responses(tracker, answered):
        dispatcher.utter_message(response=response)


class ActionAnswerCondition(Action):
    """ask_condition / inform_condition: what microneedling does for the condition(s) named."""

    def name(self) -> Text:
        return "action_answer_condition"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        conditions = conditions_in_message(tracker)
        in_context = tracker.get_slot("condition")
        sure = SURE_SELECTION_WITH_PRONOUN if points_back(tracker.latest_message.get("text")) else SURE_SELECTION
        if in_context and not entity_values(tracker, "condition") and selector_confidence(tracker) < sure:
            # "would those ever fully go away?" after stretch marks: the condition talked about,
            # not the selector's unsure guess from a message that names none.
            conditions = [in_context]
        if not conditions:
            dispatcher.utter_message(response="utter_ask_which_condition")
            return []
        last_topic = tracker.get_slot("last_topic")
        if latest_intent(tracker) == "inform_condition" and last_topic in CONDITION_SPECIFIC:
            # A correction or a bare condition after a follow-up: answer that follow-up again.
            for condition in conditions:
                dispatcher.utter_message(response=topic_response(last_topic, condition))
            topic = last_topic
        else:
            for condition in conditions:
                dispatcher.utter_message(response=f"utter_{RETRIEVAL_INTENT}/{condition}")
            topic = "condition"
            answer_second_reading(dispatcher, tracker, [f"utter_{RETRIEVAL_INTENT}/{c}" for c in conditions])
        if not remind_of_open_contraindication(dispatcher, tracker):
            dispatcher.utter_message(response="utter_condition_follow_ups")
        return [SlotSet("condition", conditions[-1]), SlotSet("last_topic", topic)]


# "how red does it go after?" then "and how long does that last for?": a short follow-up that
# names no condition continues the question before it when the classifier sees that reading too,
# nearly as strongly as its first guess (a plain answer the guide gives, not a condition topic).
FOLLOW_UP_MAX_WORDS = 8
FOLLOW_UP_SHARE = 0.75
# Answered with their NEAREST_ANSWERS response (actions/fallback.py).
CONTINUED_INTENTS = frozenset({"ask_downtime", "ask_aftercare", "ask_during_treatment", "ask_product_absorption",
                               "ask_prp", "ask_devices"})


def _short_follow_up_to(tracker: Tracker) -> Optional[str]:
    """The previous question's intent when it has a plain answer and the latest message is short
    and names no condition."""
    previous = previous_user_intent(tracker)
    if previous not in CONTINUED_INTENTS or len(latest_text(tracker).split()) > FOLLOW_UP_MAX_WORDS:
        return None
    return None if entity_values(tracker, "condition") else previous


def continued_answer(tracker: Tracker) -> Optional[str]:
    """The response for the previous question, when the latest message is its short follow-up."""
    previous = _short_follow_up_to(tracker)
    if not previous or described_conditions(latest_text(tracker)):
        return None
    ranking = tracker.latest_message.get("intent_ranking") or []
    top = max((r.get("confidence", 0.0) for r in ranking), default=0.0)
    share = next((r.get("confidence", 0.0) for r in ranking if r.get("name") == previous), 0.0)
    return NEAREST_ANSWERS[previous] if top and share >= FOLLOW_UP_SHARE * top else None


def pointed_back_answer(tracker: Tracker) -> Optional[str]:
    """The previous question's response for a short message that points back at it and that the
    classifier reads as nothing in particular ("Serums after needling?" then "Which ones, then.")."""
    previous = _short_follow_up_to(tracker)
    return NEAREST_ANSWERS[previous] if previous and points_back(latest_text(tracker)) else None


class ActionAnswerInContext(Action):
    """Sessions, results timeline, results vary, what it is combined with: for the condition in
    the message or the slot."""

    def name(self) -> Text:
        return "action_answer_in_context"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        # "how many sessions and when will I see results?" is one multi-intent: answer each part.
        topics = [CONTEXT_TOPICS[i] for i in latest_intent(tracker).split("+") if i in CONTEXT_TOPICS]
        topics = topics or ["results_vary"]
        continued = continued_answer(tracker)
        if continued:
            dispatcher.utter_message(response=continued)
            return []
        named = conditions_in_message(tracker)
        condition = named[0] if named else tracker.get_slot("condition")
        answered = [topic_response(topic, condition) for topic in topics]
        for response in answered:
            dispatcher.utter_message(response=response)
        answer_second_reading(dispatcher, tracker, answered)
        remind_of_open_contraindication(dispatcher, tracker)
        events: List[EventType] = [SlotSet("last_topic", topics[-1])]
        if named:
            events.append(SlotSet("condition", named[0]))
        return events
