"""The gate's decision table: the safety policy's rows, each context kind (README, docs/safety.md)."""
from __future__ import annotations

import pytest

from nlp.build_pipeline import PIPELINE_DIR
from nlp.mention_context import condition_spans, get_mention_context
from nlp.safety_gate import gated_intent


def decide(text, diet_intent, confidence=0.9, ranking=None):
    ranking = ranking or [{"name": diet_intent, "confidence": confidence}]
    mentions = get_mention_context(PIPELINE_DIR).mentions(text)
    return gated_intent(text, {"name": diet_intent, "confidence": confidence}, ranking, mentions,
                        condition_spans(text, PIPELINE_DIR))


def final(text, diet_intent, **kw):
    gated = decide(text, diet_intent, **kw)
    return gated["name"] if gated else diet_intent


# Row 1: the visitor's own current contraindication escalates, whatever DIET asked.
@pytest.mark.parametrize("text, diet_intent", [
    ("can it help my acne scars? I'm on accutane", "ask_condition"),
    ("I'm pregnant, how many sessions would I need?", "ask_sessions"),
    ("I have lupus, is that ok?", "ask_who_should_avoid"),
])
def test_own_current_contraindication_escalates(text, diet_intent):
    assert final(text, diet_intent) == "report_contraindication"


def test_diet_recognises_indirect_wording_without_any_keyword():
    assert decide("my bump is due in march, can I still come?", "report_contraindication") is None


# Row 2: negated, past, someone else's, hypothetical or general: answered, not escalated.
@pytest.mark.parametrize("text", [
    "it's not a keloid, my surgeon says, can you treat the scar?",
    "my spots cleared up years ago, will it help the marks?",
    "my aunt has lupus but she isn't having anything done, what is microneedling exactly?",
    "my friend with keloids told me about you, what does it feel like?",
    "what if I got pregnant later?",
    "I'm not pregnant, just wondering",
    "had cold sores back in 2018, cleared, never came back. is the numbing cream strong?",  # "never came back" is not "came back"
])
def test_mentions_that_are_not_own_and_current_are_answered_even_when_diet_guessed_escalation(text):
    assert final(text, "report_contraindication") == "ask_who_should_avoid"


def test_a_question_beside_a_mention_that_is_not_current_keeps_the_question_for_the_answer():
    gated = decide("I'm not on blood thinners, how long does a session take?", "ask_during_treatment")
    assert (gated["name"], gated["question"]) == ("ask_who_should_avoid", "ask_during_treatment")


def test_the_condition_being_treated_is_not_escalated_and_its_question_is_answered():
    gated = decide("can it fade marks left from old breakouts?", "ask_condition")
    assert gated["name"] not in ("report_contraindication", "mention_contraindication")
    assert gated["question"] == "ask_condition"


def test_a_current_one_said_at_the_end_keeps_the_escalation_despite_an_old_mention():
    assert final("had shingles years ago but I've got a patch now", "report_contraindication") == "report_contraindication"


@pytest.mark.parametrize("text, diet_intent", [
    ("cold sore. active. on my lip. can I come?", "mention_contraindication"),
    ("stopped roaccutane 6 weeks ago, ok to book?", "ask_who_should_avoid"),
    ("acne's gone thanks to the pills, I'm still on them for another month. book me in?", "report_contraindication"),
])
def test_current_and_own_said_in_fragments_escalates(text, diet_intent):
    assert final(text, diet_intent) == "report_contraindication"


def test_said_now_keeps_the_escalation_despite_an_old_mention():
    text = "I had cold sores years ago but now I have one on my lip"
    assert final(text, "report_contraindication") == "report_contraindication"


def test_a_sign_before_an_upcoming_session_is_a_contraindication_even_when_read_as_recovery():
    assert final("sunburnt my face. 3 days ago. appointment saturday, fine?", "report_normal_recovery") \
        == "report_contraindication"


def test_a_condition_not_yet_cleared_stays_current():
    text = "I got shingles last week and it hasn't completely cleared yet, I'm booked for monday"
    assert final(text, "report_contraindication") == "report_contraindication"


