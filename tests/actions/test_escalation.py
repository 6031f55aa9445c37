"""actions.escalation: contraindications go to a clinician; red flags get urgent advice first."""
from __future__ import annotations

import pytest

from action_testkit import (
    all_text,
    buttons,
    clearance_phrases_in,
    custom_messages,
    earlier_question,
    make_tracker,
    markers,
    responses,
    run_action,
    slot_events,
    texts,
)
from actions.escalation import (
    GUIDE_QUOTES,
    REASON_MEDICAL_QUESTION,
    REASON_RED_FLAG,
    REASON_BEYOND_NORMAL,
    ActionAnswerNotCurrent,
    ActionAskIfCurrent,
    ActionEscalateRecoveryCheck,
    ActionEscalateToClinician,
    ActionRespondToRecoveryReport,
    ActionTriageRedFlag,
)
from actions.marker import remind_of_open_contraindication
from actions.vocabulary import load_vocabulary
from rasa_sdk.executor import CollectingDispatcher

GUIDE_QUOTE_START = "The clinic's guide says"


def escalate(text, *entities):
    tracker = make_tracker(text, "report_contraindication", entities=entities)
    return run_action(ActionEscalateToClinician(), tracker)


def triage(text, *entities, intent="report_red_flag", action=None):
    tracker = make_tracker(text, intent, entities=entities)
    return run_action(action or ActionTriageRedFlag(), tracker)


# ---- escalation to a clinician ---------------------------------------------------------------

def test_reason_is_the_canonical_key_of_the_contraindication_named():
    dispatcher, events = escalate("I'm on Accutane at the moment, can I still book microneedling?",
                                  ("contraindication", "isotretinoin", "Accutane"))
    [marker] = markers(dispatcher)
    assert marker["reason"] == "isotretinoin"
    assert slot_events(events)["escalation_reason"] == "isotretinoin"
    # The visitor is told what was heard, in words, not as a key.
    assert "isotretinoin (Accutane)" in texts(dispatcher)[0]
    assert "isotretinoin_" not in all_text(dispatcher)


def test_the_first_contraindication_named_is_the_reason():
    dispatcher, _ = escalate("I have lupus and I take warfarin",
                             ("contraindication", "autoimmune", "lupus"),
                             ("contraindication", "blood_thinners", "warfarin"))
    assert [m["reason"] for m in markers(dispatcher)] == ["autoimmune"]


def test_a_health_question_without_a_recognised_contraindication_is_a_generic_medical_question():
    dispatcher, events = escalate("I have a heart murmur, is microneedling ok for me?")
    [marker] = markers(dispatcher)
    assert marker["reason"] == REASON_MEDICAL_QUESTION == "medical_condition"
    assert slot_events(events)["escalation_reason"] == "medical_condition"
    first = texts(dispatcher)[0].lower()
    assert "your own health" in first and "clinician" in first
    assert "because you mentioned" not in first


def test_an_ambiguous_word_names_the_reason_when_the_message_is_about_the_visitor():
    # DIET judged the message personal (report_contraindication); "acne" alone is only a hint.
    dispatcher, events = escalate("I've got a lot of acne at the moment, can I still do it?",
                                  ("contraindication_hint", "active_acne", "acne"))
    assert [m["reason"] for m in markers(dispatcher)] == ["active_acne"]
    assert slot_events(events)["escalation_reason"] == "active_acne"
    assert "active acne" in texts(dispatcher)[0]


def test_an_unambiguous_mention_wins_over_a_hint():
    dispatcher, _ = escalate("my acne is mild but I'm on roaccutane",
                             ("contraindication_hint", "active_acne", "acne"),
                             ("contraindication", "isotretinoin", "roaccutane"))
    assert [m["reason"] for m in markers(dispatcher)] == ["isotretinoin"]


