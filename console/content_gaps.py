"""Content gaps: what visitors asked that the assistant could not answer well, grouped.

Messages come from the rollup (fallback, low confidence, out of scope, guide-silent). Wordings
that normalise to the same text ("Does it HURT??" / "does it hurt") form one bucket; buckets are
then merged when their sentence embeddings (nlp/sentence_encoder.py, all-MiniLM-L6-v2, loaded
once on first use) are near-identical. Without the model the normalised text alone groups.

Each group can be exported as candidate training examples for data/nlu/ (Rasa 3 YAML) with the
intent left as CHOOSE_ME: a person decides what the examples mean, never the console.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import yaml

from console.rollup import GapMessage
from console.tracker_reader import GAP_LABELS

logger = logging.getLogger(__name__)

Embedder = Callable[[Sequence[str]], np.ndarray]  # texts -> (n, d) L2-normalised rows

# Cosine at or above which two wordings count as the same question. For all-MiniLM-L6-v2 this
# joins rephrasings ("is one session enough" / "will one treatment be enough") and keeps apart
# questions that merely share words ("can I fly after" / "can I swim after").
SIMILARITY = 0.85
MAX_EMBEDDED_BUCKETS = 3000  # beyond this the rarest wordings are grouped by their text alone
MAX_EXAMPLES = 25            # per exported group
MAX_EXAMPLE_CHARS = 500
CHOOSE_ME = "CHOOSE_ME"


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing removed: the key of exact-duplicate wordings."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join(re.findall(r"[a-z0-9]+", folded)) or text.strip().casefold()


def _one_line(text: str) -> str:
    """A visitor's text as one training example: whitespace collapsed, control characters gone."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:MAX_EXAMPLE_CHARS]


@dataclass
class GapGroup:
    id: str                      # stable while the group's most frequent wording leads it
    example: str                 # the most frequent wording, as typed
    count: int = 0
    wordings: Counter = field(default_factory=Counter)  # as typed (one line) -> messages
    kinds: Counter = field(default_factory=Counter)
    guesses: Counter = field(default_factory=Counter)   # the classifier's best guesses
    last_seen: float = 0.0
    last_sender_id: str = ""

    @property
    def best_guess(self) -> Optional[str]:
        return self.guesses.most_common(1)[0][0] if self.guesses else None

    @property
    def kind_summary(self) -> str:
        return ", ".join(f"{GAP_LABELS.get(kind, kind)} {n}" for kind, n in self.kinds.most_common())

    @property
    def last_seen_text(self) -> str:
        return datetime.fromtimestamp(self.last_seen, timezone.utc).strftime("%Y-%m-%d %H:%M")


@dataclass
class _Bucket:
    key: str
    messages: List[GapMessage]


def _buckets(messages: Sequence[GapMessage]) -> List[_Bucket]:
    by_key: Dict[str, List[GapMessage]] = {}
    for message in messages:
        if message.text.strip():
            by_key.setdefault(normalise(message.text), []).append(message)
    buckets = [_Bucket(key, found) for key, found in by_key.items()]
    buckets.sort(key=lambda b: (-len(b.messages), b.key))
    return buckets


def _leaders(buckets: Sequence[_Bucket], embed: Optional[Embedder], threshold: float) -> List[int]:
    """For each bucket, the index of the bucket that leads its group (greedy, most frequent first)."""
    leaders = list(range(len(buckets)))
    if embed is None or len(buckets) < 2:
        return leaders
    head = min(len(buckets), MAX_EMBEDDED_BUCKETS)
    vectors = np.asarray(embed([b.messages[0].text for b in buckets[:head]]), dtype=np.float32)
    leader_rows: List[int] = []
    for index in range(head):
        if leader_rows:
            similarity = vectors[leader_rows] @ vectors[index]
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                leaders[index] = leader_rows[best]
                continue
        leader_rows.append(index)
    return leaders


