"""actions.context: answers that depend on the condition the visitor is talking about."""
from __future__ import annotations

import re

import pytest

from action_testkit import earlier_question, load_domain, make_tracker, markers, responses, run_action, slot_events
from actions.context import (
    CONDITION_SPECIFIC,
    CONTEXT_TOPICS,
    MAX_CONDITIONS_PER_ANSWER,
    ActionAnswerCondition,
    ActionAnswerInContext,
    topic_response,
)
from actions.escalation import ActionEscalateToClinician
from actions.vocabulary import load_vocabulary

CONDITIONS = sorted(load_vocabulary()["condition"])


def answer_condition(text, intent="ask_condition", entities=(), slots=None, response_selector=None):
    tracker = make_tracker(text, intent, entities=entities, slots=slots, response_selector=response_selector)
    return run_action(ActionAnswerCondition(), tracker)


def answer_in_context(text, intent, entities=(), slots=None):
    tracker = make_tracker(text, intent, entities=entities, slots=slots)
    return run_action(ActionAnswerInContext(), tracker)


# ---- action_answer_condition -----------------------------------------------------------------

def test_answers_for_the_canonical_value_of_the_condition_entity():
    # The entity (from the vocabulary) wins over the ResponseSelector's guess.
    dispatcher, events = answer_condition("can microneedling help my stretchies?",
                                          entities=[("condition", "stretch_marks", "stretchies")],
                                          response_selector="ask_condition/acne_scars")
    assert responses(dispatcher) == ["utter_ask_condition/stretch_marks", "utter_condition_follow_ups"]
    assert slot_events(events) == {"condition": "stretch_marks", "last_topic": "condition"}


def test_falls_back_to_the_response_selectors_choice():
    dispatcher, events = answer_condition("does it do anything for the silvery lines on my hips?",
                                          response_selector="ask_condition/stretch_marks")
    assert responses(dispatcher) == ["utter_ask_condition/stretch_marks", "utter_condition_follow_ups"]
    assert slot_events(events) == {"condition": "stretch_marks", "last_topic": "condition"}


def _unsure_selection(key, confidence=0.3):
    from tests.actions.action_testkit import _response_selector
    spec = _response_selector(key)
    spec["ask_condition"]["response"]["confidence"] = confidence
    return spec


def test_a_follow_up_naming_no_condition_keeps_the_condition_in_context():
    dispatcher, events = answer_condition("would those ever go completely?", slots={"condition": "stretch_marks"},
                                          response_selector=_unsure_selection("ask_condition/dull_skin"))
    assert responses(dispatcher)[0] == "utter_ask_condition/stretch_marks"
    assert slot_events(events)["condition"] == "stretch_marks"


def test_a_follow_up_pointing_back_keeps_the_condition_unless_the_selector_is_very_sure():
    dispatcher, _ = answer_condition("will they ever vanish or only look better?", slots={"condition": "stretch_marks"},
                                     response_selector=_unsure_selection("ask_condition/dull_skin", 0.7))
    assert responses(dispatcher)[0] == "utter_ask_condition/stretch_marks"


def test_a_sure_selection_changes_the_condition_in_context():
    dispatcher, _ = answer_condition("and the silvery lines on my hips?", slots={"condition": "acne_scars"},
                                     response_selector=_unsure_selection("ask_condition/stretch_marks", 0.9))
    assert responses(dispatcher)[0] == "utter_ask_condition/stretch_marks"


def test_the_selector_is_trusted_for_a_bare_condition_too():
    # "the lines on my hips" is inform_condition: the selector's stretch_marks is what was meant.
    dispatcher, events = answer_condition("the lines on my hips", intent="inform_condition",
                                          response_selector="ask_condition/stretch_marks")
    assert responses(dispatcher) == ["utter_ask_condition/stretch_marks", "utter_condition_follow_ups"]
    assert slot_events(events) == {"condition": "stretch_marks", "last_topic": "condition"}


def test_the_selector_is_not_trusted_for_other_intents():
    dispatcher, events = answer_condition("how many sessions?", intent="ask_sessions",
                                          response_selector="ask_condition/stretch_marks")
    assert responses(dispatcher) == ["utter_ask_which_condition"]
    assert events == []


