"""NLU safety gate: what the visitor says about their own health decides, in context.

DIET classifies what a message asks; the vocabulary finds what it mentions; ConText
(nlp/mention_context.py) tells whether a mention is the visitor's own current condition; the
recovery triage (nlp/recovery_triage.py) sorts a report of how things are after a treatment.
No single one of them decides alone:

1. A report of how the skin or body is after a treatment (recognised by DIET or by a treatment
   cue with a sign) is sorted: a danger sign -> report_red_flag (urgent advice first); anything
   beyond what the guide calls normal, or nothing recognised -> report_beyond_normal (a
   clinician checks); only guide-normal signs within their time frame -> report_normal_recovery.
   When it cannot tell danger from beyond normal (DIET says red flag, the vocabulary finds no
   danger sign) the urgent advice wins.
2. A red-flag term outside such a report (not denied or hypothetical) -> report_red_flag, unless
   the message asks about risks or aftercare in general.
3. Contraindications: the visitor's own current one -> report_contraindication. A mention that
   is denied, past, hypothetical or someone else's is answered as a question (no escalation),
   even when DIET guessed report_contraindication, unless that someone else is the one to be
   treated ("my dad's on warfarin, could he have it?"): their current contraindication goes to a
   clinician like the visitor's own. A current mention that may or may not be
   the visitor's ("lupus and microneedling?") -> mention_contraindication: the assistant asks
   "Is that something you have at the moment?" before escalating.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY,
                                       PREDICTED_CONFIDENCE_KEY, TEXT)
from rasa.shared.nlu.training_data.message import Message

from actions.vocabulary import mentions_skin_treatment
from nlp import recovery_triage
from nlp.clearance import asks_own_clearance
from nlp.mention_context import (NEVER_PAST, Mention, denied_before, get_mention_context,
                                 treatment_for_someone_else, visitor_not_treated)

RED_FLAG_INTENT = "report_red_flag"
BEYOND_NORMAL_INTENT = "report_beyond_normal"
NORMAL_RECOVERY_INTENT = "report_normal_recovery"
CONTRAINDICATION_INTENT = "report_contraindication"
GENERAL_SAFETY_INTENT = "ask_who_should_avoid"
MENTION_INTENT = "mention_contraindication"  # current, but whose? the assistant asks
RECOVERY_INTENTS = frozenset({RED_FLAG_INTENT, BEYOND_NORMAL_INTENT, NORMAL_RECOVERY_INTENT})
# General questions that may name a red flag without reporting one ("how do I avoid infection?").
GENERAL_RISK_INTENTS = frozenset({"ask_risks", "ask_aftercare", GENERAL_SAFETY_INTENT, "ask_downtime"})
KEEP_INTENTS = frozenset({"request_clinician"})
OUT_OF_SCOPE_INTENT = "out_of_scope"
# Replies to the assistant's own yes/no question ("Is that something you have at the moment?").
ANSWER_INTENTS = frozenset({"affirm", "deny"})
# DIET's confidence that counts as recognising a report on its own, and as "it says red flag".
REPORT_CONFIDENCE = 0.5
RED_FLAG_CONFIDENCE = 0.3
NOT_NORMAL_MASS = 0.5  # the classifier's belief in red flag + beyond normal that outweighs a vocabulary "normal"
SAFETY_INTENTS = RECOVERY_INTENTS | {"report_contraindication", "mention_contraindication", "request_clinician"}
# "now", "again": a current condition, even when an older mention of it is past.
_CURRENT_IN_MESSAGE = re.compile(r"\b(now|currently|right now|at the moment|atm) (i|i'm|im|i've|ive|i have|my|it'?s)\b"
                                 r"|\b(came|come|coming) back\b|\bagain\b|\bflar(e|ing)( up)?\b"
                                 r"|\b(have|got|getting|having) (one|some|it|them|an? \w+)( \w+)? (now|right now|atm|at the moment|currently)\b"
                                 r"|\b(i'?m|i am) (still |also |currently |now )?(on|taking)\b"
                                 r"|(^|[.!?;,]\s*)(active|current|currently|now|rn|atm)\s*([.!?;,]|$)",
                                 re.IGNORECASE)
# "the pharmacist asked if I'm on blood thinners": a "now" word that is asked about
_ASKED_IF = re.compile(r"\b(if|whether)\s*$", re.IGNORECASE)

# A visitor asking to be cleared for their own treatment (nlp/clearance.py): with that, a lower
# belief in a contraindication the vocabulary has no word for ("5 huge painful ones deep under
# the skin") is enough for a clinician to check.
CLEARANCE_REPORT_CONFIDENCE = 0.35

# Above this the classifier is sure the message asks an ordinary question ("how long would the
# redness last after a session?"): a treatment cue with a mild sign does not make it a report.
SURE_QUESTION_CONFIDENCE = 0.8
# With no sign found and no word of a treatment had ("some parts of my face are darker, can
# microneedling even it out?"), the classifier alone reads a report only this sure.
UNCUED_REPORT_CONFIDENCE = 0.7


# "I have a scar from my appendix operation": a scar is what the treatment is for, so with no
# word of the vocabulary behind it the classifier's guess of a contraindication must be surer.
_NAMES_A_SCAR = re.compile(r"\bscar(s|red|ring)?\b", re.IGNORECASE)


def _guess_confidence_needed(text: str, masked: Sequence[tuple]) -> float:
    """How sure the classifier must be to escalate a contraindication it read without any word of
    the vocabulary: surer when the message names the condition to be treated."""
    return UNCUED_REPORT_CONFIDENCE if masked or _NAMES_A_SCAR.search(text) else REPORT_CONFIDENCE


def _confidence(ranking: Sequence[Dict[str, Any]], name: str) -> float:
    return next((r.get(PREDICTED_CONFIDENCE_KEY, 0.0) for r in ranking if r.get(INTENT_NAME_KEY) == name), 0.0)


def _intent(name: str, from_name: Optional[str], **extra: Any) -> Dict[str, Any]:
    return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0, "gated_from": from_name, **extra}


# "my wife's sister got keloids": told in the past, of someone who may not be the one treated.
# "she got cold sores" is told in the past; "she's got an open sore" is not.
_TOLD_IN_THE_PAST = re.compile(r"\b(had|(?<!'s )(?<!’s )(?<!has )(?<!have )(?<!'ve )got|used to( get| have)?|was|were|suffered( from)?)"
                               r"\s+(\w+\s+){0,2}$", re.IGNORECASE)

# ...but a tendency the guide names stays theirs: "she got big keloid lumps after piercings" says she
# forms keloids ("she" is the one asked about; "my wife's sister got keloids" names someone else).
_TENDENCY_OF_THE_ONE_ASKED_FOR = re.compile(r"\b(she|he|they)\s+(\w+\s+)?(had|got|gets|get|has|have|formed|forms|form|used to get)"
                                            r"\s+(\w+\s+){0,3}$", re.IGNORECASE)


def someone_elses_current(mentions: Sequence[Mention], text: str = "") -> List[Mention]:
    """Current contraindications of someone else, not denied, past or hypothetical ("my mum is on
    apixaban"); a hint ("a cut") only when said to be current ("still open")."""
    return [m for m in mentions if m.someone_else and not (m.negated or m.historical or m.hypothetical)
            and (m.label == "contraindication" or (m.label == "contraindication_hint" and m.said_current))
            and (m.said_current or not _TOLD_IN_THE_PAST.search(text[:m.start])
                 or (m.key in NEVER_PAST and bool(_TENDENCY_OF_THE_ONE_ASKED_FOR.search(text[:m.start]))))]


def _answered_with_caution(question: Optional[str], from_name: Optional[str],
                           mentions: Sequence[Mention], text: str = "") -> Dict[str, Any]:
    """Row 2 of the policy: the question asked is answered, then the guide's line on who should
    check with a clinician first (actions/safety_answers.py); no marker. `theirs` names someone
    else's current ones: an earlier turn may say that person is the one to be treated."""
    return _intent(GENERAL_SAFETY_INTENT, from_name, question=question, mentions=[m.key for m in mentions],
                   theirs=[m.key for m in someone_elses_current(mentions, text)])


def _recovery_mass(ranking: Sequence[Dict[str, Any]]) -> float:
    return sum(_confidence(ranking, name) for name in RECOVERY_INTENTS)


def best_other_intent(ranking: Sequence[Dict[str, Any]], excluded: frozenset,
                      text: str = "") -> Optional[Dict[str, Any]]:
    """The best-ranked intent outside `excluded`: the question asked, once safety is ruled out.
    Never the off-topic refusal for a message about skin or treatment ("the scar from her op is
    still raised and lumpy" is no report, but it is not off-topic either)."""
    on_topic = mentions_skin_treatment(text)
    for candidate in ranking:
        name = candidate.get(INTENT_NAME_KEY)
        if name == OUT_OF_SCOPE_INTENT and on_topic:
            continue
        if name and name not in excluded and name != "nlu_fallback":
            return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: candidate.get(PREDICTED_CONFIDENCE_KEY, 0.0)}
    return None