def test_conditions_named_in_the_message_are_answered_before_the_escalation():
    tracker = make_tracker("would it help my stretch marks and acne scars? I have lupus",
                           "report_contraindication", gated_from="ask_condition",
                           entities=[("condition", "stretch_marks"), ("condition", "acne_scars"),
                                     ("contraindication", "autoimmune", "lupus")])
    dispatcher, _ = run_action(ActionEscalateToClinician(), tracker)
    assert [m["response"] for m in dispatcher.messages[:2]] == ["utter_ask_condition/stretch_marks",
                                                                "utter_ask_condition/acne_scars"]
    assert "because you mentioned an autoimmune" in dispatcher.messages[2]["text"].lower()
    assert len(markers(dispatcher)) == 1


def test_exactly_one_marker_with_reason_urgent_and_no_ticket_yet(clinic_config):
    dispatcher, _ = escalate("I'm pregnant, can I have it done?", ("contraindication", "pregnancy", "pregnant"))
    carrying = [c for c in custom_messages(dispatcher) if "escalation" in c]
    assert len(carrying) == 1
    marker = carrying[0]["escalation"]
    assert marker["reason"] == "pregnancy"
    assert marker["urgent"] is False
    assert "ticket" in marker and marker["ticket"] is None
    assert marker["clinic_phone"] == clinic_config["phone"]
    assert marker["emergency_number"] == clinic_config["emergency_number"]
    # The marker message is machine-readable only: it carries no text of its own.
    [marker_message] = [m for m in dispatcher.messages if m["custom"]]
    assert not marker_message["text"]


@pytest.mark.parametrize("key", sorted(load_vocabulary()["contraindication"]))
def test_never_gives_clearance_and_says_a_clinician_must_check(key):
    term = load_vocabulary()["contraindication"][key].terms[0]
    dispatcher, _ = escalate(f"I have {term}, can I still get microneedling?", ("contraindication", key, term))
    text = all_text(dispatcher)
    assert clearance_phrases_in(text) == []
    assert "a clinician needs to check" in text.lower()
    assert "can't give medical clearance" in text
    assert [m["reason"] for m in markers(dispatcher)] == [key]


@pytest.mark.parametrize("text, key, surface, expected", [
    ("I have cystic acne on my cheeks right now", "active_acne", "cystic acne",
     "active cystic acne, open wounds or infected skin"),
    ("I had a keloid after my ear piercing", "keloid", "keloid", "prone to keloids"),
])
def test_guide_quote_for_contraindications_the_guide_names(text, key, surface, expected):
    dispatcher, _ = escalate(text, ("contraindication", key, surface))
    quotes = [t for t in texts(dispatcher) if t.startswith(GUIDE_QUOTE_START)]
    assert len(quotes) == 1
    assert expected in quotes[0]


def test_no_guide_quote_where_the_guide_says_nothing():
    dispatcher, _ = escalate("I'm 20 weeks pregnant", ("contraindication", "pregnancy", "pregnant"))
    assert not [t for t in texts(dispatcher) if GUIDE_QUOTE_START in t]
    assert len(texts(dispatcher)) == 3  # the explanation, the hold-off and the call-back offer only


def test_offers_a_call_back_with_yes_and_no_buttons(clinic_config):
    dispatcher, _ = escalate("I have eczema on my cheeks", ("contraindication", "autoimmune", "eczema"))
    assert {b["payload"] for b in buttons(dispatcher)} == {"/affirm", "/deny"}
    offer = dispatcher.messages[-1]
    assert offer["buttons"], "the call-back question is the last message, with the buttons"
    assert clinic_config["phone"] in offer["text"] and clinic_config["hours"] in offer["text"]
    assert clinic_config["name"] in offer["text"]


def test_slots_keep_the_question_as_written_for_the_clinician():
    question = "  I've got <b>cold sores</b> right now; can I still come in on Friday?? "
    dispatcher, events = escalate(question, ("contraindication", "cold_sores", "cold sores"))
    slots = slot_events(events)
    assert slots["escalation_reason"] == "cold_sores"
    assert slots["escalation_question"] == question.strip()
    assert slots["escalation_urgent"] is False
    assert slots["last_topic"] == "escalation"