def group_gaps(messages: Sequence[GapMessage], embed: Optional[Embedder] = None,
               threshold: float = SIMILARITY) -> List[GapGroup]:
    """Groups of near-identical wordings, largest first."""
    buckets = _buckets(messages)
    leaders = _leaders(buckets, embed, threshold)
    groups: Dict[int, GapGroup] = {}
    for index, bucket in enumerate(buckets):
        lead = leaders[index]
        group = groups.get(lead)
        if group is None:
            group = groups[lead] = GapGroup(id=hashlib.sha1(buckets[lead].key.encode()).hexdigest()[:12], example="")
        for message in bucket.messages:
            group.count += 1
            group.wordings[_one_line(message.text)] += 1
            group.kinds[message.kind] += 1
            if message.best_guess:
                group.guesses[message.best_guess] += 1
            if message.timestamp >= group.last_seen:
                group.last_seen, group.last_sender_id = message.timestamp, message.sender_id
    for group in groups.values():
        group.example = group.wordings.most_common(1)[0][0]
    return sorted(groups.values(), key=lambda g: (-g.count, g.example))


# ------------------------------------------------------------------ the sentence encoder, once
class _CachedEncoder:
    """The project's encoder behind a per-text cache: each wording is embedded once per process."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.cache: Dict[str, np.ndarray] = {}
        self.lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        with self.lock:
            missing = [text for text in dict.fromkeys(texts) if text not in self.cache]
            if missing:
                for text, vector in zip(missing, self.encoder.encode(missing)):
                    self.cache[text] = vector
            return np.stack([self.cache[text] for text in texts]) if texts else np.zeros((0, 384), np.float32)


_embedder: Optional[_CachedEncoder] = None
_embedder_failed = False
_embedder_lock = threading.Lock()


def default_embedder() -> Optional[Embedder]:
    """The sentence encoder, loaded on first call; None (grouping by text) when it cannot load."""
    global _embedder, _embedder_failed
    with _embedder_lock:
        if _embedder is None and not _embedder_failed:
            try:
                from nlp.sentence_encoder import get_encoder  # TensorFlow: only when a page needs it
                _embedder = _CachedEncoder(get_encoder())
            except Exception as error:  # no model files, no TensorFlow: the text grouping still works
                logger.warning("content gaps grouped by normalised text only: %s", error)
                _embedder_failed = True
        return _embedder


# ------------------------------------------------------------------ export
def _comment(text: str) -> str:
    """Text safe inside a YAML comment: one line, nothing a reader could mistake for YAML."""
    return re.sub(r"[^\w .,:;()+/-]", "", text.replace("\n", " "))[:200]


# Rasa reads "[text](entity)", "[text]{...}" and "[text][...]" in an example as an entity
# annotation (rasa.shared.nlu.training_data.entities_parser.ENTITY_REGEX): it needs the closing
# bracket right before the opening one, so a space there keeps a visitor's words plain text.
_ANNOTATION_JOINT = re.compile(r"\](?=[(\[{])")


def _plain_example(text: str) -> str:
    """A wording Rasa imports as the visitor's plain text, never as an entity annotation."""
    return _ANNOTATION_JOINT.sub("] ", text)


def training_yaml(groups: Sequence[GapGroup], generated: Optional[datetime] = None) -> str:
    """Rasa 3 NLU training data for these groups, intent CHOOSE_ME, each example a YAML string
    written by the YAML library (quotes, colons, '#', leading dashes of visitors stay intact)."""
    moment = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Candidate training examples from the staff console's content gaps ({moment}).",
             f"# For each block: replace {CHOOSE_ME} with the intent these messages should have (one of",
             "# domain.yml's intents, or a new one), delete any example that does not fit, and move the",
             "# block into a file under data/nlu/. Check that an example holds no visitor's personal details.",
             'version: "3.1"', "nlu:"]
    for group in groups:
        examples = [{"text": _plain_example(text)} for text, _ in group.wordings.most_common(MAX_EXAMPLES)]
        guess = f"; best guess of the assistant: {group.best_guess}" if group.best_guess else ""
        lines.append("# " + _comment(f"Content gap {group.id}: {group.count} messages ({group.kind_summary}){guess}"))
        block = yaml.safe_dump([{"intent": CHOOSE_ME, "examples": examples}], allow_unicode=True,
                               sort_keys=False, default_flow_style=False, width=10_000)
        lines.append(block.rstrip("\n"))
    return "\n".join(lines) + "\n"
