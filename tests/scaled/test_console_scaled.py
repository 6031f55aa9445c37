"""The staff console in the scaled run: served through nginx on a front of its own (never the
visitors' port), on the PostgreSQL database the Rasa processes and the action server use.

Run by `make test-scaled` (scripts/scaled.sh exec sets BOT_URL, CONSOLE_URL and SCALED_DB_URL).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import uuid
from pathlib import Path

import pytest
import requests

from console import accounts
from console.settings import Settings
from tests.console.support import Client, make_account

ROOT = Path(__file__).resolve().parents[2]
BOT_URL = os.environ.get("BOT_URL", "http://localhost:8090").rstrip("/")
CONSOLE_URL = os.environ.get("CONSOLE_URL", "").rstrip("/")
DB_URL = os.environ.get("SCALED_DB_URL", "")


@pytest.fixture(scope="module")
def settings() -> Settings:
    if not (CONSOLE_URL and DB_URL):
        pytest.fail("CONSOLE_URL / SCALED_DB_URL not set: run with `make test-scaled`", pytrace=False)
    return Settings(database_url=DB_URL, tracker_url=DB_URL, guide_path=ROOT / "guide" / "microneedling-guide.txt")


@pytest.fixture
def staff_client(settings):
    email, password = make_account(settings, "staff")
    client = Client(CONSOLE_URL)
    assert client.sign_in(email, password).status_code == 303
    yield client
    with contextlib.redirect_stdout(io.StringIO()):
        accounts.main(["disable", email], settings=settings)


def test_the_console_is_not_reachable_on_the_visitors_port(settings):
    assert requests.get(f"{CONSOLE_URL}/login", timeout=10).status_code == 200
    for path in ("/login", "/inbox", "/conversations", "/review"):
        response = requests.get(f"{BOT_URL}{path}", timeout=10, allow_redirects=False)
        assert "console_login_csrf" not in response.headers.get("Set-Cookie", ""), path
        assert "Sign in" not in response.text, path


def test_a_scaled_conversation_reaches_the_inbox_and_the_transcript(settings, staff_client):
    sender = f"scaled-console-{uuid.uuid4().hex[:10]}"

    def say(message: str) -> str:
        replies = requests.post(f"{BOT_URL}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                                timeout=60).json()
        return " ".join(r.get("text") or "" for r in replies)

    assert "clinician" in say("I'm pregnant, can I have microneedling for melasma?")
    for answer in ("yes", "Ada Stone", "ada.stone@example.com", "afternoons"):
        say(answer)
    reference = re.search(r"MN-[A-Z0-9]{6}", say("yes")).group(0)

    inbox = staff_client.get("/inbox")
    assert inbox.status_code == 200 and reference in inbox.text
    transcript = staff_client.get(f"/conversations/{sender}")
    assert transcript.status_code == 200
    assert "I&#39;m pregnant, can I have microneedling for melasma?" in transcript.text
    assert "report_contraindication" in transcript.text  # the intent beside the visitor's message