def test_message_order_explanation_quote_marker_offer():
    dispatcher, _ = escalate("I have active acne", ("contraindication", "active_acne"))
    kinds = ["marker" if m["custom"] else ("offer" if m["buttons"] else "text") for m in dispatcher.messages]
    assert kinds == ["text", "text", "text", "marker", "offer"]  # explanation, hold-off, quote


# ---- red-flag triage -------------------------------------------------------------------------

@pytest.mark.parametrize("text, entity", [
    ("my lips are swelling after the treatment yesterday", ("red_flag", "allergic_reaction", "lips are swelling")),
    ("there's pus coming out and it's hot to the touch", ("red_flag", "infection_signs", "pus")),
    ("something is really wrong with my face since the session", None),
])
def test_first_message_is_the_urgent_advice_with_both_numbers(text, entity, clinic_config):
    dispatcher, _ = triage(text, *([entity] if entity else []))
    first = dispatcher.messages[0]
    assert first["text"] and not first["custom"]
    assert clinic_config["phone"] in first["text"]
    assert clinic_config["emergency_number"] in first["text"]
    assert clearance_phrases_in(all_text(dispatcher)) == []


def test_allergic_reaction_advice_and_urgent_marker(clinic_config):
    dispatcher, events = triage("my throat feels tight and my lips are swelling",
                                ("red_flag", "allergic_reaction", "throat feels tight"))
    first = texts(dispatcher)[0]
    assert "allergic reaction" in first
    assert "trouble breathing" in first and "swelling of your lips" in first
    assert f"call {clinic_config['emergency_number']} now" in first
    [marker] = markers(dispatcher)
    assert marker["reason"] == "allergic_reaction"
    assert marker["urgent"] is True and marker["ticket"] is None
    slots = slot_events(events)
    assert slots["escalation_urgent"] is True
    assert slots["escalation_reason"] == "allergic_reaction"
    assert slots["escalation_question"] == "my throat feels tight and my lips are swelling"


def test_infection_signs_advice_and_urgent_marker():
    dispatcher, _ = triage("it's oozing yellow fluid and I have a fever", ("red_flag", "infection_signs", "oozing"))
    first = texts(dispatcher)[0]
    assert "signs of an infection" in first and "urgently" in first
    assert "allergic" not in first
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == ("infection_signs", True)


def test_red_flag_without_a_recognised_kind_still_gets_urgent_triage():
    dispatcher, events = triage("this doesn't look right at all, it's getting really bad")
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == (REASON_RED_FLAG, True)
    assert slot_events(events)["escalation_urgent"] is True


def test_triage_offers_a_call_back_but_says_not_to_wait():
    dispatcher, _ = triage("pus and fever", ("red_flag", "infection_signs", "pus"))
    assert {b["payload"] for b in buttons(dispatcher)} == {"/affirm", "/deny"}
    assert "don't wait" in dispatcher.messages[-1]["text"]
    assert len(markers(dispatcher)) == 1


def test_the_more_dangerous_red_flag_decides_the_advice(clinic_config):
    """Regression (fixed): the FIRST red flag named used to decide.

    "There's pus and now my lips are swelling" names infection_signs first and
    allergic_reaction second; the visitor is told to call the clinic about an infection and
    is never told that swelling lips are an emergency (call 911 now). Possible anaphylaxis must
    win over infection whatever the word order; the marker's reason should say so too.
    """
    dispatcher, _ = triage("there's pus and now my lips are swelling",
                           ("red_flag", "infection_signs", "pus"),
                           ("red_flag", "allergic_reaction", "lips are swelling"))
    first = texts(dispatcher)[0]
    assert "allergic reaction" in first, first
    assert f"call {clinic_config['emergency_number']} now" in first
    assert markers(dispatcher)[0]["reason"] == "allergic_reaction"


# ---- recovery reports ------------------------------------------------------------------------

def test_normal_recovery_is_reassured_without_escalation():
    tracker = make_tracker("my face is red and a bit tight, is that normal?", "report_normal_recovery")
    dispatcher, events = run_action(ActionRespondToRecoveryReport(), tracker)
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_red_flags_to_watch"]
    assert markers(dispatcher) == []
    assert custom_messages(dispatcher) == []
    slots = slot_events(events)
    assert slots == {"last_topic": "normal_recovery"}


