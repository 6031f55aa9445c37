"""Sorting a report of how the skin or body is after a treatment: danger, beyond normal, normal.

The guide calls normal only "redness and warmth similar to a sunburn for 24-72 hours" and skin
that "may flake or feel tight as it heals". Everything else a visitor reports after a treatment
is either a danger sign (urgent advice first) or beyond normal (a clinician should check). The
signs are regular expressions in nlp/vocabulary.yml (`recovery`), so one file says what counts.

Pure functions, no Rasa: nlp/safety_gate.py calls `triage` and the tests call everything.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Pattern, Tuple

import yaml

from actions.vocabulary import VOCABULARY_PATH, people_pattern
from nlp.mention_context import FIRST_PERSON_WORDS

DANGER, BEYOND_NORMAL, NORMAL = "danger", "beyond_normal", "normal"

# A sign preceded closely by one of these is denied ("no pus or fever, just pink").
_NEGATION = re.compile(
    r"\b(no|not|without|never|zero|nothing|none|isn'?t|aren'?t|wasn'?t|hasn'?t|haven'?t|don'?t|doesn'?t|didn'?t|"
    r"free of|no sign of|no signs of|rather than|instead of)\b[^.!?;]*$")
_NEGATION_WINDOW = 40  # characters before a sign that can deny it

# The visitor had a treatment and is telling how it went (not asking what will happen).
_AFTER_TREATMENT = re.compile(
    r"\b(after|since|sinse|post|following|from)[- ](my|the|her|his|our|this|that|last|yesterday'?s|today'?s|a|1st|first|"
    r"second|2nd|third|3rd)?\s?(own |last |first |second |recent )?(micro\s?-?needl\w*|micro\s?-?nedl\w*|mn\b|needl\w*|"
    r"session|sesh|sesion|treatm\w*|tretment|treatmnt|tx\b|apointment|appointment|appt|procedure|facial|derma\s?-?pen|derma\s?-?roll\w*|roll\w*|dermapen\w*|prp)"
    r"|\b(had|did|got|done|finished|went for|tried|gotten|received|made)\b.{0,40}\b(micro\s?-?needl\w*|needl\w*|"
    r"session|treatment|appointment|appt|procedure|done|facial|derma\s?-?pen|dermapen\w*|roller|rolled|prp)"
    r"|\b(i|we|she|he)\b.{0,15}\b(microneedled|needled|rolled)\b|\bbeen (microneedled|needled|treated|done)\b"
    r"|\b(micro\s?-?needl\w*|needl\w*|mn|tx|session|treatm\w*|appointment|procedure)\b.{0,40}\bago\b"
    r"|\b(treatment|session|appointment|procedure) was\b"
    # "5 days after", "two weeks on and still red"; not "six months after a DVT", "six months on warfarin"
    # ("6 days after my session" is read above)
    r"|\b(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|few|couple of) (days?|weeks?|months?) (after|later|on|out|post|in)\b"
    r"(?!\s+(?!(and|but|now|still|it|its|i|im|so|with|from|since|today|already|though|tho|yet|skin|face|my (skin|face|scalp))\b)[a-z])"
    # "update, it's been five days and...": the time since the treatment the conversation is about
    r"|\b(it'?s|its|it has) been (about |around |roughly |nearly |almost |over |just over |a good |a full )?(\d+|a|an|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|a few|a couple of) (hours?|hrs?|days?|nights?|weeks?)\b"
    # "darker than pre-tx", "worse than before the treatment": compared with how it was before one
    r"|\bthan (before|pre[- ]?(tx|treatment|needling|microneedling|session|procedure))\b"
    r"|\bwhere (i|it|they|we) (was|were|got|had) (treated|done|needled)\b|\bthe treated\b"
    r"|\b((hours?|days?|weeks?|wks?|months?|nights?|hrs?) ago|yesterday|last night|this morning|earlier today|day \d+|"
    r"day (one|two|three|four|five|six|seven)|"
    r"\d+\s?(hrs?|hours?|days?|d|wks?|weeks?)\s?(out|post|later|in|after|since)|post[- ]?(op|procedure|treatment|tx))\b(?![- ]?(scars?|incisions?|wounds?))"
    r"|\b(since then|the next day|next morning|the day after|woke up)\b"
    r"|\b(where|area|spots?|parts?) (they|she|he|you|the nurse|the clinic)\b.{0,10}\b(did|treated|needled|worked on|went over)"
    # "marks in lines across her cheeks where the pen went"
    r"|\bwhere the (pen|needles?|roller|device|dermapen|derma ?pen) (went|was|had been|touched|passed)\b"
    r"|\btreated (area|skin|spots?|parts?)\b",
    re.IGNORECASE)
# A question about what will or could happen, not a report.
_PROSPECTIVE = re.compile(
    r"\b(will i|will it|will my|would i|would it|going to|gonna|should i expect|what if|in case|if i get|if i have|"
    r"(is it|is) possible|could (they|it|this|my)|can (they|it) (get|go|become|turn)|might (they|it)|would (they|my)|"
    r"if my|if there|if it|how long (will|does|do|should|is)|is it normal to|can you get|could i get|do people get|"
    r"does it cause|can it cause|planning|thinking about|considering|before my|booked|upcoming|next week|"
    r"hypothetically|if i got|if i had|if i were|say i|suppose|wh?at (should|shud|shld|do|can) i (do|use|put|avoid|follow|apply|expect)|what aftercare|"
    r"(i have|i've got|ive got|i got|there'?s) (a |my )?(flight|trip|holiday|wedding|event|party|shoot|interview)|"
    r"(can|could|should) i (fly|travel|swim|go to the gym|work out|exercise)|i('?m| am)? (fly|flying|travel\w*) (out|off|home|abroad))\b",
    re.IGNORECASE)
# A treatment still to come: "my session is on friday", "is that ok for my appointment?".
_UPCOMING = re.compile(
    r"\b(session|sesh|sesion|ap+oint\w*|appt|treatm\w*|microneedling|needling|booking)\b.{0,30}\b(tomorrow|tmrw|tmr|on (mon|tues|wednes|"
    r"thurs|fri|satur|sun)day|(mon|tues|wednes|thurs|fri|satur|sun)day|(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat)\b|"
    r"next (week|month)|in (\d+|a|two|three|four|a few|"
    r"couple of) (days?|weeks?)|this (week|weekend)|coming up|soon|booked)\b"
    r"|\b(?<!than )(?<!there )(for|before|at|to) (my|the|our) (upcoming |next |first )?(session|appointment|appt|treatment|microneedling|booking)\b"
    r"|\b(booked|scheduled|due) (in|for)\b|\bstill (ok|okay|fine|go ahead|come|have it)\b|\bcan i still\b"
    # "is that going to be alright for thursday"
    r"|\b(ok|okay|alright|all right|fine|good|ready) (for|on|by) (mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(week|day|night|morning) (of|before) (my|the) (session|appointment|appt|treatment)\b|\bwould (they|you) still\b"
    r"|\bif i (go ahead|book|do it|have it|get it|decide)\b|\breschedul\w*|\bthe only (appointment|slot|session)\b",
    re.IGNORECASE)
# Said in so many words: the treatment has happened ("after my session", "had it done").
_EXPLICITLY_AFTER = re.compile(
    r"\b(after|since|post|following) (my|the|her|his|this|that|last|yesterday'?s|today'?s|a|1st|first|second)?\s?"
    r"(own |last |first |second |recent )?(micro\s?-?needl\w*|needl\w*|session|treatment|tx|appointment|appt|procedure|prp)\b"
    r"|\b(had|did|got|gotten|made)\b.{0,25}\b(micro\s?-?needl\w*|needl\w*|done|session|treatment|procedure)\b"
    r"|\b(microneedled|needled)\b|\btreated (area|skin)\b|\bday \d+\b"
    # "my appt was on sat and it's still pink"
    r"|\b(session|appointment|appt|treatment|procedure) was (on|last|yesterday|this)\b"
    # "dark patches that weren't there before the treatment"
    r"|\b(weren'?t|wasn'?t|were not|was not|never) there before (the|my)\b",
    re.IGNORECASE)
# The visitor says the treatment has happened: "had it done", "since my session", "2 days ago".
_HAD_TREATMENT = re.compile(
    r"\b(had|did|got|gotten|received|went for|made)\b.{0,30}\b(micro\s?-?needl\w*|needl\w*|session|treatment|procedure|done|"
    r"appointment|it)\b|\bsince (my|the|her|his|yesterday)\b|\b(\d+|a|one|two|three|four|five|six|seven|few|couple of)"
    r"\s?(hours?|days?|weeks?)\s?(ago|post|out)\b|\bday \d+\b|\b(yesterday|last night|this morning)\b|"
    r"\b(my|her|his) (session|treatment|appointment) (was|yesterday|on)\b|\b(microneedled|needled)\b",
    re.IGNORECASE)
# ("had a cold sore 2 months ago ... wat do i do after the treatment" asks ahead: "had a" is a fact
# of a treatment only when a treatment follows.)
_PAST_FACT = re.compile(r"\b(had (it|my|the)|had an? (session|sesh|treatment|appointment|appt|procedure|go|micro\w*|needl\w*|derma\w*)|did (it|my)|got (it|my) done|(hours?|days?|weeks?) ago|yesterday|since|woke|last night|this morning|day \d+|now|today|still)\b",
                        re.IGNORECASE)

# "gone now", "healed now": a past condition, not a present fact about a treatment.
_RESOLVED = re.compile(r"\b(gone|healed|cleared( up)?|better|fine|over) now\b", re.IGNORECASE)

_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "couple": 2,
            "couple of": 2, "few": 3, "several": 4}
_UNIT_DAYS = {"h": 1 / 24, "hr": 1 / 24, "hrs": 1 / 24, "hour": 1 / 24, "hours": 1 / 24, "d": 1, "day": 1,
              "days": 1, "wk": 7, "wks": 7, "week": 7, "weeks": 7, "fortnight": 14, "fortnights": 14,
              "month": 30, "months": 30}
_DURATION = re.compile(
    r"\b(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|couple(?: of)?|"
    r"few|several)\s?(?:-|\+)?\s?(?:and (?:a )?half )?(h|hrs?|hours?|d|days?|wks?|weeks?|fortnights?|months?)\b", re.IGNORECASE)
_DAY_N = re.compile(r"\bday\s?(\d+)\b", re.IGNORECASE)
# "Still pink as a boiled crab on day six", "it's day four and my face is still quite red"
_DAY_WORD = re.compile(r"\bday (one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen)\b", re.IGNORECASE)
_RELATIVE_DAYS: Tuple[Tuple[Pattern[str], float], ...] = (
    (re.compile(r"\b(for weeks|weeks now|weeks later|over a week|more than a week|past a week|a week and|"
                r"last week|over two weeks)\b", re.I), 8),
    (re.compile(r"\b(a|one) (full|whole|entire|good|solid) week\b", re.I), 7),
    (re.compile(r"\b(last month|a month|over a month)\b", re.I), 30),
    (re.compile(r"\b(day before yesterday)\b", re.I), 2),
    (re.compile(r"\b(yesterday|last night|the day after|the next day|next morning|overnight)\b", re.I), 1),
    (re.compile(r"\b(this morning|today|earlier|tonight|an hour ago|hours ago|few hours)\b", re.I), 0.3),
)


@dataclass(frozen=True)
class Sign:
    tier: str  # danger, beyond_normal or normal
    key: str  # vocabulary key; for danger, the escalation reason
    name: str
    patterns: Tuple[Pattern[str], ...]
    frame_days: Optional[float] = None  # normal signs: how long the guide calls them normal
    needs_context: bool = False  # danger only inside a report, not said on its own
    normal_within_days: Optional[float] = None  # danger signs: normal warmth this soon after a treatment
    normal_as: Optional[str] = None  # ... and the normal sign it then counts as


@dataclass(frozen=True)
class Triage:
    tier: str  # danger, beyond_normal or normal
    reasons: Tuple[str, ...] = ()  # keys of the signs that decided, most important first
    days: Optional[float] = None  # time since the treatment, when the message says
    signs: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # tier -> keys found
    denied: Tuple[str, ...] = ()  # danger signs named only to be denied ("no fever")


@functools.lru_cache(maxsize=None)
def load_signs(path=VOCABULARY_PATH) -> Tuple[Sign, ...]:
    recovery = yaml.safe_load(path.read_text(encoding="utf-8"))["recovery"]
    signs: List[Sign] = []
    for tier in (DANGER, BEYOND_NORMAL, NORMAL):
        for key, entry in recovery[tier].items():
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"])
            signs.append(Sign(tier, key, entry["name"], patterns, entry.get("frame_days"),
                              bool(entry.get("needs_context", False)), entry.get("normal_within_days"),
                              entry.get("normal_as")))
    return tuple(signs)


# What follows one of these is said, not denied: "no pus, just pink".
_NEGATION_BREAK = re.compile(r".*(,|\s[-\u2013\u2014]\s|\bjust\b|\bonly\b|\bbut\b|\bthough\b|\bexcept\b|\bnow\b|\bcoz\b|"
                             r"\bcause\b|\bbecause\b|\bsince\b|\bso\b|\band now\b)", re.S)
# "out all day without a cap, red and warm": a "no" that denies only its own noun.
_OWN_NOUN_ONLY = re.compile(r"\b(with )?(no|without)( a| any)? (hat|cap|sunscreen|sun ?cream|spf|sunblock|shade|umbrella|"
                            r"idea|clue|sleep)\b", re.IGNORECASE)


# "no swelling, discharge or pain": a denied list ends with "or"/"nor", so its commas do not end
# the denial. ("no pain, swelling is spreading" has no "or": the swelling is said.)
_DENIED_LIST = re.compile(r"\b(?:no|without|zero|nil|not any)\s+([a-z-]+(?:\s*,\s*[a-z-]+){1,5}\s*,?\s*(?:or|nor)\s+[a-z-]+)")


def _negated(text: str, start: int) -> bool:
    if any(m.start(1) <= start < m.end(1) for m in _DENIED_LIST.finditer(text)):
        return True
    window = _OWN_NOUN_ONLY.sub(" ", text[max(0, start - _NEGATION_WINDOW):start])
    return bool(_NEGATION.search(_NEGATION_BREAK.sub("", window, count=1)))


# "She's fretting she's allergic, but there's no swelling or rash": a feared reaction whose signs
# the message denies is a worry, not a sign. Only the word for the reaction: a described sign
# ("worried, my lips are swelling") is always a sign.
_FEARED = re.compile(r"\b(worr\w*|fret\w*|scared|afraid|concerned|paranoid|nervous|anxious|panick\w*|freak\w*|fear\w*)"
                     r"\b[^.!?;]{0,25}$")


def _feared_but_denied(text: str, match: re.Match) -> bool:
    return (match.group().startswith("allerg") and bool(_FEARED.search(text[max(0, match.start() - 40):match.start()]))
            and bool(_DENIED_WORDS.search(text)))


# "stings like a sunburn", "a sunburn-level sting": the sensation the guide calls normal, so it is
# read as the sunburn it is compared to, not as a new burning or stinging.
_SUNBURN_LIKE = re.compile(
    r"\b(sting\w*|burn|burns|burning)\b( (a (little|bit)|slightly|mildly|just))? (like|as with|similar to|as if from) "
    r"(a |an )?(mild |light |bad |slight )?sun ?burn\w*|\bsun ?burn\w*[- ]?(level|like|type|ish|style)? (sting\w*|burn\w*)\b")


# "red and hot like sun burn": two words for one, and its "burn" is no new burn
_SUN_BURN = re.compile(r"\bsun[- ]burn", re.IGNORECASE)


def _as_sunburn(text: str) -> str:
    text = _SUN_BURN.sub(lambda m: "sunburn".ljust(len(m.group())), text)
    return _SUNBURN_LIKE.sub(lambda m: "sunburn".ljust(len(m.group())), text)


# "Red colour already gone but skin is dry": a normal sign said to be over is not there any more.
# ("the redness hasn't gone" is still there: a denied "gone" does not count.)
_SAID_GONE = re.compile(r"\w*(\s+(colou?r|has|have|is|are|'s|already|now|all|completely|totally|mostly|basically|"
                        r"pretty much|kind of|kinda|just))*\s*('s\s+)?\b(gone|faded|settled|"
                        r"disappeared|cleared( up)?|went away|died down|calmed down)\b"
                        r"(?!\s+(a |all |really |very |more |quite )?(purple|dark\w*|grey|gray|white|black|blue|hard|red\w*|"
                        r"worse|angry|yellow|green|crusty|weird|funny|bumpy|lumpy|hot|swollen|sore|shiny|bad|off))", re.IGNORECASE)
_NOT_GONE = re.compile(r"\b(not|never|hasn'?t|haven'?t|isn'?t|aren'?t|hasnt|havent|isnt|not yet)\b", re.IGNORECASE)


def _said_after(ended: Pattern, text: str, match: re.Match) -> bool:
    """Whether the words right after a sign say it ended (`ended`), and no "not" denies that."""
    after = ended.match(text, match.end())
    return bool(after) and not _NOT_GONE.search(after.group())


# "had shaving rash on my neck, all cleared up now": any sign, danger too, said to be over for good
# (not "gone down a bit", which is still there).
_SAID_OVER = re.compile(r"\s*[,;]?\s*(and |but |which |that )?(that was [^,.;!?]{0,30}?\b(ago|back) and )?"
                        r"(it |they |that |those |it all |they all )?('s |is |are |has |have |had )?"
                        r"(all |completely |fully |totally |long |since )?(cleared up|cleared|healed( up)?|went away|disappeared|gone|"
                        r"settled( down)?|calmed down)"
                        r"(?!\s+(down|a bit|a little|partly|mostly|slightly))\b", re.IGNORECASE)


# "a sunburn blister on my neck years back, all healed ages ago": a sign told as long past a few
# words on, with nothing saying it is back ("blisters again now" is current).
_SAID_LONG_PAST = re.compile(r"(?:(?!\b(still|again|now|today|since my|after my|back again)\b)[^.!?;]){0,40}?"
                             r"\b((years?|yrs?|ages|decades?|long) (ago|back)|(all|fully|completely|totally|long) "
                             r"(healed|gone|cleared( up)?|clear)|clear (for|since) (months|years|ages)|"
                             r"last (spring|summer|autumn|fall|winter|year))\b", re.IGNORECASE)


# "My sister had an awful reaction once, her face swelled right up, but that was a chemical peel
# not microneedling": someone else's reaction to another treatment, not a report of this one.
_NOT_FROM_MICRONEEDLING = re.compile(r"\b(wasn'?t|was not|not) (from |after |due to |caused by )?(the |a |her |his )?"
                                     r"(micro\s?-?needl\w*|needl\w*)|\bnot (micro\s?-?needl\w*|needl\w*)", re.IGNORECASE)


_GOING_ON = re.compile(r"\b(now|right now|rn|today|tonight|currently|still|at the moment|atm|help)\b", re.IGNORECASE)


def _someone_elses_other_treatment(text: str, match: re.Match) -> bool:
    """A sign in a sentence about someone else that says it came from another treatment, and
    nothing says it is going on (a reaction now is urgent whatever caused it)."""
    for sentence in _SENTENCE.finditer(text):
        if sentence.start() <= match.start() < sentence.end():
            return (bool(_OTHERS_SUBJECT.search(sentence.group())) and not _GOING_ON.search(sentence.group())
                    and bool(_NOT_FROM_MICRONEEDLING.search(text, match.end(), sentence.end())))
    return False


def found_signs(text: str) -> Dict[str, List[str]]:
    """Keys of the signs mentioned (and not denied), per tier, in the order of the vocabulary."""
    found: Dict[str, List[str]] = {DANGER: [], BEYOND_NORMAL: [], NORMAL: []}
    text = _as_sunburn(text)
    for sign in load_signs():
        for pattern in sign.patterns:
            if any(not (_negated(text, m.start()) or _feared_but_denied(text, m)
                        or (sign.tier == NORMAL and _said_after(_SAID_GONE, text, m))
                        or _said_after(_SAID_OVER, text, m) or _said_after(_SAID_LONG_PAST, text, m)
                        or _someone_elses_other_treatment(text, m))
                   for m in pattern.finditer(text)):
                found[sign.tier].append(sign.key)
                break
    return found


# What visitors deny when they list what is *not* there: "no pain, no discharge, just dry".
_DENIED_WORDS = re.compile(r"\b(no|not|without|zero|nil)( any)? (pain|painful|discharge|pus|fever|temperature|swelling|"
                           r"swollen|bleeding|oozing|rash|blisters?|smell|heat|hot)\b", re.IGNORECASE)


def denied_danger(text: str) -> Tuple[str, ...]:
    """Danger signs the message names only to deny them: "no pus, no fever", "no pain"."""
    denied = ["denied_words"] if _DENIED_WORDS.search(text) else []
    for sign in load_signs():
        if sign.tier != DANGER:
            continue
        matches = [m for pattern in sign.patterns for m in pattern.finditer(text)]
        if matches and all(_negated(text, m.start()) for m in matches):
            denied.append(sign.key)
    return tuple(denied)


def stands_alone(key: str) -> bool:
    """Whether a danger sign is a red flag even without a treatment cue ("the skin went grey")."""
    return not any(s.key == key and s.needs_context for s in load_signs())


_AHEAD_OR_APART = re.compile(r"\b(in|within|next|another|every|in about|in around|in just|in only)\s+$", re.IGNORECASE)
_APART = re.compile(r"\s*(apart|between|'? ?time|from now|later on)\b", re.IGNORECASE)


def days_since_treatment(text: str) -> Optional[float]:
    """The longest time the message says has passed ("3 days ago", "day 5", "for weeks"), or None."""
    days: List[float] = []
    for match in _DURATION.finditer(text):
        if _AHEAD_OR_APART.search(text[:match.start()]) or _APART.match(text, match.end()):
            continue  # "the wedding is in two weeks", "sessions 4 weeks apart": not time since
        number, unit = match.groups()
        if unit.lower() in ("d", "h") and not number[0].isdigit():
            continue  # "and" is not "an" + "d": the short units only after a figure ("3d", "12h")
        amount = _NUMBERS.get(number.lower()) if not number[0].isdigit() else float(number)
        if amount is not None:
            days.append(float(amount) * _UNIT_DAYS[unit.lower()])
    days += [float(n) for n in _DAY_N.findall(text)]
    days += [float(_NUMBERS[w.lower()]) for w in _DAY_WORD.findall(text) if _NUMBERS.get(w.lower()) is not None]
    for pattern, value in _RELATIVE_DAYS:
        if pattern.search(text):
            days.append(value)
    return max(days) if days else None


# A sentence about someone else's treatment or what others say is not the visitor's report: "my
# mum had hers last month and was fine", "I've read about people's melasma getting worse after
# treatments". Its signs and times are left out, unless it also tells of the visitor's own skin.
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
_OTHERS_SUBJECT = re.compile(
    rf"^\W*((my|our|her|his|a) (\w+'s )?({people_pattern()})|(she|he|they|people|someone|others|"
    r"everyone|a lot of people|most people)"
    # "Mum had her first session this afternoon": a relative named as in a family, without "my"
    r"|(mum|mom|mam|dad|gran|nan|grandma|grandad|granddad|grandpa|nana))\b", re.IGNORECASE)
_HEARSAY = re.compile(r"\b(read|heard|seen|saw|watched)\b.{0,40}\b(people|someone|others|stories|reviews|online|forums?|"
                      r"videos?|tiktok|reddit)\b|\bhorror stories\b", re.IGNORECASE)
_MY_SKIN = r"\bmy (own |whole )?(skin|face|cheeks?|forehead|chin|jaw|neck|nose|scalp|lips?|eyes?|eyelids?)\b"
_OWN_REPORT = re.compile(_MY_SKIN + r"|\bi('ve| have)? (got|had)\b", re.IGNORECASE)
_OWN_SKIN = re.compile(r"\b(i|i'm|im|i've|ive|me|mine|myself)\b(?! (read|heard|saw|seen|watched|am nervous|'m nervous))|"
                       + _MY_SKIN, re.IGNORECASE)


def _blank_sentences(text: str, drop) -> str:
    kept = [" " * len(sentence) if drop(sentence) else sentence for sentence in _SENTENCE.findall(text)]
    blanked = "".join(kept)
    return blanked if len(blanked) == len(text) else text


# "deep narrow holes, like made with a needle": a simile, not a treatment.
_SIMILE = re.compile(r"\b(like|as if|as though)\b[^.?!,;]{0,12}\b(made|done|poked|punched|pricked|stabbed)\b"
                     r"[^.?!,;]{0,12}\b(needles?|pins?|pens?|ice ?picks?)\b", re.IGNORECASE)


def without_hearsay(text: str) -> str:
    """The text without sentences of what others say or write, nor similes (same length, so offsets hold)."""
    text = _SIMILE.sub(lambda m: " " * len(m.group()), text)
    return _blank_sentences(text, lambda s: bool(_HEARSAY.search(s)) and not _OWN_REPORT.search(s))


def visitors_own(text: str) -> str:
    """The text without sentences about someone else's treatment, when the visitor also tells of
    their own: "my mum had hers last month and was fine. I had mine yesterday..."."""
    own = _blank_sentences(text, lambda s: bool(_OTHERS_SUBJECT.search(s)) and not _OWN_SKIN.search(s))
    # "Nan's a bit red. It was done yesterday.": the sentence left names nobody, so it is still hers
    return own if _AFTER_TREATMENT.search(own) and _OWN_SKIN.search(own) else text


# "I've got a session on Thursday" has one booked, it has not had it ("got a session done" has).
_BOOKED = re.compile(
    r"\b(i'?ve|ive|i have|we'?ve|we have)( still| already)? got (a|an|my|the|another|one more)( \w+){0,2} "
    r"(appointment|appt|booking|session|treatment)\b(?! (done|yesterday|last))", re.IGNORECASE)


# Whose skin a report is about: the visitor's, or someone they speak of. "Pores closing forever
# after microneedling, or do they come back?" names nobody ("they" are mostly the pores or scars): a question about results, not a report.
_SOMEONES = re.compile(rf"\b({FIRST_PERSON_WORDS}|us|she|he|her|his|him|hers|"
                       r"mum|mom|dad|wife|husband|daughter|son|sister|brother|partner|friend)\b", re.IGNORECASE)


def speaks_of_someone(text: str) -> bool:
    return bool(_SOMEONES.search(text))


def had_treatment(text: str) -> bool:
    # (not "I haven't had any treatment yet")
    return bool(_HAD_TREATMENT.search(_NOT_YET_TREATED.sub(" ", _BOOKED.sub(" ", without_hearsay(text)))))


# "got bit by a dog when i was 10, still a mark on my hand, can needling sort it": whether the
# treatment would help a condition, not how the skin is after one.
_ASKS_IF_IT_HELPS = re.compile(
    r"\b(can|could|will|would|does|do|is|might) (micro\s?-?needl\w*|needl\w*|it|this|the treatment|dermapen\w*)\b[^.?!]{0,30}?"
    r"\b(help|sort|fix|improve|work|reduce|fade|lighten|get rid|make|even|smooth|treat|do (anything|something))\b"
    r"|\b(micro\s?-?needl\w*|needl\w*) (make|help|fix|improve|work|sort|do)\b|\bworth (it|trying|doing|a try)\b", re.IGNORECASE)


def asks_if_it_helps(text: str) -> bool:
    return bool(_ASKS_IF_IT_HELPS.search(text))


def asks_ahead(text: str) -> bool:
    """"how long will I be red after my session?" asks ahead; "it's day 3, will it fade?" reports."""
    return bool(_PROSPECTIVE.search(text)) and not _PAST_FACT.search(_RESOLVED.sub(" ", text))


# "gone pale and silvery, from bulking up years ago": how a condition has looked for years, not
# how skin is days after a treatment.
_LONG_STANDING = re.compile(r"\b(years?|yrs?|decades?) ago\b|\bfor (years|yrs|ages|decades)\b|\bsince (i was|childhood|"
                            r"puberty|my teens|school|uni|my (first|second|last) (pregnancy|baby|child))\b", re.IGNORECASE)


def long_standing(text: str) -> bool:
    """Whether the message tells of something years old and of no treatment since."""
    return bool(_LONG_STANDING.search(text)) and not (reports_after_treatment(text) or had_treatment(text))


def not_yet_treated(text: str) -> bool:
    """"I haven't had any treatment yet": whatever the skin does, it is no recovery report."""
    return bool(_NOT_YET_TREATED.search(text))


def before_a_treatment(text: str) -> bool:
    """"sunburnt two days ago, is my session on friday still ok?" is about a treatment to come."""
    return bool(_UPCOMING.search(text)) and not _EXPLICITLY_AFTER.search(_BOOKED.sub(" ", text))


# "I haven't had any treatment yet": whatever follows is not a report of one.
_NOT_YET_TREATED = re.compile(
    r"\b(haven'?t|have not|hasn'?t|has not|not)( yet)? (had|done|tried|gotten|got)( any| the| a| my| it| one| this)?"
    r"( \w+)?( done)? yet\b|\bnever (had|tried|done) (micro\s?-?needl\w*|needl\w*|it|a treatment|any treatment|one)\b",
    re.IGNORECASE)


# "my dad had his knee replaced 18 months ago and the scar is still pink": the time since an
# operation, whose scar is the question, not since a microneedling treatment.
_SURGERY = re.compile(r"\b(operation|op|surgery|surgical|replaced|replacement|incisions?|c-?section|caesarean|cesarean|"
                      r"transplant|stitches|appendix|hysterectomy|mastectomy|keyhole)\b", re.IGNORECASE)
_MICRONEEDLING = re.compile(r"\b(micro\s?-?needl\w*|needl\w*|mn|session|sesh|treatment|treated|tx|appointment|appt|"
                            r"derma\s?-?(pen|roll\w*)|dermapen\w*|rolled|roller|prp|facial)\b", re.IGNORECASE)


def _about_an_operation(sentence: str) -> bool:
    return bool(_SURGERY.search(sentence)) and not _MICRONEEDLING.search(sentence)


def reports_after_treatment(text: str) -> bool:
    """Whether the message tells how things are after a treatment the visitor (or someone) had."""
    text = without_hearsay(text)
    if before_a_treatment(text) or _NOT_YET_TREATED.search(text):
        return False
    # Sentence by sentence: "had a cold sore last month, gone now. what should I do after a
    # treatment?" only asks ahead; "had it done Tuesday. will the redness go?" reports.
    return any(_AFTER_TREATMENT.search(sentence) and not asks_ahead(sentence) and not _about_an_operation(sentence)
               for sentence in _SENTENCE.findall(text) or [text])


def triage(text: str, masked_spans: Iterable[Tuple[int, int]] = ()) -> Triage:
    """Sort a post-treatment report. `masked_spans` (start, end) are left out of the matching:
    the condition being treated ("my acne scars look red") is not a new symptom."""
    chars = list(text.lower())
    for start, end in masked_spans:
        chars[start:end] = " " * (end - start)
    heard_of = without_hearsay("".join(chars))
    lowered = visitors_own(heard_of)
    found = found_signs(lowered)
    if lowered != heard_of:
        # Someone else's danger sign still gets the urgent advice; only their times and mild signs go.
        found[DANGER] = found_signs(heard_of)[DANGER]
    days = days_since_treatment(lowered)
    for sign in load_signs():
        # "day 1 and hot to the touch": the warmth the guide expects, when the message says how soon
        early = sign.normal_within_days is not None and days is not None and days <= sign.normal_within_days
        if early and sign.key in found[DANGER]:
            found[DANGER].remove(sign.key)
            if sign.normal_as not in found[NORMAL]:
                found[NORMAL].insert(0, sign.normal_as)
    frames = {s.key: s.frame_days for s in load_signs() if s.tier == NORMAL}
    if found[BEYOND_NORMAL] == ["lasting_symptoms"] and days is not None and found[NORMAL] \
            and all(frames.get(k) is not None and days <= frames[k] for k in found[NORMAL]):
        found[BEYOND_NORMAL] = []  # "48 hours on, the redness persists": still the time the guide calls normal
    signs = {tier: tuple(keys) for tier, keys in found.items() if keys}
    if found[DANGER]:
        return Triage(DANGER, tuple(found[DANGER]), days, signs)
    outside_frame = [k for k in found[NORMAL] if days is not None and frames.get(k) is not None and days > frames[k]]
    if found[BEYOND_NORMAL] or outside_frame:
        return Triage(BEYOND_NORMAL, tuple(found[BEYOND_NORMAL] + outside_frame), days, signs)
    if found[NORMAL]:
        return Triage(NORMAL, tuple(found[NORMAL]), days, signs, denied_danger(lowered))
    # Nothing recognised: never reassurance.
    return Triage(BEYOND_NORMAL, (), days, signs)


# "so that's fine?? no need to panic??", "it's just the healing doing its thing?": a visitor
# asking to be told again that what they described is fine. It names no sign itself, so the
# conversation before it decides (actions/escalation.py).
_REASSURANCE = re.compile(
    r"\b((that|this|it|all that|everything)('?s| is| are)|thats|its|is (that|this|it)) (all |still |totally |completely |perfectly )?"
    r"(fine|normal|ok|okay|alright|all right|expected|good|nothing)( then| right| yeah| yes| now| though| tho| lol| haha)*\s*([?!.,]|$|or\b)"
    r"|\bnothing (to worry|to panic|bad|serious|wrong)\b|\bno need to (panic|worry|stress|freak|call|phone|ring)\b"
    r"|\b(don'?t|dont|do not) (need|have) to (call|phone|ring|worry|panic|see|come|stress)\b"
    r"|\b(should|can|do|shall) i (relax|stop worrying|be worried|be concerned|worry)\b"
    r"|\b(do|should|would) i (need|have) to (worry|panic|be worried|be concerned|see (someone|anyone|a doctor))\b"
    r"|\bjust (the |my )?(skin )?heal\w*|\bheal\w* (doing its thing|normally|as (it should|expected)|like it should|fine)\b"
    r"|\bwithin (tolerance|normal( limits| range)?|the normal range|what'?s expected)\b",
    re.IGNORECASE)
_ASKING = re.compile(r"\?|^\W*(so|ok so|okay so|right so|is|are|should|do|does|can|nothing|no need)\b|\b(then|right|yeah|yes)\W*$",
                     re.IGNORECASE)
REASSURANCE_MAX_WORDS = 16


def seeks_reassurance(text: str) -> bool:
    """A short question whether what was told is fine, naming no sign of its own."""
    return (0 < len(text.split()) <= REASSURANCE_MAX_WORDS and bool(_REASSURANCE.search(text))
            and bool(_ASKING.search(text)))


# "today also same", "no change since this morning": the signs already told, nothing new.
_UNCHANGED = re.compile(r"\b(same|unchanged|no (change|different)|not changed|hasn'?t changed|nothing (new|changed|different)|"
                        r"as (before|yesterday)|like (before|yesterday))\b", re.IGNORECASE)
_CHANGED = re.compile(r"\b(worse|worsen\w*|spread\w*|more|bigger|increas\w*|new|now there'?s|started|but)\b", re.IGNORECASE)


def said_unchanged(text: str) -> bool:
    """Whether a follow-up message says only that the signs are as before."""
    return bool(_UNCHANGED.search(text)) and not _CHANGED.search(text) and not any(found_signs(text).values())


def sign_name(key: str) -> str:
    for sign in load_signs():
        if sign.key == key:
            return sign.name
    return key.replace("_", " ")
