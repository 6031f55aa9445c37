"""The all-MiniLM-L6-v2 encoder (nlp/sentence_encoder.py) on the installed model files."""
from __future__ import annotations

import math
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from safetensors.numpy import load as load_safetensors

from nlp.sentence_encoder import (EMBEDDING_DIM, MAX_TOKENS, ModelFileError, SentenceEncoder, cosine,
                                  get_encoder, locate_model_archive, read_verified)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return get_encoder()


@pytest.fixture(scope="module")
def weights() -> Dict[str, np.ndarray]:
    with zipfile.ZipFile(locate_model_archive()) as archive:
        return load_safetensors(read_verified(archive, "model.safetensors"))


def _zip(path: Path, files: Dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _original(name: str) -> bytes:
    with zipfile.ZipFile(locate_model_archive()) as archive:
        return archive.read(name)


def test_the_archive_is_found_without_importing_the_package(encoder):
    assert locate_model_archive().name == "model.zip"
    assert "all_minilm_l6_v2" not in sys.modules, "importing the package prints a line"


def test_a_tampered_config_is_rejected(tmp_path):
    tampered = _original("config.json").replace(b'"num_hidden_layers": 6', b'"num_hidden_layers": 5')
    assert tampered != _original("config.json")
    archive = _zip(tmp_path / "model.zip", {"config.json": tampered})
    with pytest.raises(ModelFileError, match=r"config\.json .* SHA-256"):
        SentenceEncoder.load(archive)


def test_tampered_weights_are_rejected(tmp_path):
    archive = _zip(tmp_path / "model.zip", {name: _original(name) for name in ("config.json", "tokenizer.json")}
                   | {"model.safetensors": b"not the official weights"})
    with pytest.raises(ModelFileError, match=r"model\.safetensors .* SHA-256"):
        SentenceEncoder.load(archive)


def test_a_missing_file_is_named(tmp_path):
    archive = _zip(tmp_path / "model.zip", {"config.json": _original("config.json")})
    with pytest.raises(ModelFileError, match=r"tokenizer\.json is missing"):
        SentenceEncoder.load(archive)


def test_the_encoder_is_loaded_once_per_process(encoder):
    assert get_encoder() is encoder


def test_tokenizer_is_bert_uncased_without_padding_and_truncates_at_128(encoder):
    assert encoder.token_ids("Hello world") == [101, 7592, 2088, 102]  # [CLS] hello world [SEP]
    long_ids = encoder.token_ids("scar " * 300)
    assert len(long_ids) == MAX_TOKENS and long_ids[0] == 101 and long_ids[-1] == 102
    # a long ramble keeps its closing question, and its opening
    ramble = encoder.token_ids("hello " + "rain " * 300 + "sunscreen")
    assert len(ramble) == MAX_TOKENS and ramble[1] == 7592
    assert ramble[-2] == encoder.token_ids("sunscreen")[-2] and ramble[-1] == 102


def test_embeddings_are_unit_float32_vectors(encoder):
    vectors = encoder.encode(["does it hurt", "how many sessions will I need?", "ok"])
    assert vectors.shape == (3, EMBEDDING_DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, EMBEDDING_DIM)


def test_paraphrases_are_closer_than_unrelated_sentences(encoder):
    hurt, painful, weather = encoder.encode(["does it hurt", "is it painful", "what's the weather in Paris"])
    assert cosine(hurt, painful) > 0.6
    assert cosine(hurt, painful) > cosine(hurt, weather) + 0.4
    assert cosine(hurt, painful) > cosine(painful, weather) + 0.4


def test_batched_and_single_encodings_agree(encoder):
    texts = ["ok", "does microneedling hurt?", "How long until my acne scars look better after three sessions?",
             "can I wear makeup the next day", "ok"]
    batched = encoder.encode(texts, batch_size=4)  # padding (masked) up to the longest in each batch
    single = np.stack([encoder.encode([text])[0] for text in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def _reference_embedding(ids: List[int], weights: Dict[str, np.ndarray]) -> np.ndarray:
    """BERT + mean pooling written out token by token and head by head, in float64, from the raw
    weights (Linear weights (out, in), separate Q/K/V, math.erf): independent of the encoder's
    fused, batched, float32 arrays."""
    w = {name: value.astype(np.float64) for name, value in weights.items() if value.dtype == np.float32}
    heads, head_dim = 12, 32

    def layer_norm(v, prefix):
        mean = sum(v) / len(v)
        var = sum((x - mean) ** 2 for x in v) / len(v)
        return (v - mean) / math.sqrt(var + 1e-12) * w[prefix + ".weight"] + w[prefix + ".bias"]

    def linear(v, prefix):
        return w[prefix + ".weight"] @ v + w[prefix + ".bias"]

    xs = [layer_norm(w["embeddings.word_embeddings.weight"][tid] + w["embeddings.position_embeddings.weight"][pos]
                     + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
          for pos, tid in enumerate(ids)]
    for i in range(6):
        p = f"encoder.layer.{i}."
        qs = [linear(x, p + "attention.self.query") for x in xs]
        ks = [linear(x, p + "attention.self.key") for x in xs]
        vs = [linear(x, p + "attention.self.value") for x in xs]
        new_xs = []
        for t in range(len(xs)):
            context = np.zeros(384)
            for h in range(heads):
                sl = slice(h * head_dim, (h + 1) * head_dim)
                scores = [float(qs[t][sl] @ ks[s][sl]) / math.sqrt(head_dim) for s in range(len(xs))]
                top = max(scores)
                exps = [math.exp(score - top) for score in scores]
                for s in range(len(xs)):
                    context[sl] += exps[s] / sum(exps) * vs[s][sl]
            x = layer_norm(xs[t] + linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            up = np.array([0.5 * u * (1.0 + math.erf(u / math.sqrt(2.0)))
                           for u in linear(x, p + "intermediate.dense")])
            new_xs.append(layer_norm(x + linear(up, p + "output.dense"), p + "output.LayerNorm"))
        xs = new_xs
    mean = sum(xs) / len(xs)
    return mean / np.linalg.norm(mean)


def test_matches_a_token_by_token_reference_implementation(encoder, weights):
    text = "does it hurt?"
    expected = _reference_embedding(encoder.token_ids(text), weights)
    np.testing.assert_allclose(encoder.encode([text])[0], expected, atol=1e-5)
    # With padding in the batch as well: the pooled mean must ignore it.
    padded = encoder.encode([text, "how many sessions does it take to see results on deep acne scars?"])[0]
    np.testing.assert_allclose(padded, expected, atol=1e-5)


def test_the_graph_is_traced_once_for_every_length_and_batch_size(encoder):
    # A retrace costs about a second: a visitor must never pay it because their message is
    # longer or shorter than the last one.
    encoder.encode(["does it hurt?"])
    traces = encoder._embed.experimental_get_tracing_count()
    encoder.encode(["ok"])
    encoder.encode(["how many sessions will I need for deep acne scars on both cheeks and my chin?"])
    encoder.encode(["does it hurt?", "how many sessions?", "ok"], batch_size=2)
    assert encoder._embed.experimental_get_tracing_count() == traces
