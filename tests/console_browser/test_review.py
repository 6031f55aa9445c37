"""The review sheet in a real browser: a clinician signs off an answer, a later change of its text
shows as changed, and staff can read the sheet but not sign anything off.

The answer's text is changed through the test-only override file (console/answers.py,
CONSOLE_ANSWER_OVERRIDES), never by editing domain.yml. The variable is set when this module is
imported, before the session's console starts, and the file is written only while a test needs it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from console.answers import OVERRIDES_ENV

OVERRIDES = Path(tempfile.gettempdir()) / f"console-answer-overrides-{os.getpid()}.yml"
os.environ.setdefault(OVERRIDES_ENV, str(OVERRIDES))
ANSWER = "utter_aftercare"
NEW_TEXT = "Afterwards, rinse with cool water only and skip sunscreen for a week."


@pytest.fixture()
def changed_aftercare() -> Iterator[None]:
    """utter_aftercare with a new wording, for the duration of one test."""
    overrides = Path(os.environ[OVERRIDES_ENV])
    overrides.write_text(f'{ANSWER}:\n  - text: "{NEW_TEXT}"\n', encoding="utf-8")
    try:
        yield
    finally:
        overrides.unlink(missing_ok=True)


def answer_card(page: Page, name: str):
    return page.locator(f'article[data-answer="{name}"]')


def csrf_token(page: Page) -> str:
    return page.locator('input[name="csrf_token"]').first.input_value()


def test_clinician_signs_off_an_answer(sign_in, page: Page):
    page = sign_in(page, "clinician")
    clinician = page.account_email
    page.goto("/review?show=unsigned")
    card = answer_card(page, ANSWER)
    expect(card).to_contain_text("Not signed off")
    expect(card).to_contain_text("Use gentle cleansers, broad-spectrum sunscreen")  # its guide source
    card.get_by_role("button", name="Sign off this text").click()

    expect(page.get_by_role("status")).to_contain_text(ANSWER)
    expect(answer_card(page, ANSWER)).to_have_count(0)  # still on "not signed off": it has left the list
    page.goto("/review")
    card = answer_card(page, ANSWER)
    expect(card).to_contain_text(f"Signed off by {clinician}")
    expect(card.get_by_role("button")).to_have_count(0)  # nothing left to sign


def test_a_signed_answer_whose_text_changed_shows_as_changed(sign_in, page: Page, request):
    page = sign_in(page, "clinician")
    page.goto("/review")
    card = answer_card(page, ANSWER)
    if card.get_by_role("button", name="Sign off this text").count():
        card.get_by_role("button", name="Sign off this text").click()  # run alone: sign it off first
    expect(answer_card(page, ANSWER)).to_contain_text("Signed off by")
    request.getfixturevalue("changed_aftercare")

    page.goto("/review?show=changed")
    card = answer_card(page, ANSWER)
    expect(card).to_contain_text("Changed since sign-off")
    expect(card.locator(".answer-says")).to_contain_text(NEW_TEXT)
    signed = card.locator("details.signed-text")
    signed.locator("summary").click()
    expect(signed).to_contain_text("use a gentle cleanser and a broad-spectrum sunscreen")  # what was approved
    expect(signed).not_to_contain_text(NEW_TEXT)
    expect(answer_card(page, "utter_downtime")).to_have_count(0)  # the filter shows only changed ones

    card.get_by_role("button", name="Sign off the new text").click()
    expect(answer_card(page, ANSWER)).to_have_count(0)  # back on ?show=changed: nothing changed now
    page.goto("/review")
    expect(answer_card(page, ANSWER)).to_contain_text("Signed off by")


def test_staff_can_read_the_sheet_but_not_sign_off(sign_in, page: Page):
    page = sign_in(page, "staff")
    page.goto("/review")
    card = answer_card(page, "utter_who_should_avoid")
    expect(card).to_contain_text("Microneedling should be avoided on active cystic acne")
    expect(page.get_by_role("button", name="Sign off this text")).to_have_count(0)

    hash_of_text = "0" * 64  # a staff member never sees the form; the role is refused before the hash matters
    refused = page.request.post(f"/review/{ANSWER}/sign-off",
                                form={"csrf_token": csrf_token(page), "text_hash": hash_of_text})
    assert refused.status == 403
    assert "Not available to your role" in refused.text()
    page.goto("/review?show=unsigned")
    expect(page.locator("article.answer").first).to_be_visible()


def test_bad_requests_get_a_clear_answer(sign_in, page: Page):
    page = sign_in(page, "clinician")
    answered = page.goto("/review?show=everything")
    assert answered.status == 400
    expect(page.locator("main")).to_contain_text("is not one of them")
    unknown = page.request.post("/review/utter_no_such_answer/sign-off",
                                form={"csrf_token": csrf_token(page), "text_hash": "0" * 64})
    assert unknown.status == 404
    page.goto("/review")
    stale = page.request.post("/review/utter_goodbye/sign-off",
                              form={"csrf_token": csrf_token(page), "text_hash": "0" * 64})
    assert stale.status == 409 and "has changed since the page was loaded" in stale.text()
    # An answer name with "/" in it signs off through its %-encoded URL.
    page.goto("/review?show=unsigned")
    card = answer_card(page, "utter_ask_condition/melasma")
    card.get_by_role("button", name="Sign off this text").click()
    expect(answer_card(page, "utter_ask_condition/melasma")).to_have_count(0)
