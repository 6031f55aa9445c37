"""Whose, and when: medspaCy's ConText on the vocabulary's mentions, with visitors' phrasing.

The entity_ruler finds "lupus", "accutane", "breakout". Whether a mention is the visitor's own
current condition is a matter of context: "it's not a keloid" (negated), "my acne cleared up years
ago" (historical), "what if I got pregnant later?" (hypothetical), "my aunt has lupus" (someone
else), "marks left from old breakouts" (the thing being treated). medspaCy's ConText is the
clinical-NLP algorithm for exactly this; its default rules come from clinical notes, so
nlp/context_rules.yml adds how visitors write.

`MentionContext.mentions(text)` returns one `Mention` per safety-relevant entity. Loaded once per
process (spaCy pipeline of nlp/build_pipeline.py + sentencizer + ConText), about 1 ms a message.
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import yaml

from actions.vocabulary import people_pattern, people_words

CONTEXT_RULES_PATH = Path(__file__).resolve().parent / "context_rules.yml"
SAFETY_LABELS = frozenset({"contraindication", "contraindication_hint", "red_flag"})
# Mentions whose past still matters for months: "stopped accutane in March" must still be checked.
# Only a past that is clearly long ago ("years ago") clears them.
SLOW_TO_CLEAR = frozenset({"isotretinoin", "cancer_treatment", "blood_thinners"})
# A tendency the guide names ("people prone to keloids"): a history of it is the tendency itself.
NEVER_PAST = frozenset({"keloid"})
# "Hx keloids", "prone to keloids": said of the visitor, a history of the tendency is the tendency now.
_TENDENCY = re.compile(r"\b(hx|h/o|history of|i'?m prone|i am prone|im prone|my tendency|i tend to|i form|i get|"
                       r"i scar)\b", re.IGNORECASE)
# "a patch that looks like ringworm": a suspected infection or sore is treated as present, not as a
# simile ("it feels like a sunburn" stays one: sunburn is not among these).
SUSPECTED_IS_PRESENT = frozenset({"skin_infection", "cold_sores", "open_wound", "active_acne"})
_SUSPECTED = re.compile(r"\b(looks?|looking|seems?|might be|could be|think it'?s|maybe)( like)?( a| an| some)?\s*$"
                        # a filler "like": "my chin is erupting, like big painful ones"
                        r"|(^|[,;:]\s*|\brn |\bnow )like\s+$", re.IGNORECASE)
_FEEDING = re.compile(r"feed|breast|nursing|milk|pumping", re.IGNORECASE)
_ANOTHER_MOTHER = re.compile(r"\b(she|she's|shes|her|wife|wife's|missus|sister|daughter|mum|mom|mother|partner|girlfriend|"
                             r"friend|cousin|niece|aunt|colleague)\b", re.IGNORECASE)
# "my missus reckons I've got impetigo": someone else's words about the visitor's own condition.
_OWN_JUST_BEFORE = re.compile(r"\b(i'?ve got|ive got|i have|i'?ve|i'?m|im|i am|i got|i get|i'?ve been|i still have|my own)"
                              r"\s+(\w+\s+){0,2}$"
                              # "I am a person who make keloid", "I'm one of those people that scar badly"
                              r"|\b(i'?m|im|i am)\s+(a|an|one of those|one of the|the (kind|sort|type) of)\s+(person|people|one|ones|type|guy|girl|woman|man|lady|bloke)"
                              r"\s+(who|that)\s+(\w+\s+){0,2}$"
                              # "two of my ear piercings turned into keloids (and my mum gets them too)"
                              r"|\bmy (\w+ ){0,3}(turned|turns|went|grew|became|healed|formed)( into| as| up)?( an?| big| raised| thick)?\s+$"
                              # "my chin has crusty bits ... my mum reckons it's impetigo": her view of the visitor's skin
                              r"|\b(reckons?|thinks?|says?|said|suspects?)\s+(that\s+)?(it'?s|its|it is|this is|that'?s)\s+(\w+\s+){0,2}$",
                              re.IGNORECASE)
_LONG_AGO = re.compile(r"\b(y[ea]{0,2}r[ae]?s?|ages|long|decades?|long time|a long time) (ago|back)\b|\b(\d+|many|several|some) y[ea]{0,2}r[ae]?s? before\b|\bwhen (i|she|he) was (a )?(student|at (uni|university|college|school))\b|\b(childhood|as a child|in my childhood)\b|\bas (an? )?(small |little |young |tiny )?(teen|teenager|kid|child|girl|boy|baby|toddler|infant)\b"
                       # "took it as a young man", "when I was 10", "when i was little"
                       r"|\bas an? (young|younger) (man|woman|lad|girl|boy|guy|adult|person|student)\b"
                       r"|\bwhen (i|she|he) was (like |about |around |only |just )?(\d{1,2}|young|younger|little|small|a (kid|child|teen\w*|baby|toddler))\b"
                       r"|\bin my teens\b"
                       r"|\b(back )?in (19|20)\d\d\b|\b(back )?in '\d\d\b|\b(back )?in the (19|20)?[1-9]0'?s\b"
                       r"|\b(back )?in the (fifties|sixties|seventies|eighties|nineties|noughties)\b|\bfor years\b|\bin (my|her|his) (twenties|thirties|forties|[2-5]0'?s)\b"
                       r"|\b(none|nothing|not|no \w+) (in|for) (years|ages|decades)\b"
                       # as learners write it: "Before three years I had the herpes", "nothing since long time"
                       r"|\bbefore (\d+|two|three|four|five|six|seven|eight|nine|ten|many|some|few) (years?|yrs)\b"
                       r"|\bnothing since (a )?long time\b",
                       re.IGNORECASE)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
# A year at least this far back is long ago for every condition, isotretinoin too ("completed
# isotretinoin course 2019"); last year is not (months may matter).
LONG_AGO_YEARS = 2


def long_ago(text: str) -> bool:
    this_year = datetime.date.today().year
    return bool(_LONG_AGO.search(text)) or any(int(y) <= this_year - LONG_AGO_YEARS for y in _YEAR.findall(text))
_DIAGNOSED = re.compile(r"\bdiagnos\w*|\b(gp|doctor|dr|derm\w*|consultant|nurse) (said|says|thinks|reckons|told me|confirmed)\b|\b(have|i've|ive|had) had\b(?! (nothing|none|no|any)\b).{0,40}\b(for|since)\b"
                        r"|\b(lived|living) with\b",
                        re.IGNORECASE)
# "have been on warfarin for my heart valve since 2015", "on apixaban since my stroke in 2018":
# a start that goes on to now, not a past. (Not "been off it since", nor "was on it for years".)
_ONGOING_SINCE = re.compile(r"(\b(been|am|'m|is|'s|are|'re)\s+(on|taking|using|injecting)|^\W*(on|taking))\b"
                            r"[^.;!?]{0,60}?\b(since|for (the (last|past) )?(\d+|many|several|some|a few|a couple of)?\s*"
                            r"(years?|yrs?|ages|decades?|months?|a long time))\b", re.IGNORECASE)


def ongoing_since(sentence: str, offset: int) -> bool:
    """Whether the mention at `offset` is inside a "been on ... since" that goes on to now."""
    return any(m.start() <= offset < m.end() and not _RESOLVED.search(sentence[offset:])
               for m in _ONGOING_SINCE.finditer(sentence))


_RESOLVED = re.compile(r"\b(cleared|gone|healed|remission|resolved|outgrew|grew out|went away|no longer|any ?more|"
                       r"stopped|finished|quit|came off|cured)\b", re.IGNORECASE)
_NOT_RESOLVED = re.compile(r"\b(hasn'?t|has not|haven'?t|have not|isn'?t|is not|not|never|yet to|still not)"
                           r"( \w+)?( fully| completely| totally| quite| all the way)? (cleared|healed|gone|resolved|better)\b",
                           re.IGNORECASE)
# "can it be done over active cystic acne? (a patient asked me)": the question is someone else's,
# so a condition the visitor does not tell of themselves is not theirs.
_ASKED_BY_SOMEONE = re.compile(r"\b(a|one of my|my|this|another) (patient|client|customer|student|colleague|reader|follower)s? "
                               r"(asked|asks|is asking|was asking|wants to know|wanted to know|wondered|wonders)\b", re.IGNORECASE)
# The words by which visitors speak of themselves ("mi": Patois "I"); recovery_triage builds on them.
FIRST_PERSON_WORDS = r"i|i'm|im|i've|ive|i'd|i'll|me|my|mine|myself|meself|we|our|mi"
# The visitor speaks of themselves in the sentence ("I", "my", "me").
_FIRST_PERSON = re.compile(rf"\b({FIRST_PERSON_WORDS})\b"
                           # a fragment about oneself: "on accutane. ok?", "4 months pregnant", "have lupus"
                           r"|^\W*(on|taking|been on|started|stopped|finished|quit|came off|using|have|got|having|pregnant|breastfeeding|nursing|"
                           r"diabetic|type (1|2|one|two|i|ii) diabetic|\d+ (weeks?|months?) (pregnant|along))\b", re.IGNORECASE)
# Said to be happening now.
_CURRENT = re.compile(r"\b(now|right now|rn|current|currently|at the moment|atm|at present|still|again|this week|today|flaring|"
                      r"spreading|getting worse|worsening|getting bigger|"
                      r"flare|came back|coming back|come back|active|every day|everyday|daily|each day|every night|nightly|for life|remain on|remains on|still on|still taking|"
                      # "take the anti-rejection tablets every morning": a routine goes on
                      r"every (morning|evening|week)|each (morning|evening|night)|(once|twice|three times) (a|per) (day|week))\b",
                      re.IGNORECASE)
# "never came back", "not a single flare-up since": a current-word that is denied says the opposite.
_DENIED_CURRENT = re.compile(r"\b(no|not|never|without|zero|nor)\b(\s+\w+){0,2}\s*$", re.IGNORECASE)


def denied_before(text: str, start: int) -> bool:
    """Whether the words just before `start` deny what follows ("never came back", "no flare")."""
    return bool(_DENIED_CURRENT.search(text[:start]))


def said_current(sentence: str) -> bool:
    return any(not denied_before(sentence, m.start()) for m in _CURRENT.finditer(sentence))


# ("splits that haven't closed up yet": a wound still open now)
_RIGHT_NOW = re.compile(r"\b(right now|rn|currently|at the moment|atm|at present|this week|flaring|flare up|still open|"
                        r"(haven'?t|hasn'?t|have not|has not|not) (closed|healed|scabbed)( over| up)?( \w+)? yet|"
                        r"now (i have|i've got|ive got|i got|i get|there are|there's|theres|i have also|i also have))\b",
                        re.IGNORECASE)


_CLAUSE_BREAK = re.compile(r"[,;:()\u2014]|\s-\s|\b(but|though|although|and now|now)\b"
                           r"|\band (i|i'm|im|i've|ive|i still|she|he|they|we|remain|remains|still|continue|continues|am still|stay|stayed|take|takes|use|uses)\b",
                           re.IGNORECASE)


def _clause_of(sentence: str, offset: int) -> str:
    """The clause of the sentence around `offset`, between the breaks before and after it."""
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence)]
    start = max([b for b in breaks if b < offset], default=0)
    end = min([b for b in breaks if b > offset], default=len(sentence))
    return sentence[start:end]


def _long_ago_in_clause(sentence: str, offset: int) -> bool:
    """"My acne finished its reign about a decade ago, but..." : ConText's scope stops at the
    nearer "finished", so a long-ago time in the mention's own clause is read here as well."""
    clause = _clause_of(sentence, offset)
    return long_ago(clause) and not said_current(clause)


