"""actions.safety_answers: who should not have it, with the question the visitor asked."""
from __future__ import annotations

from action_testkit import all_text, earlier_question, make_tracker, markers, responses, run_action
from actions.safety_answers import ActionAnswerWhoShouldAvoid


def answer(text, ranking, **kw):
    tracker = make_tracker(text, "ask_who_should_avoid", intent_ranking=ranking, **kw)
    return run_action(ActionAnswerWhoShouldAvoid(), tracker)


def test_a_question_asked_beside_a_past_mention_is_answered_then_the_caution():
    dispatcher, _ = answer("had cold sores as a kid, none in 10 yrs. sessions how far apart?",
                           [("ask_who_should_avoid", 0.74), ("ask_sessions", 0.08), ("greet", 0.01)])
    assert responses(dispatcher) == ["utter_sessions", "utter_who_should_avoid"]
    assert markers(dispatcher) == []


def test_the_question_the_safety_gate_kept_is_answered_whatever_the_ranking():
    dispatcher, _ = answer("not on any blood thinners btw, how long does a session take", [("ask_during_treatment", 0.9)],
                           gated_from="ask_during_treatment", question="ask_during_treatment")
    assert responses(dispatcher) == ["utter_during_treatment", "utter_who_should_avoid"]
    assert markers(dispatcher) == []


def test_a_condition_named_is_answered_too():
    dispatcher, _ = answer("my husband is on accutane but I'm the one booking, does it work on stretch marks",
                           [("ask_who_should_avoid", 0.87), ("report_contraindication", 0.06)],
                           entities=[("condition", "stretch_marks", "stretch marks")])
    assert responses(dispatcher) == ["utter_ask_condition/stretch_marks", "utter_who_should_avoid"]


def test_a_general_question_gets_the_general_answer_only():
    dispatcher, _ = answer("who shouldn't get microneedling?", [("ask_who_should_avoid", 0.95), ("ask_risks", 0.03)])
    assert responses(dispatcher) == ["utter_who_should_avoid"]


def test_safety_intents_are_never_answered_as_the_second_question():
    dispatcher, _ = answer("my aunt has lupus, could she?", [("ask_who_should_avoid", 0.6),
                                                                ("report_contraindication", 0.3)])
    assert responses(dispatcher) == ["utter_who_should_avoid"]


def test_the_action_is_declared_in_the_domain(domain):
    assert ActionAnswerWhoShouldAvoid().name() in domain["actions"]


def test_context_added_after_a_condition_question_gets_that_answer_again():
    # "can it help acne scars?" ... then a statement: the condition's answer, then the caution.
    dispatcher, _ = answer("for context, he finished his accutane course two years ago, skin calm since",
                           [("ask_who_should_avoid", 0.54), ("ask_aftercare", 0.09)],
                           slots={"condition": "acne_scars", "last_topic": "condition"})
    assert responses(dispatcher) == ["utter_ask_condition/acne_scars", "utter_who_should_avoid"]


def test_context_added_after_a_follow_up_repeats_that_follow_up_for_the_condition():
    dispatcher, _ = answer("btw my breakouts stopped a year ago", [("ask_who_should_avoid", 0.5)],
                           slots={"condition": "acne_scars", "last_topic": "sessions"})
    assert responses(dispatcher) == ["utter_sessions_acne_scars", "utter_who_should_avoid"]


def test_a_new_question_in_a_conditions_context_is_not_taken_as_added_context():
    dispatcher, _ = answer("who should avoid it?", [("ask_who_should_avoid", 0.95)],
                           slots={"condition": "acne_scars", "last_topic": "condition"})
    assert responses(dispatcher) == ["utter_who_should_avoid"]


def test_someone_elses_current_condition_escalates_when_an_earlier_turn_said_they_would_be_treated():
    earlier = earlier_question("does it work on neck lines? asking for my grandad, he'd be the patient", "ask_condition")
    dispatcher, events = answer("oh and he's on clopidogrel since his stent", [("ask_who_should_avoid", 0.7)],
                                earlier_events=earlier, gate={"theirs": ["blood_thinners"]})
    assert [m["reason"] for m in markers(dispatcher)] == ["blood_thinners"]
    assert "the person you're asking for" in all_text(dispatcher)
    assert "utter_who_should_avoid" not in responses(dispatcher)


def test_someone_elses_condition_is_answered_when_they_are_not_the_one_to_be_treated():
    earlier = earlier_question("my grandad is coming with me, he's not having it done", "inform")
    dispatcher, _ = answer("he's on clopidogrel, how long will my session be?", [("ask_who_should_avoid", 0.7)],
                           earlier_events=earlier, gate={"theirs": ["blood_thinners"]})
    assert markers(dispatcher) == []
    assert responses(dispatcher)[-1] == "utter_who_should_avoid"


def test_someone_elses_condition_with_nobody_said_to_be_treated_is_answered_with_the_caution():
    earlier = earlier_question("what is microneedling?", "ask_what_is")
    dispatcher, _ = answer("my cousin has lupus, is it risky in general?", [("ask_who_should_avoid", 0.8)],
                           earlier_events=earlier, gate={"theirs": ["autoimmune"]})
    assert markers(dispatcher) == []
