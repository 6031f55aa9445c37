"""Questions the guide answers in one response each: what it is, how it works, a session, the
aftercare... and the classifier's close second reading of the same message, answered after it.

"how long is one session? need to squeeze it between lectures" reads as sessions and as what a
session is like; both answers are short, and a visitor loses less by reading one answer too many
than by getting the wrong one alone (actions/context.py, `SECOND_READING`).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import answer_second_reading
from actions.fallback import NEAREST_ANSWERS
from actions.marker import remind_of_open_contraindication
from actions.messages import latest_intent, latest_text
from nlp.clearance import asks_for_clearance

# The intents this action answers (data/rules): one response each, the same as a near-miss gets.
PLAIN_QUESTIONS = frozenset({
    "ask_what_is", "ask_how_it_works", "ask_product_absorption", "ask_devices", "ask_prp",
    "ask_during_treatment", "ask_risks", "ask_aftercare", "ask_downtime", "ask_skin_type",
    "ask_conditions_treated",
})


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        intent = latest_intent(tracker)
        response = NEAREST_ANSWERS.get(intent) if intent in PLAIN_QUESTIONS else None
        if response is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(response=response)
        answer_second_reading(dispatcher, tracker, [response])
        if asks_for_clearance(latest_text(tracker)):
            remind_of_open_contraindication(dispatcher, tracker)  # an answer is no go-ahead
        return []