def _current_in_clause(sentence: str, offset: int) -> bool:
    clause = _clause_of(sentence, offset)
    return said_current(clause) and not long_ago(clause)


# "X ... but it's fully healed now (it's October)": ConText's "but" ends the scope of "healed",
# so a resolution said later in the same sentence is read here.
# ("all over my chin" is everywhere, not over.)
_RESOLVED_LATER = re.compile(r"\b(fully|completely|totally|long|long since) (healed|gone|cleared( up)?|better|over|cured)\b"
                             r"|\ball clear (for|since)\b"
                             r"|\ball (healed|gone|cleared( up)?|better)\b"
                             r"|\b(grew|grown) out of (it|them)\b|\boutgrew (it|them)\b"
                             r"|\b(all|it|they|has|have|had) settled( down)?\b|\bsettled (down|fine|completely)\b"
                             # "they took me off it in 2015", "came off it years back"
                             r"|\b(took|taken|take) (me|him|her) off (it|them|that)\b|\b(came|come|been|got|went) off (it|them|that)\b"
                             r"|\b(healed|gone|cleared( up)?) (now|since|for (weeks|months|years|ages))\b"
                             r"|\b(has|have|had) (since )?(healed|cleared|gone away|resolved)\b"
                             # "but it finish two years ago", as learners write the past
                             r"|\b(finish(ed)?|stop(ped)?|end(ed)?|over)\b.{0,12}\b(\w+ )?y[ea]{0,2}r[ae]?s? (ago|before|back)\b"
                             r"|\b(finish(ed)?|stopped|ended|over) (a )?long time( ago| back| before)?\b"
                             # "I was on accutane ... but that was like four years ago and I've been off it since"
                             r"|\b(that|this|it|which) (was|were|is) (like |about |around |over |more than )?(\w+ )?(y[ea]{0,2}r[ae]?s?|decades?) (ago|before|back)\b"
                             r"|\b(been|came|come|went) off (it|them)\b"
                             r"|\bclear (for )?(\d+|many|some|a few) (yrs|years|decades)\b"
                             # "cleared up months ago" (a stopped medicine is not this: isotretinoin counts for months)
                             r"|\b(cleared( up)?|healed( up)?|went away|gone away|disappeared|vanished)\b.{0,12}?\b(\w+ )?"
                             r"(months?|y[ea]{0,2}r[ae]?s?|ages|decades?) ago\b",
                             re.IGNORECASE)
