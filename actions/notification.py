"""Tell clinic staff about a new ticket: a JSON POST to a Slack/Teams-style incoming webhook.

The URL comes from HANDOFF_WEBHOOK_URL (never committed). The message carries the reference and
the reason, not the visitor's contact details: staff read those with the tickets tool.
A failed delivery is retried, then recorded on the ticket, which stays "not notified" until
`python -m actions.staff_tickets renotify` succeeds.
"""
from __future__ import annotations

import logging
import os
import time
from typing import Callable, Optional, Tuple

import requests

from actions.tickets import Ticket, TicketStore

logger = logging.getLogger(__name__)

ATTEMPTS = 3
TIMEOUT_SECONDS = 3.0
BACKOFF_SECONDS = 0.5  # doubled after each failed attempt


def webhook_url() -> Optional[str]:
    return os.environ.get("HANDOFF_WEBHOOK_URL") or None


def staff_message(ticket: Ticket) -> dict:
    urgency = "URGENT " if ticket.urgent else ""
    return {
        "text": (f"{urgency}Clinician follow-up {ticket.reference}: {ticket.reason.replace('_', ' ')}. "
                 f"Preferred time: {ticket.preferred_time}. "
                 f"Details: python -m actions.staff_tickets show {ticket.reference}"),
        "ticket": {"reference": ticket.reference, "reason": ticket.reason, "urgent": ticket.urgent,
                   "created_at": ticket.created_at.isoformat(), "status": ticket.status},
    }


def post_with_retries(url: str, payload: dict, sleep: Callable[[float], None] = time.sleep) -> Tuple[bool, str]:
    error = ""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = requests.post(url, json=payload, timeout=TIMEOUT_SECONDS)
            if 200 <= response.status_code < 300:
                return True, ""
            error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        logger.warning("staff webhook attempt %d/%d failed: %s", attempt, ATTEMPTS, error)
        if attempt < ATTEMPTS:
            sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
    return False, error


def notify_staff(store: TicketStore, ticket: Ticket, url: Optional[str] = None,
                 sleep: Callable[[float], None] = time.sleep) -> bool:
    """Deliver one ticket; the outcome is recorded on the ticket either way."""
    url = url or webhook_url()
    if not url:
        store.record_notification(ticket.reference, ok=False, error="HANDOFF_WEBHOOK_URL is not set")
        logger.info("ticket %s saved; no staff webhook configured", ticket.reference)
        return False
    ok, error = post_with_retries(url, staff_message(ticket), sleep=sleep)
    store.record_notification(ticket.reference, ok=ok, error=error)
    if not ok:
        logger.error("ticket %s saved but staff were not notified (%s); re-send with "
                     "`python -m actions.staff_tickets renotify`", ticket.reference, error)
    return ok
