"""After a treatment: danger, beyond normal or normal, as the guide and the safety policy say."""
from __future__ import annotations

import pytest

from nlp.recovery_triage import (BEYOND_NORMAL, DANGER, NORMAL, days_since_treatment, found_signs,
                                 before_a_treatment, had_treatment, load_signs, reports_after_treatment,
                                 said_unchanged, seeks_reassurance, triage)


@pytest.mark.parametrize("text, reason", [
    ("two days after my session there's yellow gunk coming out", "infection_signs"),
    ("I've had a temperature since the appointment", "infection_signs"),
    ("the redness is creeping down my neck, day 2", "infection_signs"),
    ("it's hot and swollen where they did it", "infection_signs"),
    ("the pain is getting worse not better, 4 days out", "infection_signs"),
    ("day 2 after my session and the pain has gone from 3/10 to 7 out of 10", "infection_signs"),  # told as a score
    ("treated on friday, the soreness keeps climbing every day", "infection_signs"),
    ("there's a lump that keeps growing since my treatment", "infection_signs"),
    ("it smells bad and it's day 3", "infection_signs"),
    ("I'm shivery and achy, feel like I have the flu since the needling", "infection_signs"),
    ("broke out in hives after my session", "allergic_reaction"),
    ("my eye is so puffy I can barely open it, had microneedling yesterday", "allergic_reaction"),
    ("my lips are swelling up after the treatment", "allergic_reaction"),
    ("after the session it's hard to breathe", "allergic_reaction"),
    ("it hurts to swallow since my session this morning", "allergic_reaction"),
    ("blisters came up overnight after microneedling", "blistering"),
    ("the skin has gone kind of grey where they did it", "skin_colour_change"),
    ("it keeps bleeding through the tissue hours after my treatment", "bleeding"),
    ("my vision is blurry since the session", "vision_change"),
    ("the rash has spread to my chest since the appointment", "spreading_rash"),
    ("I feel really unwell since my treatment yesterday", "feeling_unwell"),
])
def test_every_danger_sign_of_the_policy_is_danger(text, reason):
    result = triage(text)
    assert result.tier == DANGER and reason in result.reasons


@pytest.mark.parametrize("text", [
    "did scalp needling yesterday and my scalp is pink and a bit tender, normal?",
    "my face is red and warm like a sunburn, had it done yesterday",
    "skin feels tight and a bit flaky 2 days out",
    "no pus or fever, just pink and tight the day after, is that ok?",
    # a sting or burn compared to a sunburn is the sunburn the guide describes
    "the day after, my skin is red and stings a bit like a mild sunburn, ok?",
    "had it yesterday: redness, warmth and a sunburn-type sting, normal?",
    # "beyond" as "more than", not as spreading past the treated area
    "day 2, red and warm, nothing beyond a light sting like sunburn",
    # a feared reaction whose signs are denied is a worry, not a sign
    "my sister had it this morning, she's scared she's allergic but there's no swelling or hives, just pink",
    # a normal temperature is no fever
    "48 hours post treatment: warm, rosy, a bit tight. Temperature normal, no swelling. Usual?",
    # the scar being treated is where the signs are, not a new scar
    "two days since they needled my knee scar, the skin on the scar is tight and flaky, ok?",
])
def test_only_guide_normal_signs_within_their_time_frame_are_normal(text):
    assert triage(text).tier == NORMAL


@pytest.mark.parametrize("text", [
    "still red a week after my treatment",          # redness past 72 hours
    "had it done 3 weeks ago and I'm still flaking",  # flaking for weeks
    "got some new dark patches since my session last month",
    "there are tiny bumps on my cheeks since the treatment",
    "broke out all over my chin after the session",
    "it's really itchy, day 3 post microneedling",
    "my face is red and it's day 5",
    "the needling last month left me with a new scar by my ear",
])
def test_beyond_normal_is_never_reassured(text):
    assert triage(text).tier == BEYOND_NORMAL