def test_slight_puffiness_in_the_first_days_is_reassured_with_what_the_guide_does_not_say():
    tracker = make_tracker("had it done yesterday, red and a bit puffy this morning, is that ok?", "report_normal_recovery")
    dispatcher, _ = run_action(ActionRespondToRecoveryReport(), tracker)
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_mild_swelling_note", "utter_red_flags_to_watch"]
    assert markers(dispatcher) == []


def test_danger_words_named_only_to_deny_them_leave_the_reassurance():
    tracker = make_tracker("treated 48 hours ago, mild redness and some tightness, no exudate, no fever. ok?",
                           "report_normal_recovery", entities=[("red_flag", "infection_signs", "fever")])
    dispatcher, _ = run_action(ActionRespondToRecoveryReport(), tracker)
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_red_flags_to_watch"]
    assert markers(dispatcher) == []


def test_a_red_flag_inside_a_recovery_report_is_triaged(clinic_config):
    tracker = make_tracker("day 3 and it's still red, now there's pus on my chin", "report_normal_recovery",
                           entities=[("red_flag", "infection_signs", "pus")])
    dispatcher, events = run_action(ActionRespondToRecoveryReport(), tracker)
    assert "utter_normal_recovery" not in responses(dispatcher)
    assert clinic_config["phone"] in texts(dispatcher)[0]
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == ("infection_signs", True)
    assert slot_events(events)["escalation_urgent"] is True


@pytest.mark.parametrize("before, text", [
    # the lines being treated are not new marks
    ("home from my first session for the little lines around my eyes", "four hours on, face warm and pink. ok?"),
    # a wedding two weeks ahead is not two weeks since the treatment
    ("how long does the redness last? had mine yesterday and the party is in two weeks",
     "it's been 28 hours, still pink and warm, nothing else. fine?"),
])
def test_the_conversation_before_a_normal_report_does_not_turn_it_into_a_check(before, text):
    tracker = make_tracker(text, "report_normal_recovery", earlier_events=earlier_question(before, "report_normal_recovery"))
    dispatcher, _ = run_action(ActionRespondToRecoveryReport(), tracker)
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_red_flags_to_watch"]
    assert markers(dispatcher) == []


# ---- consistency -----------------------------------------------------------------------------

def test_guide_quotes_belong_to_contraindication_keys():
    assert set(GUIDE_QUOTES) <= set(load_vocabulary()["contraindication"])


def test_slots_set_by_escalation_exist_in_the_domain(domain):
    for dispatcher_events in (escalate("I'm on accutane", ("contraindication", "isotretinoin", "accutane")),
                              triage("hives everywhere", ("red_flag", "allergic_reaction", "hives"))):
        assert set(slot_events(dispatcher_events[1])) <= set(domain["slots"])


def gated(text, intent, **decision):
    """A tracker whose latest intent carries what nlp/safety_gate.py decided (signs, reason)."""
    tracker = make_tracker(text, intent, gated_from="ask_what_is")
    tracker.latest_message["intent"].update(decision)
    return tracker


@pytest.mark.parametrize("sign", ["vision_change", "allergic_reaction"])
def test_signs_of_the_face_eyes_breathing_or_sight_get_the_emergency_advice(sign, clinic_config):
    dispatcher, _ = run_action(ActionTriageRedFlag(), gated("it's all puffy and blurry", "report_red_flag",
                                                            signs=["infection_signs", sign]))
    first = texts(dispatcher)[0]
    assert clinic_config["emergency_number"] in first and "emergency department" in first
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == (sign, True)


@pytest.mark.parametrize("sign", ["blistering", "bleeding", "skin_colour_change", "feeling_unwell"])
def test_every_danger_sign_the_gate_names_is_the_urgent_reason(sign, clinic_config):
    dispatcher, _ = run_action(ActionTriageRedFlag(), gated("since the session ...", "report_red_flag", signs=[sign]))
    assert clinic_config["phone"] in texts(dispatcher)[0]
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == (sign, True)
    assert "normal" not in all_text(dispatcher).lower()


