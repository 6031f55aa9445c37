"""nlp.tfidf_logistic_regression: per-featurizer TF-IDF and L2 blocks, then logistic regression."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlp.tfidf_logistic_regression import BlockWeighting, TfidfLogisticRegression, TfidfResponseSelector

VOCABULARY = ["hurt", "pain", "sessions", "how", "many", "weather"]


def message(text, intent=None, dense=None):
    counts = np.array([[text.split().count(w) for w in VOCABULARY]], dtype=float)
    m = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    m.add_features(Features(sp.coo_matrix(counts), "sentence", TEXT, "counts"))
    m.add_features(Features(np.array([dense if dense is not None else [1.0, 0.0]], dtype=np.float32),
                            "sentence", TEXT, "embedding"))
    return m


def test_every_block_is_unit_length_whatever_the_message_length():
    weighting = BlockWeighting(dense_weight=2.0).fit([message("how many sessions"), message("hurt pain")])
    short, long_ = weighting.transform([message("pain", dense=[3.0, 4.0]),
                                        message("pain " * 50 + "hurt " * 20, dense=[0.3, 0.4])]).toarray()
    for row in (short, long_):
        assert np.linalg.norm(row[:len(VOCABULARY)]) == pytest.approx(1.0)
        assert np.linalg.norm(row[len(VOCABULARY):]) == pytest.approx(2.0)
    assert short[len(VOCABULARY):] == pytest.approx(long_[len(VOCABULARY):])


def test_words_in_every_training_message_weigh_less_than_rare_ones():
    weighting = BlockWeighting(1.0).fit([message("how pain"), message("how hurt"), message("how many")])
    [row] = weighting.transform([message("how pain")]).toarray()
    assert row[VOCABULARY.index("pain")] > row[VOCABULARY.index("how")] > 0


def test_trains_persists_loads_and_ranks(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tfidf_lr")
    data = TrainingData([message("does it hurt", "ask_pain", [1, 0]), message("pain hurt", "ask_pain", [1, 0.1]),
                         message("how many sessions", "ask_sessions", [0, 1]),
                         message("sessions how many", "ask_sessions", [0.1, 1])])
    TfidfLogisticRegression.create({}, storage, resource, None).train(data)
    loaded = TfidfLogisticRegression.load({}, storage, resource, None)
    [parsed] = loaded.process([message("pain", dense=[0.9, 0.1])])
    assert parsed.get(INTENT)["name"] == "ask_pain"
    ranking = parsed.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["ask_pain", "ask_sessions"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_the_response_selector_variant_answers_in_rasas_response_selector_shape(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("selector")
    examples = []
    for text, key, dense in [("pain hurt", "scars", [1, 0]), ("hurt hurt", "scars", [1, 0.1]),
                             ("how many", "pores", [0, 1]), ("many many", "pores", [0.1, 1])]:
        m = message(text, "ask_condition", dense)
        m.set("intent_response_key", f"ask_condition/{key}")
        examples.append(m)
    examples.append(message("weather", "out_of_scope", [0.5, 0.5]))
    config = {"retrieval_intent": "ask_condition"}
    TfidfResponseSelector.create(config, storage, resource, None).train(TrainingData(examples))
    loaded = TfidfResponseSelector.load(config, storage, resource, None)
    [parsed] = loaded.process([message("hurt", dense=[0.9, 0.0])])
    selector = parsed.get("response_selector")
    assert selector["all_retrieval_intents"] == ["ask_condition"]
    assert selector["ask_condition"]["response"]["intent_response_key"] == "ask_condition/scars"
    assert selector["ask_condition"]["response"]["utter_action"] == "utter_ask_condition/scars"
    assert {r["intent_response_key"] for r in selector["ask_condition"]["ranking"]} == {
        "ask_condition/scars", "ask_condition/pores"}


def test_the_fast_single_message_probabilities_are_sklearns(tmp_path):
    data = TrainingData([message("does it hurt", "ask_pain", [1, 0]), message("how many sessions", "ask_sessions", [0, 1]),
                         message("weather", "out_of_scope", [0.5, 0.5]), message("pain", "ask_pain", [1, 0.2])])
    model = TfidfLogisticRegression.create({}, LocalModelStorage(tmp_path), Resource("lr"), None)
    model.train(data)
    probe = message("how pain weather", dense=[0.3, 0.7])
    expected = model.clf.predict_proba(model.weighting.transform([probe]))[0]
    assert model._probabilities(probe) == pytest.approx(expected)
