"""The follow-ups inbox over real HTTP, on the same database the tickets CLI uses."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from actions.tickets import TicketStore
from console import audit
from tests.console.support import (ROOT, Client, ConsoleServer, Webhook, add_conversation, console_env, free_port,
                                   make_account)


@pytest.fixture
def store(settings) -> TicketStore:
    return TicketStore(settings.database_url)


def make_ticket(store, **overrides):
    values = dict(reason="isotretinoin", urgent=False, question="I'm on accutane, can I book?",
                  conversation_id=f"conv-{time.monotonic_ns()}", contact_name="Ann Smith",
                  contact_detail="ann@example.com", preferred_time="mornings")
    values.update(overrides)
    ticket = store.create(**values)
    time.sleep(0.01)  # distinct creation times: "oldest first" is well defined
    return ticket


def references_in(page: str):
    return re.findall(r'data-reference="(MN-[A-Z0-9]{6})"', page)


def test_open_follow_ups_are_urgent_first_then_oldest_first(signed_in, store):
    old = make_ticket(store)
    urgent_new = make_ticket(store, reason="allergic_reaction", urgent=True)
    new = make_ticket(store)
    urgent_newer = make_ticket(store, reason="infection_signs", urgent=True)
    done = make_ticket(store)
    store.resolve(done.reference, note="called")
    listed = [r for r in references_in(signed_in("staff").get("/inbox").text)
              if r in {old.reference, urgent_new.reference, new.reference, urgent_newer.reference, done.reference}]
    assert listed == [urgent_new.reference, urgent_newer.reference, old.reference, new.reference]


def test_the_resolved_filter_lists_only_resolved_follow_ups(signed_in, store):
    open_ticket, done = make_ticket(store), make_ticket(store)
    store.resolve(done.reference, note="called back")
    listed = references_in(signed_in("staff").get("/inbox?status=resolved").text)
    assert done.reference in listed and open_ticket.reference not in listed


def test_an_unknown_filter_gets_a_400_page(signed_in):
    response = signed_in("staff").get("/inbox?status=<script>")
    assert response.status_code == 400 and "Unknown filter" in response.text and "<script>" not in response.text


def test_a_row_shows_the_question_as_written_but_no_contact_details(signed_in, store):
    ticket = make_ticket(store, urgent=True, question="<b>is it</b> safe & ok?", contact_detail="secret@example.com")
    page = signed_in("staff").get("/inbox").text
    row = page[page.index(f'data-reference="{ticket.reference}"'):]
    row = row[:row.index("</tr>")]
    assert "&lt;b&gt;is it&lt;/b&gt; safe &amp; ok?" in row
    assert "Urgent" in row and "not notified" in row and "isotretinoin" in row
    assert "secret@example.com" not in page


def test_the_ticket_page_shows_everything_and_records_the_view(signed_in, store, settings):
    ticket = make_ticket(store, contact_name="Bea <Jones>", contact_detail="bea@example.com")
    add_conversation(settings_path(settings), ticket.conversation_id,
                     [("user", "I'm on accutane"), ("bot", "A clinician should look at that."),
                      ("user", "<img src=x onerror=alert(1)>")])
    staff = signed_in("staff")
    page = staff.get(f"/inbox/{ticket.reference.lower()}")
    assert page.status_code == 200
    for expected in (ticket.reference, "isotretinoin", "Bea &lt;Jones&gt;", "bea@example.com", "mornings",
                     ticket.conversation_id, "no (0 attempts)"):
        assert expected in page.text, expected
    transcript = page.text[page.text.index('<ol class="transcript">'):]
    assert transcript.index("I&#39;m on accutane") < transcript.index("A clinician should") \
        < transcript.index("&lt;img src=x onerror=alert(1)&gt;")
    assert "<img src=x" not in page.text
    latest = audit.entries(settings, limit=1)[0]
    assert (latest.actor, latest.action, latest.subject) == (staff.email, "viewed contact details", ticket.reference)


def settings_path(settings):
    from pathlib import Path
    return Path(settings.tracker_url[len("sqlite:///"):])


@pytest.mark.parametrize("reference", ["MN-ZZZZZZ", "not-a-ref", "MN-" + "A" * 300])
def test_an_unknown_reference_is_a_404_page(signed_in, reference):
    response = signed_in("staff").get(f"/inbox/{reference}")
    assert response.status_code == 404 and "No such follow-up" in response.text


def test_resolving_with_a_note_is_seen_by_the_cli(signed_in, store, settings):
    ticket = make_ticket(store)
    staff = signed_in("staff")
    staff.get(f"/inbox/{ticket.reference}")
    response = staff.post(f"/inbox/{ticket.reference}/resolve", {"note": "Called back; booked a consultation."})
    assert response.status_code == 303
    page = staff.get(response.headers["Location"]).text
    assert "The follow-up is resolved." in page and "Called back; booked a consultation." in page
    cli = subprocess.run([sys.executable, "-m", "actions.staff_tickets", "show", ticket.reference], cwd=ROOT,
                         env=console_env(settings_path(settings).parent), capture_output=True, text=True, check=True)
    assert "status:          resolved" in cli.stdout
    assert "resolution note: Called back; booked a consultation." in cli.stdout
    assert any(e.action == "resolved follow-up" and e.subject == ticket.reference and e.actor == staff.email
               for e in audit.entries(settings, limit=5))


def test_resolving_needs_a_note(signed_in, store):
    ticket = make_ticket(store)
    staff = signed_in("staff")
    staff.get(f"/inbox/{ticket.reference}")
    response = staff.post(f"/inbox/{ticket.reference}/resolve", {"note": "   "})
    assert response.status_code == 400 and "Write a short note" in response.text
    assert store.get(ticket.reference).status == "open"


def test_a_ticket_resolved_by_the_cli_is_shown_resolved(signed_in, store, settings):
    ticket = make_ticket(store)
    subprocess.run([sys.executable, "-m", "actions.staff_tickets", "resolve", ticket.reference, "--note", "phoned"],
                   cwd=ROOT, env=console_env(settings_path(settings).parent), check=True, capture_output=True)
    staff = signed_in("staff")
    page = staff.get(f"/inbox/{ticket.reference}").text
    assert "phoned" in page and 'action="/inbox/%s/resolve"' % ticket.reference not in page
    again = staff.post(f"/inbox/{ticket.reference}/resolve", {"note": "twice"})
    assert again.headers["Location"].endswith("done=already-resolved")
    assert store.get(ticket.reference).resolution_note == "phoned"


def test_a_failed_notification_can_be_re_sent(signed_in, store):
    ticket = make_ticket(store)
    store.record_notification(ticket.reference, ok=False, error="HTTP 500")
    staff = signed_in("staff")
    page = staff.get(f"/inbox/{ticket.reference}").text
    assert "last error: HTTP 500" in page and "Re-send notification" in page
    # The console server has no HANDOFF_WEBHOOK_URL: the re-send fails and says so, recorded on the ticket.
    response = staff.post(f"/inbox/{ticket.reference}/notify")
    assert response.headers["Location"].endswith("done=notify-failed")
    page = staff.get(response.headers["Location"]).text
    assert "could not be delivered" in page and "HANDOFF_WEBHOOK_URL is not set" in page
    assert store.get(ticket.reference).notify_attempts == 2


def test_the_ticket_page_shows_a_short_reason_not_the_raw_notification_error(signed_in, store):
    ticket = make_ticket(store)
    raw = ("HTTPSConnectionPool(host='hooks.example.com', port=443): Max retries exceeded with url: "
           "/services/T0ABC123/B0DEF456/s3cretW3bhookPath?token=xoxb-1234-abcd https://hooks.example.com/x/y?key=k3y9")
    store.record_notification(ticket.reference, ok=False, error=raw)
    page = signed_in("staff").get(f"/inbox/{ticket.reference}").text
    reason = re.search(r'id="notified">([^<]*)<', page).group(1)
    assert "last error: HTTPSConnectionPool" in reason and len(reason) < 140
    for secret in ("T0ABC123", "s3cretW3bhookPath", "xoxb", "/services", "hooks.example.com/x", "k3y9"):
        assert secret not in page
    assert "token" not in reason and "https://" not in reason
    assert store.get(ticket.reference).last_notify_error == raw  # the CLI still has all of it


@pytest.mark.parametrize("raw, shown", [
    ("HTTP 500", "HTTP 500"), ("ConnectionError", "ConnectionError"),
    ("HANDOFF_WEBHOOK_URL is not set", "HANDOFF_WEBHOOK_URL is not set"),
    ("posting to https://hooks.example.com/abc failed", "posting to [removed] failed"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Authorization [removed] [removed]"),
    ("bad secret=hunter2 given", "bad secret [removed] given"),
    ("line one\nline two", "line one line two"), ("x" * 200, "x" * 79 + "…"), (None, ""),
])
def test_a_notification_error_is_shortened_and_sanitised(raw, shown):
    from console.inbox import notify_reason
    assert notify_reason(raw) == shown


def test_a_re_sent_notification_reaches_the_webhook(tmp_path):
    webhook = Webhook()
    server = ConsoleServer(tmp_path, free_port(), extra_env={"HANDOFF_WEBHOOK_URL": webhook.url}).start()
    try:
        ticket = make_ticket(TicketStore(server.settings.database_url), urgent=True, reason="infection_signs")
        staff = Client(server.url)
        staff.sign_in(*make_account(server.settings, "staff"))
        staff.get(f"/inbox/{ticket.reference}")
        response = staff.post(f"/inbox/{ticket.reference}/notify")
        assert response.headers["Location"].endswith("done=notified")
        assert [message["ticket"]["reference"] for message in webhook.received] == [ticket.reference]
        page = staff.get(response.headers["Location"]).text
        assert "re-sent and delivered" in page and "yes (1 attempts)" in page
        assert "Re-send notification" not in page
    finally:
        server.stop()
        webhook.stop()


def test_a_tickets_database_from_before_resolution_notes_is_upgraded(tmp_path):
    import sqlite3
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the table as the first release created it
        db.execute("CREATE TABLE handoff_tickets (id INTEGER PRIMARY KEY, reference VARCHAR(16) NOT NULL UNIQUE, "
                   "reason VARCHAR(64) NOT NULL, urgent BOOLEAN NOT NULL, question TEXT NOT NULL, "
                   "conversation_id VARCHAR(255) NOT NULL, contact_name VARCHAR(100) NOT NULL, "
                   "contact_detail VARCHAR(254) NOT NULL, preferred_time VARCHAR(100) NOT NULL, "
                   "created_at DATETIME NOT NULL, status VARCHAR(16) NOT NULL, notified BOOLEAN NOT NULL, "
                   "notify_attempts INTEGER NOT NULL, last_notify_error VARCHAR(500), resolved_at DATETIME)")
        db.execute("INSERT INTO handoff_tickets VALUES (1, 'MN-OLD234', 'isotretinoin', 0, 'q', 'c', 'n', 'd', 'p', "
                   "'2024-01-02 03:04:05', 'open', 0, 0, NULL, NULL)")
    store = TicketStore(f"sqlite:///{path}")
    TicketStore(f"sqlite:///{path}")  # a second start finds the column and changes nothing
    assert store.get("MN-OLD234").resolution_note is None
    assert store.resolve("MN-OLD234", note="done by phone")
    assert store.get("MN-OLD234").resolution_note == "done by phone"