_STILL = re.compile(r"\b(still|again|right now|currently|at the moment|atm|flar\w*|came back|coming back|not|yet|"
                    r"\w+n'?t)\b", re.IGNORECASE)  # "it hasn't fully cleared yet" is not resolved
# "me n my bf are trying to get pregnant": the visitor is one of the subjects.
# "Hx keloids, still prone", "had eczema as a kid, still get it": a past that goes on. (Not "still
# have the scars", which is what is left of it.)
_STILL_HAS = re.compile(r"\bstill (prone|get|gets|getting|have|has|having|suffer\w*|on|taking|breaking out|form\w*|flar\w*)\b"
                        r"(?!\s+(\w+\s+)?(scars?|marks?|dents?|pits?|holes|spots left|stretch marks))", re.IGNORECASE)
# "nan's got lupus", "The wife's got psoriasis", "my stepdaughter has cystic acne at the moment":
# another person is the subject just before the mention, even where ConText's scope did not reach.
_THEIRS_JUST_BEFORE = re.compile(
    # ("me lads girlfriend is on that isotretinoin": "me" as "my", someone's someone)
    rf"(^|[.!?,;(]\s*|\b(the|my|our|his|her|me)\s+(\w+'?s\s+)?)({people_pattern()})(\s+has|\s+had|\s+gets|\s+got|\s+is|\s+was|'s|’s)"
    r"(\s+got|\s+on|\s+been diagnosed with|\s+diagnosed with|\s+suffers from|\s+suffering from)?\s+(\w+\s+){0,3}$", re.IGNORECASE)
_OF_THEM = re.compile(r"(she|he|they)('?s| is| are)?\b", re.IGNORECASE)
_JOINT_SUBJECT = re.compile(r"\b(me|i)\s+(and|n|&|an|nd)\s+(my|mah)\b|\bmy \w+ and (i|me)\b|\bwe['’]re\b|\bwe are\b|\bwere (trying|expecting|both)\b",
                            re.IGNORECASE)


# "I read you must wait after Accutane. I never took it in my life.": a denial that points back
# ("it", "them") at the mention in the same or the previous sentence.
_DENIED_BACK = re.compile(r"(^\W*|[,;:]\s*|\b(i|i've|ive|i have|i'd|i had)\s+)(have\s+|had\s+)?"
                          # "jk i've literally never had one"
                          r"((literally|honestly|actually|genuinely|seriously|really|truly|personally)\s+)?(never|not ever|never ever)\s+"
                          r"(took|taken|take|used|use|had|have|tried|been on|gone on|done|got|gotten)\s+"
                          r"(it|them|that|those|this|one|any)"
                          # the denial ends there: "I never took it seriously" denies nothing
                          r"\s*(\b(in my life|before|ever|at all|though|tho|either|myself|lol|haha)\b|[^\w\s]|$)",
                          re.IGNORECASE)


