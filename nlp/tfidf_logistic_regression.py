"""Intent classifier: logistic regression on TF-IDF-weighted n-grams and sentence embeddings.

Rasa's LogisticRegressionClassifier feeds raw counts to the model, so a long message (hundreds
of character n-grams) outweighs its own sentence embedding and drifts towards whichever intent
has the longest training examples. Here each featurizer's sentence features are a block of their
own: sparse counts get sublinear TF-IDF weights (IDF from the training data) and every block is
L2-normalised, the embedding block scaled by `dense_weight`. On the blind development set's
single messages (intents read off their topics) this scored 86.6% against 83.2% for raw counts
and 77.8% for n-grams alone (README "Ablation").
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
MODEL_FILE = "tfidf_logistic_regression.joblib"
RANKING_LENGTH = 10


def sentence_blocks(message: Message) -> Dict[str, Any]:
    """Origin -> the message's sentence-level TEXT features from that featurizer."""
    blocks: Dict[str, Any] = {}
    for features in message.features:
        if features.attribute == TEXT and features.type == FEATURE_TYPE_SENTENCE:
            blocks[str(features.origin)] = features.features
    return blocks


class BlockWeighting:
    """Per-featurizer weighting learnt on the training data: IDF for sparse, scale for dense."""

    def __init__(self, dense_weight: float) -> None:
        self.dense_weight = dense_weight
        self.origins: List[Tuple[str, bool, int]] = []  # (origin, is_sparse, width)
        self.idf: Dict[str, np.ndarray] = {}

    def fit(self, messages: List[Message]) -> "BlockWeighting":
        first = sentence_blocks(messages[0])
        self.origins = sorted((origin, sp.issparse(block), block.shape[-1]) for origin, block in first.items())
        for origin, is_sparse, _ in self.origins:
            if is_sparse:
                counts = sp.vstack([sp.csr_matrix(sentence_blocks(m)[origin]) for m in messages])
                document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
                self.idf[origin] = np.log((1 + len(messages)) / (1 + document_frequency)) + 1.0
        return self

    def vector(self, message: Message) -> Tuple[np.ndarray, np.ndarray]:
        """One message's weighted features as (column indices, values), without building sparse
        matrices (about 0.3 ms a message): sublinear TF times IDF for each sparse block, then
        every block scaled to unit length, the dense one to `dense_weight`."""
        blocks = sentence_blocks(message)
        indices, values, offset = [], [], 0
        for origin, is_sparse, width in self.origins:
            block = blocks.get(origin)
            if block is not None:
                if is_sparse:
                    row = block.tocsr() if not sp.isspmatrix_csr(block) else block
                    columns, data = row.indices, row.data.astype(np.float64)
                    data = (1.0 + np.log(np.maximum(data, 1e-12))) * self.idf[origin][columns]
                    scale = 1.0
                else:
                    data = np.asarray(block, dtype=np.float64).ravel()
                    columns, scale = np.arange(width), self.dense_weight
                norm = np.sqrt(np.dot(data, data))
                if norm > 0:
                    indices.append(columns + offset)
                    values.append(data * (scale / norm))
            offset += width
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(indices), np.concatenate(values)

    def transform(self, messages: List[Message]) -> sp.csr_matrix:
        """The weighted features of many messages (training): one `vector` per row."""
        rows = [self.vector(message) for message in messages]
        indptr = np.cumsum([0] + [len(columns) for columns, _ in rows])
        indices = np.concatenate([columns for columns, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        data = np.concatenate([values for _, values in rows]) if rows else np.zeros(0)
        width = sum(width for _, _, width in self.origins)
        return sp.csr_matrix((data, indices, indptr), shape=(len(messages), width))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfLogisticRegression(IntentClassifier, GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "max_iter": 500, "dense_weight": 1.0, "random_state": 42}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Tuple[BlockWeighting, LogisticRegression]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.weighting, self.clf = model if model else (None, None)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TfidfLogisticRegression":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if sentence_blocks(e)]
        if not examples:
            logger.warning("no featurized intent examples: the classifier stays untrained")
            return self._resource
        return self._fit(examples, [e.get(INTENT) for e in examples])

    def _fit(self, examples: List[Message], labels: List[str]) -> Resource:
        self.weighting = BlockWeighting(float(self.config["dense_weight"])).fit(examples)
        self.clf = LogisticRegression(C=float(self.config["C"]), max_iter=int(self.config["max_iter"]),
                                      class_weight="balanced", random_state=self.config["random_state"])
        self.clf.fit(self.weighting.transform(examples), labels)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message, ranked in self._rankings(messages):
            ranking = [{"name": label, "confidence": confidence} for label, confidence in ranked]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def _rankings(self, messages: List[Message]) -> List[Tuple[Message, List[Tuple[str, float]]]]:
        """(message, [(label, probability), ...] best first) for each featurized message."""
        usable = [m for m in messages if sentence_blocks(m)] if self.clf is not None else []
        if not usable:
            return []
        probabilities = np.vstack([self._probabilities(m) for m in usable])
        return [(message, [(str(self.clf.classes_[i]), float(row[i])) for i in np.argsort(row)[::-1][:RANKING_LENGTH]])
                for message, row in zip(usable, probabilities)]

    def _probabilities(self, message: Message) -> np.ndarray:
        """predict_proba for one message from its few non-zero features: the multinomial
        model's softmax over coef_ columns, as sklearn computes it for more than two classes."""
        columns, values = self.weighting.vector(message)
        if len(self.clf.classes_) <= 2:
            return self.clf.predict_proba(self.weighting.transform([message]))[0]
        scores = self.clf.coef_[:, columns] @ values + self.clf.intercept_
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump((self.weighting, self.clf), directory / MODEL_FILE)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfLogisticRegression":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("TfidfLogisticRegression found no trained model: intents stay unclassified")
            model = None
        return cls(config, model_storage, resource, model)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfResponseSelector(TfidfLogisticRegression):
    """The same model choosing the answer of a retrieval intent (ask_condition/<condition>).

    Its output has the shape of Rasa's ResponseSelector (`response_selector.<intent>.response.
    intent_response_key`), which is what the actions read. Rasa's ResponseSelector took ~12 s an
    epoch on the embeddings' per-token features; this trains in seconds.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**TfidfLogisticRegression.get_default_config(), "retrieval_intent": None}

    def train(self, training_data: TrainingData) -> Resource:
        intent = self.config["retrieval_intent"]
        examples = [e for e in training_data.intent_examples
                    if e.get(INTENT) == intent and e.get(INTENT_RESPONSE_KEY) and sentence_blocks(e)]
        if len({e.get(INTENT_RESPONSE_KEY) for e in examples}) < 2:
            logger.warning(f"fewer than two responses for {intent}: the selector stays untrained")
            return self._resource
        return self._fit(examples, [e.get(INTENT_RESPONSE_KEY) for e in examples])

    def process(self, messages: List[Message]) -> List[Message]:
        intent = self.config["retrieval_intent"]
        for message, ranked in self._rankings(messages):
            ranking = [{"intent_response_key": label, "confidence": confidence} for label, confidence in ranked]
            best = ranking[0]["intent_response_key"]
            selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
            selector.setdefault("all_retrieval_intents", []).append(intent)
            selector[intent] = {
                "response": {"intent_response_key": best, "confidence": ranking[0]["confidence"],
                             "utter_action": f"utter_{best}"},
                "ranking": ranking,
            }
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
        return messages
