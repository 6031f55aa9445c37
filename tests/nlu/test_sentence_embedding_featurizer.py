"""SentenceEmbeddingFeaturizer (nlp/sentence_embedding_featurizer.py) inside Rasa's NLU components."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Type

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlp.sentence_embedding_featurizer import SentenceEmbeddingFeaturizer
from nlp.sentence_encoder import EMBEDDING_DIM, SentenceEncoder, get_encoder


class CountingEncoder:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.encoder = encoder
        self.texts: List[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.texts.extend(texts)
        return self.encoder.encode(texts, batch_size=batch_size)


def _create(cls: Type[GraphComponent], tmp_path, name: str, **config: Any) -> Any:
    return cls.create({**cls.get_default_config(), **config}, LocalModelStorage(tmp_path),
                      Resource(name), ExecutionContext(GraphSchema({}), node_name=name))


@pytest.fixture
def encoder() -> CountingEncoder:
    return CountingEncoder(get_encoder())


@pytest.fixture
def tokenizer(tmp_path) -> WhitespaceTokenizer:
    return _create(WhitespaceTokenizer, tmp_path, "tokenizer")


def _featurizer(encoder: CountingEncoder, **config: Any) -> SentenceEmbeddingFeaturizer:
    return SentenceEmbeddingFeaturizer({**SentenceEmbeddingFeaturizer.get_default_config(), **config},
                                       "sentence_embedding_featurizer", encoder=encoder)


def _messages(tokenizer: WhitespaceTokenizer, *texts: str) -> List[Message]:
    return tokenizer.process([Message(data={TEXT: text}) for text in texts])


def test_text_gets_a_sentence_feature_and_one_sequence_row_per_token(encoder, tokenizer):
    [message] = _featurizer(encoder).process(_messages(tokenizer, "does microneedling hurt a lot?"))
    tokens = message.get(TOKENS_NAMES[TEXT])
    sequence, sentence = message.get_dense_features(TEXT)
    assert len(tokens) == 5
    assert sentence.features.shape == (1, EMBEDDING_DIM)
    assert sequence.features.shape == (len(tokens), EMBEDDING_DIM)
    assert {(f.type, f.origin) for f in message.features} == {("sentence", "sentence_embedding_featurizer"),
                                                               ("sequence", "sentence_embedding_featurizer")}
    expected = get_encoder().encode(["does microneedling hurt a lot?"])[0]
    np.testing.assert_allclose(sentence.features[0], expected, atol=1e-6)
    np.testing.assert_allclose(sequence.features, np.tile(expected, (5, 1)), atol=1e-6)
    assert message.as_dict(only_output_properties=True) == {TEXT: "does microneedling hurt a lot?"}


def test_the_sequence_follows_the_rasa_tokens_not_the_word_pieces(encoder, tokenizer):
    [message] = _featurizer(encoder).process(_messages(tokenizer, "microneedling"))  # 1 token, 5 word pieces
    sequence, _ = message.get_dense_features(TEXT)
    assert sequence.features.shape == (1, EMBEDDING_DIM)


def test_button_payloads_get_zero_features_without_running_the_model(encoder, tokenizer):
    [payload] = _featurizer(encoder).process(_messages(tokenizer, '/ask_condition{"condition": "acne_scars"}'))
    sequence, sentence = payload.get_dense_features(TEXT)
    assert encoder.texts == []
    assert sentence.features.shape == (1, EMBEDDING_DIM) and not sentence.features.any()
    assert sequence.features.shape == (len(payload.get(TOKENS_NAMES[TEXT])), EMBEDDING_DIM)


def test_messages_without_text_are_left_alone(encoder):
    [message] = _featurizer(encoder).process([Message(data={TEXT: ""})])
    assert message.features == [] and encoder.texts == []


def _training_data(tokenizer: WhitespaceTokenizer) -> TrainingData:
    examples = [Message(data={TEXT: text, INTENT: intent}) for text, intent in [
        ("does it hurt", "ask_pain"), ("is it painful", "ask_pain"), ("will it hurt a lot", "ask_pain"),
        ("does it hurt", "ask_pain"), ("how much does it cost", "ask_price"), ("what is the price", "ask_price"),
        ("how expensive is a session", "ask_price"), ("hello", "greet"), ("hi there", "greet"),
        ("good morning", "greet"),
    ]]
    examples[0].set(RESPONSE, "A numbing cream keeps it comfortable.")
    training_data = TrainingData(training_examples=examples)
    tokenizer.process_training_data(training_data)
    return training_data


def test_training_data_is_featurized_in_batches_each_text_once(encoder, tokenizer):
    training_data = _featurizer(encoder).process_training_data(_training_data(tokenizer))
    assert sorted(encoder.texts) == sorted(set(encoder.texts)) and len(encoder.texts) == 9
    for example in training_data.training_examples:
        sequence, sentence = example.get_dense_features(TEXT)
        assert sequence.features.shape == (len(example.get(TOKENS_NAMES[TEXT])), EMBEDDING_DIM)
        assert sentence.features.shape == (1, EMBEDDING_DIM)
    first, _, _, duplicate = training_data.training_examples[:4]
    np.testing.assert_array_equal(first.get_dense_features(TEXT)[1].features,
                                  duplicate.get_dense_features(TEXT)[1].features)
    assert first.get_dense_features(TEXT)[1].features is not duplicate.get_dense_features(TEXT)[1].features
    assert first.get_dense_features(RESPONSE) == (None, None), "responses only with featurize_responses"


def test_responses_are_featurized_when_asked(encoder, tokenizer):
    training_data = _featurizer(encoder, featurize_responses=True).process_training_data(_training_data(tokenizer))
    example = training_data.training_examples[0]
    sequence, sentence = example.get_dense_features(RESPONSE)
    assert sequence.features.shape == (len(example.get(TOKENS_NAMES[RESPONSE])), EMBEDDING_DIM)
    assert sentence.features.shape == (1, EMBEDDING_DIM)


def test_diet_trains_and_predicts_on_the_features_button_payloads_included(tmp_path, encoder, tokenizer):
    """The shapes are what DIET needs, next to a sparse featurizer, for text and for payloads."""
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    training_data = _training_data(tokenizer)
    counts = _create(CountVectorsFeaturizer, tmp_path, "counts")
    counts.train(training_data)
    counts.process_training_data(training_data)
    featurizer = _featurizer(encoder)
    featurizer.process_training_data(training_data)
    diet: DIETClassifier = _create(DIETClassifier, tmp_path, "diet", epochs=40, number_of_transformer_layers=0,
                                   entity_recognition=False, constrain_similarities=True, random_seed=42)
    diet.train(training_data)

    messages = _messages(tokenizer, "is this going to be painful", "/greet", "how pricey is it")
    for component in (counts, featurizer, diet):
        messages = component.process(messages)
    intents: Dict[str, str] = {m.get(TEXT): m.get(INTENT)["name"] for m in messages}
    assert intents["is this going to be painful"] == "ask_pain"
    assert intents["how pricey is it"] == "ask_price"
    assert intents["/greet"] in {"ask_pain", "ask_price", "greet"}  # RegexMessageHandler overrides it later