@pytest.mark.parametrize("text", [
    "had it yesterday, I'm worried it's an allergy, my lips are puffing up, no fever though",
    "day 1 and I'm scared this is an allergic reaction",  # nothing denied: the fear is taken at its word
    "the redness has gone beyond the treated area since yesterday's session",
])
def test_a_worry_or_a_spread_with_its_sign_said_stays_danger(text):
    assert triage(text).tier == DANGER


def test_a_visitor_not_yet_treated_is_not_reporting_on_a_treatment():
    assert not reports_after_treatment("they say the redness after is like a sunburn and I burn easily; "
                                       "I haven't had any treatment yet. How long is a session?")
    assert reports_after_treatment("had my treatment yesterday and I'm still red")


def test_a_report_with_no_sign_recognised_is_not_normal():
    assert triage("something feels off with my skin since the session").tier == BEYOND_NORMAL


def test_the_condition_being_treated_is_not_a_new_symptom():
    text = "had my acne scars done yesterday, face is red, normal?"
    start = text.index("acne scars")
    assert triage(text).tier == BEYOND_NORMAL  # "acne" alone could be a breakout
    assert triage(text, [(start, start + len("acne scars"))]).tier == NORMAL


def test_a_denied_sign_does_not_count_but_what_follows_just_does():
    found = found_signs("no pus, no fever, just pink")
    assert found[DANGER] == [] and "redness_and_warmth" in found[NORMAL]


@pytest.mark.parametrize("text, days", [
    ("3 days ago", 3), ("a fortnight ago", 14), ("day 5 now", 5), ("yesterday", 1), ("two weeks after", 14), ("for weeks", 8),
    ("this morning", 0.3), ("nothing about time", None),
    # a time ahead or between sessions is not time since the treatment
    ("had my session yesterday and the wedding is in two weeks", 1), ("they're 4 weeks apart, mine was 2 days ago", 2),
])
def test_time_since_the_treatment(text, days):
    assert days_since_treatment(text) == days


@pytest.mark.parametrize("text, reports", [
    ("2 days after my session my face is red", True),
    ("had microneedling on friday and now it's flaky", True),
    ("how long will I be red after my session?", False),
    ("what if I get blisters after?", False),
    ("I fly out 3 days after my treatment, is that a problem?", False),
    ("hypothetically if I got a spot the week of my appointment, would they still do it?", False),
    ("had shingles last month, all gone now. what should I do after a treatment?", False),
    ("my hair has been falling out for months, is microneedling the answer?", False),
    ("I've seen videos of people swelling up after treatments. Is that common?", False),
    ("had it done Tuesday. will the redness fade soon?", True),
    ("my shingles have been gone for months. what aftercare should I follow after a session?", False),
])
def test_a_report_is_told_apart_from_a_question_about_later(text, reports):
    assert reports_after_treatment(text) is reports


def test_someone_elses_earlier_treatment_does_not_set_the_time():
    result = triage("My sister had hers two months ago and was fine. I had mine yesterday and I'm pink and warm, ok?")
    assert (result.tier, result.days) == (NORMAL, 1)


def test_someone_elses_danger_sign_still_counts():
    assert triage("my mum had microneedling yesterday and now her lips are swelling").tier == DANGER


def test_danger_signs_named_only_to_be_denied_are_recorded():
    result = triage("day 2, red and a bit tight, no pus and no fever")
    assert result.tier == NORMAL and "infection_signs" in result.denied


@pytest.mark.parametrize("text, tier", [
    # a denied list keeps its denial across commas when it ends in "or"
    ("30 hours after treatment it's pink and warm, no swelling, discharge or pain, is that expected?", "normal"),
    ("no pain, swelling is spreading down my neck since my session yesterday", "danger"),
    # "big" is swelling for lips and eyes, not for pores on cheeks; hospital discharge is not pus
    ("the pores on my nose and cheeks are very big, can microneedling make them smaller?", "beyond_normal"),
    ("my lips are huge after microneedling this morning", "danger"),
    ("finished chemo years ago and was discharged from oncology, what interval between sessions?", "beyond_normal"),
])
def test_denied_lists_big_pores_and_hospital_discharge(text, tier):
    assert triage(text).tier == tier


