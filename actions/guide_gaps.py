"""Microneedling questions the guide does not answer directly: comparisons, everything else,
and what is really off-topic.

The guide describes microneedling only. A comparison with another treatment gets microneedling's
own facts and a provider to compare; a question the guide is silent on ("make-up the next
morning?", "botox the same day?") gets an honest "the guide doesn't cover that" and the clinic's
contact, never the off-topic refusal.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import (RETRIEVAL_INTENT, answer_second_reading, conditions_in_message, points_back,
                             pointed_back_answer, topic_response)
from actions.fallback import answer_nearest, contact_line, suggested_guesses
from actions.marker import remind_of_open_contraindication
from actions.messages import latest_text
from actions.vocabulary import combination_partners, mentions_skin_treatment


# "What would you suggest she does?", "so what do you recommend?": advice asked about what was
# just told, which the classifier often reads as off-topic.
_ASKS_WHAT_TO_DO = re.compile(
    r"\bwhat (would|do|did|can|could|should) (you|u|ya|the clinic) (suggest|recommend|advise|propose)\b"
    r"|\bwhat (would|do|should|can|could) (she|he|i|we|they|u|you) (do|try)\b|\bwhat do you advise\b"
    r"|\b(any|your) (advice|suggestions?|recommendations?)\b|\bwhat (is|'s) the next step\b|\bwhat now\b",
    re.IGNORECASE)


def asks_what_to_do(text: str) -> bool:
    return bool(_ASKS_WHAT_TO_DO.search(text or ""))


def condition_pointed_back(tracker: Tracker, text: str) -> Optional[str]:
    """The condition just answered, when the message points back at it ("and the old ones?")."""
    in_context = tracker.get_slot("condition")
    return in_context if in_context and tracker.get_slot("last_topic") == "condition" and points_back(text) else None


class ActionAnswerComparison(Action):
    def name(self) -> Text:
        return "action_answer_comparison"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_text(tracker)
        conditions = conditions_in_message(tracker)
        partners = combination_partners(text)
        if partners:
            # "minoxidil alone vs with needling?": the guide says how the two are combined.
            for partner in partners:
                dispatcher.utter_message(response=topic_response("combined_treatments", partner))
            return [SlotSet("last_topic", "combined_treatments")]
        if not conditions and not mentions_skin_treatment(text):
            in_context = condition_pointed_back(tracker, text)  # "old white ones vs newer red?"
            if not in_context:
                dispatcher.utter_message(response="utter_out_of_scope")  # "TCP vs UDP?"
                return []
            conditions = [in_context]
        for condition in conditions:  # "better than a peel for my scars?": what it does for scars
            dispatcher.utter_message(response=f"utter_{RETRIEVAL_INTENT}/{condition}")
        dispatcher.utter_message(response="utter_comparison")
        answer_second_reading(dispatcher, tracker, [f"utter_{RETRIEVAL_INTENT}/{c}" for c in conditions] + ["utter_comparison"])
        events: List[EventType] = [SlotSet("last_topic", "comparison")]
        if conditions:
            events.append(SlotSet("condition", conditions[0]))
        return events


class ActionAnswerOutsideGuide(Action):
    def name(self) -> Text:
        return "action_answer_outside_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_outside_guide")
        answer_second_reading(dispatcher, tracker, ["utter_outside_guide"])
        dispatcher.utter_message(text=contact_line())
        return [SlotSet("last_topic", "outside_guide")]


class ActionAnswerOutOfScope(Action):
    """The off-topic refusal, kept for what has nothing to do with skin treatment. A message the
    classifier put there that names skin, a treatment or a condition ("and does the same mechanism
    improve surface texture?") gets the nearest answer instead, and one that points back at the
    condition just discussed ("and the old white ones?") gets that condition's answer."""

    def name(self) -> Text:
        return "action_answer_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_text(tracker)
        if text.startswith("/"):
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        if asks_what_to_do(text) and remind_of_open_contraindication(dispatcher, tracker):
            return []  # the advice after a contraindication told: the clinician's check, again
        in_context = condition_pointed_back(tracker, text)
        if in_context:
            dispatcher.utter_message(response=f"utter_{RETRIEVAL_INTENT}/{in_context}")
            return [SlotSet("last_topic", "condition")]
        follow_up = pointed_back_answer(tracker)
        if follow_up:
            dispatcher.utter_message(response=follow_up)
            return []
        if conditions_in_message(tracker) or mentions_skin_treatment(text):
            if answer_nearest(dispatcher, suggested_guesses(tracker), tracker, domain):
                return []
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
