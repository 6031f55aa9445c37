"""Asking for the go-ahead: the gate's narrow reading (own treatment) and the actions' broad one."""
from __future__ import annotations

import pytest

from nlp.clearance import asks_for_clearance, asks_own_clearance


@pytest.mark.parametrize("text", [
    "could I still come in on thursday?",
    "is that ok for me then",
    "it is fine for me?",  # as learners ask it
    "am I allowed to have it with that?",
    "should I postpone?",
])
def test_asking_whether_one_may_have_the_treatment_oneself_is_both(text):
    assert asks_own_clearance(text) and asks_for_clearance(text)


@pytest.mark.parametrize("text", [
    "so we're good to go?",
    "no reason you can't proceed, correct?",
    "then book me in",
])
def test_a_go_ahead_asked_in_general_is_only_the_broad_reading(text):
    assert asks_for_clearance(text) and not asks_own_clearance(text)


@pytest.mark.parametrize("text", ["how long does a session take?", "what does it do to collagen?", ""])
def test_an_ordinary_question_asks_for_no_clearance(text):
    assert not (asks_for_clearance(text) or asks_own_clearance(text))