@pytest.mark.parametrize("text, tier", [
    # a sign denied in a sentence of its own is denied, not read across the full stop
    ("Needled on Monday. Cheeks pink and warm. Lips fine. No swelling at all. OK?", "normal"),
    ("had it done yesterday, face is warm, no swelling anywhere", "normal"),
    # slight puffiness of the face or eyes in the first days is normal (every blind writer said so);
    # swelling not called slight, or slight puffiness after the guide's 72 hours, is for a clinician
    ("did my session yesterday and my eyes are a little puffy this morning, face pink", "normal"),
    ("face slightly swollen and red since the needling yesterday", "normal"),
    ("had it done this morning, red and puffy round the eyes but not much, is that standard", "normal"),
    ("face swollen and red since the needling yesterday", "danger"),
    ("still a bit puffy and pink a week after my session", "beyond_normal"),
    # the lips, tongue or throat swelling at all, or the eyes without "slight", stays urgent
    ("had microneedling this morning and my lips are a bit swollen now", "danger"),
    ("day after my treatment my eyes are swollen and puffy", "danger"),
])
def test_denials_in_fragments_and_slight_puffiness(text, tier):
    assert triage(text).tier == tier


@pytest.mark.parametrize("text", [
    "it's been about five hours and my face is warm and pink",
    "MN 2 wks ago, chin still rough",
    "I made microneedling ten days ago and the spots are darker than before the treatment",
    "cheeks look redder than pre-tx, normal?",
])
def test_more_ways_of_saying_the_treatment_happened(text):
    assert reports_after_treatment(text)


@pytest.mark.parametrize("text", [
    "my knee scar was needled six weeks ago and now it's lumpier than it was",
    "the patches are darker than before the treatment, it was 3 weeks ago",
])
def test_a_treated_area_worse_than_before_is_beyond_normal(text):
    result = triage(text)
    assert result.tier == BEYOND_NORMAL and "skin_changes" in result.reasons


@pytest.mark.parametrize("text", [
    "had it done this morning, feels like a day at the beach without a hat - pink and warm, normal?",
    "needled yesterday, sat in the garden with no sunscreen and my cheeks are red and warm, normal?",
])
def test_a_no_that_denies_only_its_own_noun_leaves_the_signs_said(text):
    assert triage(text).tier == NORMAL


@pytest.mark.parametrize("text", [
    "Post-MN day 3. Temp 38.4, rigors overnight.",
    "day 2 after tx, erythema extending past the treated zone",
])
def test_clinical_shorthand_for_danger_signs(text):
    assert triage(text).tier == DANGER


@pytest.mark.parametrize("text, tier", [
    # a normal sign said to be over is no longer there ...
    ("day 4 after my session, the redness is already gone, just dry and a bit flaky now", "normal"),
    # ... unless the message says it is not over, or "gone" is a colour change
    ("day 5 and the redness hasn't gone at all", "beyond_normal"),
    ("had it done 2 days ago, the red patch has gone purple", "danger"),
])
def test_a_sign_said_to_be_gone(text, tier):
    assert triage(text).tier == tier


@pytest.mark.parametrize("text, tier", [
    # hot to the touch on the day or the morning after is the warmth the guide expects...
    ("day 1 after microneedling and my face is red and hot to touch, normal?", NORMAL),
    ("had it done this morning, cheeks are hot to the touch and pink", NORMAL),
    # ...later, or without saying when, it is a sign of infection
    ("day 3 after my session and my cheek is still hot to the touch", DANGER),
    ("after my treatment the skin is red and hot to the touch", DANGER),
    ("needled yesterday and it's hot, swollen and throbbing", DANGER),
])
def test_hot_to_the_touch_on_the_first_day_is_the_expected_warmth(text, tier):
    assert triage(text).tier == tier


