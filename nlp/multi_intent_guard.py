"""Multi-intent guard: two answers only for a message that asks two things.

DIET learns multi-intents ("ask_during_treatment+ask_downtime") from messages that join two
questions ("does it hurt and how long is the recovery?"). It sometimes also picks one for a single
question that shares words with them ("how long does a session take"). A message with no joining
word and at most one question mark asks one thing: the guard then keeps the best-ranked single
intent that is part of the multi-intent. DIET's confidence in "A+B" is also confidence that the
message asks A, so the kept intent gets both (capped at 1); it goes first in the ranking, without
multi-intents, so the FallbackClassifier after it judges what will be answered.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY,
                                       TEXT)
from rasa.shared.nlu.training_data.message import Message

MULTI_INTENT_SEPARATOR = "+"  # config.yml: SpacyTokenizer intent_split_symbol
# "and", "also", "plus", "+", "&", "as well", or a second question after a first "?".
JOINS_TWO_QUESTIONS = re.compile(r"\b(and|also|plus|as well)\b|[+&]|\?.*\w.*\?", re.IGNORECASE)


def asks_two_things(text: str) -> bool:
    return bool(JOINS_TWO_QUESTIONS.search(text or ""))


def single_intent_for(intent: Dict[str, Any], ranking: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The best-ranked part of a multi-intent, or None when the intent is not a multi-intent."""
    name = intent.get(INTENT_NAME_KEY) or ""
    if MULTI_INTENT_SEPARATOR not in name:
        return None
    parts = name.split(MULTI_INTENT_SEPARATOR)
    ranked_parts = [candidate for candidate in ranking if candidate.get(INTENT_NAME_KEY) in parts]
    best = ranked_parts[0] if ranked_parts else {INTENT_NAME_KEY: parts[0], PREDICTED_CONFIDENCE_KEY: 0.0}
    confidence = min(1.0, best.get(PREDICTED_CONFIDENCE_KEY, 0.0) + intent.get(PREDICTED_CONFIDENCE_KEY, 0.0))
    return {INTENT_NAME_KEY: best[INTENT_NAME_KEY], PREDICTED_CONFIDENCE_KEY: confidence}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MultiIntentGuard(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MultiIntentGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if asks_two_things(message.get(TEXT)):
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            single = single_intent_for(message.get(INTENT) or {}, ranking)
            if single is not None:
                message.set(INTENT, single, add_to_output=True)
            kept = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            message.set(INTENT_RANKING_KEY, ([single] if single else []) + [
                r for r in ranking
                if MULTI_INTENT_SEPARATOR not in (r.get(INTENT_NAME_KEY) or "")
                and (single is None or r.get(INTENT_NAME_KEY) != kept)], add_to_output=True)
        return messages
