"""The follow-ups inbox in Chromium: a ticket resolved with a note, and the audit log of contact views."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from actions.tickets import TicketStore
from tests.console.support import add_conversation


def make_ticket(console, **overrides):
    values = dict(reason="infection_signs", urgent=True, question="My skin is hot and weeping <b>since</b> Tuesday",
                  conversation_id="browser-conv-1", contact_name="Cara Doyle", contact_detail="cara@example.com",
                  preferred_time="after 5pm")
    values.update(overrides)
    return TicketStore(console.settings.database_url).create(**values)


def test_staff_resolve_a_follow_up_with_a_note(page, sign_in, console, screenshot_dir):
    ticket = make_ticket(console, conversation_id="browser-resolve")
    add_conversation(console.directory / "tracker.db", "browser-resolve",
                     [("user", "My skin is hot and weeping since Tuesday"),
                      ("bot", "That needs a clinician's eyes. Can I take your details?")])
    sign_in(page, "staff")
    row = page.locator(f'tr[data-reference="{ticket.reference}"]')
    expect(row).to_contain_text("Urgent")
    expect(row).to_contain_text("My skin is hot and weeping <b>since</b> Tuesday")  # as written, as text
    expect(page.get_by_text("cara@example.com")).to_have_count(0)  # contact details only on the ticket page
    page.screenshot(path=str(screenshot_dir / "console-inbox.png"), full_page=True)

    row.get_by_role("link", name=ticket.reference).click()
    expect(page.locator("#contact-detail")).to_have_text("cara@example.com")
    transcript = page.locator("ol.transcript li")
    expect(transcript).to_have_count(2)
    expect(transcript.nth(0)).to_contain_text("Visitor")
    expect(transcript.nth(1)).to_contain_text("That needs a clinician's eyes.")

    page.get_by_label("What was done").fill("Phoned Cara; seen by the nurse the same evening.")
    page.get_by_role("button", name="Resolve follow-up").click()
    expect(page.get_by_role("status")).to_have_text("The follow-up is resolved.")
    expect(page.locator("#resolution-note")).to_have_text("Phoned Cara; seen by the nurse the same evening.")
    assert TicketStore(console.settings.database_url).get(ticket.reference).status == "resolved"

    page.goto("/inbox")
    expect(page.locator(f'tr[data-reference="{ticket.reference}"]')).to_have_count(0)
    page.get_by_role("link", name="Resolved").click()
    expect(page.locator(f'tr[data-reference="{ticket.reference}"]')).to_contain_text("resolved")


def test_the_audit_log_records_a_view_of_contact_details(new_page, sign_in, console):
    ticket = make_ticket(console, urgent=False, reason="isotretinoin", conversation_id="browser-audit")
    staff = sign_in(new_page(), "staff")
    staff.goto(f"/inbox/{ticket.reference}")
    expect(staff.locator("#contact-detail")).to_have_text("cara@example.com")

    admin = sign_in(new_page(), "admin")
    admin.get_by_role("navigation", name="Console").get_by_role("link", name="Audit log").click()
    first_view = admin.locator("table.audit tbody tr", has_text="viewed contact details").first
    expect(first_view).to_contain_text(staff.account_email)
    expect(first_view).to_contain_text(ticket.reference)
    expect(first_view.locator("td").first).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"))
