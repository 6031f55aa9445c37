"""Misspelt names of medicines and conditions read as the vocabulary's word.

"warferin", "psoriasys", "psoríase" (Portuguese), "isotretinon": the vocabulary lists the common
misspellings it has seen, but visitors invent new ones. A word that is not in the vocabulary, starts
with the same letter as a single-word contraindication or red-flag term and is one edit away from
it (two for long terms that share the first four letters; an accent counts as no edit) is read as
that term. Only these groups: a missed contraindication is the costly mistake, and their names are
long, rare words. An English word is never changed: spaCy's English lemma table (41,000 word forms,
already installed with spacy-lookups-data) says which words are ("weeding" is not "weeping").
Words that close to two terms stay as typed.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Container, Dict, Optional, Tuple

from actions.vocabulary import load_vocabulary

CORRECTED_GROUPS = ("contraindication", "red_flag")
MIN_LENGTH = 7  # shorter names ("lupus") are too close to ordinary words
LONG_TERM = 9  # from this length two edits are allowed ("psoriase" for "psoriasis")
SHARED_START = 4  # ...when the first four letters agree
# Words the lemma table lacks that are one or two edits from a term (the device "Morpheus8").
ORDINARY_WORDS = frozenset({"biological", "morpheus", "cellulite"})
_WORD = re.compile(r"(?<!')\b[^\W\d_]+\b(?!')")  # not a part of "eczema's"


def without_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps cost one), or limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2 = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class SpellingCorrector:
    def __init__(self, targets: Dict[str, str], known: Container[str]):
        """`targets` maps each term to its concept ("warfarins" and "warfarin" are one)."""
        self.targets = dict(targets)
        self.known = known
        self.by_initial: Dict[str, Tuple[str, ...]] = {}
        for term in sorted(self.targets):
            self.by_initial[term[0]] = self.by_initial.get(term[0], ()) + (term,)

    def corrected_word(self, word: str) -> Optional[str]:
        lowered = word.lower()
        plain = without_accents(lowered)
        if len(plain) < MIN_LENGTH or lowered in self.known:
            return None
        if plain in self.targets:
            return plain  # "psoríasis"
        distances = {term: edit_distance(plain, term, self._allowed_edits(plain, term))
                     for term in self.by_initial.get(plain[0], ())}
        close = {term: d for term, d in distances.items() if d <= self._allowed_edits(plain, term)}
        if not close:
            return None
        nearest = min(close.values())
        concepts = {self.targets[term] for term, d in close.items() if d == nearest}
        return min(t for t, d in close.items() if d == nearest) if len(concepts) == 1 else None

    @staticmethod
    def _allowed_edits(word: str, term: str) -> int:
        return 2 if len(term) >= LONG_TERM and word[:SHARED_START] == term[:SHARED_START] else 1

    def correct(self, text: str) -> str:
        if not text or text.startswith("/"):
            return text  # empty, or a button payload
        return _WORD.sub(lambda m: self.corrected_word(m.group(0)) or m.group(0), text)


class _Known:
    """Membership in the vocabulary's words or in spaCy's lemma table (keyed by string hashes)."""

    def __init__(self, words: frozenset, table: Container[str]):
        self.words, self.table = words, table

    def __contains__(self, word: object) -> bool:
        return word in self.words or word in self.table


def english_words() -> Container[str]:
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@functools.lru_cache(maxsize=1)
def vocabulary_corrector() -> SpellingCorrector:
    """The corrector for nlp/vocabulary.yml (built once per process, about 10 ms)."""
    vocabulary = load_vocabulary()
    every_word = {word for concepts in vocabulary.values() for c in concepts.values()
                  for term in c.terms + c.hints for word in term.split()}
    terms = {term: f"{group}/{c.key}" for group in CORRECTED_GROUPS for c in vocabulary[group].values()
             for term in c.terms if " " not in term and term.isalpha() and len(term) >= MIN_LENGTH}
    # Not the build's singular of a Latin "-is" ("psoriasi"): the text would read oddly.
    targets = {term: key for term, key in terms.items() if not (term.endswith("i") and term + "s" in terms)}
    return SpellingCorrector(targets, _Known(frozenset(every_word) | ORDINARY_WORDS, english_words()))