def test_a_danger_sign_that_stands_alone_beats_a_contraindication_guess():
    ranking = [{"name": "report_contraindication", "confidence": 0.64}, {"name": "report_red_flag", "confidence": 0.2}]
    text = "there are raised bubbles filled with fluid on my neck and they're sore"
    assert final(text, "report_contraindication", confidence=0.64, ranking=ranking) == "report_red_flag"


def test_a_sign_before_an_upcoming_treatment_is_a_contraindication_not_a_report():
    text = "got really sunburnt 3 days ago, nose still red and sore. appointment is tomorrow, ok?"
    assert final(text, "report_contraindication") == "report_contraindication"


def test_a_session_one_has_got_booked_is_still_to_come():
    # "I've got an appointment" has one booked: peeling sunburn before it is a contraindication.
    text = "my forehead got sunburnt at the lake and is peeling now. I've got a microneedling session on Monday, keep it?"
    assert final(text, "report_normal_recovery") == "report_contraindication"


def test_an_own_contraindication_read_as_a_recovery_report_without_any_treatment_is_escalated():
    ranking = [{"name": "report_beyond_normal", "confidence": 0.45},
               {"name": "report_contraindication", "confidence": 0.4}, {"name": "ask_condition", "confidence": 0.1}]
    text = "22 weeks pregnant. Dark patches on my cheeks lately. Can I come in?"
    assert final(text, "report_beyond_normal", confidence=0.45, ranking=ranking) == "report_contraindication"


def test_time_since_the_treatment_told_as_an_update_is_a_report():
    # The second turn of a conversation about microneedling: "it's been N days" is since the session.
    ranking = [{"name": "report_beyond_normal", "confidence": 0.8}, {"name": "report_contraindication", "confidence": 0.15},
               {"name": "ask_who_should_avoid", "confidence": 0.03}]
    text = "quick update: it's been four days and I've got a breakout on my cheeks I never had before. ok?"
    assert final(text, "report_beyond_normal", confidence=0.8, ranking=ranking) == "report_beyond_normal"


def test_a_weak_classifier_guess_without_any_vocabulary_mention_does_not_escalate():
    ranking = [{"name": "report_contraindication", "confidence": 0.33}, {"name": "ask_condition", "confidence": 0.29}]
    text = "my surgeon mentioned silicone gel for my scar, can that be used alongside micro needling"
    assert final(text, "report_contraindication", confidence=0.33, ranking=ranking) == "ask_condition"


# Row 3: cannot tell whether it is current and theirs: ask.
def test_a_bare_mention_gets_the_clarifying_question():
    assert final("lupus and microneedling?", "ask_what_is") == "mention_contraindication"


# Row 4: danger signs after a treatment: urgent triage, whatever DIET asked.
@pytest.mark.parametrize("text, diet_intent", [
    ("swelling closed my eye the day after the treatment, is it healing?", "report_normal_recovery"),
    ("the redness is spreading past the treated area, day 2", "report_normal_recovery"),
    ("fever and a puffy face two days after, does it help dull skin?", "ask_condition"),
    ("green discharge with a smell since my session", "ask_what_is"),
    ("flu-like chills since yesterday's microneedling", "ask_how_it_works"),
])
def test_danger_signs_are_red_flags(text, diet_intent):
    assert final(text, diet_intent) == "report_red_flag"


def test_the_signs_found_reach_the_action_even_when_the_classifier_already_said_red_flag():
    gated = decide("my lips and eyelids have swollen up since this morning", "report_red_flag", confidence=0.99)
    assert gated["name"] == "report_red_flag" and gated["signs"] == ["allergic_reaction"]


def test_when_diet_says_red_flag_and_nothing_is_recognised_the_urgent_advice_wins():
    ranking = [{"name": "report_red_flag", "confidence": 0.6}, {"name": "report_beyond_normal", "confidence": 0.3}]
    text = "something is really wrong with my face since the session"
    assert final(text, "report_red_flag", confidence=0.6, ranking=ranking) == "report_red_flag"


# Row 5: beyond normal: a clinician checks (not urgent), never reassurance.
@pytest.mark.parametrize("text", [
    "still red a week after my treatment, is that normal?",
    "I've been flaking for weeks since my session",
    "new dark patches appeared after my microneedling",
])
def test_beyond_normal_goes_to_a_clinician(text):
    assert final(text, "report_normal_recovery") == "report_beyond_normal"


