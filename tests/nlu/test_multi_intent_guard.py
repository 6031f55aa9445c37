"""Two answers only when the visitor asked two things (nlp/multi_intent_guard.py)."""
from __future__ import annotations

import pytest

from nlp.multi_intent_guard import asks_two_things, single_intent_for

RANKING = [
    {"name": "ask_during_treatment+ask_downtime", "confidence": 0.5},
    {"name": "ask_booking", "confidence": 0.2},
    {"name": "ask_during_treatment", "confidence": 0.18},
    {"name": "ask_downtime", "confidence": 0.12},
]


@pytest.mark.parametrize("text", ["does it hurt and how long is the recovery?", "sessions needed + time to results?",
                                  "AFTERCARE AND DOWNTIME??", "does it hurt? how long am I red?",
                                  "aftercare & downtime", "also how long am i red"])
def test_joined_questions_count_as_two(text):
    assert asks_two_things(text)


@pytest.mark.parametrize("text", ["how long does a session take", "can i go swimming the next day?",
                                  "", "I work at a hotel, how many days off should I book?", "android?"])
def test_one_question_counts_as_one(text):
    assert not asks_two_things(text)


def test_the_best_ranked_part_of_the_multi_intent_is_kept_not_the_best_single_intent():
    kept = single_intent_for(RANKING[0], RANKING)
    assert kept["name"] == "ask_during_treatment"
    assert kept["confidence"] == pytest.approx(0.5 + 0.18), "confidence in 'A+B' is confidence in A"


def test_a_single_intent_is_left_alone():
    assert single_intent_for({"name": "ask_booking", "confidence": 0.9}, RANKING) is None


@pytest.mark.parametrize("text, expected", [
    ("how long does a session take", "ask_during_treatment"),
    ("when can i go back to the office after?", "ask_downtime"),
    ("does it hurt and how long is the recovery?", "ask_during_treatment+ask_downtime"),
    ("how many sessions and when will I see results?", "ask_sessions+ask_results_timeline"),
])
def test_the_model_answers_one_or_two_questions_as_asked(parse, text, expected):
    result = parse(text)
    assert result["intent"]["name"] == expected
    names = [r["name"] for r in result["intent_ranking"]]
    assert names[0] == expected
    if "+" not in expected:
        assert not any("+" in name for name in names), "a single question ranks no multi-intent"
