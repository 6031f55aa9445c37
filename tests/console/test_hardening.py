"""Defects found in the security review of the console, each pinned by a test over real HTTP:
bad numbers and dates answered with 400 (not 500), contact details kept to the ticket page,
no text of the URL's choosing on the review sheet, the current-password check throttled, a
sign-in over a live session ending it, and undecodable CSRF headers refused."""
from __future__ import annotations

import secrets
import time

import pytest
import sqlalchemy as sa

from console.answers import collect_answers
from console.auth import SESSION_COOKIE, sessions_table, token_hash
from console.db import engine
from tests.console.tracker_fixtures import reply, slot, start, visitor, write


# ------------------------------------------------------------------ bad input: 400, never 500
@pytest.mark.parametrize("path", [
    "/audit?page=%C2%B2",           # "²".isdigit() is True, int("²") raises
    "/audit?page=" + "1" * 5000,    # int() of a 5000-digit string raises (or costs) too
], ids=["superscript-two", "5000-digits"])
def test_an_odd_audit_page_number_is_a_400_page(signed_in, path):
    response = signed_in("admin").get(path)
    assert response.status_code == 400 and "whole number" in response.text


@pytest.mark.parametrize("path", [
    "/conversations?page=%C2%B2",
    "/conversations?page=" + "1" * 5000,
    "/conversations?to=9999-12-31",                 # the day after it is not a date
    "/conversations?from=0001-01-01&to=0001-01-01",
    "/insights?to=0001-01-01",                      # 30 days before it are not dates
    "/insights?from=9999-12-31&to=9999-12-31",
    "/insights/gaps.yaml?to=0001-01-02",
    "/insights/gaps/abc.yaml?from=9999-12-31&to=9999-12-31",
], ids=lambda path: path[:60])
def test_out_of_range_pages_and_days_are_a_400_page(signed_in, path):
    response = signed_in("staff").get(path)
    assert response.status_code == 400, response.text[:300]
    assert "Something went wrong" not in response.text


def test_a_csrf_header_that_is_not_ascii_is_refused_not_a_crash(signed_in):
    staff = signed_in("staff")
    response = staff.http.post(staff.base_url + "/logout", headers={"X-CSRF-Token": b"\xff\xfe"},
                               allow_redirects=False)
    assert response.status_code == 403 and "security token" in response.text
    assert staff.get("/inbox").status_code == 200


# ------------------------------------------------------------------ contact details only on the ticket page
def test_a_transcript_withholds_the_contact_details_given_to_the_handoff_form(console, signed_in, settings):
    sender = f"handoff-{secrets.token_hex(3)}"
    now = time.time() - 60
    write(console.directory / "tracker.db", sender, start(now) + [
        visitor("can a clinician call me?", "request_handoff", 0.97, now + 1),
        reply("What is your name?", now + 2),
        slot("requested_slot", "contact_name", now + 3),
        visitor("Zelda Quist", "nlu_fallback", 0.1, now + 4),
        slot("contact_name", "Zelda Quist", now + 5),
        reply("How can the clinic reach you?", now + 6),
        slot("requested_slot", "contact_detail", now + 7),
        visitor("zelda.quist@example.org", "nlu_fallback", 0.1, now + 8),
        slot("contact_detail", "zelda.quist@example.org", now + 9),
        slot("requested_slot", None, now + 10),
        reply("Thank you, Zelda Quist. Your reference is MN-ABC234.", now + 11),
        visitor("thanks, and does it hurt?", "ask_during_treatment", 0.9, now + 12),
    ])
    page = signed_in("staff").get(f"/conversations/{sender}")
    assert page.status_code == 200
    assert "Zelda" not in page.text and "zelda.quist" not in page.text
    assert "contact details: shown on the follow-up" in page.text
    assert "Thank you, [contact details]. Your reference is MN-ABC234." in page.text
    assert "thanks, and does it hurt?" in page.text  # after the form, messages show again


# ------------------------------------------------------------------ the review sheet
def test_the_review_sheet_does_not_print_a_signed_name_of_the_urls_choosing(signed_in):
    staff = signed_in("staff")
    forged = staff.get("/review?signed=Dr%20Smith%20approved%20everything%3B%20call%20555-0199")
    assert forged.status_code == 200 and "call 555-0199" not in forged.text
    name = collect_answers()[0].name
    real = staff.get("/review", params={"signed": name})
    assert "Signed off: <code>" in real.text


# ------------------------------------------------------------------ sessions and passwords
def test_guesses_at_the_current_password_are_throttled(signed_in):
    staff = signed_in("staff", fresh=True)
    form = {"current_password": "a wrong guess!", "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"}
    for _ in range(5):
        staff.get("/password")
        assert staff.post("/password", form).status_code == 400
    staff.get("/password")
    refused = staff.post("/password", form)
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.text


def test_signing_in_over_a_live_session_ends_it(client, account, settings):
    email, password = account("staff")
    assert client.sign_in(email, password).status_code == 303
    old_token = client.http.cookies[SESSION_COOKIE]
    client.get("/inbox")  # the session's CSRF token
    assert client.post("/login", {"email": email, "password": password}).status_code == 303
    assert client.http.cookies[SESSION_COOKIE] != old_token
    with engine(settings).connect() as conn:
        left = conn.execute(sa.select(sessions_table.c.id)
                            .where(sessions_table.c.token_hash == token_hash(old_token))).first()
    assert left is None