def test_beyond_normal_goes_to_a_clinician_without_urgency_and_without_reassurance(domain):
    dispatcher, events = run_action(ActionEscalateRecoveryCheck(),
                                    make_tracker("still red 10 days after my session", "report_beyond_normal"))
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == (REASON_BEYOND_NORMAL, False)
    said = [domain["responses"][r][0]["text"] for r in responses(dispatcher)] + texts(dispatcher)
    text = "\n".join(said).lower()
    assert "a clinician should take a look" in text and "normal" not in text
    assert clearance_phrases_in(text) == []
    assert [b["payload"] for b in buttons(dispatcher)] == ["/affirm", "/deny"]
    assert slot_events(events)["escalation_urgent"] is False


NORMAL_REPORT = "had my session this morning, my cheeks are pink and a bit tight"


def follow_up_check(text, last_topic="normal_recovery"):
    tracker = make_tracker(text, "report_beyond_normal", slots={"last_topic": last_topic},
                           earlier_events=earlier_question(NORMAL_REPORT, "report_normal_recovery"))
    return run_action(ActionEscalateRecoveryCheck(), tracker)


def test_redness_that_persists_told_after_the_time_is_inside_the_guides_frame_and_reassured():
    tracker = make_tracker("Still some pinkness and warmth, persisting. Acceptable?", "report_beyond_normal",
                           earlier_events=earlier_question("My appointment was 30 hours ago.", "report_normal_recovery"))
    dispatcher, _ = run_action(ActionEscalateRecoveryCheck(), tracker)
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_red_flags_to_watch"]
    assert markers(dispatcher) == []


def test_asking_again_read_as_an_abnormal_report_after_a_normal_one_is_reassured():
    tracker = make_tracker("so is that normal or should I be worried", "report_beyond_normal",
                           slots={"last_topic": "normal_recovery"},
                           earlier_events=earlier_question(NORMAL_REPORT, "report_normal_recovery"))
    dispatcher, _ = run_action(ActionEscalateRecoveryCheck(), tracker)
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_red_flags_to_watch"]


def test_asking_again_after_nothing_was_told_still_goes_to_a_clinician():
    tracker = make_tracker("so is that normal or should I be worried", "report_beyond_normal",
                           slots={"last_topic": "normal_recovery"},
                           earlier_events=earlier_question("had it done on monday", "report_normal_recovery"))
    dispatcher, _ = run_action(ActionEscalateRecoveryCheck(), tracker)
    assert [m["reason"] for m in markers(dispatcher)] == [REASON_BEYOND_NORMAL]


@pytest.mark.parametrize("before, text", [
    ("how long does the dryness last?", "mine is still flaking after 3 and a half weeks"),  # its own time, past the frame
    ("had it done", "The peeling was meant to last a couple of days. It's been eleven since. Still peeling. Seriously?"),
])
def test_flaking_that_outlasts_the_frame_is_never_reassured_by_the_conversation(before, text):
    tracker = make_tracker(text, "report_beyond_normal", earlier_events=earlier_question(before, "ask_downtime"))
    dispatcher, _ = run_action(ActionEscalateRecoveryCheck(), tracker)
    assert "utter_normal_recovery" not in responses(dispatcher)
    assert [m["reason"] for m in markers(dispatcher)] == [REASON_BEYOND_NORMAL]


def test_redness_that_persists_past_the_time_told_before_still_goes_to_a_clinician():
    tracker = make_tracker("Still some pinkness and warmth, persisting. Acceptable?", "report_beyond_normal",
                           earlier_events=earlier_question("My appointment was 6 days ago.", "report_normal_recovery"))
    dispatcher, _ = run_action(ActionEscalateRecoveryCheck(), tracker)
    [marker] = markers(dispatcher)
    assert marker["reason"] == REASON_BEYOND_NORMAL


def test_a_follow_up_saying_nothing_has_changed_since_a_normal_report_is_reassured_again():
    dispatcher, events = follow_up_check("evening now, still the same. is that fine?")
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_red_flags_to_watch"]
    assert markers(dispatcher) == []