def test_a_recovery_report_never_falls_through_to_a_general_answer():
    assert final("had microneedling 2 days ago and now there are bumps, what is microneedling good for?",
                 "ask_conditions_treated") == "report_beyond_normal"


# Row 6: only what the guide calls normal: reassurance.
def test_guide_normal_healing_is_reassured():
    assert final("did it yesterday, face is pink and warm like a sunburn, normal?", "report_normal_recovery") \
        == "report_normal_recovery"


def test_danger_signs_denied_by_the_visitor_do_not_outvote_guide_normal_signs():
    ranking = [{"name": "report_red_flag", "confidence": 0.6}, {"name": "report_normal_recovery", "confidence": 0.3}]
    text = "treated 30 hours ago: pink, warm and a little tight. no discharge and no temperature. expected?"
    assert final(text, "report_red_flag", confidence=0.6, ranking=ranking) == "report_normal_recovery"


@pytest.mark.parametrize("text", [
    "mine are on my back from a growth spurt years ago, gone white and shiny now",
    "my scar has been purple and lumpy for years, since school",
])
def test_how_a_years_old_condition_looks_is_no_red_flag_when_no_treatment_is_told(text):
    ranking = [{"name": "report_red_flag", "confidence": 0.45}, {"name": "ask_condition", "confidence": 0.2}]
    assert final(text, "report_red_flag", confidence=0.45, ranking=ranking) == "ask_condition"


def test_no_treatment_yet_makes_no_recovery_report_of_what_the_skin_is_said_to_do():
    ranking = [{"name": "report_normal_recovery", "confidence": 0.63}, {"name": "ask_during_treatment", "confidence": 0.14}]
    text = "people say the redness is like a sunburn and I burn easily! I haven't had any treatment yet. How long is the appointment?"
    assert final(text, "report_normal_recovery", confidence=0.63, ranking=ranking) == "ask_during_treatment"


def test_a_treatment_told_beside_years_keeps_the_classifiers_red_flag():
    ranking = [{"name": "report_red_flag", "confidence": 0.45}, {"name": "ask_condition", "confidence": 0.2}]
    text = "had microneedling on my scar from years ago on friday, now it's gone a strange colour"
    assert final(text, "report_red_flag", confidence=0.45, ranking=ranking) == "report_red_flag"


def test_slang_and_denied_words_do_not_turn_guide_normal_flaking_into_a_red_flag():
    ranking = [{"name": "report_red_flag", "confidence": 0.6}, {"name": "report_normal_recovery", "confidence": 0.35}]
    text = "bit of peeling on my forehead 2 days after, no pain at all, just dry. chill or nah"
    assert final(text, "report_red_flag", confidence=0.6, ranking=ranking) == "report_normal_recovery"


def test_a_condition_getting_worse_outside_a_treatment_report_is_no_red_flag():
    assert final("my melasma is getting worse every summer, could microneedling help?", "ask_condition") \
        == "ask_condition"


def test_peeling_two_weeks_after_is_beyond_normal_even_with_danger_signs_denied():
    text = "my treatment was a fortnight ago and my cheeks are still peeling badly. no pain, no discharge"
    assert final(text, "report_beyond_normal") == "report_beyond_normal"


def test_the_classifier_reading_more_than_the_vocabulary_found_prevents_reassurance():
    ranking = [{"name": "report_red_flag", "confidence": 0.43}, {"name": "report_beyond_normal", "confidence": 0.4}]
    text = "its not just red, theres a patch thats weird and cold and aches since last night"
    assert final(text, "report_red_flag", confidence=0.43, ranking=ranking) == "report_red_flag"


@pytest.mark.parametrize("text", ["does it feel like a sunburn?", "how long will I be red after my session?",
                                  "what are the signs of infection to watch for?"])
def test_questions_that_only_name_a_sign_are_answered(text):
    assert decide(text, "ask_downtime") is None


def test_a_button_payload_asking_for_a_clinician_is_kept():
    assert decide("I have a fever since my session, call me", "request_clinician") is None


