"""actions.vocabulary: the one loader of nlp/vocabulary.yml."""
from __future__ import annotations

import pytest

from action_testkit import load_domain
from actions.vocabulary import (
    GROUPS,
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
                assert str(listed).lower().strip() in terms
            assert len(terms) == len(set(terms)), f"{group}/{key} repeats a term"


def test_no_term_belongs_to_two_concepts():
    owners = {}
    for group, concepts in load_vocabulary().items():
        for key, loaded in concepts.items():
            for term in loaded.terms:
                assert term not in owners, f"'{term}' is in {owners.get(term)} and {group}/{key}"
                owners[term] = f"{group}/{key}"


def test_plural_and_singular_forms_are_both_recognised():
    assert {"acne scar", "acne scars"} <= set(concept("condition", "acne_scars").terms)
    assert {"craters", "crater"} <= set(concept("condition", "acne_scars").terms)
    assert {"blood thinner", "blood thinners"} <= set(concept("contraindication", "blood_thinners").terms)
    assert {"red streak", "red streaks"} <= set(concept("red_flag", "infection_signs").terms)


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


def test_always_escalate_flags_match_the_file(vocabulary_file):
    for key, entry in vocabulary_file["contraindication"].items():
        assert concept("contraindication", key).always_escalate is bool(entry.get("always_escalate", False))
    assert concept("contraindication", "isotretinoin").always_escalate
    # "stretch marks from my pregnancy" must not escalate just for naming pregnancy.
    assert not concept("contraindication", "pregnancy").always_escalate
    assert not any(c.always_escalate for c in load_vocabulary()["condition"].values())


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


def test_a_small_vocabulary_file_loads(tmp_path):
    path = tmp_path / "vocabulary.yml"
    path.write_text(
        "condition:\n"
        "  wrinkles: {name: fine lines, terms: [Fine Line, wrinkle]}\n"
        "contraindication:\n"
        "  keloid: {name: keloids, always_escalate: true, terms: [keloid]}\n"
        "red_flag:\n"
        "  infection_signs: {name: infection, terms: [pus]}\n",
        encoding="utf-8",
    )
    loaded = load_vocabulary(path)
    assert loaded["condition"]["wrinkles"].terms == ("fine line", "fine lines", "wrinkle", "wrinkles")
    assert loaded["contraindication"]["keloid"].always_escalate is True
    assert loaded["red_flag"]["infection_signs"].terms == ("pus",)


def test_entities_in_the_domain_are_the_vocabulary_groups():
    assert set(load_domain()["entities"]) == set(GROUPS)