def test_a_selector_key_that_is_not_a_condition_is_not_answered():
    dispatcher, events = answer_condition("can it help my thing?",
                                          response_selector="ask_condition/something_new")
    assert responses(dispatcher) == ["utter_ask_which_condition"]
    assert events == []


def test_entity_values_outside_the_vocabulary_are_ignored():
    dispatcher, _ = answer_condition("can it help my freckles?",
                                     entities=[("condition", "freckles")],
                                     response_selector="ask_condition/hyperpigmentation")
    assert responses(dispatcher)[0] == "utter_ask_condition/hyperpigmentation"


def test_answers_each_of_two_conditions_named():
    dispatcher, events = answer_condition("would it help acne scars and large pores?",
                                          entities=[("condition", "acne_scars", "acne scars"),
                                                    ("condition", "enlarged_pores", "large pores")])
    assert responses(dispatcher) == ["utter_ask_condition/acne_scars", "utter_ask_condition/enlarged_pores",
                                     "utter_condition_follow_ups"]
    # Follow-ups ("how many sessions?") then refer to the last one named.
    assert slot_events(events)["condition"] == "enlarged_pores"


def test_at_most_three_conditions_are_answered_at_once():
    named = ["acne_scars", "stretch_marks", "wrinkles", "melasma"]
    dispatcher, _ = answer_condition("acne scars, stretch marks, wrinkles and melasma?",
                                     entities=[("condition", key) for key in named])
    answered = [r for r in responses(dispatcher) if r.startswith("utter_ask_condition/")]
    assert answered == [f"utter_ask_condition/{key}" for key in named[:MAX_CONDITIONS_PER_ANSWER]]


def test_asks_which_condition_when_none_is_named():
    dispatcher, events = answer_condition("can it help with my skin problem?")
    assert responses(dispatcher) == ["utter_ask_which_condition"]
    assert markers(dispatcher) == []
    assert events == []


@pytest.mark.parametrize("new_condition, expected", [
    ("acne_scars", "utter_sessions_acne_scars"),
    ("hair_loss", "utter_sessions_hair_loss"),
    ("enlarged_pores", "utter_sessions"),  # no pores-specific sessions answer in the guide
])
def test_a_correction_after_a_sessions_question_answers_sessions_again(new_condition, expected):
    dispatcher, events = answer_condition("sorry, I meant for my " + new_condition.replace("_", " "),
                                          intent="inform_condition",
                                          entities=[("condition", new_condition)],
                                          slots={"condition": "stretch_marks", "last_topic": "sessions"})
    assert responses(dispatcher) == [expected, "utter_condition_follow_ups"]
    assert slot_events(events) == {"condition": new_condition, "last_topic": "sessions"}


def test_a_correction_after_a_results_question_answers_that_question():
    dispatcher, events = answer_condition("what about melasma?", intent="inform_condition",
                                          entities=[("condition", "melasma")],
                                          slots={"condition": "wrinkles", "last_topic": "results_vary"})
    assert responses(dispatcher)[0] == "utter_results_vary_melasma"
    assert slot_events(events)["last_topic"] == "results_vary"


def test_a_new_condition_question_after_a_sessions_answer_describes_the_condition():
    # Only a bare condition / correction (inform_condition) repeats the last follow-up.
    dispatcher, events = answer_condition("can it help acne scars too?",
                                          entities=[("condition", "acne_scars", "acne scars")],
                                          slots={"condition": "stretch_marks", "last_topic": "sessions"})
    assert responses(dispatcher) == ["utter_ask_condition/acne_scars", "utter_condition_follow_ups"]
    assert slot_events(events) == {"condition": "acne_scars", "last_topic": "condition"}


def test_a_bare_condition_after_a_condition_answer_describes_the_new_condition():
    dispatcher, events = answer_condition("and wrinkles?", intent="inform_condition",
                                          entities=[("condition", "wrinkles")],
                                          slots={"condition": "acne_scars", "last_topic": "condition"})
    assert responses(dispatcher)[0] == "utter_ask_condition/wrinkles"
    assert slot_events(events)["last_topic"] == "condition"


