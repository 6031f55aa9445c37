"""actions.vocabulary: the one loader of nlp/vocabulary.yml."""
from __future__ import annotations

import pytest

from action_testkit import load_domain
from actions.vocabulary import (EXACT_PREFIX, 
    GROUPS,
    HINT_SUFFIX,
    Concept,
    _number_variants,
    concept,
    display_name,
    load_vocabulary,
)


def test_every_group_and_key_of_the_file_is_loaded(vocabulary_file):
    vocabulary = load_vocabulary()
    assert set(vocabulary) == set(GROUPS) == {"condition", "contraindication", "red_flag"}
    for group in GROUPS:
        assert set(vocabulary[group]) == set(vocabulary_file[group])
        for key, loaded in vocabulary[group].items():
            assert isinstance(loaded, Concept)
            assert (loaded.group, loaded.key) == (group, key)
            assert loaded.name == vocabulary_file[group][key]["name"]


def test_terms_are_lower_case_and_include_every_listed_term(vocabulary_file):
    for group in GROUPS:
        for key, entry in vocabulary_file[group].items():
            terms = concept(group, key).terms
            assert all(term == term.lower().strip() for term in terms)
            for listed in entry["terms"]:
                assert str(listed).lower().strip().lstrip(EXACT_PREFIX) in terms
            assert len(terms) == len(set(terms)), f"{group}/{key} repeats a term"


def test_an_exact_term_gets_no_other_number():
    terms = concept("red_flag", "infection_signs").terms
    assert "chills" in terms and "chill" not in terms  # "chill or nah?" is slang


def test_no_term_belongs_to_two_concepts():
    owners = {}
    for group, concepts in load_vocabulary().items():
        for key, loaded in concepts.items():
            for term in loaded.terms + loaded.hints:
                assert term not in owners, f"'{term}' is in {owners.get(term)} and {group}/{key}"
                owners[term] = f"{group}/{key}"


def test_plural_and_singular_forms_are_both_recognised():
    assert {"acne scar", "acne scars"} <= set(concept("condition", "acne_scars").terms)
    assert {"craters", "crater"} <= set(concept("condition", "acne_scars").terms)
    assert {"blood thinner", "blood thinners"} <= set(concept("contraindication", "blood_thinners").terms)
    assert {"red streak", "red streaks"} <= set(concept("red_flag", "infection_signs").terms)
    assert {"pimple", "pimples"} <= set(concept("contraindication", "active_acne").hints)


@pytest.mark.parametrize("term, expected", [
    ("acne scar", ["acne scar", "acne scars"]),
    ("craters", ["craters", "crater"]),
    ("pih", ["pih"]),  # too short to inflect
    ("ice-pick scar", ["ice-pick scar", "ice-pick scars"]),
    ("fever blister", ["fever blister", "fever blisters"]),
    ("c-section", ["c-section"]),  # last word not alphabetic
    ("ttc", ["ttc"]),
])
def test_number_variants(term, expected):
    assert _number_variants(term) == expected


def test_hints_are_loaded_apart_from_the_terms(vocabulary_file):
    for group in GROUPS:
        for key, entry in vocabulary_file[group].items():
            loaded = concept(group, key)
            for listed in entry.get("hints", []):
                assert str(listed).lower().strip() in loaded.hints
            assert not set(loaded.hints) & set(loaded.terms)
    # "stretch marks from my pregnancy" must not escalate just for naming pregnancy,
    # while "I'm pregnant" must.
    pregnancy = concept("contraindication", "pregnancy")
    assert "pregnancy" in pregnancy.hints and "pregnancy" not in pregnancy.terms
    assert "i'm pregnant" in pregnancy.terms
    assert "accutane" in concept("contraindication", "isotretinoin").terms
    assert HINT_SUFFIX == "_hint"


def test_hint_entities_are_declared_in_the_domain():
    entities = set(load_domain()["entities"])
    for group, concepts in load_vocabulary().items():
        assert group in entities
        if any(c.hints for c in concepts.values()):
            assert group + HINT_SUFFIX in entities


def test_display_names():
    assert display_name("condition", "stretch_marks") == "stretch marks"
    assert display_name("contraindication", "isotretinoin") == "isotretinoin (Accutane)"
    assert display_name("red_flag", "allergic_reaction") == "an allergic reaction"
    # Unknown keys and groups still read as words, never as snake_case.
    assert display_name("contraindication", "new_medication") == "new medication"
    assert display_name("no_such_group", "some_key") == "some key"


def test_a_term_listed_under_two_concepts_is_refused(tmp_path):
    path = tmp_path / "vocabulary.yml"
    path.write_text(
        "condition:\n"
        "  acne_scars: {name: acne scars, terms: [acne scar]}\n"
        "contraindication:\n"
        "  active_acne: {name: active acne, terms: [acne scars]}\n"  # the plural of a condition term
        "red_flag: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="acne scars"):
        load_vocabulary(path)


def test_a_word_that_is_both_a_term_and_a_hint_is_refused(tmp_path):
    path = tmp_path / "vocabulary.yml"
    path.write_text(
        "condition: {}\n"
        "contraindication:\n"
        "  pregnancy: {name: pregnancy, terms: [pregnant], hints: [pregnant]}\n"
        "red_flag: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="pregnant"):
        load_vocabulary(path)


def test_a_small_vocabulary_file_loads(tmp_path):
    path = tmp_path / "vocabulary.yml"
    path.write_text(
        "condition:\n"
        "  wrinkles: {name: fine lines, terms: [Fine Line, wrinkle]}\n"
        "contraindication:\n"
        "  keloid: {name: keloids, terms: [keloid], hints: [raised scar]}\n"
        "red_flag:\n"
        "  infection_signs: {name: infection, terms: [pus]}\n",
        encoding="utf-8",
    )
    loaded = load_vocabulary(path)
    assert loaded["condition"]["wrinkles"].terms == ("fine line", "fine lines", "wrinkle", "wrinkles")
    assert loaded["contraindication"]["keloid"].hints == ("raised scar", "raised scars")
    assert loaded["red_flag"]["infection_signs"].terms == ("pus",)


def test_entities_in_the_domain_are_the_vocabulary_groups():
    expected = set(GROUPS) | {g + HINT_SUFFIX for g, cs in load_vocabulary().items()
                              if any(c.hints for c in cs.values())}
    assert set(load_domain()["entities"]) == expected
