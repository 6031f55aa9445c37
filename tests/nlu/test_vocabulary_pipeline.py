"""The spaCy pipeline built from nlp/vocabulary.yml recognises every term with its own key."""
from __future__ import annotations

import spacy

from actions.vocabulary import HINT_SUFFIX, load_vocabulary
from nlp.build_pipeline import PIPELINE_DIR, generated_training_data, vocabulary_hash


def test_every_vocabulary_term_is_recognised_in_a_sentence_with_its_canonical_key():
    nlp = spacy.load(PIPELINE_DIR)
    wrong = []
    for group, concepts in load_vocabulary().items():
        for concept in concepts.values():
            for label, terms in ((group, concept.terms), (group + HINT_SUFFIX, concept.hints)):
                for term in terms:
                    found = [(e.label_, e.ent_id_) for e in nlp(f"well, {term} is my question").ents]
                    if (label, concept.key) not in found:
                        wrong.append((term, label, concept.key, found))
    assert wrong == []


def test_the_generated_training_data_maps_every_term_to_its_key():
    text = generated_training_data(vocabulary_hash())
    for concept in load_vocabulary()["condition"].values():
        assert f"- synonym: {concept.key}" in text
        assert all(f"    - {t}\n" in text for t in concept.terms if t != concept.key)
