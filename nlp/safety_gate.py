"""NLU safety gate: a red flag or an unambiguous contraindication always reaches a clinician.

DIET classifies what the visitor asks; the vocabulary's entity_ruler finds what they mention.
A message can be about one thing and mention another ("can it help my acne scars? I'm on
accutane", "when does the redness go? it's hot and there's pus now"). Whatever DIET decided:
- a `red_flag` entity turns the intent into report_red_flag (urgent advice first), unless the
  message is a general question about risks or aftercare ("how do I avoid infection?") or
  already a contraindication or a request for a clinician;
- a `contraindication` entity (an unambiguous term of nlp/vocabulary.yml, not a
  `contraindication_hint`) turns it into report_contraindication.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

RED_FLAG_INTENT = "report_red_flag"
CONTRAINDICATION_INTENT = "report_contraindication"
# (entity, the intent it leads to, intents that keep their own handling), most urgent first.
GATES = (
    ("red_flag", RED_FLAG_INTENT, frozenset({RED_FLAG_INTENT, CONTRAINDICATION_INTENT, "request_clinician",
                                             "ask_risks", "ask_aftercare", "ask_who_should_avoid"})),
    ("contraindication", CONTRAINDICATION_INTENT, frozenset({RED_FLAG_INTENT, CONTRAINDICATION_INTENT,
                                                             "request_clinician"})),
)


def gated_intent(intent: Optional[Dict[str, Any]], entities: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The intent to use instead of DIET's, or None to keep DIET's."""
    name = (intent or {}).get(INTENT_NAME_KEY)
    mentioned = {e.get("entity") for e in entities}
    for entity, target, keep in GATES:
        if entity in mentioned and name not in keep:
            return {INTENT_NAME_KEY: target, PREDICTED_CONFIDENCE_KEY: 1.0, "gated_from": name}
    return None


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
