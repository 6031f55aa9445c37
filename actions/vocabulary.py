"""The project's vocabulary (nlp/vocabulary.yml): conditions, contraindications, red flags.

One loader for everyone who needs the vocabulary: the spaCy pipeline build, the generated
training data and the actions (display names, escalation reasons).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

VOCABULARY_PATH = Path(__file__).resolve().parent.parent / "nlp" / "vocabulary.yml"
GROUPS = ("condition", "contraindication", "red_flag")
HINT_SUFFIX = "_hint"  # entity label of a group's ambiguous words: contraindication_hint


@dataclass(frozen=True)
class Concept:
    group: str  # the entity label: condition, contraindication or red_flag
    key: str  # the canonical value (slot value, escalation reason)
    name: str  # how the bot says it
    terms: Tuple[str, ...]  # lower-case surface forms, with plural/singular variants
    hints: Tuple[str, ...] = ()  # ambiguous words: entity label <group>_hint (see vocabulary.yml)


EXACT_PREFIX = "="  # "=chills": this form only ("chill or nah?" is slang, not a symptom)


def _number_variants(term: str) -> List[str]:
    """The term plus its last word in the other grammatical number (scar <-> scars)."""
    if term.startswith(EXACT_PREFIX):
        return [term[len(EXACT_PREFIX):]]
    head, _, last = term.rpartition(" ")
    if len(last) < 4 or not last.isalpha():
        return [term]
    other = last[:-1] if last.endswith("s") and not last.endswith("ss") else last + "s"
    return [term, f"{head} {other}".strip()]


def _expand(raw_terms: List[str], owner: str, seen: Dict[str, str]) -> List[str]:
    terms: List[str] = []
    for term in raw_terms:
        for variant in _number_variants(str(term).lower().strip()):
            if seen.setdefault(variant, owner) != owner:
                # A term with two meanings would make the canonical value a coin toss.
                raise ValueError(f"'{variant}' is listed under both {seen[variant]} and {owner}")
            if variant not in terms:
                terms.append(variant)
    return terms


@functools.lru_cache(maxsize=None)
def _raw(path: Path = VOCABULARY_PATH) -> Dict[str, Any]:
    """The file as written, read once per process for every section below."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def load_vocabulary(path: Path = VOCABULARY_PATH) -> Dict[str, Dict[str, Concept]]:
    raw = _raw(path)
    vocabulary: Dict[str, Dict[str, Concept]] = {}
    seen: Dict[str, str] = {}
    for group in GROUPS:
        vocabulary[group] = {}
        for key, entry in raw[group].items():
            terms = _expand(entry.get("terms", []), f"{group}/{key}", seen)
            hints = _expand(entry.get("hints", []), f"{group}{HINT_SUFFIX}/{key}", seen)
            vocabulary[group][key] = Concept(group, key, entry["name"], tuple(terms), tuple(hints))
    return vocabulary


def concept(group: str, key: str) -> Concept:
    return load_vocabulary()[group][key]


def display_name(group: str, key: str) -> str:
    concepts = load_vocabulary().get(group, {})
    return concepts[key].name if key in concepts else key.replace("_", " ")


def canonical_key(label: str, value: str) -> str:
    """The canonical key for an entity value: the key itself, or the key whose term it is.

    EntitySynonymMapper normally does this inside the model; this keeps actions right when the
    spaCy pipeline on disk is newer than the model's synonym table.
    """
    group = label[: -len(HINT_SUFFIX)] if label.endswith(HINT_SUFFIX) else label
    concepts = load_vocabulary().get(group, {})
    if value in concepts:
        return value
    text = value.lower().strip()
    for concept in concepts.values():
        if text in concept.terms or text in concept.hints:
            return concept.key
    return value


@functools.lru_cache(maxsize=None)
def _patterns(section: str, path: Path = VOCABULARY_PATH):
    raw = _raw(path)[section]
    if isinstance(raw, dict):
        return {key: tuple(re.compile(p, re.IGNORECASE) for p in patterns) for key, patterns in raw.items()}
    return tuple(re.compile(p, re.IGNORECASE) for p in raw)


@functools.lru_cache(maxsize=None)
def people_words(kind: str = "", path: Path = VOCABULARY_PATH) -> Tuple[str, ...]:
    """The words for people other than the visitor (`people` in the vocabulary): one kind
    ("kin", "others") or, by default, all of them."""
    people = _raw(path)["people"]
    return tuple(people[kind]) if kind else tuple(dict.fromkeys(people["kin"] + people["others"]))


def people_pattern() -> str:
    """A regex alternation of every word for another person, longest first ("grandma" before "gran")."""
    return "|".join(re.escape(w) for w in sorted(people_words(), key=len, reverse=True))


def combination_partners(text: str) -> List[str]:
    """Keys of `combined_with` the text names ("minoxidil" -> hair_loss), in vocabulary order."""
    return [key for key, patterns in _patterns("combined_with").items() if any(p.search(text) for p in patterns)]


def described_conditions(text: str) -> List[str]:
    """Keys of `described_as` whose every pattern the text matches ("scar from my op" -> surgical_scars)."""
    return [key for key, patterns in _patterns("described_as").items() if all(p.search(text) for p in patterns)]


def mentions_skin_treatment(text: str) -> bool:
    return any(p.search(text) for p in _patterns("skin_treatment_words"))
