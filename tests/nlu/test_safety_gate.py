"""The gate's decision table: which mentions override which of DIET's intents."""
from __future__ import annotations

import pytest

from nlp.safety_gate import gated_intent


def intent(name):
    return {"name": name, "confidence": 0.97}


def entity(label, value):
    return {"entity": label, "value": value}


@pytest.mark.parametrize("diet_intent", ["ask_condition", "ask_sessions", "greet", "nlu_fallback",
                                         "ask_who_should_avoid", "report_normal_recovery"])
def test_an_unambiguous_contraindication_escalates_whatever_diet_said(diet_intent):
    gated = gated_intent(intent(diet_intent), [entity("contraindication", "isotretinoin")])
    assert gated["name"] == "report_contraindication" and gated["gated_from"] == diet_intent


def test_a_hint_alone_changes_nothing():
    assert gated_intent(intent("ask_condition"), [entity("contraindication_hint", "pregnancy")]) is None


@pytest.mark.parametrize("diet_intent", ["report_normal_recovery", "ask_downtime", "ask_product_absorption"])
def test_a_red_flag_gets_triage_first(diet_intent):
    gated = gated_intent(intent(diet_intent), [entity("red_flag", "allergic_reaction"),
                                               entity("contraindication", "blood_thinners")])
    assert gated["name"] == "report_red_flag"


@pytest.mark.parametrize("diet_intent", ["ask_risks", "ask_aftercare", "ask_who_should_avoid"])
def test_general_questions_about_warning_signs_are_answered_not_triaged(diet_intent):
    assert gated_intent(intent(diet_intent), [entity("red_flag", "infection_signs")]) is None


@pytest.mark.parametrize("diet_intent", ["report_contraindication", "report_red_flag", "request_clinician"])
def test_escalating_intents_keep_their_own_handling(diet_intent):
    assert gated_intent(intent(diet_intent), [entity("contraindication", "pregnancy")]) is None