def test_an_early_danger_sign_counts_as_a_normal_sign_the_vocabulary_has():
    normal = {s.key for s in load_signs() if s.tier == NORMAL}
    early = [s for s in load_signs() if s.normal_within_days is not None]
    assert early and all(s.normal_as in normal for s in early)
    assert triage("had it done this morning, cheeks are hot to the touch").signs[NORMAL][0] == early[0].normal_as


def test_and_is_no_time_since_the_treatment():
    assert days_since_treatment("after my treatment the skin is red and hot to the touch") is None
    assert days_since_treatment("3d post and 12h of stinging") == 3


def test_lines_being_treated_are_no_new_sign_but_needle_lines_are():
    assert not found_signs("had it done, crow's feet and lines everywhere still")[BEYOND_NORMAL]
    assert found_signs("had it done two days ago and i can see grid lines on my cheeks")[BEYOND_NORMAL] == ["skin_changes"]


def test_blood_tests_and_thinners_are_not_bleeding():
    assert not found_signs("she's terrified of needles and still goes pale at blood tests, will it hurt?")[DANGER]
    assert found_signs("since my session it keeps bleeding from one spot")[DANGER] == ["bleeding"]


def test_smells_like_a_scam_is_no_bad_smell():
    assert not found_signs("one procedure for everything? that smells like snake oil. what doesn't it do?")[DANGER]
    assert found_signs("day 4 after my session and the spot smells bad")[DANGER] == ["infection_signs"]


@pytest.mark.parametrize("text, bad", [
    ("the aftercare cream they gave me smells like a hotel lobby, is that ok on day 2?", False),
    ("my face wash smells lovely, can I use it the day after?", False),
    ("day 3 and my cheek smells like something died", True),
    ("it smells like cheese where they did my jaw", True),
    ("it smells a bit funny and it's weeping", True),
])
def test_a_pleasant_or_neutral_smell_is_no_sign_of_infection(text, bad):
    assert bool(found_signs(text)[DANGER]) is bad


@pytest.mark.parametrize("text, tier", [
    ("After treatment the red is going out of the zone, like lines red going to my neck from the cheek. Is normal??", DANGER),
    ("6h post-MN. Urticaria face + neck, lip angioedema developing.", DANGER),
    ("My neck is still quite red a full week after my microneedling. No pain or fever though.", BEYOND_NORMAL),
    ("had the needling this morning, face feels like I've had a bit too much sun, is that normal?", NORMAL),
])
def test_red_lines_clinical_allergy_words_a_full_week_and_too_much_sun(text, tier):
    assert triage(text.lower()).tier == tier


def test_in_the_same_breath_is_no_breathing_trouble_and_is_it_possible_asks_ahead():
    assert not found_signs("the lecturer said microneedling and transdermal delivery in the same breath")[DANGER]
    assert found_signs("since my session i'm short of breath")[DANGER] == ["allergic_reaction"]
    assert not reports_after_treatment("I have dark marks from old acne. Is possible they get worse after microneedling?")


def test_a_relatives_report_named_without_my_keeps_its_signs():
    text = ("mum had her first session this afternoon. she's quite red and says it feels like sunburn. "
            "i'm a bit worried because she's older - is this what's expected?")
    assert triage(text).tier == NORMAL


def test_patches_that_were_not_there_before_the_treatment_are_after_it():
    text = "it's been about ten days and i've got dark brown patches on my forehead that weren't there before the treatment"
    assert reports_after_treatment(text) and triage(text).tier == BEYOND_NORMAL


def test_something_that_formed_along_a_treated_scar_is_beyond_normal():
    assert triage("two weeks after my session a hard raised line has come up along the old scar").tier == BEYOND_NORMAL
    assert triage("a raised bit has popped up on my cheek since the treatment on monday").tier == BEYOND_NORMAL


def test_a_simile_with_a_needle_is_no_treatment():
    assert not had_treatment("my scars are tiny deep pits, like done with an ice pick. will needling help?")
    assert had_treatment("my scars are tiny deep pits and I had them needled last week")


def test_a_treatment_said_not_to_have_happened_yet_is_no_treatment():
    assert not had_treatment("I haven't had any treatment yet and my skin is fine, how long is the appointment?")
    assert had_treatment("had my first session yesterday, haven't booked the second yet")


