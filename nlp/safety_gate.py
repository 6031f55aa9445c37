"""NLU safety gate: an unambiguous contraindication mention always reaches a clinician.

DIET classifies what the visitor asks; the vocabulary's entity_ruler finds what they mention.
A question can be about one thing and mention another ("can it help my acne scars? I'm on
accutane"): whatever DIET decided, a `contraindication` entity (an unambiguous term from
nlp/vocabulary.yml, not a `contraindication_hint`) turns the intent into
report_contraindication, so the dialogue escalates. Red flags and explicit requests for a
clinician keep their own, more urgent or more direct, handling.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

ESCALATING_ENTITY = "contraindication"
ESCALATION_INTENT = "report_contraindication"
KEEP_INTENTS = frozenset({ESCALATION_INTENT, "report_red_flag", "request_clinician"})


def gated_intent(intent: Optional[Dict[str, Any]], entities: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The intent to use instead of DIET's, or None to keep DIET's."""
    name = (intent or {}).get(INTENT_NAME_KEY)
    if name in KEEP_INTENTS or not any(e.get("entity") == ESCALATING_ENTITY for e in entities):
        return None
    return {INTENT_NAME_KEY: ESCALATION_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0, "gated_from": name}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ContraindicationGate(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ContraindicationGate":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            replacement = gated_intent(message.get(INTENT), message.get(ENTITIES) or [])
            if replacement:
                message.set(INTENT, replacement, add_to_output=True)
        return messages