# "...reading about autoimmune things, but I don't have anything like that": a present-tense
# denial that points back the same way.
_DENIED_BACK_NOW = re.compile(r"\b(i|i've|ive|i'm|im|mi)\s+(do not|don'?t|dont|never|nuh|nah)\s+(have|get|take|suffer from|got)\s+"
                              r"(anything like (that|this|it)|any of (that|those|them|it)|that|those|them|it|one|any)"
                              # the denial ends there; an emoji may close it ("i dont have it 🤭")
                              r"\s*(\b(myself|though|tho|either|at all|personally|lol|haha)\b|[^\w\s]|$)", re.IGNORECASE)


# "my bro says im allergic (im not lol)", "people think I'm pregnant, I'm not": the visitor says
# the mention before is not so, with nothing after the "not" but a laugh or an emphasis.
_DENIED_BACK_SELF = re.compile(r"(^|[(,;:.!\u2014-]\s*|\b(but|though|tho)\s+)(i'?m|im|i am|i'm really|i am really) not"
                               r"(\s+(lol|lmao|haha|really|actually|tho|though|btw|at all))*\s*([^\w\s]|$)",
                               re.IGNORECASE)


def _after_in_sentence(doc, ent) -> str:
    return doc.text[ent.end_char:ent.sent.end_char]


def _next_sentence(doc, ent):
    """The sentence after the mention's, or None at the end of the message."""
    return doc[ent.sent.end].sent if ent.sent.end < len(doc) else None


def _denied_back(doc, ent) -> bool:
    rest = _after_in_sentence(doc, ent)
    if _DENIED_BACK.search(rest) or _DENIED_BACK_NOW.search(rest) or _DENIED_BACK_SELF.search(rest):
        return True
    following = _next_sentence(doc, ent)
    # "Pharmacist asked if I'm on blood thinners. I'm not, only the minoxidil foam."
    return following is not None and (bool(_DENIED_BACK.search(following.text))
                                      or bool(_DENIED_BACK_SELF.match(following.text.strip())))


# Someone else is the one who would be treated: "asking for my dad", "she's booked in", "could he
# still have it?", "he'd be the patient". Their current contraindication then goes to a clinician
# the same way the visitor's own does (docs/safety.md).
# A person the visitor would book for; without "who" only these are people ("it's my eczema
# getting worse" is the visitor's own).
_KIN = (r"(wife|husband|hubby|partner|mum|mom|mother|dad|father|sister|brother|daughter|son|friend|mate|"
        r"bestie|nan|gran|grandma|grandmother|aunt|auntie|uncle|niece|nephew|cousin|girlfriend|boyfriend|"
        r"gf|bf|fianc[eé]e?|missus|teen|kid|child|colleague)(-in-law)?")


_THEM = r"(she|he|(my|our) (?!(skin|face|scalp|hair|neck|body|forehead|cheeks?|chin|own)\b)\w+(-in-law)?|someone like (her|him))"
_TREATMENT_FOR_THEM = re.compile(
    r"\b(asking|enquiring|inquiring|checking|booking|typing( this)?|writing( this)?|messaging|here)\b[^.?!]{0,25}?"
    r"\b(for|on behalf of) (my|our|his|her)\b(?! (own|self)\b)(?!\s*self\b)"
    r"|\bon (his|her|their|my \w+'s) behalf\b"
    # "It is for my mother.", "she will come with me next month"
    r"|\b(it'?s|it is|its|this is|this'?s) (for|about) (my|our) " + _KIN + r"\b(?! and (me|i|myself)\b)"
    r"|\b(she|he)('ll| will|'s going to| is going to|'s| is) (come|coming)( in)? (with me|for (it|the|a|her|his)|next|on|in)\b"
    r"|\b(she|he|they)('d| would| will|'ll|'s| is|'re| are)( be)? (the )?(one|patient|person)\b(?! (who (told|said|recommended)))"
    r"|\b(can|could|would|should|will|may|might|is|does) (she|he|someone like (her|him))( still| safely| even| really| actually| ever)?"
    r" (have|get|do|try|book|go ahead|be (treated|able|ok|okay|fine|allowed|suitable|a candidate)|safely|qualify|undergo|come( in)? (this|next|on|for|in)"
    r"|(ok|okay|fine|alright|able|allowed|suitable|safe) to (have|get|do|try|book|go ahead|come( in)?))\b"
    # "how many sessions would my nan need?": the sessions are hers
    rf"|\b(would|will|does|do|should|might) {_THEM} (need|require|have to have)\b"
    r"|\b(whether|if|so|and) (she|he) (can|could|would|should|may|might)( still| safely| even)? (have|get|do|try|book|go ahead|be treated)\b"
    r"|\b(before|when|once|if|so|until) (she|he) (books?|comes in|has it( done)?|gets it( done)?|goes ahead)\b"
    r"|\b(reason|why) (she|he) (shouldn'?t|can'?t|couldn'?t|mustn'?t)\b"
    r"|\b(safe|ok|okay|fine|alright|suitable|possible|an option|a good idea|a problem|an issue|risky)( \w+)? for (her|him|his|someone like (her|him))\b"
    r"|\b(treat|needle|book|help)(ing|ed)? (her|him|someone like (her|him))\b"
    r"|\b(would|will|could|can) (they|you) (still )?(do|treat|needle|take on) (her|him)\b"
    r"|\bshould (she|he) (still )?(go|come|attend|keep (it|the appointment)|cancel|postpone)\b"
    r"|\b(do|does|did|doing) (it|this|that|one|the (treatment|needling|microneedling)) (for|on) (her|him)\b"
    r"|\b(she|he)('s| is| has| was|'d| had)( \w+)? (booked|booking|keen|interested|thinking|considering|wanting|hoping|looking|desperate|set on|due)\b"
    # "she wanted microneedling for it before the baby arrives"
    r"|\b(she|he) (wants|wanted|would like|'d like|fancies) (microneedling|needling|it done|the treatment|a session|to (have|get|try|book))\b"
    # "my aunt is interested in microneedling", "her appointment is Monday", "after her treatment"
    rf"|\b({_THEM}|{people_pattern()})('s| is| was| has been)( \w+)? (booked|keen|interested|thinking about|considering|set on)\b"
    # "She's just been diagnosed with lupus, if that makes any difference?"
    r"|\bif (that|this|it) (matters|makes (a|any) difference|changes anything|is a problem|is an issue)\b"
    r"|\b(her|his) (appointment|appt|session|treatment|booking|consultation)('s| is| was)? (on|at|booked|next|this|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(after|before|for) (her|his) (treatment|session|appointment|appt|microneedl\w*|first session|next session)\b"
    rf"|\b{_THEM}\b[^.?!]{{0,50}}?\b(wants|want|would like|'d like|fancies|is after|'s after|asked me|has asked|'s asked)"
    r"( to (know|ask|find out|check|have|get|try|book|do|go ahead))?"
    r" (whether|if|about|microneedl\w*|it|this|the treatment|a session|a course|some|her|his|to)\b"
    # "she wants the stretch marks on her tummy done"
    rf"|\b{_THEM}\b[^.?!]{{0,10}}\b(wants|want|would like|'d like|is hoping to get)\b[^.?!]{{0,50}}\b(done|treated|needled|sorted)\b"
    r"|\b(getting|booking|buying|treating|gifting) ((my|our) \w+(-in-law)?|her|him) (a |an |some )?(\w+ )?(session|treatment|course|microneedl\w*|voucher|appointment)"
    # "would it help my dad's chest scar?", "book microneedling for my wife as a surprise"
    r"|\b(help|treat|fix|improve|do|work on|smooth|fade|soften)\b (my|our) (?!(own|skin|face|scalp|hair|neck|body|forehead|cheeks?|chin|scars?|acne|back|chest)\b)\w+(-in-law)?'s\b"
    rf"|\b(book|booking|buy|buying|get|getting|gift|gifting|present|surprise|voucher)\b( \w+){{0,3}} for ((my|our) ({people_pattern()})|her|him)\b"
    # "he's on blood thinners, does that matter?": whether their condition matters is asked because
    # they would be treated (unless the visitor asks it for themselves: "is that a problem for me?")
    r"|\b(does|would|will|could|might) (that|this|it) (matter|be (a|an) (problem|issue)|affect (it|things|anything|the treatment)|"
    r"change (anything|things)|make (a|any) difference|rule (her|him|them) out|stop (her|him|them))\b(?! (for|if|to|when) (me|i|we|us|my)\b)"
    r"|\bis (that|this) (a problem|an issue|ok|okay|alright|all right|fine)\b(?! (for|if|to|when) (me|i|we|us|my)\b)",
    re.IGNORECASE)