def test_a_guessed_report_about_a_scar_falls_back_to_a_question_never_to_off_topic():
    # No treatment cue and no sign: not a report. The next guess, "off-topic", would refuse a
    # message about a scar, so the one after it is answered.
    ranking = [{"name": "report_beyond_normal", "confidence": 0.55}, {"name": "out_of_scope", "confidence": 0.2},
               {"name": "ask_condition", "confidence": 0.15}]
    text = "her scar from the appendix op is still quite thick and lumpy"
    assert final(text, "report_beyond_normal", confidence=0.55, ranking=ranking) == "ask_condition"


def test_sunburn_told_by_where_it_burnt_before_an_appointment_is_a_contraindication():
    text = "out gardening all weekend with no hat, my nose and cheeks are burnt. appointment thursday, still ok?"
    assert final(text, "ask_downtime", confidence=0.45) == "report_contraindication"


@pytest.mark.parametrize("text", [
    "my aunt has lupus, could she have it?",
    "Enquiring for my father. He takes rivaroxaban for his heart and would like his neck lines done.",
    "my gran cut her forehead on a cupboard door, still open. she's booked in with you next week",
    "wife's eczema is flaring on her cheeks atm, is it ok for her to go ahead?",
    "He's on methotrexate for psoriasis at the minute. Would he be able to have it done?",
])
def test_the_current_contraindication_of_the_one_to_be_treated_goes_to_a_clinician(text):
    decision = decide(text, "ask_who_should_avoid")
    assert decision["name"] == "report_contraindication" and decision["on_behalf"] is True


@pytest.mark.parametrize("text", [
    "my sister's on roaccutane so she's out, but I'd like my acne scars done",
    "Mum has lupus and comes along only for moral support. How long is my session?",
    "my mate had shingles years ago, could he have it now?",
    "my brother isn't on blood thinners, can he have it?",
    "my husband's brother got keloids from a tattoo, could my husband still have it for his acne scars?",
])
def test_someone_else_who_is_not_to_be_treated_or_has_nothing_current_is_not_escalated(text):
    assert final(text, "ask_who_should_avoid") != "report_contraindication"


@pytest.mark.parametrize("text", [
    "I have rosacea myself but I'm not the one having it done, my sister is. how long does a session take?",
    "it's my mum who'd be having it, not me, though I'm the one with eczema. will it help her crow's feet?",
    "my lupus is flaring, but it's Gran who would be getting it done. does it hurt much?",
])
def test_the_visitors_own_condition_does_not_escalate_when_someone_else_is_to_be_treated(text):
    assert final(text, "ask_during_treatment") != "report_contraindication"


def test_someone_elses_current_condition_in_a_general_question_carries_whose_it_is_for_the_next_step():
    # "Asking for my wife" may have been said a turn before: the action reads it from there.
    decision = decide("she is still breastfeeding our youngest, who is it not suitable for?", "ask_who_should_avoid")
    assert decision["name"] == "ask_who_should_avoid" and decision["theirs"] == ["pregnancy"]


@pytest.mark.parametrize("text", [
    "asking for my gran. She's got an open sore by her ear that won't heal. Can she still have it for her lines?",
    "my son has a fungal infection on his neck right now, he want microneedling for his scars, is that ok?",
    "would microneedling help my mum's acne scars? she's on warfarin at the moment",
    "I'd like to book a session for my husband, he's diabetic and his cuts heal slowly. is that ok?",
    "he's on blood thinners for his heart tho, does that matter",
    "thinking of getting her a session as a present. she's pregnant, ok to book it for her?",
    # a tendency told in the past of the one asked for is theirs now
    "thing is she scars weird, she got big keloid lumps on her ears after piercings. she'd be the one getting needled",
])
def test_someone_elses_current_condition_escalates_when_they_would_be_treated(text):
    # "she's got" is present tense; "he want" is how many learners write "he wants"
    assert final(text, "ask_who_should_avoid") == "report_contraindication"


def test_a_half_belief_in_a_report_that_names_nobody_and_no_sign_is_the_question_asked():
    ranking = [{"name": "report_beyond_normal", "confidence": 0.58}, {"name": "ask_condition", "confidence": 0.35}]
    assert final("Pores closing forever after microneedling or they come back later?", "report_beyond_normal",
                 confidence=0.58, ranking=ranking) == "ask_condition"
    # the same belief about the visitor's own skin is still a report for a clinician
    assert final("my pores closed after microneedling and now they've come back", "report_beyond_normal",
                 confidence=0.58, ranking=ranking) == "report_beyond_normal"


