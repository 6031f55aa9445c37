"""Dense features from pretrained all-MiniLM-L6-v2 sentence embeddings (nlp/sentence_encoder.py).

For the TEXT of each message it adds, like Rasa's own dense featurizers (SpacyFeaturizer,
LanguageModelFeaturizer, ConveRTFeaturizer):
- a SENTENCE feature, shape (1, 384): the L2-normalised sentence embedding;
- a SEQUENCE feature, shape (number of tokens on the message, 384). Rasa requires one row per
  token of the message's tokenizer: DIET and ResponseSelector concatenate the sequence features
  of all featurizers per token and raise when the lengths differ. With
  `number_of_transformer_layers: 0` (config.yml) their intent/response scores read only the
  sentence-feature position, so the rows do not need word-piece-to-token alignment: each row is
  the sentence vector. That costs no second model pass, keeps `aggregate_sequence_features`
  (mean) equal to the sentence feature, and gives a transformer or entity tagger, if one is
  enabled later, the message's meaning at every token rather than nothing.
The embedding is not also kept in the message's data: Rasa fingerprints every message's data
after each training step, and hashing 9,000 printed vectors cost about 15 s a training.

Button payloads ("/intent{...}") still run through the whole NLU pipeline at inference (the
RegexMessageHandler overrides the prediction afterwards), so they get zero features of the same
shapes without running the model: DIET and ResponseSelector feed features positionally in the
layout they were trained with, and a message missing this featurizer's features would not fit it.

Other attributes: dense featurizers never featurize INTENT (DIET uses one-hot or count-vector
intent labels). ResponseSelector reads RESPONSE features only with `use_text_as_label: true`,
as label features computed once at training time (config.yml keeps the default, false: its
labels are the retrieval intent's response keys). So responses are embedded only when
`featurize_responses: true`, in training; inference never sees a RESPONSE attribute.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlp import sentence_encoder
from nlp.sentence_encoder import EMBEDDING_DIM, SentenceEncoder, get_encoder

BATCH_SIZE = 64
FEATURIZE_RESPONSES = "featurize_responses"


def is_button_payload(text: Optional[str]) -> bool:
    return bool(text) and text.lstrip().startswith(INTENT_MESSAGE_PREFIX)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds all-MiniLM-L6-v2 sentence embeddings as dense TEXT features."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tokenizers", "safetensors", "tensorflow"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), FEATURIZE_RESPONSES: False}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not isinstance(config.get(FEATURIZE_RESPONSES, False), bool):
            raise InvalidConfigException(f"'{FEATURIZE_RESPONSES}' must be true or false")


    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # Rasa fingerprints this class's source, not the encoder's: a change to the encoder
        # (or to the model hashes it pins) must also make `rasa train` recompute the features.
        return hashlib.sha256(Path(sentence_encoder.__file__).read_bytes()).hexdigest()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: Dict[Text, Any], name: Text,
                 encoder: Optional[SentenceEncoder] = None) -> None:
        super().__init__(name, config)
        self.encoder = encoder or get_encoder()  # loaded once per process, when the graph loads

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = training_data.training_examples
        self._featurize(examples, TEXT)
        if self._config[FEATURIZE_RESPONSES]:
            self._featurize(examples, RESPONSE)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages, TEXT)
        return messages

    def _featurize(self, messages: List[Message], attribute: Text) -> None:
        to_encode: List[Message] = []
        for message in messages:
            text = message.get(attribute)
            if not text:
                continue  # like every Rasa featurizer: no text, no features
            if attribute == TEXT and is_button_payload(text):
                self._add(message, attribute, np.zeros(EMBEDDING_DIM, dtype=np.float32))
            else:
                to_encode.append(message)
        # Many training examples share a text (responses above all): encode each text once.
        # encode() sorts by length and pads (masked) per batch of BATCH_SIZE.
        distinct = list(dict.fromkeys(message.get(attribute) for message in to_encode))
        embeddings = dict(zip(distinct, self.encoder.encode(distinct, batch_size=BATCH_SIZE)))
        for message in to_encode:
            vector = embeddings[message.get(attribute)].copy()  # no array shared between messages
            self._add(message, attribute, vector)

    def _add(self, message: Message, attribute: Text, vector: np.ndarray) -> None:
        tokens = message.get(TOKENS_NAMES[attribute]) or []
        sequence = np.tile(vector, (len(tokens), 1))  # one row per token: see the module docstring
        self.add_features_to_message(sequence=sequence, sentence=vector[np.newaxis, :].copy(),
                                     attribute=attribute, message=message)
