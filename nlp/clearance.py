"""How visitors ask for the go-ahead: one list for the safety gate and for the actions.

The gate uses the narrow part, a visitor asking to be cleared for their *own* treatment ("can I
still book?"): with that, a weaker belief in a contraindication is enough for a clinician to check.
The actions use all of it after a contraindication was told ("so there's no reason you can't
proceed?"): an answer is never a go-ahead, so the clinician's check is said again.
"""
from __future__ import annotations

import re

# "can I still book?", "is it ok for me to do it now?"
_OWN_TREATMENT = (
    r"\b(can|could|may) i (still |now |even |just )?(book|come|do|have|get|go ahead|start|go for)\b",
    r"\bis (it|that|this) (still )?(ok|okay|alright|all right|fine|safe) for me\b",
    r"\b(it|that|this) is (still )?(ok|okay|alright|all right|fine|safe) for me\b",  # as learners ask it
    r"\b(am i|would i be|i'?m) (still )?(ok|okay|alright|fine|safe|able|allowed) to\b",
    r"\bshould i (still )?(go ahead|come|book|wait|cancel|postpone)\b",
)
# ...and the go-ahead in general: "good to go?", "no reason you can't proceed, correct?"
_GO_AHEAD = _OWN_TREATMENT + (
    r"\b(proceed|go ahead|green light|good to go|all clear|cleared|safe (for me|to)|ok(ay)? (for me|to)|fine (for me|to))\b",
    r"\bno reason (you|i|we) (can'?t|cannot|couldn'?t|shouldn'?t)\b",
    r"\b(can|could) (i|you|we) (still )?(do|have|book|start|go)\b",
    r"\b(still|then) (do|book|start|go ahead)\b",
)
_ASKS_OWN_CLEARANCE = re.compile("|".join(_OWN_TREATMENT), re.IGNORECASE)
_ASKS_FOR_CLEARANCE = re.compile("|".join(_GO_AHEAD), re.IGNORECASE)


def asks_own_clearance(text: str) -> bool:
    """The visitor asks whether they themselves may have the treatment."""
    return bool(_ASKS_OWN_CLEARANCE.search(text or ""))


def asks_for_clearance(text: str) -> bool:
    """The visitor asks for any go-ahead (a superset of `asks_own_clearance`)."""
    return bool(_ASKS_FOR_CLEARANCE.search(text or ""))