def recovery_decision(text: str, intent_name: Optional[str], ranking: Sequence[Dict[str, Any]],
                      result: recovery_triage.Triage, own_contraindication: bool = False,
                      denied_red_flags: bool = False) -> Optional[Dict[str, Any]]:
    """Rule 1: the intent for a post-treatment report, or None when the message is not one.
    `result` is the recovery triage of the message; `denied_red_flags`: ConText read every
    red-flag word of the message as denied ("no pain, just dry bits")."""
    reports = recovery_triage.reports_after_treatment(text)
    had_treatment = recovery_triage.had_treatment(text)
    # A treatment cue alone, with no sign recognised and nobody's skin named, does not make the
    # classifier's half belief a report ("pores closing forever after microneedling?").
    cued = bool(result.signs) or ((had_treatment or reports) and recovery_triage.speaks_of_someone(text))
    by_diet = _recovery_mass(ranking) >= (REPORT_CONFIDENCE if cued else UNCUED_REPORT_CONFIDENCE) and (
        intent_name in RECOVERY_INTENTS or _confidence(ranking, intent_name) < REPORT_CONFIDENCE)
    if not (had_treatment or reports) and result.tier != recovery_triage.DANGER and recovery_triage.asks_if_it_helps(text):
        # No treatment told, no danger sign, and it asks whether microneedling would help: the skin
        # described is the condition to treat ("patchy light and dark, will it make it even?").
        by_diet = False
    sure_question = (intent_name not in RECOVERY_INTENTS | SAFETY_INTENTS
                     and _confidence(ranking, intent_name) >= SURE_QUESTION_CONFIDENCE)
    by_cue = (reports and bool(result.signs)
              and (result.tier == recovery_triage.DANGER or not sure_question or had_treatment))
    # A danger sign told as a fact ("the skin has gone grey", "it keeps bleeding"); the weak ones
    # ("I felt faint") only when the classifier also reads a report.
    by_danger = (result.tier == recovery_triage.DANGER and not recovery_triage.asks_ahead(text)
                 and intent_name not in GENERAL_RISK_INTENTS
                 and (_recovery_mass(ranking) >= RED_FLAG_CONFIDENCE
                      or any(recovery_triage.stands_alone(k) for k in result.reasons)))
    if recovery_triage.before_a_treatment(text):
        by_diet = by_cue = by_danger = False  # "sunburnt yesterday, is friday's session ok?" is a contraindication
    elif recovery_triage.not_yet_treated(text):
        by_diet = by_cue = False  # "I haven't had any treatment yet, I just burn easily": a danger sign still counts
    elif own_contraindication and not by_cue:
        # A contraindication of their own, unless a danger sign that stands on its own is told.
        by_diet = False
        by_danger = by_danger and any(recovery_triage.stands_alone(k) for k in result.reasons)
    if not (by_diet or by_cue or by_danger):
        return None
    diet_says_red_flag = _confidence(ranking, RED_FLAG_INTENT) >= RED_FLAG_CONFIDENCE
    tier = result.tier
    if tier == recovery_triage.BEYOND_NORMAL and diet_says_red_flag and not result.signs.get(recovery_triage.BEYOND_NORMAL):
        tier = recovery_triage.DANGER  # cannot tell danger from beyond normal: the urgent advice wins
    not_normal = _confidence(ranking, RED_FLAG_INTENT) + _confidence(ranking, BEYOND_NORMAL_INTENT)
    # (Not when the visitor named the danger signs only to deny them: "no pus, no fever" is what
    # the classifier read then.)
    if tier == recovery_triage.NORMAL and not_normal >= NOT_NORMAL_MASS and not (result.denied or denied_red_flags):
        # The classifier reads more than the signs the vocabulary found (an unrecognised symptom):
        # never reassure then; when it may be danger, the urgent advice.
        tier = recovery_triage.DANGER if diet_says_red_flag else recovery_triage.BEYOND_NORMAL
    name = {recovery_triage.DANGER: RED_FLAG_INTENT, recovery_triage.BEYOND_NORMAL: BEYOND_NORMAL_INTENT,
            recovery_triage.NORMAL: NORMAL_RECOVERY_INTENT}[tier]
    reasons = list(result.reasons) if result.tier == tier else []
    return _intent(name, intent_name, signs=reasons, days=result.days)