def test_a_condition_question_naming_isotretinoin_is_answered_then_escalated():
    """nlp/safety_gate.py turns ask_condition + a `contraindication` entity into
    report_contraindication; action_escalate_to_clinician then answers the condition first."""
    text = "Can microneedling help my acne scars? I'm on isotretinoin right now"
    tracker = make_tracker(text, "report_contraindication", gated_from="ask_condition",
                           entities=[("condition", "acne_scars", "acne scars"),
                                     ("contraindication", "isotretinoin", "isotretinoin")])
    dispatcher, events = run_action(ActionEscalateToClinician(), tracker)
    # The general facts first, then the escalation; no "anything else?" suggestions.
    assert dispatcher.messages[0]["response"] == "utter_ask_condition/acne_scars"
    assert "utter_condition_follow_ups" not in responses(dispatcher)
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"], marker["ticket"]) == ("isotretinoin", False, None)
    slots = slot_events(events)
    assert slots["escalation_reason"] == "isotretinoin"
    assert slots["escalation_question"] == text
    assert slots["escalation_urgent"] is False


def test_the_condition_answer_itself_never_escalates():
    # Routing to a clinician is the gate's and the escalation action's job, not this one's.
    dispatcher, events = answer_condition("can it help acne scars? I'm on accutane",
                                          entities=[("condition", "acne_scars", "acne scars"),
                                                    ("contraindication", "isotretinoin", "accutane")])
    assert responses(dispatcher) == ["utter_ask_condition/acne_scars", "utter_condition_follow_ups"]
    assert markers(dispatcher) == []
    assert "escalation_reason" not in slot_events(events)


def test_pregnancy_as_the_cause_of_stretch_marks_does_not_escalate():
    # "pregnancy" here is only a hint (entity contraindication_hint): the gate leaves ask_condition.
    dispatcher, events = answer_condition("can it help stretch marks from my pregnancy?",
                                          entities=[("condition", "stretch_marks", "stretch marks"),
                                                    ("contraindication_hint", "pregnancy", "pregnancy")])
    assert responses(dispatcher) == ["utter_ask_condition/stretch_marks", "utter_condition_follow_ups"]
    assert markers(dispatcher) == []
    assert "escalation_reason" not in slot_events(events)
    assert "pregnancy" in load_vocabulary()["contraindication"]["pregnancy"].hints
    assert "pregnancy" not in load_vocabulary()["contraindication"]["pregnancy"].terms


# ---- action_answer_in_context ----------------------------------------------------------------

@pytest.mark.parametrize("intent, slot_condition, expected", [
    ("ask_sessions", "stretch_marks", "utter_sessions_stretch_marks"),
    ("ask_sessions", "enlarged_pores", "utter_sessions"),
    ("ask_sessions", None, "utter_sessions"),
    ("ask_results_timeline", None, "utter_results_timeline"),
    ("ask_results_timeline", "acne_scars", "utter_results_timeline_acne_scars"),
    ("ask_results_timeline", "melasma", "utter_results_timeline"),
    ("ask_results_vary", "melasma", "utter_results_vary_melasma"),
    ("ask_results_vary", "dull_skin", "utter_results_vary"),
    ("ask_combined_treatments", "hair_loss", "utter_combined_treatments_hair_loss"),
    ("ask_combined_treatments", "surgical_scars", "utter_combined_treatments_surgical_scars"),
    ("ask_combined_treatments", "acne_scars", "utter_combined_treatments"),
    ("ask_combined_treatments", None, "utter_combined_treatments"),
])
def test_follow_up_questions_use_the_condition_in_the_slot(intent, slot_condition, expected):
    dispatcher, events = answer_in_context("and how long / how many?", intent,
                                           slots={"condition": slot_condition, "last_topic": "condition"})
    assert responses(dispatcher) == [expected]
    assert slot_events(events) == {"last_topic": CONTEXT_TOPICS[intent]}  # the slot is kept, not changed


def test_a_condition_named_in_the_follow_up_wins_and_becomes_the_context():
    dispatcher, events = answer_in_context("how many sessions for hair thinning?", "ask_sessions",
                                           entities=[("condition", "hair_loss", "hair thinning")],
                                           slots={"condition": "stretch_marks"})
    assert responses(dispatcher) == ["utter_sessions_hair_loss"]
    assert slot_events(events) == {"last_topic": "sessions", "condition": "hair_loss"}


