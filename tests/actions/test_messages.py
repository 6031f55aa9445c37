"""actions.messages: reading the visitor's latest message."""
from __future__ import annotations

from action_testkit import earlier_question, make_tracker
from actions.messages import (MAX_STORED_TEXT, entity_values, first_entity_value, latest_intent, latest_text,
                              typed_visitor_texts)


def test_latest_text_is_trimmed_and_bounded():
    assert latest_text(make_tracker("  I'm on Accutane \n", "report_contraindication")) == "I'm on Accutane"
    long = make_tracker("a" * (MAX_STORED_TEXT + 500), "out_of_scope")
    assert len(latest_text(long)) == MAX_STORED_TEXT


def test_latest_intent():
    assert latest_intent(make_tracker("hi", "greet")) == "greet"
    empty = make_tracker("hi", "greet")
    empty.latest_message = {}
    assert latest_intent(empty) == "" and latest_text(empty) == ""


def test_entity_values_are_canonical_in_order_without_repeats():
    tracker = make_tracker(
        "stretch marks, striae and acne scars",
        "ask_condition",
        entities=[("condition", "stretch_marks"), ("condition", "stretch_marks", "striae"),
                  ("condition", "acne_scars"), ("contraindication", "pregnancy", "striae")],
    )
    assert entity_values(tracker, "condition") == ["stretch_marks", "acne_scars"]
    assert first_entity_value(tracker, "condition") == "stretch_marks"
    assert first_entity_value(tracker, "red_flag") is None


def test_non_string_entity_values_are_ignored():
    tracker = make_tracker("x", "inform_condition",
                           entities=[{"entity": "condition", "value": None},
                                     {"entity": "condition", "value": ["acne_scars"]},
                                     {"entity": "condition", "value": "wrinkles"}])
    assert entity_values(tracker, "condition") == ["wrinkles"]


def test_typed_visitor_texts_leave_out_button_payloads_and_optionally_the_latest_message():
    earlier = earlier_question("does it hurt?", "ask_during_treatment") + earlier_question("/affirm", "affirm")
    tracker = make_tracker("and how long is it?", "ask_during_treatment", earlier_events=earlier)
    assert typed_visitor_texts(tracker) == ["does it hurt?", "and how long is it?"]
    assert typed_visitor_texts(tracker, before_latest=True) == ["does it hurt?"]
