"""Faster fingerprints for `rasa train`: the same role, a fraction of the cost.

After every step of the training graph Rasa fingerprints the whole training data (the keys of its
training cache): each of about 9,000 messages, each of its tokens, each feature matrix. In a
profile of `rasa train nlu` that took 100 of 250 s, in two places:
- `Token.fingerprint` hashes text, offsets, lemma and data field by field (an MD5 and a JSON
  dump per field; the RegexFeaturizer's per-token pattern dict makes it dozens): 44 s;
- `Features.fingerprint` prints every non-zero of a sparse matrix as a line of text: 12 s.
Here each is one MD5 over the same content (the token's fields as one JSON document; the sparse
matrix's shape, dtype, coordinates and values as bytes). A fingerprint only has to change when the
content does and stay the same across runs; tests check both. Trained models are unaffected; the
only effect is that a cache written before this change is not reused once.

Applied by nlp/__init__.py, which Rasa imports when it loads config.yml's custom components.
"""
from __future__ import annotations

import hashlib
import json
from typing import Text

import numpy as np
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features

_rasas_features_fingerprint = Features.fingerprint


def token_fingerprint(token: Token) -> Text:
    content = json.dumps([token.text, token.start, token.end, token.lemma, token.data],
                         sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.md5(content.encode("utf-8")).hexdigest()  # nosec: a cache key, not security


def features_fingerprint(features: Features) -> Text:
    if not features.is_sparse():
        return _rasas_features_fingerprint(features)  # dense: already a hash of the raw bytes
    if features._cached_fingerprint is None:
        matrix = features.features.tocoo()
        digest = hashlib.md5(json.dumps([features.type, features.origin, features.attribute,
                                         list(matrix.shape), str(matrix.dtype)]).encode("utf-8"))
        for array in (matrix.row, matrix.col, matrix.data):
            digest.update(np.ascontiguousarray(array).tobytes())
        features._cached_fingerprint = digest.hexdigest()
    return features._cached_fingerprint


def apply() -> None:
    Token.fingerprint = token_fingerprint
    Features.fingerprint = features_fingerprint

