"""actions.fallback: two-stage fallback and the clinic's contact details."""
from __future__ import annotations

from action_testkit import all_text, buttons, make_tracker, responses, run_action, texts
from actions.fallback import (
    NEAREST_ANSWERS,
    SUGGESTIONS,
    ActionDefaultAskAffirmation,
    ActionDefaultFallback,
    ActionShareClinicContact,
)


def ask_affirmation(ranking):
    tracker = make_tracker("how long does the red stay and can i go to the gym", "nlu_fallback",
                           intent_ranking=ranking, confidence=ranking[0][1])
    return run_action(ActionDefaultAskAffirmation(), tracker)


def test_a_near_miss_gets_the_nearest_answer_and_the_next_two_guesses():
    dispatcher, events = ask_affirmation([("nlu_fallback", 0.35), ("ask_downtime", 0.31),
                                          ("greet", 0.2), ("ask_aftercare", 0.18), ("ask_risks", 0.1)])
    assert texts(dispatcher)[0] == "It sounds like you're asking about downtime."
    assert responses(dispatcher) == ["utter_downtime"]
    assert buttons(dispatcher) == [
        {"title": "Aftercare", "payload": "/ask_aftercare"},
        {"title": "Side effects and risks", "payload": "/ask_risks"},
        {"title": "Something else", "payload": "/out_of_scope"},
    ]
    assert events == []


def test_a_guess_that_needs_more_than_an_answer_is_only_offered():
    dispatcher, events = ask_affirmation([("nlu_fallback", 0.35), ("ask_booking", 0.31),
                                          ("greet", 0.2), ("ask_aftercare", 0.18)])
    assert responses(dispatcher) == []
    assert buttons(dispatcher) == [
        {"title": "Booking and prices", "payload": "/ask_booking"},
        {"title": "Aftercare", "payload": "/ask_aftercare"},
        {"title": "Something else", "payload": "/out_of_scope"},
    ]
    assert "Did you mean" in texts(dispatcher)[0]
    assert events == []


def test_only_one_known_intent_gives_its_answer_plus_something_else():
    dispatcher, _ = ask_affirmation([("nlu_fallback", 0.35), ("greet", 0.3), ("ask_prp", 0.2), ("thank", 0.1)])
    assert responses(dispatcher) == ["utter_prp"]
    assert [b["payload"] for b in buttons(dispatcher)] == ["/out_of_scope"]


def test_nearest_answers_are_real_responses_and_never_safety_intents(domain):
    for intent, response in NEAREST_ANSWERS.items():
        assert response in domain["responses"] and intent in SUGGESTIONS
        assert not intent.startswith("report_")


def test_no_known_intent_asks_to_rephrase():
    dispatcher, events = ask_affirmation([("nlu_fallback", 0.35), ("greet", 0.3), ("goodbye", 0.2)])
    assert responses(dispatcher) == ["utter_ask_rephrase"]
    assert buttons(dispatcher) == []
    assert events == []


def test_suggestions_are_real_intents_and_send_them(domain):
    for intent, (title, payload) in SUGGESTIONS.items():
        assert intent in domain["intents"]
        assert payload == f"/{intent}"
        assert title and title[0].isupper()
    assert "out_of_scope" in domain["intents"]
    assert "utter_ask_rephrase" in domain["responses"]


def test_default_fallback_gives_the_clinic_phone_and_forgets_the_message(clinic_config):
    tracker = make_tracker("asdf qwer zxcv", "nlu_fallback")
    dispatcher, events = run_action(ActionDefaultFallback(), tracker)
    text = all_text(dispatcher)
    assert clinic_config["phone"] in text
    assert clinic_config["name"] in text
    assert [e["event"] for e in events] == ["rewind"]  # UserUtteranceReverted


def test_clinic_contact_has_phone_hours_address_and_email(clinic_config):
    tracker = make_tracker("how much does it cost and can I book?", "ask_booking")
    dispatcher, events = run_action(ActionShareClinicContact(), tracker)
    [text] = texts(dispatcher)
    for field in ("name", "phone", "email", "hours", "address"):
        assert clinic_config[field] in text, field
    assert "book" in text.lower()
    assert events == []


def test_booking_after_telling_of_a_contraindication_repeats_that_a_clinician_checks_first():
    tracker = make_tracker("so can I just go ahead and book?", "ask_booking",
                           slots={"escalation_reason": "blood_thinners", "escalation_urgent": False})
    dispatcher, _ = run_action(ActionShareClinicContact(), tracker)
    assert "clinician still needs to check" in " ".join(texts(dispatcher))
    assert [m["custom"]["escalation"]["reason"] for m in dispatcher.messages if m.get("custom")] == ["blood_thinners"]


def test_action_names_are_declared_in_the_domain(domain):
    for action in (ActionDefaultAskAffirmation(), ActionDefaultFallback(), ActionShareClinicContact()):
        assert action.name() in domain["actions"]


def test_the_near_miss_sentence_reads_as_english_for_a_comparison():
    dispatcher, _ = ask_affirmation([("nlu_fallback", 0.35), ("ask_comparison", 0.31), ("ask_risks", 0.2)])
    assert texts(dispatcher)[0] == "It sounds like you're asking about how it compares with other treatments."


def test_a_near_miss_about_the_condition_in_the_conversation_gets_that_conditions_answer():
    ranking = [("nlu_fallback", 0.35), ("ask_combined_treatments", 0.31), ("ask_risks", 0.2)]
    tracker = make_tracker("so i can do it alone for it?", "nlu_fallback", intent_ranking=ranking,
                           confidence=0.35, slots={"condition": "melasma"})
    dispatcher, _ = run_action(ActionDefaultAskAffirmation(), tracker)
    assert responses(dispatcher) == ["utter_combined_treatments_melasma"]
    # without a condition, the general answer
    dispatcher, _ = ask_affirmation(ranking)
    assert responses(dispatcher) == ["utter_combined_treatments"]