def asked_again(before, before_intent, slots=None):
    """"so nothing to worry about then?" after `before`, as the safety gate hands it on."""
    tracker = make_tracker("so nothing to worry about then?", "report_normal_recovery", gated_from="deny",
                           gate={"follow_up": True}, slots=slots,
                           earlier_events=earlier_question(before, before_intent))
    return run_action(ActionRespondToRecoveryReport(), tracker)


def test_asking_again_after_a_normal_report_is_reassured_again():
    dispatcher, _ = asked_again(NORMAL_REPORT, "report_normal_recovery", slots={"last_topic": "normal_recovery"})
    assert responses(dispatcher) == ["utter_normal_recovery", "utter_red_flags_to_watch"]
    assert markers(dispatcher) == []


def test_asking_again_after_a_danger_sign_repeats_the_urgent_advice():
    dispatcher, _ = asked_again("two days after my session there's pus on my chin", "report_red_flag")
    [marker] = markers(dispatcher)
    assert marker["urgent"] is True and "utter_normal_recovery" not in responses(dispatcher)


def test_asking_whether_it_is_fine_with_nothing_told_asks_what_they_notice_and_never_says_normal(domain):
    dispatcher, _ = asked_again("how long is a session?", "ask_during_treatment")
    assert responses(dispatcher) == ["utter_ask_what_you_notice"] and markers(dispatcher) == []
    assert "sounds like normal" not in domain["responses"]["utter_ask_what_you_notice"][0]["text"]


def test_asking_whether_it_is_fine_after_a_contraindication_repeats_the_clinicians_check():
    dispatcher, _ = asked_again("I'm on accutane", "report_contraindication",
                                slots={"escalation_reason": "isotretinoin", "escalation_urgent": False})
    [marker] = markers(dispatcher)
    assert marker["reason"] == "isotretinoin" and "clearance" in all_text(dispatcher)


@pytest.mark.parametrize("text, last_topic", [
    ("same but it's spreading to my neck now", "normal_recovery"),  # a change is no "same"
    ("still the same on day 6, is that fine?", "normal_recovery"),  # redness past the guide's 72 hours
    ("evening now, still the same. is that fine?", None),  # no normal report answered before
])
def test_a_follow_up_with_a_change_or_past_the_time_frame_still_goes_to_a_clinician(text, last_topic):
    dispatcher, _ = follow_up_check(text, last_topic)
    [marker] = markers(dispatcher)
    assert marker["reason"] == REASON_BEYOND_NORMAL


def test_a_bare_mention_gets_one_question_with_yes_and_no_and_no_marker(domain):
    dispatcher, events = run_action(ActionAskIfCurrent(), gated("lupus and microneedling?", "mention_contraindication",
                                                                reason="autoimmune"))
    assert markers(dispatcher) == []
    assert texts(dispatcher) == ["You mentioned an autoimmune or inflammatory skin condition."]
    assert responses(dispatcher) == ["utter_ask_if_current"]
    [question] = [v for v in domain["responses"]["utter_ask_if_current"] if not v.get("channel")]
    assert question["text"] == "Is that something you have at the moment?"
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]
    slots = slot_events(events)
    assert slots["pending_contraindication"] == "autoimmune"
    assert slots["pending_question"] == "lupus and microneedling?"


def test_yes_escalates_with_the_reason_and_the_question_that_named_it():
    tracker = make_tracker("yes", "affirm", slots={"pending_contraindication": "autoimmune",
                                                   "pending_question": "lupus and microneedling?"})
    dispatcher, events = run_action(ActionEscalateToClinician(), tracker)
    [marker] = markers(dispatcher)
    assert marker["reason"] == "autoimmune"
    slots = slot_events(events)
    assert slots["escalation_question"] == "lupus and microneedling?"
    assert slots["pending_contraindication"] is None


def test_no_gets_the_general_answer_without_escalation():
    tracker = make_tracker("no", "deny", slots={"pending_contraindication": "autoimmune"})
    dispatcher, events = run_action(ActionAnswerNotCurrent(), tracker)
    assert markers(dispatcher) == []
    assert "utter_who_should_avoid" in responses(dispatcher)
    assert slot_events(events)["pending_contraindication"] is None