@pytest.mark.parametrize("text, expected", [
    # asked to be cleared for their own treatment: a lower belief is enough for a clinician to check
    ("my chin has five deep lumps lol can i still book", "report_contraindication"),
    ("I fell off the bike and the cheek is open and a bit wet. Is it ok for me to do the treatment?", "report_contraindication"),
    # the same belief without the ask: the question asked
    ("my chin has five deep lumps lol what is the downtime", "ask_downtime"),
])
def test_a_lower_belief_in_a_contraindication_counts_when_the_visitor_asks_to_be_cleared(text, expected):
    ranking = [{"name": "report_contraindication", "confidence": 0.41}, {"name": "ask_downtime", "confidence": 0.3}]
    assert final(text, "report_contraindication", confidence=0.41, ranking=ranking) == expected



def test_a_husband_who_scars_badly_and_would_be_treated_goes_to_a_clinician():
    text = "My husband scars badly, his op scar went thick and raised. He wants his old acne scars done now. Would he be at risk?"
    assert final(text, "ask_condition", confidence=0.6) == "report_contraindication"


def test_an_allergy_the_visitor_denies_is_no_allergic_reaction_sign():
    gated = decide("day 1 after my session, my flatmate says I'm allergic (I'm not haha), just pink. normal?",
                   "report_side_effect")
    assert gated["name"] == "report_normal_recovery"


@pytest.mark.parametrize("text", [
    "I've got a scar from my appendix operation.",
    "my c-section scar is quite thick, can I book?",
])
def test_a_scar_to_be_treated_with_no_contraindication_word_needs_a_sure_guess_to_escalate(text):
    ranking = [{"name": "report_contraindication", "confidence": 0.55}, {"name": "ask_condition", "confidence": 0.3}]
    assert final(text, "report_contraindication", confidence=0.55, ranking=ranking) == "ask_condition"


def test_a_sure_guess_beside_a_scar_still_escalates():
    assert final("my scar is from an op I had last week, can I book?", "report_contraindication", confidence=0.9) \
        == "report_contraindication"


def test_asking_again_whether_it_is_fine_goes_to_the_recovery_answer_which_reads_the_conversation():
    gated = decide("so nothing to worry about then?", "deny", confidence=0.6)
    assert gated["name"] == "report_normal_recovery" and gated["follow_up"]


def test_asking_again_beside_a_sign_is_triaged_as_a_report_not_a_follow_up():
    gated = decide("so it's fine that there's pus coming out?", "deny", confidence=0.6)
    assert gated["name"] == "report_red_flag"


@pytest.mark.parametrize("text", [
    "I was scalded by a kettle at 8, the patch on my arm is still shiny. can needling improve it?",
    "my skin is patchy light and dark in places, will microneedling make it even?",
])
def test_a_classifier_guess_at_a_report_without_any_cue_that_asks_if_it_would_help_is_no_report(text):
    ranking = [{"name": "report_beyond_normal", "confidence": 0.72}, {"name": "ask_condition", "confidence": 0.15},
               {"name": "report_red_flag", "confidence": 0.05}]
    assert final(text, "report_beyond_normal", confidence=0.72, ranking=ranking) == "ask_condition"


def test_asking_again_read_as_beyond_normal_without_any_sign_is_a_follow_up_too():
    gated = decide("is it ok then or do I need to worry", "report_beyond_normal", confidence=0.55,
                   ranking=[{"name": "report_beyond_normal", "confidence": 0.55}, {"name": "deny", "confidence": 0.2}])
    assert gated["name"] == "report_normal_recovery" and gated["follow_up"]


def test_a_condition_someone_asked_about_and_the_visitor_denies_is_answered_not_escalated():
    assert final("my GP asked if I'm on isotretinoin. I'm not. what does it do for pores?", "report_contraindication",
                 confidence=0.45, ranking=[{"name": "report_contraindication", "confidence": 0.45},
                                           {"name": "ask_conditions_treated", "confidence": 0.3}]) != "report_contraindication"
