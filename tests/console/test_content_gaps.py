"""console.content_gaps: near-identical wordings form one row; the export is YAML Rasa reads."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest
import yaml

from console.content_gaps import CHOOSE_ME, group_gaps, normalise, training_yaml
from console.rollup import GapMessage


def gap(text: str, kind: str = "fallback", at: float = 1.0, guess: str = "ask_sessions", sender: str = "s") -> GapMessage:
    return GapMessage(event_id=int(at * 1000), sender_id=sender, timestamp=at, kind=kind, text=text,
                      intent="nlu_fallback", confidence=0.2, best_guess=guess)


class TopicEmbedder:
    """A stand-in for the sentence encoder: texts that share a topic word get the same vector."""

    TOPICS = ("session", "fly", "makeup")

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            vector = np.array([float(topic in text.lower()) for topic in self.TOPICS] + [0.01])
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows)


def test_wordings_that_normalise_alike_are_one_row_with_a_count() -> None:
    groups = group_gaps([gap("Is one session enough??"), gap("is one session enough"), gap("IS ONE SESSION ENOUGH ?"),
                         gap("can I fly after?", kind="guide_silent")])
    assert [(g.count, g.example) for g in groups][0][0] == 3
    assert groups[0].kinds == {"fallback": 3} and groups[1].kinds == {"guide_silent": 1}
    assert len(groups) == 2
    assert normalise("Café  au-lait?!") == "cafe au lait"


def test_embeddings_merge_rephrasings_and_rows_are_sorted_by_count() -> None:
    messages = [gap("can I fly the day after", at=1), gap("flying the next day?", at=2),
                gap("one session enough?", at=3), gap("is a single session enough", at=4),
                gap("one session enough?", at=5), gap("makeup next morning?", at=6)]
    without = group_gaps(messages)
    assert len(without) == 5  # text alone: only the exact repeat is merged
    groups = group_gaps(messages, embed=TopicEmbedder())
    assert [g.count for g in groups] == [3, 2, 1]
    top = groups[0]
    assert top.example == "one session enough?" and top.count == 3
    assert set(top.wordings) == {"one session enough?", "is a single session enough"}
    assert top.last_seen == 5


def test_group_ids_are_stable_when_more_of_the_same_arrives() -> None:
    first = group_gaps([gap("does it hurt"), gap("Does it hurt?")])
    later = group_gaps([gap("does it hurt"), gap("Does it hurt?"), gap("does it HURT"), gap("other")])
    assert first[0].id == later[0].id


def test_the_export_parses_and_keeps_a_visitors_quotes_and_colons() -> None:
    tricky = ['He said: "it\'s fine" - is it?', "- dash first: yes", "# not a comment", "key: value: more",
              "<img src=x onerror=alert(1)>", "emoji 😬 and 'single' quotes", "two\nlines\tand tabs"]
    groups = group_gaps([gap(text, guess="ask_risks") for text in tricky])
    text = training_yaml(groups)
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert {block["intent"] for block in data["nlu"]} == {CHOOSE_ME}
    exported = [example["text"] for block in data["nlu"] for example in block["examples"]]
    # Every wording exactly as typed; the one with a newline and a tab as one line.
    assert sorted(exported) == sorted(tricky[:-1] + ["two lines and tabs"])
    assert "best guess of the assistant: ask_risks" in text


def test_rasa_reads_the_export_as_training_examples() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    groups = group_gaps([gap('can I wear "mineral" makeup: the next day?'), gap("what about flights")])
    training = RasaYAMLReader().reads(training_yaml(groups))
    assert sorted(m.get("text") for m in training.intent_examples) == [
        'can I wear "mineral" makeup: the next day?', "what about flights"]
    assert {m.get("intent") for m in training.intent_examples} == {CHOOSE_ME}


def test_the_real_sentence_encoder_groups_rephrasings() -> None:
    from console.content_gaps import default_embedder

    embed = default_embedder()
    if embed is None:
        pytest.fail("the sentence encoder did not load (run scripts/install.sh)")
    groups = group_gaps([gap("is one session enough?"), gap("is one session going to be enough"),
                         gap("can I go swimming after?")], embed=embed)
    assert [g.count for g in groups] == [2, 1]


@pytest.mark.parametrize("typed", [
    "is [botox](treatment) ok after", 'what about [PRP]{"entity": "treatment"} then', "[a][{\"entity\": \"b\"}] too",
    "nested [[pen](device)] marks", "[my](cheek:face) is red",
])
def test_a_visitors_brackets_import_as_plain_text_not_entities(typed) -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    training = RasaYAMLReader().reads(training_yaml(group_gaps([gap(typed)])))
    [example] = training.intent_examples
    assert not example.get("entities")
    # The visitor's words and brackets all kept; only a space may come between "]" and "(".
    assert example.get("text").replace(" ", "") == typed.replace(" ", "")
