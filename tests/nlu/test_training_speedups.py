"""nlp/training_speedups.py: fingerprints that change with the content and only with it."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features

import nlp  # noqa: F401  (applies the speed-ups, as when Rasa loads config.yml)
from nlp import training_speedups


def test_importing_the_components_applies_them():
    assert Token.fingerprint is training_speedups.token_fingerprint
    assert Features.fingerprint is training_speedups.features_fingerprint


def _token(**changes):
    token = Token("Hurts", 5, lemma="hurt", data={"pattern": {"red_flag": False, "time": True}})
    for name, value in changes.items():
        if name == "data":
            token.data = value
        else:
            setattr(token, name, value)
    return token


def test_a_token_fingerprint_is_stable_and_ignores_dict_order():
    same = Token("Hurts", 5, lemma="hurt", data={"pattern": {"time": True, "red_flag": False}})
    assert _token().fingerprint() == _token().fingerprint() == same.fingerprint()


@pytest.mark.parametrize("change", [{"text": "hurts"}, {"start": 6}, {"end": 11}, {"lemma": "hurts"},
                                    {"data": {"pattern": {"red_flag": True, "time": True}}}])
def test_a_token_fingerprint_changes_with_any_field(change):
    assert _token(**change).fingerprint() != _token().fingerprint()


def _sparse(values, origin="counts", attribute="text"):
    return Features(sp.coo_matrix(np.array(values)), "sequence", attribute, origin)


def test_a_sparse_fingerprint_is_stable_and_follows_the_content():
    base = _sparse([[0, 1, 2], [3, 0, 0]])
    assert base.fingerprint() == _sparse([[0, 1, 2], [3, 0, 0]]).fingerprint()
    for other in (_sparse([[0, 1, 2], [4, 0, 0]]), _sparse([[0, 1, 0], [3, 0, 2]]),
                  _sparse([[0, 1, 2, 0], [3, 0, 0, 0]]), _sparse([[0, 1, 2], [3, 0, 0]], origin="chars"),
                  _sparse([[0, 1, 2], [3, 0, 0]], attribute="response"),
                  _sparse(np.array([[0, 1, 2], [3, 0, 0]], dtype=np.float32))):
        assert other.fingerprint() != base.fingerprint()


def test_dense_features_keep_rasas_fingerprint():
    dense = Features(np.ones((1, 4), dtype=np.float32), "sentence", "text", "embedding")
    assert dense.fingerprint() == training_speedups._rasas_features_fingerprint(
        Features(np.ones((1, 4), dtype=np.float32), "sentence", "text", "embedding"))
