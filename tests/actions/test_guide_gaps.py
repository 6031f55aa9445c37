"""actions.guide_gaps: comparisons and questions the guide is silent on, never "off-topic"."""
from __future__ import annotations

from action_testkit import earlier_question, make_tracker, markers, responses, run_action, slot_events, texts
from actions.guide_gaps import ActionAnswerComparison, ActionAnswerOutsideGuide


def test_a_comparison_gives_the_condition_answer_then_microneedlings_facts(domain):
    tracker = make_tracker("is this better than a peel for my acne scars?", "ask_comparison",
                           entities=[("condition", "acne_scars", "acne scars")])
    dispatcher, events = run_action(ActionAnswerComparison(), tracker)
    assert responses(dispatcher) == ["utter_ask_condition/acne_scars", "utter_comparison"]
    text = domain["responses"]["utter_comparison"][0]["text"]
    assert "collagen" in text and "provider can compare" in text
    assert markers(dispatcher) == []
    assert slot_events(events)["condition"] == "acne_scars"


def test_a_comparison_without_a_condition_gives_microneedlings_facts():
    dispatcher, events = run_action(ActionAnswerComparison(), make_tracker("vs botox?", "ask_comparison"))
    assert responses(dispatcher) == ["utter_comparison"]
    assert "condition" not in slot_events(events)


def test_a_comparison_with_what_the_guide_combines_it_with_is_answered_as_the_combination():
    tracker = make_tracker("minoxidil by itself or minoxidil plus needling, which is better?", "ask_comparison")
    dispatcher, events = run_action(ActionAnswerComparison(), tracker)
    assert responses(dispatcher) == ["utter_combined_treatments_hair_loss"]


def test_a_comparison_of_things_that_are_not_skin_treatments_is_off_topic():
    dispatcher, events = run_action(ActionAnswerComparison(), make_tracker("python or java, which is faster?",
                                                                           "ask_comparison"))
    assert responses(dispatcher) == ["utter_out_of_scope"]


def test_a_comparison_pointing_back_at_the_condition_just_answered_gets_that_condition():
    tracker = make_tracker("the faded silver ones vs fresh purple ones, any difference?", "ask_comparison",
                           slots={"condition": "stretch_marks", "last_topic": "condition"})
    dispatcher, _ = run_action(ActionAnswerComparison(), tracker)
    assert responses(dispatcher)[0] == "utter_ask_condition/stretch_marks"


def test_a_question_the_guide_does_not_answer_says_so_and_gives_the_clinic(clinic_config, domain):
    tracker = make_tracker("can I put make-up on the next morning?", "ask_outside_guide")
    dispatcher, _ = run_action(ActionAnswerOutsideGuide(), tracker)
    assert responses(dispatcher) == ["utter_outside_guide"]
    text = domain["responses"]["utter_outside_guide"][0]["text"]
    assert "doesn't cover" in text and "provider" in text
    assert "only help with" not in text  # not the off-topic refusal
    [contact] = texts(dispatcher)
    assert clinic_config["phone"] in contact
    assert markers(dispatcher) == []


def test_action_names_are_declared_in_the_domain(domain):
    for action in (ActionAnswerComparison(), ActionAnswerOutsideGuide()):
        assert action.name() in domain["actions"]


def test_off_topic_is_refused():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("who won the football last night?", "out_of_scope",
                           intent_ranking=[("out_of_scope", 0.8), ("ask_risks", 0.05)])
    dispatcher, _ = run_action(ActionAnswerOutOfScope(), tracker)
    assert responses(dispatcher) == ["utter_out_of_scope"]


def test_a_skin_question_read_as_off_topic_gets_the_nearest_answer_not_a_refusal():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("and would that also smooth the surface texture of my skin?", "out_of_scope",
                           intent_ranking=[("out_of_scope", 0.5), ("ask_how_it_works", 0.2), ("ask_risks", 0.1)])
    dispatcher, _ = run_action(ActionAnswerOutOfScope(), tracker)
    assert responses(dispatcher) == ["utter_how_it_works"]
    assert "utter_out_of_scope" not in responses(dispatcher)


def test_a_follow_up_pointing_back_at_the_condition_just_answered_gets_that_condition():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("and the old white ones from years ago, or only new?", "out_of_scope",
                           slots={"condition": "stretch_marks", "last_topic": "condition"},
                           intent_ranking=[("out_of_scope", 0.6), ("ask_results_vary", 0.1)])
    dispatcher, events = run_action(ActionAnswerOutOfScope(), tracker)
    assert responses(dispatcher) == ["utter_ask_condition/stretch_marks"]


def test_pointing_back_without_a_condition_just_discussed_is_still_off_topic():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("are those the ones that won the league?", "out_of_scope",
                           slots={"condition": "stretch_marks", "last_topic": "booking"},
                           intent_ranking=[("out_of_scope", 0.9)])
    dispatcher, _ = run_action(ActionAnswerOutOfScope(), tracker)
    assert responses(dispatcher) == ["utter_out_of_scope"]


def test_a_short_follow_up_pointing_back_at_the_previous_question_continues_it():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("Which ones, then?", "out_of_scope", intent_ranking=[("out_of_scope", 0.4), ("ask_sessions", 0.08)],
                           earlier_events=earlier_question("do serums soak in better after needling?", "ask_product_absorption"))
    dispatcher, _ = run_action(ActionAnswerOutOfScope(), tracker)
    assert responses(dispatcher) == ["utter_product_absorption"]


def test_pointing_back_after_a_question_with_no_plain_answer_is_still_off_topic():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("which ones won the cup?", "out_of_scope", intent_ranking=[("out_of_scope", 0.9)],
                           earlier_events=earlier_question("who won the football?", "out_of_scope"))
    dispatcher, _ = run_action(ActionAnswerOutOfScope(), tracker)
    assert responses(dispatcher) == ["utter_out_of_scope"]


def test_advice_asked_after_a_contraindication_is_the_clinicians_check_again_not_a_refusal():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("ok so what do you advise?", "out_of_scope",
                           slots={"escalation_reason": "keloid", "escalation_urgent": False, "last_topic": "escalation"},
                           intent_ranking=[("out_of_scope", 0.5), ("ask_capabilities", 0.3)])
    dispatcher, _ = run_action(ActionAnswerOutOfScope(), tracker)
    assert "utter_out_of_scope" not in responses(dispatcher)
    assert "a clinician still needs to check" in " ".join(texts(dispatcher))
    assert [m["reason"] for m in markers(dispatcher)] == ["keloid"]


def test_advice_asked_with_nothing_told_before_is_still_off_topic():
    from actions.guide_gaps import ActionAnswerOutOfScope
    tracker = make_tracker("what would you recommend for my tax return?", "out_of_scope",
                           intent_ranking=[("out_of_scope", 0.9)])
    dispatcher, _ = run_action(ActionAnswerOutOfScope(), tracker)
    assert responses(dispatcher) == ["utter_out_of_scope"]