def test_a_relatives_report_told_in_sentences_that_name_nobody_keeps_their_signs():
    result = triage("Grandad's cheeks are pink and a bit tight. It was done two days ago. Is he alright?")
    assert result.tier == NORMAL and result.days == 2


@pytest.mark.parametrize("text, danger", [
    # feeling very unwell, said without "feel" beside it, is the danger sign...
    ("my session was this morning and now I'm not feeling right at all, really poorly and shaky", True),
    ("since the treatment yesterday I'm dizzy and a bit confused", True),
    # ...being confused about the aftercare is not
    ("I'm confused about what cream to use, had it done yesterday", False),
])
def test_feeling_very_unwell_in_other_words(text, danger):
    assert ("feeling_unwell" in triage(text).reasons) is danger


@pytest.mark.parametrize("text, before", [
    ("Cold sore on my lip. Came up yesterday. Appt Fri.", True),  # a day as a receptionist writes it
    ("sunburnt on holiday, is my session on thurs still ok?", True),
    ("my appt was on sat and its still pink", False),
    ("got sunburnt on the allotment yesterday, is that going to be ok for friday", True),
])
def test_a_treatment_to_come_by_its_short_day(text, before):
    assert before_a_treatment(text) is before


def test_a_sign_that_persists_within_the_guides_time_frame_is_still_normal():
    assert triage("two days since my session and the redness persists, is that ok?").tier == NORMAL
    assert triage("ten days since my session and the redness persists").tier == BEYOND_NORMAL


def test_letting_the_skin_breathe_is_no_breathing_trouble():
    assert triage("had it done yesterday, pink and warm, should I let it breathe tonight?").tier == NORMAL
    assert triage("since my session yesterday I can't breathe properly").tier == DANGER


@pytest.mark.parametrize("text, danger", [
    ("had shaving rash on my neck, all cleared up now but left dark marks. will it lighten them?", False),
    ("day 3: the swelling has gone down a bit but there is pus", True),
    ("rash all over my neck since the treatment, which has not gone", True),
])
def test_a_sign_said_to_be_over_for_good_is_no_sign(text, danger):
    assert bool(found_signs(text)[DANGER]) is danger


@pytest.mark.parametrize("text", [
    "My sister did microneedling last week. One place on her chin is smelling and bringing out yellow water.",
    "had it done on tuesday and now a spot on my cheek is leaking yellowish fluid",
])
def test_discharge_and_smell_told_in_lay_words_are_signs_of_infection(text):
    assert triage(text).tier == DANGER and "infection_signs" in triage(text).reasons


def test_a_lumpy_scar_that_keeps_growing_is_a_keloid_not_an_infection():
    assert "infection_signs" not in triage("I've got a raised lumpy scar on my chest that's kept growing past the cut").reasons


def test_a_sign_said_to_have_settled_weeks_ago_is_over():
    text = "After my first session my cheeks looked sunburnt, but that was three weeks ago and it all settled fine."
    assert not triage(text).signs


def test_a_sign_told_as_long_past_and_healed_is_not_counted():
    signs = found_signs("I had a blister from a burn years back, all healed, what is downtime like?")
    assert "blistering" not in signs[DANGER] + signs[BEYOND_NORMAL]


def test_a_sign_long_past_but_back_since_the_session_still_counts():
    signs = found_signs("blisters years back, and blisters again now since my session yesterday")
    assert "blistering" in signs[DANGER] + signs[BEYOND_NORMAL]


def test_a_past_condition_then_a_question_about_aftercare_asks_ahead():
    assert not reports_after_treatment("had a cold sore in october, gone now. what do I do after the treatment?")


@pytest.mark.parametrize("text, tier", [
    ("needled at lunchtime, my cheeks sting a little and look pink, ok?", NORMAL),
    ("day 1 and there's a slight tingle, nothing else", NORMAL),
    ("two days since my session and it's stinging badly whenever I wash", BEYOND_NORMAL),
])
def test_a_slight_sting_in_the_first_days_is_the_sunburn_feeling_and_a_strong_one_is_not(text, tier):
    assert triage(text).tier == tier


