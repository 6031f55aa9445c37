"""actions.handoff: the clinician follow-up form and the ticket it creates."""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from action_testkit import (
    all_text,
    make_tracker,
    markers,
    responses,
    run_action,
    slot_events,
    texts,
    wait_until,
)
from actions import handoff
from actions.handoff import (
    CONTACT_NOT_GIVEN,
    REQUEST_SLOTS,
    MAX_NAME_LENGTH,
    ActionAskContactName,
    ActionCreateHandoffTicket,
    ValidateHandoffForm,
    normalise_contact,
)
from actions.tickets import TicketStore
from rasa_sdk.executor import CollectingDispatcher

EXAMPLE_HINTS = ("+1 555 123 4567", "name@example.com")
INJECTION = "'); DROP TABLE handoff_tickets;-- <script>alert('x')</script> Can I have it with cold sores?"


def validate_contact(value, attempts=0):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(str(value), "inform", slots={"contact_attempts": float(attempts),
                                                         "requested_slot": "contact_detail"},
                           active_loop={"name": "handoff_form"})
    result = ValidateHandoffForm().validate_contact_detail(value, dispatcher, tracker, {})
    return dispatcher, result


def form_slots(**overrides):
    slots = {
        "escalation_reason": "cold_sores",
        "escalation_question": "I have a cold sore, can I still come on Friday?",
        "escalation_urgent": False,
        "contact_name": "Ann Smith",
        "contact_detail": "+15551234567",
        "preferred_time": "mornings",
        "contact_consent": True,
        "contact_attempts": 0.0,
    }
    slots.update(overrides)
    return slots


def create_ticket(slots, action=None, sender_id="conv-handoff-1"):
    tracker = make_tracker("yes", "affirm", slots=slots, sender_id=sender_id)
    return run_action(action or ActionCreateHandoffTicket(notify=False), tracker)


def rows(db_path):
    if not db_path.exists():
        return []
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        if "handoff_tickets" not in tables:
            return []
        return [dict(r) for r in conn.execute("select * from handoff_tickets order by id")]


# ---- validating the contact detail -----------------------------------------------------------

@pytest.mark.parametrize("given, stored", [
    ("+1 555 123 4567", "+15551234567"),
    ("(555) 123-4567", "5551234567"),
    ("  Name@Example.COM ", "name@example.com"),
    ("ann.smith+clinic@mail.example.co.uk", "ann.smith+clinic@mail.example.co.uk"),
])
def test_accepts_a_phone_number_or_email_and_normalises_it(given, stored):
    dispatcher, result = validate_contact(given, attempts=1)
    assert result == {"contact_detail": stored, "contact_attempts": 0}
    assert dispatcher.messages == []


@pytest.mark.parametrize("given", ["abc", "123", "<script>@x", "<script>alert(1)</script>@example.com",
                                   "ann@example", "call me maybe", "12345678901234567890", ""])
def test_rejects_anything_else_and_re_asks_with_an_example(given):
    dispatcher, result = validate_contact(given, attempts=0)
    assert result == {"contact_detail": None, "contact_attempts": 1}
    [message] = texts(dispatcher)
    assert all(hint in message for hint in EXAMPLE_HINTS)


def test_the_second_failure_counts_on_from_the_slot():
    _, result = validate_contact("nope", attempts=1)
    assert result == {"contact_detail": None, "contact_attempts": 2}


def test_third_failure_gives_the_clinic_phone_and_completes_the_form_without_a_contact(clinic_config):
    dispatcher, result = validate_contact("still not a number", attempts=2)
    [message] = texts(dispatcher)
    assert clinic_config["phone"] in message and clinic_config["hours"] in message
    assert result["contact_detail"] == CONTACT_NOT_GIVEN == "not given"
    assert result["contact_consent"] is False
    assert result["preferred_time"] == CONTACT_NOT_GIVEN
    # Every required slot of the form is now filled, so the form completes.
    assert result["contact_attempts"] == 3


