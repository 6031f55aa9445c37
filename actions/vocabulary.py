"""The project's vocabulary (nlp/vocabulary.yml): conditions, contraindications, red flags.

One loader for everyone who needs the vocabulary: the spaCy pipeline build, the generated
training data and the actions (display names, escalation reasons).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

VOCABULARY_PATH = Path(__file__).resolve().parent.parent / "nlp" / "vocabulary.yml"
GROUPS = ("condition", "contraindication", "red_flag")


@dataclass(frozen=True)
class Concept:
    group: str  # the entity label: condition, contraindication or red_flag
    key: str  # the canonical value (slot value, escalation reason)
    name: str  # how the bot says it
    terms: Tuple[str, ...]  # lower-case surface forms, with plural/singular variants
    always_escalate: bool = False  # a mention escalates whatever the intent (contraindications)


def _number_variants(term: str) -> List[str]:
    """The term plus its last word in the other grammatical number (scar <-> scars)."""
    head, _, last = term.rpartition(" ")
    if len(last) < 4 or not last.isalpha():
        return [term]
    other = last[:-1] if last.endswith("s") and not last.endswith("ss") else last + "s"
    return [term, f"{head} {other}".strip()]


@functools.lru_cache(maxsize=None)
def load_vocabulary(path: Path = VOCABULARY_PATH) -> Dict[str, Dict[str, Concept]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    vocabulary: Dict[str, Dict[str, Concept]] = {}
    seen: Dict[str, str] = {}
    for group in GROUPS:
        vocabulary[group] = {}
        for key, entry in raw[group].items():
            terms: List[str] = []
            for term in entry["terms"]:
                for variant in _number_variants(str(term).lower().strip()):
                    owner = seen.setdefault(variant, f"{group}/{key}")
                    if owner != f"{group}/{key}":
                        # A term with two meanings would make the canonical value a coin toss.
                        raise ValueError(f"'{variant}' is listed under both {owner} and {group}/{key}")
                    if variant not in terms:
                        terms.append(variant)
            vocabulary[group][key] = Concept(
                group, key, entry["name"], tuple(terms), bool(entry.get("always_escalate", False))
            )
    return vocabulary


def concept(group: str, key: str) -> Concept:
    return load_vocabulary()[group][key]


def display_name(group: str, key: str) -> str:
    concepts = load_vocabulary().get(group, {})
    return concepts[key].name if key in concepts else key.replace("_", " ")
