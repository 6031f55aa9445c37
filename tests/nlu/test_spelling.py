"""Misspelt names of medicines and conditions are read as the vocabulary's word; English is left alone."""
from __future__ import annotations

import pytest

from nlp.spelling import SpellingCorrector, edit_distance, vocabulary_corrector


@pytest.mark.parametrize("typed, read", [
    ("warferin", "warfarin"),
    ("Warferin", "warfarin"),
    ("psoriasys", "psoriasis"),
    ("psoríase", "psoriasis"),  # Portuguese, with its accent
    ("isotretinon", "isotretinoin"),
    ("accutaine", "accutane"),
    ("methotrexat", "methotrexate"),
    ("apixiban", "apixaban"),
])
def test_a_new_misspelling_of_a_contraindication_is_read_as_its_name(typed, read):
    assert vocabulary_corrector().corrected_word(typed) == read


@pytest.mark.parametrize("word", [
    # English words one or two edits from a term: "weeping", "streaking", "throbbing", "biologics"
    "weeding", "speaking", "stressing", "screaming", "throwing", "presents", "biological",
    # a device and a cosmetic concern, not "morphea" and "cellulitis"
    "Morpheus", "cellulite",
    # the vocabulary's own words, and words too short to judge
    "warfarin", "eczema", "lupus", "rosacea",
])
def test_english_words_and_the_vocabularys_own_are_left_as_typed(word):
    assert vocabulary_corrector().corrected_word(word) is None


def test_a_possessive_and_a_button_payload_are_left_alone():
    corrector = vocabulary_corrector()
    assert corrector.correct("my eczema's back") == "my eczema's back"
    assert corrector.correct('/ask_condition{"condition": "warferin"}') == '/ask_condition{"condition": "warferin"}'


def test_a_word_as_close_to_two_medicines_stays_as_typed():
    corrector = SpellingCorrector({"abcdefgh": "a/one", "abcdefgi": "a/two"}, known=set())
    assert corrector.corrected_word("abcdefgx") is None
    assert corrector.corrected_word("abcdefgh") == "abcdefgh"


def test_the_edit_distance_counts_a_swap_as_one_and_stops_past_its_limit():
    assert edit_distance("warfrain", "warfarin", 2) == 1
    assert edit_distance("warferin", "warfarin", 2) == 1
    assert edit_distance("abcdefgh", "zyxwvuts", 2) == 3
