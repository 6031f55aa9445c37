"""Lay wordings come out as the vocabulary's canonical values; the safety gate escalates on them."""
from __future__ import annotations

import pytest


def values(parsed, entity):
    return [e["value"] for e in parsed["entities"] if e["entity"] == entity]


@pytest.mark.parametrize("text, expected", [
    ("can microneedling help my Ice-Pick scars?", "acne_scars"),
    ("do boxcar scars respond well", "acne_scars"),
    ("I have pockmarks on both cheeks", "acne_scars"),
    ("my C-section scar is still really visible", "surgical_scars"),
    ("STRETCH MARKS on my thighs", "stretch_marks"),
    ("does it work on striae?", "stretch_marks"),
    ("got tiger stripes on my hips after a growth spurt", "stretch_marks"),
    ("my crow's feet are getting deeper", "wrinkles"),
    ("smokers lines round my lips", "wrinkles"),
    ("i have large pores on my nose", "enlarged_pores"),
    ("orange peel skin on my cheeks", "enlarged_pores"),
    ("dark spots from old pimples", "hyperpigmentation"),
    ("does it fade sun spots", "hyperpigmentation"),
    ("brown mask of pregnancy on my upper lip", "melasma"),
    ("my skin is so dull lately", "dull_skin"),
    ("thinning hair on my crown", "hair_loss"),
    ("receding hairline at 26", "hair_loss"),
])
def test_condition_lay_terms_map_to_one_canonical_value(parse, text, expected):
    assert values(parse(text), "condition") == [expected]


@pytest.mark.parametrize("text, expected", [
    ("my derm has me on isotretinoin", "isotretinoin"),
    ("I took roaccutane last year", "isotretinoin"),
    ("I'm on warfarin", "blood_thinners"),
    ("I have von Willebrand disease", "blood_thinners"),
    ("my lupus has been quiet lately", "autoimmune"),
    ("I get cold sores a lot", "cold_sores"),
    ("I'm 20 weeks pregnant", "pregnancy"),
    ("I'm breastfeeding my 3 month old", "pregnancy"),
    ("my face is breaking out right now", "active_acne"),
    ("I have keloids on my chest", "keloid"),
    ("I'm halfway through chemo", "cancer_treatment"),
    ("Pt = me. T2DM, HbA1c poorly controlled", "wound_healing"),  # clinical shorthand
    ("minor cuts take wks to close", "wound_healing"),
    ("caught my cheek on the shed door and it's still not skinned over", "open_wound"),
    ("oh and about 12 weeks gone by the way", "pregnancy"),
    ("I get raised shiny scars that keep growing past the edge of the wound", "keloid"),
    ("my chin is erupting this week, can I still come in?", "active_acne"),  # cysts told in lay words
])
def test_contraindication_terms_map_to_the_escalation_reason(parse, text, expected):
    assert values(parse(text), "contraindication") == [expected]


@pytest.mark.parametrize("text, expected", [
    ("there's pus coming out of the spots", "infection_signs"),
    ("my lips are swelling up", "allergic_reaction"),
    ("I've got hives all over my neck", "allergic_reaction"),
])
def test_red_flags_are_recognised(parse, text, expected):
    assert expected in values(parse(text), "red_flag")


def test_poor_is_pity_not_pores(parse):
    assert values(parse("my poor dear wife, how long is a session?"), "condition") == []
    assert values(parse("are my poors too big for it"), "condition") == ["enlarged_pores"]


def test_acne_scars_are_a_condition_not_active_acne(parse):
    parsed = parse("can it help my acne scars")
    assert values(parsed, "condition") == ["acne_scars"]
    assert values(parsed, "contraindication") == []


@pytest.mark.parametrize("text", [
    "can it help my acne scars? I'm on accutane",
    "would microneedling help my stretch marks, I'm 12 weeks pregnant",
    "how long is a session? I have lupus",
])
def test_the_visitors_own_contraindication_turns_any_question_into_an_escalation(parse, text):
    assert parse(text)["intent"]["name"] == "report_contraindication"


def test_a_contraindication_without_saying_whose_is_never_answered_without_the_caution(parse):
    # "if you take warfarin" may be the visitor or anyone: the assistant asks, or answers with the
    # guide's line on who must check with a clinician first (docs/safety.md, rows 2 and 3).
    intent = parse("does it work for wrinkles if you take warfarin")["intent"]["name"]
    assert intent in ("mention_contraindication", "ask_who_should_avoid")


@pytest.mark.parametrize("text", [
    "my aunt has lupus but I'm the one booking, could microneedling help my wrinkles?",
    "it's not a keloid, my surgeon checked. can you treat the scar?",
    "my acne cleared up years ago, will it help the marks it left?",
])
def test_someone_elses_denied_or_past_mentions_are_not_escalated(parse, text):
    assert parse(text)["intent"]["name"] not in ("report_contraindication", "mention_contraindication")


@pytest.mark.parametrize("text, intent", [
    ("wanted to ask about prices and parking, also since my session on monday there's yellow pus on my chin",
     "report_red_flag"),
    ("had microneedling 2 days ago, face is pink and a bit tight, is that normal?", "report_normal_recovery"),
    ("it's been two weeks since my treatment and I'm still red", "report_beyond_normal"),
])
def test_a_report_after_treatment_is_sorted_by_the_loaded_model(parse, text, intent):
    assert parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize("text", [
    "I have stretch marks from my pregnancy years ago, can microneedling help?",
    "will it help the dark marks my old acne left behind",
])
def test_an_ambiguous_word_alone_does_not_escalate(parse, text):
    parsed = parse(text)
    assert values(parsed, "contraindication") == []
    assert parsed["intent"]["name"] != "report_contraindication"