def test_lines_left_by_the_needles_a_week_on_are_beyond_normal():
    assert triage("9 days after my treatment I can still see faint tram lines in a criss-cross on my cheek").tier == BEYOND_NORMAL


@pytest.mark.parametrize("text, unchanged", [
    ("today also the same, ok?", True),
    ("no change since this morning", True),
    ("same, but now there's crusting", False),
    ("the same redness has spread to my neck", False),
])
def test_a_follow_up_saying_nothing_has_changed(text, unchanged):
    assert said_unchanged(text) is unchanged


@pytest.mark.parametrize("text", [
    "my mum had her hip replaced a year ago and the scar is still purple and lumpy, can it help?",
    "Post-op scars from keyhole surgery, discoloured. Texture or colour?",
])
def test_a_scar_told_with_the_time_since_an_operation_is_not_a_report_after_microneedling(text):
    assert not reports_after_treatment(text)


def test_an_operation_scar_treated_with_microneedling_is_a_report():
    assert reports_after_treatment("had my c-section scar needled 3 days ago and there's yellow crust on it")


def test_a_duration_and_a_half_counts():
    assert days_since_treatment("it's been a good five and a half days and still pink") == 5


def test_a_spot_long_cleared_before_the_treatment_is_no_new_sign():
    signs = found_signs("had a spot flare-up last summer, totally clear for months. treatment was 2 weeks ago")
    assert "skin_changes" not in signs[BEYOND_NORMAL]


@pytest.mark.parametrize("text", [
    "razor rash left brown marks on my neck, can needling fade them?",
    "the hype spread like a rash online, does it actually work on pores?",
])
def test_where_a_rash_is_or_a_simile_is_not_a_spreading_rash(text):
    assert "spreading_rash" not in found_signs(text)[DANGER]


def test_a_rash_spreading_down_the_neck_is_still_danger():
    assert "spreading_rash" in found_signs("two days after my session the rash is creeping down my neck")[DANGER]


def test_someone_elses_old_reaction_to_another_treatment_is_no_sign():
    text = ("My cousin once came up in hives and her lips puffed up, but that was from a filler, not microneedling. "
            "How long does my redness last?")
    assert found_signs(text)[DANGER] == []


def test_someone_elses_reaction_going_on_now_is_danger_whatever_caused_it():
    assert "allergic_reaction" in found_signs("my aunt's lips swelled after her peel, not microneedling, it's happening now")[DANGER]


@pytest.mark.parametrize("text, asks", [
    ("right so it's all fine then?", True),
    ("no need to ring the clinic then?", True),
    ("so its just my skin healing?", True),
    ("is that within normal limits or should I call?", True),
    ("that's fine, cheers", False),  # an acknowledgement, not a question
    ("is it ok to go swimming the day after?", False),  # a new question
    ("is it good for sun damage?", False),
    ("how often would I need to come in?", False),  # a question about sessions
])
def test_a_short_question_whether_what_was_told_is_fine(text, asks):
    assert seeks_reassurance(text) is asks


def test_where_the_pen_went_tells_a_treatment_happened():
    assert reports_after_treatment("there are lines across his forehead where the pen went, is that ok?")


def test_a_duration_and_half_without_a_counts_so_lasting_flaking_is_beyond_normal():
    assert triage("skin still flaking, 3 and half weeks since the session").tier == BEYOND_NORMAL


@pytest.mark.parametrize("text, tier", [
    ("day five and still as red as a tomato, no temperature", BEYOND_NORMAL),  # the day told in words
    ("day two, a bit pink and warm", NORMAL),
])
def test_the_day_told_in_words_counts(text, tier):
    assert triage(text).tier == tier


def test_lines_like_tracks_where_the_pen_went_are_beyond_normal():
    assert "skin_changes" in found_signs("there are faint lines like train tracks where the roller went, a week on")[BEYOND_NORMAL]
