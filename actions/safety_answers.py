"""Who should not have microneedling, answered together with the question the visitor asked.

"Had cold sores as a kid, none in 10 years. Sessions how far apart?" names a contraindication
that is not current; the safety gate does not escalate it, and the visitor still asked about
sessions. The answer is the question's answer first, then the guide's line on who should check
with a clinician first.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import (CONDITION_SPECIFIC, RETRIEVAL_INTENT, conditions_in_message, selected_condition,
                             topic_response)
from actions.escalation import escalate_to_clinician
from actions.fallback import NEAREST_ANSWERS
from actions.messages import latest_text, typed_visitor_texts
from nlp.mention_context import said_not_for_them, treatment_for_someone_else

GENERAL_SAFETY_INTENT = "ask_who_should_avoid"
# The second guess the classifier must give a question for it to be answered too.
SECOND_QUESTION_CONFIDENCE = 0.07


# A statement, not a question: "btw my breakouts stopped a year ago, I just have the marks".
_QUESTION = re.compile(r"\?|^\W*(what|how|can|could|is|are|does|do|will|would|should|who|why|when|which|may|am)\b",
                       re.IGNORECASE)


def context_added_to(tracker: Tracker) -> Optional[str]:
    """After a question about a condition, a statement that only adds context ("for context, he
    finished Accutane two years ago") is answered as that question again, for that condition."""
    condition = tracker.get_slot("condition")
    if not condition or _QUESTION.search(tracker.latest_message.get("text") or ""):
        return None
    topic = tracker.get_slot("last_topic")
    return topic_response(topic, condition) if topic in CONDITION_SPECIFIC else f"utter_{RETRIEVAL_INTENT}/{condition}"


def asked_alongside(tracker: Tracker) -> List[str]:
    """Responses for what the message asks besides who should avoid it: named conditions, and
    the classifier's best other guess about the treatment."""
    answers = [f"utter_{RETRIEVAL_INTENT}/{c}" for c in conditions_in_message(tracker)]
    again = None if answers else context_added_to(tracker)
    if again:
        return [again]
    # The safety gate names the question the classifier read beside a mention that is not the
    # visitor's current condition ("I'm not on blood thinners, how long is a session?").
    question = (tracker.latest_message.get("intent") or {}).get("question")
    if question in NEAREST_ANSWERS and question != GENERAL_SAFETY_INTENT:
        return answers + [NEAREST_ANSWERS[question]]
    if question == RETRIEVAL_INTENT and answers:
        return answers
    for candidate in tracker.latest_message.get("intent_ranking") or []:
        name = candidate.get("name")
        if name == GENERAL_SAFETY_INTENT:
            continue
        if candidate.get("confidence", 0.0) < SECOND_QUESTION_CONFIDENCE:
            break
        if name == RETRIEVAL_INTENT and not answers and selected_condition(tracker):
            answers.append(f"utter_{RETRIEVAL_INTENT}/{selected_condition(tracker)}")
            break
        if name in NEAREST_ANSWERS:
            answers.append(NEAREST_ANSWERS[name])
            break
    return answers


def asked_for_whom(tracker: Tracker) -> Optional[str]:
    """Someone else's current contraindication, when an earlier turn said that person is the one to
    be treated ("my mum wants her face done" ... "she's also on daily steroids"): its key."""
    theirs = (tracker.latest_message.get("intent") or {}).get("theirs") or []
    if not theirs:
        return None
    earlier = " . ".join(typed_visitor_texts(tracker, before_latest=True))
    if said_not_for_them(latest_text(tracker)) or said_not_for_them(earlier):
        return None
    return theirs[0] if treatment_for_someone_else(earlier) else None


class ActionAnswerWhoShouldAvoid(Action):
    def name(self) -> Text:
        return "action_answer_who_should_avoid"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reason = asked_for_whom(tracker)
        if reason:
            return escalate_to_clinician(dispatcher, tracker, reason, on_behalf=True)
        for response in asked_alongside(tracker):
            dispatcher.utter_message(response=response)
        dispatcher.utter_message(response="utter_who_should_avoid")
        return [SlotSet("last_topic", "who_should_avoid")]