def test_a_contraindication_in_a_follow_up_does_not_change_the_answer():
    dispatcher, events = answer_in_context("how long until the stretch marks from pregnancy fade?",
                                           "ask_results_timeline",
                                           entities=[("condition", "stretch_marks", "stretch marks"),
                                                     ("contraindication_hint", "pregnancy")])
    assert responses(dispatcher) == ["utter_results_timeline_stretch_marks"]
    assert markers(dispatcher) == []
    assert slot_events(events) == {"last_topic": "results_timeline", "condition": "stretch_marks"}


# ---- consistency with domain.yml -------------------------------------------------------------

def test_every_response_the_context_module_can_produce_exists_in_the_domain():
    domain_responses = set(load_domain()["responses"])
    missing = []
    for topic in CONDITION_SPECIFIC:
        for condition in CONDITIONS + [None]:
            name = topic_response(topic, condition)
            if name not in domain_responses:
                missing.append(f"{topic}/{condition}: {name}")
    for condition in CONDITIONS:
        if f"utter_ask_condition/{condition}" not in domain_responses:
            missing.append(f"utter_ask_condition/{condition}")
    for fixed in ("utter_ask_which_condition", "utter_condition_follow_ups"):
        if fixed not in domain_responses:
            missing.append(fixed)
    assert missing == []


def test_every_condition_specific_response_in_the_domain_is_reachable():
    topics = "|".join(sorted(CONDITION_SPECIFIC, key=len, reverse=True))
    pattern = re.compile(rf"^utter_({topics})_(.+)$")
    unreachable = []
    for name in load_domain()["responses"]:
        match = pattern.match(name)
        if match:
            topic, condition = match.groups()
            if topic_response(topic, condition) != name:
                unreachable.append(name)
    assert unreachable == []
    # And the lists only name conditions the vocabulary knows.
    for topic, conditions in CONDITION_SPECIFIC.items():
        assert conditions <= set(CONDITIONS), topic


def test_every_condition_answer_in_the_domain_is_a_vocabulary_condition():
    keys = {name.split("/", 1)[1] for name in load_domain()["responses"] if name.startswith("utter_ask_condition/")}
    assert keys == set(CONDITIONS)


def test_follow_up_intents_and_topics_agree_with_the_domain(domain):
    assert set(CONTEXT_TOPICS) <= set(domain["intents"])
    assert set(CONTEXT_TOPICS.values()) == set(CONDITION_SPECIFIC)
    assert {"ask_condition", "inform_condition"} <= set(domain["intents"])
    assert ActionAnswerCondition().name() in domain["actions"]
    assert ActionAnswerInContext().name() in domain["actions"]


def test_two_follow_up_questions_in_one_message_are_both_answered_for_the_condition():
    dispatcher, events = answer_in_context("how many sessions and when will I see results?",
                                           "ask_sessions+ask_results_timeline",
                                           slots={"condition": "stretch_marks"})
    assert responses(dispatcher) == ["utter_sessions_stretch_marks", "utter_results_timeline_stretch_marks"]
    assert slot_events(events) == {"last_topic": "results_timeline"}


def test_a_contraindication_told_earlier_keeps_the_clinicians_check_standing(clinic_config):
    # "I'm in the middle of chemotherapy." ... "would it help my complexion?"
    tracker = make_tracker("would it help my dull skin in the meantime?", "ask_condition",
                           entities=[("condition", "dull_skin", "dull skin")],
                           slots={"escalation_reason": "cancer_treatment", "escalation_urgent": False})
    dispatcher, _ = run_action(ActionAnswerCondition(), tracker)
    assert responses(dispatcher)[0] == "utter_ask_condition/dull_skin"
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == ("cancer_treatment", False)
    assert any("clinician still needs to check" in (m.get("text") or "") for m in dispatcher.messages)