def gated_intent(text: str, intent: Optional[Dict[str, Any]], ranking: Sequence[Dict[str, Any]],
                 mentions: Sequence[Mention], masked: Sequence[tuple] = ()) -> Optional[Dict[str, Any]]:
    """The intent to use instead of DIET's, or None to keep DIET's."""
    name = (intent or {}).get(INTENT_NAME_KEY)
    if name in KEEP_INTENTS:
        return None
    if visitor_not_treated(text):
        # "I've got psoriasis myself but I'm not the one having it done": only the treated one's count
        mentions = [m for m in mentions if m.someone_else or not m.first_person]
    contraindications = [m for m in mentions if m.label == "contraindication"
                         or (m.label == "contraindication_hint"
                             and (name == CONTRAINDICATION_INTENT or m.said_now_of_self))]
    guess_needs = _guess_confidence_needed(text, masked)
    own = any(m.certainly_visitors for m in contraindications) or (
        name == CONTRAINDICATION_INTENT and _confidence(ranking, name) >= guess_needs)
    # A word the visitor denies is no sign either ("my bro says im allergic (im not lol)").
    denied_words = [(m.start, m.end) for m in mentions if m.negated and m.label != "red_flag"]
    triaged = recovery_triage.triage(text, list(masked) + denied_words)
    red_flag_words = [m for m in mentions if m.label == "red_flag"]
    denied = bool(red_flag_words) and all(m.negated for m in red_flag_words)
    recovery = recovery_decision(text, name, ranking, triaged, own_contraindication=own, denied_red_flags=denied)
    if recovery is not None:
        return recovery  # also when the name is the classifier's: the signs decide the advice

    red_flags = [m for m in mentions if m.label == "red_flag" and m.current_and_own]
    if red_flags and name not in GENERAL_RISK_INTENTS | {RED_FLAG_INTENT} \
            and triaged.tier == recovery_triage.DANGER and any(recovery_triage.stands_alone(k) for k in triaged.reasons):
        return _intent(RED_FLAG_INTENT, name, signs=[m.key for m in red_flags])
    if name == RED_FLAG_INTENT and not triaged.signs and not red_flag_words and recovery_triage.long_standing(text):
        # No sign, no treatment, and years old ("mine are from bulking up years ago, gone pale and
        # silvery now"): the colour of the condition to be treated, not a reaction to a treatment.
        other = best_other_intent(ranking, SAFETY_INTENTS, text)
        return _intent(other[INTENT_NAME_KEY], name) if other else None
    if name == RED_FLAG_INTENT and _confidence(ranking, name) >= RED_FLAG_CONFIDENCE:
        return None  # the classifier reads a red flag the vocabulary missed: the urgent advice wins
    if not (mentions or triaged.signs) and name not in SAFETY_INTENTS - {BEYOND_NORMAL_INTENT} \
            and recovery_triage.seeks_reassurance(text):
        # "so that's fine?? no need to panic??": the conversation before it is the report
        # (actions/escalation.py reads it again; with nothing told, it asks what they notice).
        return _intent(NORMAL_RECOVERY_INTENT, name, follow_up=True)
    theirs_now = someone_elses_current(mentions, text)
    if theirs_now and not any(m.current_and_own for m in contraindications) and treatment_for_someone_else(text):
        # "My dad's on warfarin, could he have it?": the one who would be treated has a current
        # contraindication, so a clinician checks, as for the visitor's own.
        return _intent(CONTRAINDICATION_INTENT, name, reason=theirs_now[0].key, on_behalf=True)
    if name in RECOVERY_INTENTS:
        before = [m for m in mentions if m.label in ("contraindication", "contraindication_hint") and m.current_and_own]
        if before and recovery_triage.before_a_treatment(text):
            # "sunburnt face. two days ago. session friday ok?": a sign before a treatment is a
            # contraindication, not a recovery report.
            return _intent(CONTRAINDICATION_INTENT, name, reason=before[0].key)
        # No report of a treatment, but a contraindication the visitor states as their own ("34
        # weeks along. stretch marks on my bump, book now?"): that is what the guess was about.
        stated = [m for m in contraindications if m.certainly_visitors]
        if stated:
            return _intent(CONTRAINDICATION_INTENT, name, reason=stated[0].key)
        # The classifier guessed a report, but there is no sign, no treatment cue and little
        # confidence: answer what else it could be.
        other = best_other_intent(ranking, SAFETY_INTENTS, text)
        return _intent(other[INTENT_NAME_KEY], name) if other else None

    if name == CONTRAINDICATION_INTENT and not contraindications \
            and _confidence(ranking, name) < guess_needs \
            and not (guess_needs == REPORT_CONFIDENCE and _confidence(ranking, name) >= CLEARANCE_REPORT_CONFIDENCE
                     and (asks_own_clearance(text) or recovery_triage.before_a_treatment(text))):
        # A guess without a single word of the vocabulary behind it: no escalation on that alone.
        other = best_other_intent(ranking, SAFETY_INTENTS, text)
        return _intent(other[INTENT_NAME_KEY], name) if other else None
    # ("the pharmacist asked if I'm on blood thinners. I'm not": asked about, not said)
    said_now = any(not (denied_before(text, m.start()) or _ASKED_IF.search(text[:m.start()]))
                   for m in _CURRENT_IN_MESSAGE.finditer(text))

    def theirs(mention: Mention) -> bool:
        # "shingles. current. side of face": the "now" may stand in a sentence of its own.
        return mention.certainly_visitors or (said_now and mention.current_and_own)

    if name in (CONTRAINDICATION_INTENT, MENTION_INTENT):
        if contraindications and not any(m.current_and_own for m in contraindications) and not said_now:
            # Every mention is denied, past, hypothetical or someone else's: answer the question.
            other = best_other_intent(ranking, SAFETY_INTENTS, text)
            return _answered_with_caution(other[INTENT_NAME_KEY] if other else None, name, contraindications, text)
        if name == MENTION_INTENT and any(theirs(m) for m in contraindications):
            return _intent(CONTRAINDICATION_INTENT, name, reason=next(m for m in contraindications if theirs(m)).key)
        return None
    current = [m for m in contraindications if m.current_and_own]
    if not current:
        if contraindications and name not in ANSWER_INTENTS | {GENERAL_SAFETY_INTENT}:
            return _answered_with_caution(name, name, contraindications, text)  # "does it help wrinkles if you take warfarin?"
        if name == GENERAL_SAFETY_INTENT and theirs_now:
            # Whose it is may have been said a turn before ("asking for my wife" ... "she's still
            # nursing"): the action reads that turn.
            return _answered_with_caution(None, name, theirs_now, text)
        return None
    if any(theirs(m) for m in current):
        return _intent(CONTRAINDICATION_INTENT, name, reason=next(m for m in current if theirs(m)).key)
    if name == GENERAL_SAFETY_INTENT:
        return None  # "who shouldn't have it if they have lupus?" is general already
    return _intent(MENTION_INTENT, name, reason=current[0].key)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ContraindicationGate(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"pipeline_dir": "var/spacy/en_microneedling"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.pipeline_dir = Path(config["pipeline_dir"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ContraindicationGate":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        context = get_mention_context(self.pipeline_dir)
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue  # a button payload says its intent itself
            mentions, masked = context.read(text)
            replacement = gated_intent(text, message.get(INTENT), message.get(INTENT_RANKING_KEY) or [],
                                       mentions, masked)
            if replacement:
                message.set(INTENT, replacement, add_to_output=True)
        return messages
