"""The cached action-response validation accepts and rejects exactly what Rasa's own does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from channels import rasa_speedups

RASAS_OWN = RemoteAction._validate_action_result  # before apply(): channels.rest applies it on import

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "condition", "value": "stretch_marks"}],
     "responses": [{"response": "utter_ask_condition/stretch_marks"}]},
    {},
]
INVALID = [
    {"events": [{"event": "slot", "name": 3}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_answer_condition", None)


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_as_before(action, result):
    assert RASAS_OWN(action, result) is True
    assert rasa_speedups.validate_action_result(action, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_as_before_with_rasas_hint(action, result):
    with pytest.raises(ValidationError) as rasas:
        RASAS_OWN(action, result)
    with pytest.raises(ValidationError) as ours:
        rasa_speedups.validate_action_result(action, result)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_apply_replaces_the_method_rasa_calls(monkeypatch, action):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASAS_OWN)
    rasa_speedups.apply()
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result