def test_no_reminder_without_an_earlier_contraindication():
    tracker = make_tracker("how many sessions for stretch marks?", "ask_sessions",
                           entities=[("condition", "stretch_marks", "stretch marks")])
    dispatcher, _ = run_action(ActionAnswerInContext(), tracker)
    assert markers(dispatcher) == []


def test_it_and_that_do_not_point_back_to_the_condition_in_context():
    # "it" is the treatment; "that orange-peel look" names a new thing the selector recognised.
    dispatcher, _ = answer_condition("can it help that orange-peel look on my thighs?",
                                     slots={"condition": "acne_scars"},
                                     response_selector=_unsure_selection("ask_condition/enlarged_pores", 0.7))
    assert responses(dispatcher)[0] == "utter_ask_condition/enlarged_pores"


@pytest.mark.parametrize("text", [
    "the scar from her appendix op healed thick and lumpy, what's used alongside the needling?",
    "got stitches after a bike crash and the scar went raised. anything paired with it?",
    "Dad's got a long scar down his chest from a heart bypass, what's used alongside the needling?",
])
def test_a_scar_told_by_its_cause_or_look_gets_the_surgical_scar_combination(text):
    dispatcher, events = answer_in_context(text, "ask_combined_treatments", slots={"condition": None})
    assert responses(dispatcher) == ["utter_combined_treatments_surgical_scars"]
    assert slot_events(events)["condition"] == "surgical_scars"


def test_a_scar_with_no_cause_or_look_keeps_the_general_combination():
    dispatcher, _ = answer_in_context("what goes with microneedling for my scar?", "ask_combined_treatments",
                                      slots={"condition": None})
    assert responses(dispatcher) == ["utter_combined_treatments"]


def follow_up(text, ranking, before=("how red does your face go after?", "ask_downtime")):
    tracker = make_tracker(text, ranking[0][0], intent_ranking=ranking, earlier_events=earlier_question(*before))
    return run_action(ActionAnswerInContext(), tracker)


def test_a_short_follow_up_continues_the_question_before_it():
    dispatcher, _ = follow_up("and how long does that last for", [("ask_results_timeline", 0.29), ("ask_downtime", 0.25)])
    assert responses(dispatcher) == ["utter_downtime"]


@pytest.mark.parametrize("text, ranking, before", [
    # the classifier sees no downtime reading in it
    ("and how long does that last for", [("ask_results_timeline", 0.8), ("ask_downtime", 0.1)],
     ("how red does your face go after?", "ask_downtime")),
    # a question of its own, long enough to stand alone
    ("ok and how long until I actually see the results of the whole course of treatment",
     [("ask_results_timeline", 0.3), ("ask_downtime", 0.28)], ("how red does your face go after?", "ask_downtime")),
    # the question before was no plain answer to continue
    ("and how long does that take", [("ask_results_timeline", 0.3), ("ask_sessions", 0.28)],
     ("how many sessions?", "ask_sessions")),
])
def test_a_follow_up_that_stands_on_its_own_is_answered_as_asked(text, ranking, before):
    # (A close second reading may be answered after it: see the second-reading tests.)
    dispatcher, _ = follow_up(text, ranking, before)
    assert responses(dispatcher)[0] == "utter_results_timeline"


def test_a_condition_question_also_answers_a_close_second_reading():
    tracker = make_tracker("is it good for rough bumpy skin or is my skin type wrong for it?", "ask_condition",
                           response_selector="ask_condition/enlarged_pores",
                           intent_ranking=[("ask_condition", 0.45), ("ask_skin_type", 0.3)])
    dispatcher, _ = run_action(ActionAnswerCondition(), tracker)
    assert responses(dispatcher)[:2] == ["utter_ask_condition/enlarged_pores", "utter_skin_type"]


def test_a_follow_up_topic_also_answers_a_close_second_reading_for_the_condition_in_context():
    tracker = make_tracker("how many goes, and what's used with it?", "ask_sessions",
                           intent_ranking=[("ask_sessions", 0.5), ("ask_combined_treatments", 0.42)],
                           slots={"condition": "surgical_scars"})
    dispatcher, _ = run_action(ActionAnswerInContext(), tracker)
    assert responses(dispatcher) == ["utter_sessions_surgical_scars", "utter_combined_treatments_surgical_scars"]