@pytest.mark.parametrize("action, name", [
    (ActionEscalateRecoveryCheck(), "action_escalate_recovery_check"),
    (ActionAskIfCurrent(), "action_ask_if_current"),
    (ActionAnswerNotCurrent(), "action_answer_not_current"),
    (ActionEscalateToClinician(), "action_escalate_to_clinician"),
    (ActionTriageRedFlag(), "action_triage_red_flag"),
    (ActionRespondToRecoveryReport(), "action_respond_to_recovery_report"),
])
def test_action_names_are_declared_in_the_domain(action, name, domain):
    assert action.name() == name
    assert name in domain["actions"]


def with_earlier_message(tracker, text):
    tracker.events.insert(0, {"event": "user", "text": text, "parse_data": {}})
    return tracker


def test_normal_is_said_only_when_the_earlier_turns_agree():
    tracker = with_earlier_message(make_tracker("still red like day one. should i be worried?",
                                                "report_normal_recovery"), "had microneedling 9 days ago")
    dispatcher, _ = run_action(ActionRespondToRecoveryReport(), tracker)
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == (REASON_BEYOND_NORMAL, False)
    assert "utter_normal_recovery" not in responses(dispatcher)


def test_a_danger_sign_told_in_an_earlier_turn_is_triaged():
    tracker = with_earlier_message(make_tracker("is this normal?", "report_normal_recovery"),
                                   "since my session yesterday my lips are swelling up")
    dispatcher, _ = run_action(ActionRespondToRecoveryReport(), tracker)
    [marker] = markers(dispatcher)
    assert (marker["reason"], marker["urgent"]) == ("allergic_reaction", True)


def test_the_condition_being_treated_in_an_earlier_turn_is_not_a_symptom():
    tracker = with_earlier_message(make_tracker("day 2 and it's pink and tight, ok?", "report_normal_recovery"),
                                   "had my acne scars needled on monday")
    dispatcher, _ = run_action(ActionRespondToRecoveryReport(), tracker)
    assert markers(dispatcher) == []
    assert responses(dispatcher)[0] == "utter_normal_recovery"


def test_a_contraindication_of_the_one_asked_for_is_explained_as_theirs_with_no_clearance():
    tracker = make_tracker("my nan is on warfarin, she wants it for her jowls", "report_contraindication",
                           entities=[("contraindication", "blood_thinners", "warfarin")],
                           gate={"reason": "blood_thinners", "on_behalf": True})
    dispatcher, _ = run_action(ActionEscalateToClinician(), tracker)
    said = all_text(dispatcher)
    assert "the person you're asking for" in said and "suitable for them" in said
    assert "suitable for you" not in said
    assert clearance_phrases_in(said) == []
    assert [m["reason"] for m in markers(dispatcher)] == ["blood_thinners"]


def test_the_reminder_after_an_escalation_for_someone_else_speaks_of_them():
    tracker = make_tracker("my nan is on warfarin, she wants it for her jowls", "report_contraindication",
                           entities=[("contraindication", "blood_thinners", "warfarin")],
                           gate={"reason": "blood_thinners", "on_behalf": True})
    _, events = run_action(ActionEscalateToClinician(), tracker)
    assert slot_events(events)["escalation_for_someone_else"] is True
    later = make_tracker("so can she book then?", "ask_booking", slots=slot_events(events))
    dispatcher = CollectingDispatcher()
    assert remind_of_open_contraindication(dispatcher, later)
    said = all_text(dispatcher)
    assert "suitable for them" in said and "suitable for you" not in said
    assert [m["reason"] for m in markers(dispatcher)] == ["blood_thinners"]


def test_an_escalation_asks_the_visitor_to_hold_off_treatment_until_a_clinician_has_checked():
    dispatcher, _ = escalate("sunburnt my face on saturday, session is on monday", ("contraindication", "sunburn", "sunburnt"))
    assert "hold off on any treatment" in all_text(dispatcher)
    assert clearance_phrases_in(all_text(dispatcher)) == []
