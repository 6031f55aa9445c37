"""BatchedCountVectorsFeaturizer (nlp/batched_count_vectors.py) gives exactly Rasa's features."""
from __future__ import annotations

from typing import Any, List, Type

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ACTION_NAME, INTENT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlp.batched_count_vectors import BatchedCountVectorsFeaturizer

TRAINING = [
    {TEXT: "does microneedling hurt?", INTENT: "ask_pain"},
    {TEXT: "how many sessions do I need for 2 scars", INTENT: "ask_sessions", RESPONSE: "Usually 3 to 6."},
    {TEXT: "Can I wear make-up the next day??", INTENT: "ask_makeup"},
    {TEXT: "ok", INTENT: "affirm"},
    {ACTION_NAME: "utter_greet"},  # core's messages: no text at all
    {TEXT: "does it HURT more than a peel, like 10x more", INTENT: "ask_pain"},
]
UNSEEN = ["qwerty zxcv hurt", "sessions 123", "a"]


def _create(cls: Type[GraphComponent], tmp_path, name: str, **config: Any) -> Any:
    return cls.create({**cls.get_default_config(), **config}, LocalModelStorage(tmp_path),
                      Resource(name), ExecutionContext(GraphSchema({}), node_name=name))


def _data(tmp_path, texts=None) -> TrainingData:
    tokenizer = _create(WhitespaceTokenizer, tmp_path, "tokenizer")
    examples = [Message(data=dict(d)) for d in TRAINING] + [Message(data={TEXT: t}) for t in texts or []]
    return tokenizer.process_training_data(TrainingData(training_examples=examples))


def _features(message: Message, attribute: str) -> List[np.ndarray]:
    sequence, sentence = message.get_sparse_features(attribute)
    return [None if f is None else f.features.toarray() for f in (sequence, sentence)]


@pytest.mark.parametrize("config", [{}, {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
                                    {"OOV_token": "oov", "OOV_words": ["qwerty"]}])
def test_training_features_are_rasas_own_for_every_attribute(tmp_path, config):
    rasa = _create(CountVectorsFeaturizer, tmp_path, "rasa", **config)
    batched = _create(BatchedCountVectorsFeaturizer, tmp_path, "batched", **config)
    rasa.train(_data(tmp_path))
    batched.train(_data(tmp_path))
    expected = rasa.process_training_data(_data(tmp_path, UNSEEN)).training_examples
    actual = batched.process_training_data(_data(tmp_path, UNSEEN)).training_examples
    compared = set()
    for want, got in zip(expected, actual):
        for attribute in (TEXT, INTENT, RESPONSE, ACTION_NAME):
            want_features, got_features = _features(want, attribute), _features(got, attribute)
            for w, g in zip(want_features, got_features):
                assert (w is None) == (g is None)
                if w is not None:
                    np.testing.assert_array_equal(g, w)
                    compared.add(attribute)
    # Every attribute this analyzer featurizes was compared (char_wb leaves labels alone).
    assert compared == set(rasa._attributes) & {TEXT, INTENT, RESPONSE, ACTION_NAME}


def test_an_untrained_featurizer_leaves_the_data_as_rasa_does(tmp_path):
    batched = _create(BatchedCountVectorsFeaturizer, tmp_path, "batched")
    batched.vectorizers = None
    data = batched.process_training_data(_data(tmp_path))
    assert all(not m.features for m in data.training_examples)