# ...unless the visitor says that person is not the one being treated ("she's not having it done,
# I am", "so he's out", "she's only coming along").
_NOT_TREATMENT_FOR_THEM = re.compile(
    r"\b(she|he|they)('s| is|'re| are| will| would|'ll|'d)?\s*(not|n'?t|never)( \w+)? (having|getting|doing|booking|asking|coming|"
    r"the one|interested|going|be (having|getting|doing|treated))\b"
    # "My husband is diabetic so he will not do it"
    r"|\b(she|he|they) (will|would|'ll|'d|does|do) (not|never) (do|have|get|try|book)( it| this| one| microneedling| anything)?\b"
    # the visitor's own question after theirs: "For me though, ...", "but my question is for me"
    r"|\bfor me,? (though|tho)\b|\b(but|as) for me\b|\bmy (own )?question is (for|about) me\b|\b(it'?s|its|it is) just me\b"
    r"|\b(isn'?t|is not|aren'?t|won'?t|wouldn'?t) (the one|having|getting|doing|asking|booking|coming|be (having|getting|doing|treated|coming))\b"
    r"|\bso (she|he|they)('s| is|'re| are) (out|not)\b|\bnot (for|about) (her|him|them)\b|\bnot asking for (her|him|them)\b"
    r"|\b(only|just) (coming|driving|here|tagging|keeping)\b|\bmoral support\b|\bkeep(ing)? me company\b"
    r"|\b(holding|putting it) off\b|\bwaiting (it|until|till)\b"
    r"|\b(my|our|his|her) late\b|\bpassed away\b|\bgod rest\b|\blong gone now\b|\bno longer with us\b|\b(died|(is|was|are|were|'s) dead)\b(?! (tired|serious|set|easy|slow|quiet|on|ahead|end))"
    r"|\b(purely|just|only) (out of )?curio(us|sity)\b|\bhypothetically\b|\bin general\b|\bgeneral question\b|\bgenerally speaking\b|\b(could|would|might) (she|he|someone like (her|him)) have had\b"
    r"|\b(i'?m|i am|we'?re|we are) not (booking|bringing|getting|treating) (him|her|them)\b"
    # "my sister's pregnant so she can't have it done" (not "why she can't have it", which asks for her)
    r"|(?<!why )(?<!reason )\b(she|he|they) (can'?t|cannot|couldn'?t|won'?t|shouldn'?t) (have|get|do|be treated)( it| this| one| microneedling)?( done)?\b"
    r"|\b(i'?m|i am) the one\b(?! (booking|paying|arranging|organi[sz]ing|asking|writing|messaging|typing|sorting|enquiring)\b(?! (it )?(for|in) (my|me|myself)\b))|\b(it'?s|it is|is) (for )?me (who|that)\b|\b(it'?s|it is) (for )?me\b|\bfor (me|myself)\b(,)? not\b|\bfor me\b[^.?!]{0,20}\b(not|rather than)\b"
    # the treatment is for after the pregnancy: "wants to plan for after the baby"
    r"|\b(for|until|till) after (the|her|his) (baby|birth|pregnancy)\b|\bafter (the baby|she'?s had the baby|she gives birth|giving birth)\b"
    r"|\bonce (the baby|she'?s had the baby|she'?s given birth)\b",
    re.IGNORECASE)


