"""actions.questions: one guide answer per plain question, and the classifier's close second reading."""
from __future__ import annotations

from pathlib import Path

import pytest

from action_testkit import make_tracker, markers, responses, run_action, texts
from actions.questions import PLAIN_QUESTIONS, ActionAnswerQuestion


def answer(text, intent, ranking, **kw):
    return run_action(ActionAnswerQuestion(), make_tracker(text, intent, intent_ranking=ranking, **kw))[0]


@pytest.mark.parametrize("intent, response", [
    ("ask_aftercare", "utter_aftercare"),
    ("ask_during_treatment", "utter_during_treatment"),
    ("ask_conditions_treated", "utter_conditions_overview"),
    ("ask_skin_type", "utter_skin_type"),
])
def test_a_sure_question_gets_its_one_answer(intent, response):
    dispatcher = answer("(a question)", intent, [(intent, 0.93), ("ask_what_is", 0.04)])
    assert responses(dispatcher) == [response]


def test_a_close_second_reading_is_answered_after_the_first():
    dispatcher = answer("how long is one session? need to fit it between lectures", "ask_during_treatment",
                        [("ask_during_treatment", 0.55), ("ask_sessions", 0.4)])
    assert responses(dispatcher) == ["utter_during_treatment", "utter_sessions"]


def test_a_second_reading_about_a_condition_gets_that_conditions_answer():
    dispatcher = answer("dull skin and uneven tone, good option for me?", "ask_skin_type",
                        [("ask_skin_type", 0.4), ("ask_condition", 0.35), ("ask_results_vary", 0.15)],
                        entities=[("condition", "dull_skin", "dull skin")])
    assert responses(dispatcher) == ["utter_skin_type", "utter_ask_condition/dull_skin"]


def test_a_weak_second_reading_adds_nothing():
    dispatcher = answer("what do I put on after?", "ask_aftercare", [("ask_aftercare", 0.8), ("ask_downtime", 0.15)])
    assert responses(dispatcher) == ["utter_aftercare"]


def test_a_second_reading_that_is_not_an_answer_adds_nothing():
    # Safety, booking and chit-chat readings are never answered as a second question.
    dispatcher = answer("is it risky?", "ask_risks", [("ask_risks", 0.5), ("report_red_flag", 0.45)])
    assert responses(dispatcher) == ["utter_risks"]


def test_a_message_the_safety_gate_changed_gets_no_second_reading():
    dispatcher = answer("had acne years ago, all gone, does it hurt?", "ask_during_treatment",
                        [("report_beyond_normal", 0.4), ("ask_during_treatment", 0.35)],
                        gated_from="report_beyond_normal")
    assert responses(dispatcher) == ["utter_during_treatment"]


def test_every_plain_question_has_a_rule_and_the_action_is_declared(domain):
    rules = "".join(p.read_text(encoding="utf-8") for p in (Path(__file__).parents[2] / "data" / "rules").glob("*.yml"))
    for intent in PLAIN_QUESTIONS:
        assert f"- intent: {intent}\n  - action: action_answer_question" in rules
    assert ActionAnswerQuestion().name() in domain["actions"]


def test_asking_for_the_go_ahead_after_telling_a_contraindication_gets_the_check_again():
    dispatcher = answer("my eczema is nowhere near the area, so it's fine to go ahead then?", "ask_aftercare",
                        [("ask_aftercare", 0.9)], slots={"escalation_reason": "autoimmune", "escalation_urgent": False})
    assert responses(dispatcher) == ["utter_aftercare"]
    [marker] = markers(dispatcher)
    assert marker["reason"] == "autoimmune"
    assert "still needs to check" in texts(dispatcher)[0]


def test_a_plain_question_after_a_contraindication_is_answered_without_repeating_the_check():
    dispatcher = answer("what sunscreen should I use?", "ask_aftercare", [("ask_aftercare", 0.9)],
                        slots={"escalation_reason": "autoimmune", "escalation_urgent": False})
    assert responses(dispatcher) == ["utter_aftercare"] and markers(dispatcher) == []
