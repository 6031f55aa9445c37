"""End-to-end conversations a visitor has: answers, context, escalation, the follow-up form."""
from __future__ import annotations

import re

from actions.clinic import load_clinic
from actions.tickets import TicketStore
from tests.live.conftest import marker, text_of

CLEARANCE = re.compile(r"\b(you can go ahead|it'?s safe for you|you are cleared|no problem for you)\b", re.I)


def test_greeting_answer_goodbye(say):
    greeting = say("hi")
    assert "not medical advice" in text_of(greeting)
    assert greeting[0]["buttons"], "suggested questions are offered as buttons"
    answer = text_of(say("what is microneedling?")).lower()
    assert "collagen induction therapy" in answer and "sterile needles" in answer
    assert "take care" in text_of(say("bye")).lower()


def test_follow_ups_use_the_condition_and_a_correction_switches_it(say):
    assert "stretch marks" in text_of(say("can it help my stretch marks?")).lower()
    sessions = text_of(say("how many sessions would I need?")).lower()
    assert "stretch marks" in sessions and "4–6 weeks" in sessions
    results = text_of(say("how soon will I see results?")).lower()
    assert "stretch marks" in results and "weeks to months" in results
    corrected = text_of(say("actually I meant my acne scars")).lower()
    assert "acne scars" in corrected and "stretch marks" not in corrected


def test_two_conditions_in_one_message_are_both_answered(say):
    reply = text_of(say("does microneedling help acne scars and stretch marks?")).lower()
    assert "acne scars" in reply and "stretch marks" in reply


def test_general_who_should_not_is_answered_without_escalation(say):
    replies = say("who shouldn't get microneedling?")
    assert marker(replies) is None
    assert "keloid" in text_of(replies).lower()


def test_contraindication_escalates_then_the_form_creates_a_ticket(say):
    question = "I'm on accutane <b>still</b>'); DROP TABLE handoff_tickets;-- can I book?"
    first = say(question)
    escalation = marker(first)
    assert escalation == {**escalation, "reason": "isotretinoin", "urgent": False, "ticket": None}
    assert "clinician" in text_of(first) and not CLEARANCE.search(text_of(first))
    assert "name" in text_of(say("yes please")).lower()
    assert "phone number or e-mail" in text_of(say("Jane Doe"))
    retry = text_of(say("my number is 12"))
    assert "+1 555 123 4567" in retry, "an invalid contact is re-asked with an example"
    assert "time" in text_of(say("jane@example.com")).lower()
    assert "agree" in text_of(say("mornings")).lower()
    done = say("yes")
    reference = re.search(r"MN-[A-Z0-9]{6}", text_of(done)).group(0)
    assert marker(done)["ticket"] == reference
    ticket = TicketStore().get(reference)
    assert ticket.question == question, "the visitor's question is stored exactly as written"
    assert (ticket.reason, ticket.contact_detail, ticket.preferred_time, ticket.status) == \
        ("isotretinoin", "jane@example.com", "mornings", "open")
    assert ticket.conversation_id == say.sender


def test_declining_the_follow_up_still_gives_no_clearance(say):
    assert marker(say("I'm 20 weeks pregnant, is microneedling ok?"))["reason"] == "pregnancy"
    declined = text_of(say("no thanks"))
    assert "clinician" in declined and not CLEARANCE.search(declined)


def test_red_flag_gets_urgent_advice_first(say):
    clinic = load_clinic()
    replies = say("3 days after my session there's pus and I have a fever")
    assert clinic.phone in replies[0]["text"] and clinic.emergency_number in replies[0]["text"]
    assert marker(replies)["urgent"] is True


def test_a_red_flag_inside_a_longer_message_about_something_else_is_triaged_first(say):
    clinic = load_clinic()
    replies = say("Quick one about prices for my sister, and do you have parking? Also since my own session "
                  "on Friday I've got big blisters along my jaw, some have burst, but mainly the price please")
    assert clinic.phone in replies[0]["text"] and clinic.emergency_number in replies[0]["text"]
    assert marker(replies) == {**marker(replies), "reason": "blistering", "urgent": True}
    assert "normal" not in text_of(replies).lower()


def test_a_red_flag_in_a_second_turn_gets_urgent_advice(say):
    assert marker(say("which cleanser can I use after microneedling?")) is None
    replies = say("also my lips and eyelids have swollen up since this morning and it's hard to swallow")
    first = replies[0]["text"]
    assert "allergic reaction" in first and load_clinic().emergency_number in first
    assert marker(replies)["urgent"] is True


def test_more_than_normal_healing_goes_to_a_clinician_not_reassurance(say):
    say("had microneedling 9 days ago")
    replies = say("still red like on day one, should I be worried?")
    assert marker(replies) == {**marker(replies), "reason": "beyond_normal_recovery", "urgent": False}
    assert "normal healing" not in text_of(replies).lower()


def test_a_bare_mention_gets_one_question_and_yes_escalates(say):
    question = say("lupus and microneedling?")
    assert marker(question) is None
    assert "Is that something you have at the moment?" in text_of(question)
    assert marker(say("yes"))["reason"] == "autoimmune"


def test_normal_recovery_is_reassured_not_escalated(say):
    replies = say("had it done yesterday and my face is pink and a bit tight, is that normal?")
    assert marker(replies) is None
    reply = text_of(replies).lower()
    assert "normal" in reply and "24–72 hours" in reply and "emergency" not in reply


def test_out_of_scope_and_other_languages_get_a_clear_answer(say):
    assert "microneedling" in text_of(say("recommend a good pizza place nearby?")).lower()
    assert "english" in text_of(say("¿cuánto cuesta el microneedling?")).lower()


def test_two_questions_in_one_message_are_both_answered(say):
    reply = text_of(say("how many sessions will I need and when will I see results?")).lower()
    assert "4–6 weeks" in reply and "weeks to months" in reply