def test_validation_through_the_form_action_as_the_server_runs_it(domain):
    """FormValidationAction.run validates the slot the form just extracted."""
    extracted = [{"event": "slot", "timestamp": None, "name": "contact_detail", "value": "Name@Example.com"}]
    tracker = make_tracker("Name@Example.com", "inform", slots={"requested_slot": "contact_detail",
                                                                 "contact_name": "Ann"},
                           extra_events=extracted, active_loop={"name": "handoff_form"})
    dispatcher, events = run_action(ValidateHandoffForm(), tracker, domain)
    assert slot_events(events)["contact_detail"] == "name@example.com"


def test_three_failures_then_no_ticket(domain, db_path):
    attempts = 0
    for value in ("abc", "123", "<script>@x"):
        extracted = [{"event": "slot", "timestamp": None, "name": "contact_detail", "value": value}]
        tracker = make_tracker(value, "inform", slots={"requested_slot": "contact_detail", "contact_name": "Ann",
                                                       "contact_attempts": float(attempts)},
                               extra_events=extracted, active_loop={"name": "handoff_form"})
        dispatcher, events = run_action(ValidateHandoffForm(), tracker, domain)
        attempts = slot_events(events)["contact_attempts"]
    filled = slot_events(events)
    assert filled["contact_detail"] == CONTACT_NOT_GIVEN
    # The form is complete; the ticket action then creates nothing and sends nothing more.
    slots = form_slots(contact_detail=filled["contact_detail"], contact_consent=filled["contact_consent"],
                       preferred_time=filled["preferred_time"], contact_attempts=float(attempts))
    dispatcher, events = create_ticket(slots)
    assert dispatcher.messages == []
    assert rows(db_path) == []
    assert {name: slot_events(events)[name] for name in REQUEST_SLOTS} == dict.fromkeys(REQUEST_SLOTS)


def test_normalise_contact_bounds():
    assert normalise_contact("1234567") == "1234567"  # 7 digits: shortest accepted
    assert normalise_contact("123456") is None
    assert normalise_contact("+" + "1" * 15) == "+" + "1" * 15
    assert normalise_contact("+" + "1" * 16) is None
    assert normalise_contact("a" * 250 + "@b.co") is None  # longer than an e-mail address can be


# ---- name and preferred time -----------------------------------------------------------------

def test_names_are_bounded_and_control_characters_removed():
    validator = ValidateHandoffForm()
    tracker = make_tracker("x", "inform")
    long = validator.validate_contact_name("A" * 5000, CollectingDispatcher(), tracker, {})
    assert len(long["contact_name"]) == MAX_NAME_LENGTH == 100
    dirty = validator.validate_contact_name("Ann\x00\x1b[31m\u202eMarie\r\n\tSmith\x7f", CollectingDispatcher(),
                                            tracker, {})
    name = dirty["contact_name"]
    assert all(ch.isprintable() for ch in name)
    assert "\x1b" not in name and "\n" not in name and "\u202e" not in name
    assert name.startswith("Ann") and name.endswith("Smith") and "Marie" in name


def test_an_empty_name_is_asked_again():
    dispatcher = CollectingDispatcher()
    result = ValidateHandoffForm().validate_contact_name(" \x00 \n", dispatcher, make_tracker("x", "inform"), {})
    assert result == {"contact_name": None}
    assert "name" in texts(dispatcher)[0]


def test_preferred_time_is_cleaned_and_defaults_to_any_time():
    validator = ValidateHandoffForm()
    tracker = make_tracker("x", "inform")
    assert validator.validate_preferred_time("  mornings\n please ", CollectingDispatcher(), tracker, {}) == \
        {"preferred_time": "mornings please"}
    assert validator.validate_preferred_time("\x00", CollectingDispatcher(), tracker, {}) == \
        {"preferred_time": "any time"}
    assert len(validator.validate_preferred_time("x" * 999, CollectingDispatcher(), tracker, {})
               ["preferred_time"]) == 100


# ---- creating the ticket ---------------------------------------------------------------------

