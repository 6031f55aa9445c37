"""The source map (answer_sources.yml) against the answers the assistant can really send.

Fails when an answer has no entry, when a source is not in the project's copy of the guide,
when that copy drifts from the clinic's original, when an answer marked non-medical uses
medical words, or when an entry names an answer that no longer exists.
"""
from __future__ import annotations

import functools
import re
import textwrap
from pathlib import Path
from typing import List

import pytest

from actions.vocabulary import load_vocabulary
from console import answers
from console.answers import GUIDE_PATH, Variation, collect_answers, in_guide, load_sources

ROOT = Path(__file__).resolve().parents[2]
SEED_GUIDE = ROOT.parent / "shared" / "seed" / "000_9df74dabed73ce63.txt"
# Beyond the vocabulary's conditions, contraindications and red flags: words that make a claim
# about the body or the treatment's effect.
MEDICAL_WORDS = (
    "infection", "infected", "swelling", "swollen", "scar", "scars", "scarring", "collagen", "elastin",
    "inflammation", "bacteria", "wound", "pigment", "pigmentation", "acne", "sunburn", "redness",
    "fever", "pus", "heal", "healing", "anaesthetic", "anesthetic", "numbing", "prp", "minoxidil",
    "steroid", "allergic", "allergy", "dermatologist", "contraindicated", "risk", "risks", "side effect",
    "side effects", "emergency",
)


@pytest.fixture(scope="module")
def collected():
    return {a.name: a for a in collect_answers()}


@pytest.fixture(scope="module")
def sources():
    return load_sources()


@pytest.fixture(scope="module")
def guide_text() -> str:
    return GUIDE_PATH.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def medical_pattern() -> "re.Pattern[str]":
    vocabulary = load_vocabulary()
    terms = {t for group in ("condition", "contraindication", "red_flag")
             for concept in vocabulary[group].values() for t in concept.terms}
    longest_first = sorted(terms | set(MEDICAL_WORDS), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, longest_first)) + r")(?!\w)")


def medical_words_in(text: str) -> List[str]:
    return sorted(set(medical_pattern().findall(text.lower())))


def visible_text(variations) -> str:
    return " ".join(v.text + " " + " ".join(v.buttons) for v in variations)


# ------------------------------------------------------------------ the collector
def test_collector_reads_every_domain_response_and_variation(tmp_path):
    domain = tmp_path / "domain.yml"
    domain.write_text(textwrap.dedent("""\
        responses:
          utter_greet:
            - text: "Hi there"
              buttons:
                - title: "What is it?"
                  payload: /ask_what_is
            - text: "Hi there. Ask me, e.g. what is it?"
              channel: cmdline
          utter_bye:
            - text: "Bye"
        """), encoding="utf-8")
    found = {a.name: a for a in answers.domain_answers(domain)}
    assert found["utter_greet"].variations == (
        Variation("Hi there", ("What is it?",)), Variation("Hi there. Ask me, e.g. what is it?", (), "cmdline"))
    assert found["utter_bye"].variations == (Variation("Bye"),)


def test_collector_finds_texts_built_in_code(collected):
    advice = collected["action:escalation.triage_red_flag.advice"]
    assert len(advice.variations) == 3  # allergic reaction, vision change, infection
    assert any("allergic reaction" in v.text and "{clinic.emergency_number}" in v.text for v in advice.variations)
    # A module constant looked up in a table is one answer named after the constant.
    assert "should consult a dermatologist" in collected["action:escalation._GUIDE_KELOID"].variations[0].text
    # A helper's text is read where it is called, and an imported helper's text inline.
    assert "Would you like a clinician" in collected[
        "action:escalation.escalate_to_clinician.offer_follow_up"].variations[0].text
    assert collected["action:guide_gaps.ActionAnswerOutsideGuide"].variations[0].text.startswith(
        "You can reach {clinic.name}")
    assert "channel:rest.unavailable_reply" in collected


