"""The whole follow-up loop: a visitor's conversation through the REST webhook creates a ticket, and
staff resolve it in the console that `scripts/bot.sh exec` started beside the assistant (the same
tickets database and tracker store as the action server and Rasa).

Needs the running assistant (BOT_URL) and its console (CONSOLE_URL): `make test-live` provides both.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from actions.tickets import TicketStore
from console import accounts as console_accounts
from console.settings import Settings
from tests.console.support import make_account

BOT_URL = os.environ.get("BOT_URL", "http://localhost:5005").rstrip("/")
CONSOLE_URL = os.environ.get("CONSOLE_URL", "").rstrip("/")
QUESTION = "I'm on accutane at the moment <b>and</b> I'd like my acne scars done, is that ok?"


@pytest.fixture
def live_console():
    if not CONSOLE_URL:
        pytest.fail("CONSOLE_URL is not set: run these tests with `make test-live` "
                    "(scripts/bot.sh exec starts the assistant and its console)", pytrace=False)
    settings = Settings.from_env()  # the databases bot.sh's action server and console use
    accounts = []

    def account(role: str):
        email, password = make_account(settings, role)
        accounts.append(email)
        return email, password

    yield settings, account
    # The test's accounts cannot sign in afterwards; they stay, as the audit log refers to them.
    for email in accounts:
        with contextlib.redirect_stdout(io.StringIO()):
            assert console_accounts.main(["disable", email], settings=settings) == 0


def visitor_asks_for_a_call_back(sender: str) -> str:
    def say(message: str) -> str:
        response = requests.post(f"{BOT_URL}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                                 timeout=30)
        assert response.status_code == 200, response.text
        return " ".join(m.get("text") or "" for m in response.json())

    assert "clinician" in say(QUESTION)
    for answer in ("yes please", "Robin Vale", "robin.vale@example.com", "weekday mornings"):
        say(answer)
    done = say("yes")
    return re.search(r"MN-[A-Z0-9]{6}", done).group(0)


def test_a_ticket_from_a_real_conversation_is_resolved_in_the_console(new_page, live_console):
    settings, account = live_console
    sender = f"console-live-{uuid.uuid4().hex[:12]}"
    reference = visitor_asks_for_a_call_back(sender)

    email, password = account("staff")
    page = new_page()
    page.goto(f"{CONSOLE_URL}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    row = page.locator(f'tr[data-reference="{reference}"]')
    expect(row).to_contain_text(QUESTION)  # the question as the visitor wrote it, markup as text

    row.get_by_role("link", name=reference).click()
    expect(page.locator("#contact-detail")).to_have_text("robin.vale@example.com")
    expect(page.locator("ol.transcript")).to_contain_text("Robin Vale")  # the conversation that led to it
    page.get_by_label("What was done").fill("Called Robin back; booked a consultation with the doctor.")
    page.get_by_role("button", name="Resolve follow-up").click()
    expect(page.get_by_role("status")).to_have_text("The follow-up is resolved.")

    ticket = TicketStore(settings.database_url).get(reference)
    assert (ticket.status, ticket.conversation_id) == ("resolved", sender)