# "I've got psoriasis myself but I'm not the one having it done, it's my wife": the visitor is not
# the one to be treated, so their own conditions do not stop anyone's treatment.
_VISITOR_NOT_TREATED = re.compile(
    r"\b(i'?m|im|i am|i'?ll|i will)( \w+)? not (be )?the one (having|getting|being|booked|coming)"
    r"|\b(i'?m|im|i am|i'?m just|i am just) not (having|getting) (it|anything|this|one)\b"
    r"|\b(i|i'?ll|i will) ?(won'?t|will not|wont|not) be (having|getting) (it|anything|this|one)( done)?( myself)?\b"
    # "it's my wife who's having it", "it's my wife having the treatment, not me"
    r"|\bit'?s ((my|our) \w+(-in-law)? (who|that)|((my|our) )?" + _KIN + r"|\w+ who)('d| would| will|'ll|'s| is)?( be)? (having|getting|booked|coming|the one)\b"
    r"|\bit'?s not (for|about) me\b|\bnot for me,? (it'?s|its|but) for\b|\b(this|it)( one)? (isn'?t|is not|isnt|'s not) for me\b"
    # "She's the one booked in for her forehead lines, I'm only driving her"
    r"|\b(she|he|they)('?s| is| are|'re) the one(s)? (booked|having|getting|being treated|coming in|who'?s (booked|having|getting))\b"
    r"|\b(i'?m|im|i am) (only|just) (driving|taking|bringing|accompanying|dropping off) (her|him|them)\b",
    re.IGNORECASE)


def visitor_not_treated(text: str) -> bool:
    """Whether the visitor says they are not the one to be treated (someone else is)."""
    return bool(_VISITOR_NOT_TREATED.search(text or ""))


def said_not_for_them(text: str) -> bool:
    """Whether the visitor says the other person is not the one being treated."""
    return bool(_NOT_TREATMENT_FOR_THEM.search(text or ""))


# A general question asked for them ("is it generally ok for people with skin conditions like
# hers?"), unless they are said to want it ("She wants microneedling... can you treat someone like her?").
_ASKED_GENERALLY = re.compile(
    r"\b(people|ppl|someone|anyone|those) (with|who have|like (her|him|that|hers|his|them))\b|\b(is|are) (microneedling|it|this|needling) generally\b"
    r"|\bgenerally (ok|okay|safe|fine|suitable|advised|recommended|possible)\b|\bgeneral (guidance|advice|rule)\b", re.IGNORECASE)
_WANTS_IT = re.compile(
    r"\b(she|he|they)('s| is| are|'re)? (wants|want|wanted|would like|'d like|keen|is keen|interested|booked|booking|set on|desperate)\b"
    r"|\b(wants|wanted|keen on|interested in|would like) (microneedl\w*|needling|it|the treatment|a session|to (have|get|try|book))\b",
    re.IGNORECASE)


def treatment_for_someone_else(text: str) -> bool:
    """Whether the message says someone other than the visitor would have the treatment."""
    text = text or ""
    return (bool(_TREATMENT_FOR_THEM.search(text)) and not said_not_for_them(text)
            and not (_ASKED_GENERALLY.search(text) and not _WANTS_IT.search(text)))


_ACTIVE = re.compile(r"\bactive\b", re.IGNORECASE)


def _without_active_in_names(sentence) -> str:
    """The sentence with "active" blanked inside the vocabulary's terms: "active acne" names a
    condition, it does not say that anyone has it now ("still nursing" still says so)."""
    text = sentence.text
    for ent in sentence.ents:
        start = ent.start_char - sentence.start_char
        named = _ACTIVE.sub(lambda m: " " * len(m.group()), ent.text)
        text = text[:start] + named + text[start + len(ent.text):]
    return text


def _rest_of_telling(doc, ent) -> str:
    """The mention's sentence after it, and the next sentence when that one names nothing else of
    safety ("a skin infection on my jaw last year. Antibiotics, fully cleared, nothing since.")."""
    rest = _after_in_sentence(doc, ent)
    following = _next_sentence(doc, ent)
    if following is not None and not (
            any(e.label_ in SAFETY_LABELS and not e.label_.endswith("_hint") for e in following.ents)
            or _ASKS_OR_HOPES.search(following.text)):
        rest += " " + following.text
    return rest


_HOPED_END = re.compile(r"\b(should|will|'ll|hope\w*|expect\w*|going to|gonna|might|may)( \w+)?( be)? (all |fully |completely |totally |long )?"
                        r"(gone|healed|cleared|better|over)\b", re.IGNORECASE)
# "Will it be fully healed by Friday?" hopes for an end; it does not tell one.
_ASKS_OR_HOPES = re.compile(r"\?|\b(will|would|'ll|going to|gonna|by|until|till|hope\w*|should|expect\w*)\b", re.IGNORECASE)


def _resolved_after(rest_of_sentence: str) -> bool:
    return bool(_RESOLVED_LATER.search(rest_of_sentence)) and not _STILL.search(rest_of_sentence)


@dataclass(frozen=True)
class Mention:
    label: str  # entity label: contraindication, contraindication_hint or red_flag
    key: str  # canonical vocabulary key
    text: str
    start: int  # character offsets in the message
    end: int
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    someone_else: bool = False  # a relative, a friend, "people with"
    first_person: bool = False  # the sentence speaks of the visitor
    said_current: bool = False  # "right now", "still", "flaring"
    said_right_now: bool = False  # "right now", "currently": not "still", which is often about scars

    @property
    def current_and_own(self) -> bool:
        """Not denied, not past, not hypothetical, not someone else's."""
        return not (self.negated or self.historical or self.hypothetical or self.someone_else)

    @property
    def certainly_visitors(self) -> bool:
        return self.current_and_own and (self.first_person or self.said_current)

    @property
    def said_now_of_self(self) -> bool:
        """An ambiguous word said of the visitor right now ("I'm breaking out right now")."""
        return self.certainly_visitors and self.first_person and self.said_right_now


