"""Conversations in the browser: the list's filters, a transcript with intents and confidences,
and a visitor's markup shown as text."""
from __future__ import annotations

import re
import secrets
import time

from playwright.sync_api import Page, expect

from tests.console.tracker_fixtures import action, escalation, reply, start, visitor, write

MARKUP = "<img src=x onerror=alert(1)>"


def open_fresh(page: Page, url: str, wanted: str, attempts: int = 12) -> None:
    """Opens `url` until `wanted` shows: the console folds new tracker events in at most every 2 s."""
    for _ in range(attempts):
        page.goto(url)
        if page.get_by_text(wanted, exact=False).count():
            return
        time.sleep(0.5)
    expect(page.get_by_text(wanted, exact=False).first).to_be_visible()


def test_a_transcript_shows_each_messages_intent_and_confidence(console, page, sign_in) -> None:
    sender = f"visitor-{secrets.token_hex(3)}"
    now = time.time() - 60
    write(console.directory / "tracker.db", sender, start(now) + [
        visitor("does it hurt much?", "ask_during_treatment", 0.93, now + 1),
        reply("Most people feel mild discomfort; numbing cream helps.", now + 2,
              buttons=[{"title": "Side effects and risks", "payload": "/ask_risks"}]),
        visitor("my skin is oozing yellow pus", "report_red_flag", 1.0, now + 3),
        action("action_triage_red_flag", now + 4),
        reply("Please call the clinic now.", now + 5),
        escalation("infection_signs", True, now + 6),
    ])
    sign_in(page, "staff")
    open_fresh(page, "/conversations", sender)
    page.get_by_role("link", name=sender).click()
    expect(page).to_have_url(re.compile(rf"/conversations/{sender}$"))

    visitor_lines = page.locator("ol.transcript li.visitor")
    expect(visitor_lines).to_have_count(2)
    expect(visitor_lines.nth(0)).to_contain_text("does it hurt much?")
    expect(visitor_lines.nth(0).locator(".intent")).to_have_text("ask_during_treatment")
    expect(visitor_lines.nth(0).locator(".confidence")).to_have_text("0.93")
    expect(visitor_lines.nth(1).locator(".intent")).to_have_text("report_red_flag")
    expect(visitor_lines.nth(1).locator(".confidence")).to_have_text("1.00")
    replies = page.locator("ol.transcript li.assistant")
    expect(replies.nth(0)).to_contain_text("numbing cream helps")
    expect(replies.nth(0)).to_contain_text("[Side effects and risks]")
    expect(page.locator(".badge.escalation")).to_have_text("Escalation (urgent): infection signs")


def test_a_visitors_markup_is_shown_as_text_and_never_runs(console, page, sign_in) -> None:
    sender = f"xss-{secrets.token_hex(3)}"
    now = time.time() - 30
    write(console.directory / "tracker.db", sender, start(now) + [
        visitor(MARKUP, "nlu_fallback", 0.2, now + 1),
        visitor(f"<b>bold?</b> {MARKUP}", "ask_sessions", 0.7, now + 2),
    ])
    sign_in(page, "staff")
    open_fresh(page, "/conversations", sender)
    page.get_by_role("link", name=sender).click()
    transcript = page.locator("ol.transcript")
    expect(transcript.locator("li.visitor .message").nth(0)).to_have_text(MARKUP)
    expect(transcript.locator("li.visitor .message").nth(1)).to_have_text(f"<b>bold?</b> {MARKUP}")
    expect(transcript.locator("img")).to_have_count(0)
    expect(transcript.locator("b")).to_have_count(0)
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert page.dialogs == []


def test_filters_narrow_the_list_and_a_bad_filter_is_explained(console, page, sign_in) -> None:
    urgent, plain, unsure = (f"{kind}-{secrets.token_hex(3)}" for kind in ("urgent", "plain", "unsure"))
    now = time.time() - 20
    path = console.directory / "tracker.db"
    write(path, urgent, start(now) + [visitor("lips swelling", "report_red_flag", 1.0, now + 1),
                                      escalation("allergic_reaction", True, now + 2)])
    write(path, plain, start(now) + [visitor("what is it", "ask_what_is", 0.97, now + 1)])
    write(path, unsure, start(now) + [visitor("the pen thing", "ask_devices", 0.31, now + 1)])
    sign_in(page, "staff")
    open_fresh(page, "/conversations", unsure)

    page.get_by_label("Urgent").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"urgent=1"))
    expect(page.get_by_role("link", name=urgent)).to_be_visible()
    expect(page.get_by_role("link", name=plain)).to_have_count(0)

    page.goto("/conversations?fell_back=1")
    expect(page.get_by_role("link", name=unsure)).to_be_visible()  # low confidence counts
    expect(page.get_by_role("link", name=plain)).to_have_count(0)

    response = page.goto("/conversations?from=14-03-2025&urgent=maybe")
    assert response.status == 400
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("From must be a date written YYYY-MM-DD")
    expect(alert).to_contain_text("Urgent: use the checkbox")


def test_an_unknown_conversation_is_a_404_page(console, page, sign_in) -> None:
    sign_in(page, "staff")
    response = page.goto("/conversations/no-such-visitor")
    assert response.status == 404
    expect(page.get_by_role("heading", name="No such conversation")).to_be_visible()


def test_anonymous_visitors_are_sent_to_sign_in(console, page) -> None:
    page.goto("/conversations")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fconversations|/login\?next=/conversations"))
