"""actions.notification: staff are told about tickets through a real HTTP webhook."""
from __future__ import annotations

import socket

import pytest

from action_testkit import no_sleep
from actions import notification
from actions.notification import ATTEMPTS, notify_staff, post_with_retries, staff_message


@pytest.fixture
def ticket(store):
    return store.create(reason="cold_sores", urgent=False,
                        question="I have a cold sore on my lip, can I still come tomorrow?",
                        conversation_id="conv-9", contact_name="Ann Private",
                        contact_detail="ann.private@example.com", preferred_time="afternoons")


def test_a_delivered_notification_marks_the_ticket(store, ticket, webhook_server):
    assert notify_staff(store, ticket, url=webhook_server.url, sleep=no_sleep) is True
    saved = store.get(ticket.reference)
    assert (saved.notified, saved.notify_attempts, saved.last_notify_error) == (True, 1, None)
    [request] = webhook_server.received
    assert request["path"] == "/hooks/staff"
    assert request["headers"]["Content-Type"] == "application/json"
    payload = request["json"]
    assert ticket.reference in payload["text"]
    assert "cold sores" in payload["text"]
    assert payload["ticket"]["reference"] == ticket.reference
    assert payload["ticket"]["reason"] == "cold_sores"
    assert payload["ticket"]["urgent"] is False


def test_the_url_comes_from_the_environment(store, ticket, webhook_server, monkeypatch):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook_server.url)
    assert notify_staff(store, ticket, sleep=no_sleep) is True
    assert len(webhook_server.received) == 1


def test_two_server_errors_then_success_on_the_third_attempt(store, ticket, webhook_server):
    webhook_server.respond_with(500, 500, then=200)
    pauses = []
    assert notify_staff(store, ticket, url=webhook_server.url, sleep=pauses.append) is True
    assert len(webhook_server.received) == 3
    assert pauses == [0.5, 1.0]  # backing off between attempts, not after the last
    saved = store.get(ticket.reference)
    assert saved.notified is True and saved.last_notify_error is None


def test_a_server_that_keeps_failing_leaves_the_ticket_not_notified(store, ticket, webhook_server):
    webhook_server.respond_with(then=500)
    assert notify_staff(store, ticket, url=webhook_server.url, sleep=no_sleep) is False
    assert len(webhook_server.received) == ATTEMPTS == 3
    saved = store.get(ticket.reference)
    assert saved.notified is False
    assert saved.last_notify_error == "HTTP 500"
    assert saved.notify_attempts == 1
    # A later re-send counts again.
    notify_staff(store, ticket, url=webhook_server.url, sleep=no_sleep)
    assert store.get(ticket.reference).notify_attempts == 2
    assert store.get(ticket.reference).status == "open"


def test_nobody_listening_is_recorded_as_a_connection_error(store, ticket):
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert notify_staff(store, ticket, url=f"http://127.0.0.1:{port}/hook", sleep=no_sleep) is False
    saved = store.get(ticket.reference)
    assert saved.notified is False
    assert saved.last_notify_error == "ConnectionError"


def test_the_payload_carries_no_personal_details(store, ticket, webhook_server):
    ticket_urgent = store.create(reason="allergic_reaction", urgent=True, question="my lips are swelling",
                                 conversation_id="conv-10", contact_name="Bob Private",
                                 contact_detail="+15551234567", preferred_time="any time")
    for each in (ticket, ticket_urgent):
        notify_staff(store, each, url=webhook_server.url, sleep=no_sleep)
    bodies = [r["body"] for r in webhook_server.received]
    assert len(bodies) == 2
    for body, each in zip(bodies, (ticket, ticket_urgent)):
        assert each.contact_detail not in body
        assert each.contact_name not in body
        assert each.question not in body
        assert "5551234567" not in body
    assert webhook_server.received[1]["json"]["text"].startswith("URGENT ")
    assert not webhook_server.received[0]["json"]["text"].startswith("URGENT")


def test_no_url_configured_is_not_notified_with_a_clear_error(store, ticket):
    assert notification.webhook_url() is None
    assert notify_staff(store, ticket, sleep=no_sleep) is False
    saved = store.get(ticket.reference)
    assert saved.notified is False
    assert saved.notify_attempts == 1
    assert saved.last_notify_error == "HANDOFF_WEBHOOK_URL is not set"


def test_an_empty_url_counts_as_not_configured(store, ticket, monkeypatch):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", "")
    assert notify_staff(store, ticket, sleep=no_sleep) is False
    assert store.get(ticket.reference).last_notify_error == "HANDOFF_WEBHOOK_URL is not set"


def test_post_with_retries_reports_the_last_error(webhook_server):
    webhook_server.respond_with(503, 502, 404)
    ok, error = post_with_retries(webhook_server.url, {"text": "x"}, sleep=no_sleep)
    assert (ok, error) == (False, "HTTP 404")


def test_staff_message_tells_staff_how_to_read_the_details(ticket):
    message = staff_message(ticket)
    assert f"python -m actions.staff_tickets show {ticket.reference}" in message["text"]
    assert "afternoons" in message["text"]
    assert message["ticket"]["created_at"] == ticket.created_at.isoformat()