# "healthy: no skin conditions, not pregnant": a denial that opens an item of a list (medspaCy's
# default ": no" reads backwards, "Fever: no", and takes the "no" from the forward rule).
_LISTED_DENIAL = re.compile(r"(^|[:,;(]\s*)(no|not|nor|never|zero)\s+(\w+\s+)?$", re.IGNORECASE)
# "she's pregnant", "my wife is pregnant": said in the present, so it is now
_PRESENT_COPULA = re.compile(r"(\b(is|am|are)|'s|’s|'re)\s+(now |currently |still |already )?$", re.IGNORECASE)


def _negated_from_outside(ent) -> bool:
    """ConText's negation, except by a word of the term itself ("hasn't scabbed" says it is open)."""
    return any(m.category == "NEGATED_EXISTENCE" and not (ent.start <= m.modifier_span[0] < ent.end)
               for m in ent._.modifiers)


def _with_word_lists(pattern):
    """A rule's token pattern with `IN: "@people.others"` replaced by that vocabulary list."""
    if not pattern:
        return pattern
    filled = []
    for token in pattern:
        lower = token.get("LOWER")
        if isinstance(lower, dict) and isinstance(lower.get("IN"), str) and lower["IN"].startswith("@people."):
            token = {**token, "LOWER": {**lower, "IN": list(people_words(lower["IN"][len("@people."):]))}}
        filled.append(token)
    return filled


def _project_rules():
    from medspacy.context import ConTextRule

    rules = yaml.safe_load(CONTEXT_RULES_PATH.read_text(encoding="utf-8"))["rules"]
    return [ConTextRule(r["literal"], r["category"], direction=r.get("direction", "BIDIRECTIONAL"),
                        pattern=_with_word_lists(r.get("pattern")), max_scope=r.get("max_scope")) for r in rules]


def _rules_with_project_overrides():
    """medspaCy's default rules, except where a project rule names the same words: there the
    project's wins (the default "resolved" denies what follows; visitors' "it resolved" ends what
    came before), as two rules on one span would leave ConText to pick either."""
    from medspacy.context import ConTextRule
    from medspacy.context.context import DEFAULT_RULES_FILEPATH

    project = _project_rules()
    ours = {rule.literal.lower() for rule in project}
    defaults = [rule for rule in ConTextRule.from_json(DEFAULT_RULES_FILEPATH) if rule.literal.lower() not in ours]
    return defaults + project


_LIFELONG = re.compile(r"\btransplant", re.IGNORECASE)
_VERB_STARTS_TERM = re.compile(r"(is|has|'s|’s)\b", re.IGNORECASE)
_PERSON_JUST_BEFORE = re.compile(rf"\b(my|our|the|his|her)\s+({people_pattern()})\s*$", re.IGNORECASE)
# "her skin is clear at the moment": nothing active now, whatever comes and goes
_CLEAR_NOW = re.compile(r"\b(skin|face|it|they|she|he|i)('s| is| are|'re|'m| am)? (totally |completely |all |pretty )?"
                        r"(clear|calm|settled)( right)? (at the moment|now|currently|atm|rn|for now|these days)\b", re.IGNORECASE)
# "We're thinking about trying for a baby sometime next year, so not pregnant now": a plan, not now
# ("might be pregnant" is a suspicion now, "hoping to" is trying now: neither is a plan)
_PLANNING_BEFORE = re.compile(r"\b(thinking (about|of)|planning( on| to)?|plan (to|on)|in the future)\b[^.;!?]{0,25}$",
                              re.IGNORECASE)
_LATER = re.compile(r"\b(next year|in (a|the) (few|couple of) (months|years)|in the future|some ?day|one day|eventually|later (this|next) year|"
                    r"after the wedding|in a year or two)\b", re.IGNORECASE)


def _planned_pregnancy(sentence: str, offset: int) -> bool:
    return bool(_PLANNING_BEFORE.search(sentence[:offset])) or bool(_LATER.search(sentence[offset:]))


# "Purely hypothetically — why would ... be a bad idea?": the whole message is framed as a
# hypothesis (ConText's scope stops at the dash), so a mention told of nobody is hypothetical.
_FRAMED_HYPOTHETICAL = re.compile(r"^\W*(\w+\s+){0,2}(hypothetically|theoretically|in theory|out of (pure |sheer |idle )?curiosity)\b",
                                  re.IGNORECASE)