def test_collector_notices_a_new_text_in_an_action(tmp_path):
    (tmp_path / "extra.py").write_text(textwrap.dedent("""\
        class ActionNew:
            async def run(self, dispatcher, tracker, domain):
                dispatcher.utter_message(text="Brand new wording.")
        """), encoding="utf-8")
    found = {a.name: a for a in answers.code_answers((("action", tmp_path),))}
    assert found["action:extra.ActionNew"].variations == (Variation("Brand new wording."),)


def test_every_action_text_is_readable(collected):
    """A text the reader cannot follow shows up as one bare placeholder: teach the reader instead."""
    for answer in collected.values():
        for variation in answer.variations:
            assert re.sub(r"\{[^}]*\}", "", variation.text).strip(), f"{answer.name} ({answer.origin}) has no words"


def test_an_override_file_replaces_an_answer_and_a_missing_one_changes_nothing(tmp_path, monkeypatch, collected):
    overrides = tmp_path / "overrides.yml"
    monkeypatch.setenv(answers.OVERRIDES_ENV, str(overrides))
    assert {a.name: a for a in collect_answers()}["utter_aftercare"] == collected["utter_aftercare"]
    overrides.write_text('utter_aftercare:\n  - text: "Rinse with water only."\n', encoding="utf-8")
    changed = {a.name: a for a in collect_answers()}["utter_aftercare"]
    assert changed.variations == (Variation("Rinse with water only."),)
    assert changed.text_hash != collected["utter_aftercare"].text_hash


def test_hash_follows_the_wording(collected):
    aftercare = collected["utter_aftercare"]
    same = tuple(Variation(v.text, v.buttons, v.channel) for v in aftercare.variations)
    assert answers.text_hash(same) == aftercare.text_hash  # read again, same text: same hash
    edited = (Variation(aftercare.variations[0].text + " "),) + aftercare.variations[1:]
    assert answers.text_hash(edited) != aftercare.text_hash
    assert len(aftercare.text_hash) == 64


# ------------------------------------------------------------------ the source map
def test_every_answer_has_an_entry(collected, sources):
    missing = sorted(set(collected) - set(sources))
    assert not missing, f"answers with no entry in answer_sources.yml: {missing}"


def test_no_entry_names_an_answer_that_no_longer_exists(collected, sources):
    stale = sorted(set(sources) - set(collected))
    assert not stale, f"answer_sources.yml names answers that no longer exist: {stale}"


def test_every_source_is_verbatim_in_the_guide(sources, guide_text):
    absent = [(name, s) for name, entry in sources.items() for s in entry.sources if not in_guide(s, guide_text)]
    assert not absent, "not found verbatim in guide/microneedling-guide.txt:\n" + "\n".join(
        f"  {name}: {s!r}" for name, s in absent)


def test_every_medical_answer_has_sources_or_says_what_the_guide_lacks(sources):
    bare = [name for name, entry in sources.items() if entry.medical and not (entry.sources or entry.unsupported)]
    assert not bare, f"medical answers without a source: {bare}"


def test_non_medical_entries_say_why_and_use_no_medical_words(collected, sources):
    for name, entry in sources.items():
        if entry.medical or name not in collected:
            continue
        assert entry.why, f"{name}: medical: false needs a `why`"
        assert not entry.sources, f"{name}: medical: false with sources; which is it?"
        words = medical_words_in(visible_text(collected[name].variations))
        assert not words, f"{name} is marked medical: false but says {words}"


def test_medical_word_check_catches_a_claim():
    assert "swelling" in medical_words_in("If the swelling lasts, call us.")
    assert "acne scars" in medical_words_in("Can it help acne scars?")
    assert medical_words_in("Thanks, take care!") == []


def test_source_check_ignores_only_whitespace(guide_text):
    assert in_guide("A typical in-office session\n   lasts 30–60 minutes.", guide_text)
    assert not in_guide("A typical in-office session lasts 30-60 minutes.", guide_text)  # hyphen, not en dash


def test_project_guide_is_the_clinics_guide():
    if not SEED_GUIDE.exists():
        pytest.skip(f"{SEED_GUIDE} is not on this machine")
    assert GUIDE_PATH.read_bytes() == SEED_GUIDE.read_bytes(), (
        f"{GUIDE_PATH.relative_to(ROOT)} differs from {SEED_GUIDE}: copy it again")