def test_with_consent_a_ticket_row_is_written(db_path, clinic_config):
    before = datetime.now(timezone.utc)
    dispatcher, events = create_ticket(form_slots(escalation_question=INJECTION), sender_id="conv-77")
    [row] = rows(db_path)
    assert row["reason"] == "cold_sores"
    assert row["question"] == INJECTION  # stored verbatim, as data
    assert row["conversation_id"] == "conv-77"
    assert row["contact_name"] == "Ann Smith"
    assert row["contact_detail"] == "+15551234567"
    assert row["preferred_time"] == "mornings"
    assert row["status"] == "open"
    assert row["urgent"] == 0 and row["notified"] == 0
    created = datetime.fromisoformat(row["created_at"]).replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=5) <= created <= datetime.now(timezone.utc) + timedelta(seconds=5)
    # The injected SQL did nothing: the table is still there and holds just this row.
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from handoff_tickets").fetchone()[0] == 1

    reference = row["reference"]
    reply = all_text(dispatcher)
    assert reference in reply
    assert "Ann Smith" in reply and "mornings" in reply
    assert clinic_config["follow_up_time"] in reply
    [marker] = markers(dispatcher)
    assert marker["ticket"] == reference
    assert (marker["reason"], marker["urgent"]) == ("cold_sores", False)

    slots = slot_events(events)
    assert slots["handoff_ticket"] == reference
    assert all(slots[name] is None for name in REQUEST_SLOTS)  # the form can be filled again later


def test_an_urgent_triage_makes_an_urgent_ticket(db_path):
    dispatcher, _ = create_ticket(form_slots(escalation_reason="allergic_reaction", escalation_urgent=True,
                                             escalation_question="my lips are swelling"))
    [row] = rows(db_path)
    assert (row["reason"], row["urgent"], row["question"]) == ("allergic_reaction", 1, "my lips are swelling")
    [marker] = markers(dispatcher)
    assert marker["urgent"] is True and marker["ticket"] == row["reference"]


def test_a_plain_request_for_a_clinician_is_filed_as_a_visitor_request(db_path):
    create_ticket(form_slots(escalation_reason=None, escalation_question=None, escalation_urgent=None))
    [row] = rows(db_path)
    assert row["reason"] == "visitor_request"
    assert row["urgent"] == 0
    assert row["question"] == "(asked to speak to a clinician)"


def test_without_consent_nothing_is_written(db_path, clinic_config):
    dispatcher, events = create_ticket(form_slots(contact_consent=False))
    assert rows(db_path) == []
    reply = all_text(dispatcher)
    assert "won't pass on your details" in reply
    assert clinic_config["phone"] in reply
    assert markers(dispatcher) == []
    assert "handoff_ticket" not in slot_events(events)
    assert all(slot_events(events)[name] is None for name in REQUEST_SLOTS)


def test_references_differ_between_tickets(db_path):
    first, _ = create_ticket(form_slots())
    second, _ = create_ticket(form_slots())
    refs = [r["reference"] for r in rows(db_path)]
    assert len(refs) == 2 and refs[0] != refs[1]
    assert markers(first)[0]["ticket"] == refs[0] and markers(second)[0]["ticket"] == refs[1]


def test_escalation_context_does_not_leak_into_a_later_request(db_path):
    """Regression (fixed): after a ticket was created
    only the form slots are reset; escalation_reason / escalation_question / escalation_urgent
    keep their values (and domain.yml carries slots over to new sessions). A later, unrelated
    "can I talk to a clinician?" is then filed as the OLD reason, with the OLD question and as
    URGENT, and staff get a second "URGENT ... allergic reaction" notification.
    """
    slots = form_slots(escalation_reason="allergic_reaction", escalation_urgent=True,
                       escalation_question="my lips are swelling")
    _, events = create_ticket(slots)
    slots.update(slot_events(events))  # what the tracker holds afterwards
    # Days later: "I'd like to talk to someone about booking" -> request_clinician -> the form again.
    slots.update(contact_name="Ann Smith", contact_detail="+15551234567", preferred_time="any time",
                 contact_consent=True)
    create_ticket(slots)
    first, second = rows(db_path)
    assert first["reason"] == "allergic_reaction"
    assert (second["reason"], second["urgent"]) == ("visitor_request", 0), second
    assert second["question"] != "my lips are swelling"


# ---- when the database fails -----------------------------------------------------------------

class ExplodingStore(TicketStore):
    def create(self, **kwargs):
        raise sa.exc.OperationalError("INSERT INTO handoff_tickets", {}, Exception("database is locked"))


