"""The blind sets stay blind: no blind message, or a near-duplicate of one, is training data.

A near-duplicate is the same words after normalising (case, punctuation, emoji, spacing) or the
same set of words in another order. If this fails, remove the line from the training data: the
blind sets are never edited to fit the model.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BLIND = Path(__file__).resolve().parent


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def word_set(text: str) -> str:
    return " ".join(sorted(set(normalised(text).split())))


def training_examples() -> Iterator[Tuple[str, str]]:
    for path in sorted((ROOT / "data").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu", []) or []:
            if "intent" not in item:
                continue  # synonyms and lookup tables are vocabulary, not example messages
            for line in (item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield line[2:].strip(), str(path.relative_to(ROOT))


def blind_turns() -> Iterator[Tuple[str, str]]:
    for path in sorted(BLIND.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            for turn in case["turns"]:
                yield turn, f"{path.name}:{case['id']}"


def test_the_blind_sets_are_large_enough_to_mean_something():
    cases = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in BLIND.glob("*.yaml")}
    dev = [c for name, cs in cases.items() if name.startswith("dev_") for c in cs]
    safety = [c for name, cs in cases.items() if name.startswith("safety_") for c in cs]
    assert len(dev) >= 800
    assert sum(bool(c["expect"].get("escalate")) for c in safety) >= 300
    assert sum(not c["expect"].get("escalate") for c in safety) >= 150


@pytest.mark.parametrize("key", [normalised, word_set], ids=["same-words", "same-word-set"])
def test_no_blind_message_is_in_the_training_data(key):
    training: Dict[str, str] = {}
    for text, where in training_examples():
        if key(text):
            training.setdefault(key(text), where)
    leaks = [f"{case}: {text!r} (in {training[key(text)]})" for text, case in blind_turns()
             if key(text) and key(text) in training]
    assert not leaks, "blind messages in the training data:\n" + "\n".join(leaks[:30])


def test_case_ids_are_unique():
    ids = [case for _, case in blind_turns()]
    per_case = {i for i in ids}
    assert len({i.split(":")[1] for i in per_case}) == len(per_case)