class MentionContext:
    def __init__(self, pipeline_dir: Path):
        import spacy
        from medspacy.context import ConText

        self.nlp = spacy.load(pipeline_dir)
        if "sentencizer" not in self.nlp.pipe_names:
            self.nlp.add_pipe("sentencizer", first=True)
        # ConText's own allowed_types never matched these labels (seen with medspaCy 1.0.0); the
        # mentions are filtered by label below instead.
        self.context = ConText(self.nlp, rules=None)
        self.context.add(_rules_with_project_overrides())

    def read(self, text: str) -> Tuple[List[Mention], List[Tuple[int, int]]]:
        """The safety-relevant mentions, and where the text names a condition being treated
        ("acne scars": not a new symptom; new dark patches after a treatment are), from one parse."""
        doc = self.context(self.nlp(text))
        conditions = [(e.start_char, e.end_char) for e in doc.ents
                      if e.label_ == "condition" and e.ent_id_ != "hyperpigmentation"]
        return self._mentions(doc), conditions

    def mentions(self, text: str) -> List[Mention]:
        return self.read(text)[0]

    def _mentions(self, doc) -> List[Mention]:
        found: List[Mention] = []
        asked_by_someone = bool(_ASKED_BY_SOMEONE.search(doc.text))  # once per message, not per mention
        framed_hypothetical = bool(_FRAMED_HYPOTHETICAL.search(doc.text))
        for ent in doc.ents:
            if ent.label_ not in SAFETY_LABELS:
                continue
            sentence = ent.sent.text
            offset = ent.start_char - ent.sent.start_char
            historical = (bool(ent._.is_historical) or _long_ago_in_clause(sentence, offset)
                          or _resolved_after(_rest_of_telling(doc, ent)))
            key = ent.ent_id_ or ent.text.lower()
            if historical and key in SLOW_TO_CLEAR and not long_ago(sentence):
                historical = False
            if historical and (_NOT_RESOLVED.search(sentence) or _STILL_HAS.search(sentence)):
                historical = False  # "it hasn't fully cleared yet", "Hx keloids, still prone"
            if historical and _DIAGNOSED.search(sentence) and not _RESOLVED.search(sentence):
                historical = False  # "diagnosed with lupus years ago": the date of a diagnosis, not of an end
            if historical and _HOPED_END.search(sentence[offset:]):
                historical = False  # "a cold sore, should be all gone by the weekend": an end hoped for
            if historical and ongoing_since(sentence, offset):
                historical = False  # "I have been on warfarin since 2015"
            if historical and _current_in_clause(sentence, offset):
                historical = False  # "had a transplant 2 years ago and he takes tacrolimus every day"
            if key in NEVER_PAST or _LIFELONG.search(ent.text):
                historical = False  # ("kidney transplant before 2 years": its medicines are for life)
            first_person = bool(_FIRST_PERSON.search(sentence))
            # "My baby has eczema (poor thing, we're on so many creams)": a "we" after the mention
            # does not make it the visitor's
            up_to_mention = sentence[:offset + len(ent.text)]
            someone_else = (not first_person and asked_by_someone) or (
                            bool(ent._.is_family) and not _JOINT_SUBJECT.search(up_to_mention)
                            and not _OWN_JUST_BEFORE.search(sentence[:offset])
                            # "baby is on mother feed only": the baby is who is fed, the visitor feeds
                            and not (key == "pregnancy" and _FEEDING.search(ent.text)
                                     and not _ANOTHER_MOTHER.search(sentence[:offset])))
            if not someone_else and _OF_THEM.match(ent.text):
                someone_else = True  # the term names her: "shes expecting"
            if not someone_else and _THEIRS_JUST_BEFORE.search(sentence[:offset]) \
                    and not (_OWN_JUST_BEFORE.search(sentence[:offset]) or _JOINT_SUBJECT.search(up_to_mention)):
                someone_else = True
            if not someone_else and _VERB_STARTS_TERM.match(ent.text) and _PERSON_JUST_BEFORE.search(sentence[:offset]):
                someone_else = True  # "My fiancée is pregnant": the term starts with her verb
            current = (said_current(_without_active_in_names(ent.sent)) or (key in NEVER_PAST and bool(_TENDENCY.search(sentence)))
                       or (key == "pregnancy" and bool(_PRESENT_COPULA.search(sentence[:offset]))))
            if current and (ent.label_ == "contraindication_hint" or key == "active_acne") and _CLEAR_NOW.search(sentence) \
                    and not _RIGHT_NOW.search(_CLEAR_NOW.sub(" ", sentence[offset:])):
                current = False  # "the occasional angry cyst, although her skin is clear at the moment"
            hypothetical = (bool(ent._.is_hypothetical) or (framed_hypothetical and not (first_person and current))
                            or (key == "pregnancy" and _planned_pregnancy(sentence, offset))) and not (
                key in SUSPECTED_IS_PRESENT and _SUSPECTED.search(sentence[max(0, offset - 30):offset])) and not (
                # "can she still have it done if she's got a cold sore on her lip right now": the "if" asks
                # about what is so now
                _RIGHT_NOW.search(sentence[offset + len(ent.text):offset + len(ent.text) + 30]))
            found.append(Mention(
                label=ent.label_, key=key, text=ent.text, start=ent.start_char, end=ent.end_char,
                negated=(_negated_from_outside(ent) or _denied_back(doc, ent)
                         or bool(_LISTED_DENIAL.search(sentence[:offset]))), historical=historical,
                hypothetical=hypothetical, someone_else=someone_else,
                first_person=first_person, said_current=current,
                said_right_now=bool(_RIGHT_NOW.search(sentence))))
        return _feared_then_denied(found, doc.text)


# "Before I was worry it is keloid but doctor check and say no ... I don't have keloid": a worry
# about a condition that the visitor then denies by name is denied too.
_FEARED_BEFORE = re.compile(r"\b(worr\w*|thought|afraid|scared|wonder\w*|maybe|might be|feared|suspect\w*|concerned)\b[^.!?]{0,25}$",
                            re.IGNORECASE)


def _feared_then_denied(found: List[Mention], text: str) -> List[Mention]:
    denied = {m.key for m in found if m.negated and m.first_person}
    return [dataclasses.replace(m, negated=True)
            if m.key in denied and not m.negated and not m.said_current and _FEARED_BEFORE.search(text[:m.start]) else m
            for m in found]


@functools.lru_cache(maxsize=2)
def get_mention_context(pipeline_dir: Path) -> MentionContext:
    return MentionContext(pipeline_dir)


def condition_spans(text: str, pipeline_dir: Path) -> List[Tuple[int, int]]:
    """Character spans of the conditions being treated ("acne scars"): not new symptoms."""
    return get_mention_context(pipeline_dir).read(text)[1]