def assert_kept_in_spool_and_told_to_call(dispatcher, spool_path, clinic_config, caplog, slots):
    reply = all_text(dispatcher)
    assert clinic_config["phone"] in reply and clinic_config["hours"] in reply
    assert "couldn't register" in reply
    assert markers(dispatcher) == []  # no ticket reference to show
    lines = spool_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    kept = json.loads(lines[0])
    assert kept["contact_detail"] == slots["contact_detail"]
    assert kept["contact_name"] == slots["contact_name"]
    assert kept["question"] == slots["escalation_question"]
    assert kept["reason"] == slots["escalation_reason"]
    assert kept["conversation_id"] == "conv-handoff-1"
    assert kept["failed_at"]
    assert stat.S_IMODE(os.stat(spool_path).st_mode) == 0o600  # staff only
    # Something is logged for staff, but none of the visitor's personal details.
    assert any(record.levelno >= logging.ERROR for record in caplog.records)
    assert slots["contact_detail"] not in caplog.text
    assert slots["contact_name"] not in caplog.text
    assert slots["escalation_question"] not in caplog.text


def test_an_unusable_database_url_keeps_the_request_and_gives_the_phone(tmp_path, monkeypatch, spool_path,
                                                                       clinic_config, caplog):
    caplog.set_level(logging.DEBUG)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{blocker}/handoff.db")
    slots = form_slots(contact_detail="ann.private@example.com", escalation_question=INJECTION)
    dispatcher, events = create_ticket(slots)
    assert_kept_in_spool_and_told_to_call(dispatcher, spool_path, clinic_config, caplog, slots)
    assert "handoff_ticket" not in slot_events(events)


def test_a_store_that_refuses_the_insert_keeps_the_request(isolated_db, db_path, spool_path, clinic_config,
                                                            caplog):
    caplog.set_level(logging.DEBUG)
    slots = form_slots(contact_detail="+447700900123")
    dispatcher, _ = create_ticket(slots, action=ActionCreateHandoffTicket(store=ExplodingStore(isolated_db),
                                                                          notify=False))
    assert_kept_in_spool_and_told_to_call(dispatcher, spool_path, clinic_config, caplog, slots)
    assert rows(db_path) == []


def test_each_refused_request_is_appended_to_the_spool(isolated_db, spool_path):
    action = ActionCreateHandoffTicket(store=ExplodingStore(isolated_db), notify=False)
    create_ticket(form_slots(contact_name="First"), action=action)
    create_ticket(form_slots(contact_name="Second"), action=action)
    kept = [json.loads(line) for line in spool_path.read_text(encoding="utf-8").splitlines()]
    assert [k["contact_name"] for k in kept] == ["First", "Second"]


# ---- staff notification after the ticket -----------------------------------------------------

def test_staff_are_notified_in_the_background(monkeypatch, webhook_server, isolated_db):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook_server.url)
    store = TicketStore(isolated_db)
    dispatcher, _ = create_ticket(form_slots(contact_detail="ann.private@example.com"),
                                  action=ActionCreateHandoffTicket(store=store, notify=True))
    reference = markers(dispatcher)[0]["ticket"]
    assert wait_until(lambda: store.get(reference).notified), store.get(reference)
    [request] = webhook_server.received
    assert reference in request["body"]
    assert "ann.private@example.com" not in request["body"]


def test_action_names_are_declared_in_the_domain(domain):
    assert ActionCreateHandoffTicket().name() in domain["actions"]
    assert ValidateHandoffForm().name() in domain["actions"]
    assert set(domain["forms"]["handoff_form"]["required_slots"]) <= set(REQUEST_SLOTS)
    assert set(REQUEST_SLOTS) <= set(domain["slots"])
    assert handoff.MAX_CONTACT_ATTEMPTS == 3


def test_a_visitor_who_asks_for_a_person_also_gets_the_clinic_phone_before_the_first_question(clinic_config):
    dispatcher, _ = run_action(ActionAskContactName(), make_tracker("can I just ring someone?", "request_clinician"))
    assert clinic_config["phone"] in all_text(dispatcher)
    assert responses(dispatcher) == ["utter_ask_contact_name"]


def test_after_an_escalation_the_first_question_comes_alone():
    dispatcher, _ = run_action(ActionAskContactName(), make_tracker("yes please", "affirm"))
    assert texts(dispatcher) == [] and responses(dispatcher) == ["utter_ask_contact_name"]
