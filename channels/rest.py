"""Rasa's REST channel, hardened for a public website (same URL: /webhooks/rest/webhook).

- A turn that produced no reply (the action server is down or failed) gets an apology with the
  clinic's phone instead of silence.
- A turn is all or nothing: one that fails (tracker database down) or outlasts
  TURN_TIMEOUT_SECONDS (action server slow) is not saved, and the visitor is told so, with the
  clinic's phone. Rasa 3.6.21 waits up to 5 minutes for a custom action (DEFAULT_REQUEST_TIMEOUT
  in rasa/core/constants.py); endpoints.yml cannot change that, so the deadline is kept here.
  Rasa itself would carry on without the database (see refuse_in_memory_fallback).
- An empty message gets a prompt; a very long one is cut to MAX_MESSAGE_CHARS before NLU.
- A body that is not a JSON object with a text `message` gets a 400 with a reason, not a 500.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.tracker_store import FailSafeTrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.clinic import load_clinic
from channels import rasa_speedups

logger = logging.getLogger(__name__)

# Every `rasa run` of this project loads this channel (credentials.yml), so the speed-ups go here.
rasa_speedups.apply()

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
MAX_METADATA_CHARS = 2000  # larger or unserialisable metadata is dropped, not stored per event
# Below the widget's own 8 s request timeout, so the visitor reads this apology, not the widget's.
# Read at start-up: a malformed value stops the server instead of failing every turn.
TURN_TIMEOUT_SECONDS = float(os.environ.get("TURN_TIMEOUT_SECONDS") or 6)


def unavailable_reply() -> Dict[str, Any]:
    clinic = load_clinic()
    return {"text": (f"Sorry, I'm having trouble answering right now. Please try again in a moment, "
                     f"or call {clinic.name} on {clinic.phone} ({clinic.hours}).")}


def not_saved_reply() -> Dict[str, Any]:
    clinic = load_clinic()
    return {"text": (f"Sorry, I couldn't take your message just now, so it was not saved. Please send it "
                     f"again in a moment, or call {clinic.name} on {clinic.phone} ({clinic.hours}).")}


def empty_message_reply() -> Dict[str, Any]:
    return {"text": "Your message looks empty. What would you like to know about microneedling?"}


def parse_body(request: Request) -> Optional[Dict[str, Any]]:
    try:
        body = request.json
    except Exception:  # Sanic raises on a body that is not JSON (or nested too deeply)
        return None
    return body if isinstance(body, dict) else None


def valid_text(value: str) -> str:
    """Lone surrogates (from "\\udcff" escapes) become "?": they cannot be stored or logged as UTF-8."""
    return value.encode("utf-8", "replace").decode("utf-8")


def clean_sender(value: Any) -> Optional[str]:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    # Control characters (NUL) are refused by PostgreSQL in the sender_id column.
    sender = "".join(ch for ch in valid_text(str(value)) if ch.isprintable()).strip()
    return sender[:MAX_SENDER_CHARS] or None


def bounded_metadata(value: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(value, dict):
        return None
    try:
        size = len(json.dumps(value))
    except (TypeError, ValueError, RecursionError):
        return None
    return value if size <= MAX_METADATA_CHARS else None


class TrackerStoreUnavailable(Exception):
    """The conversation database failed during a turn."""


def describe(error: Exception) -> str:
    """The error's kind and the database driver's own message. Not SQLAlchemy's text: it quotes
    the statement's parameters, i.e. the visitor's messages and contact details."""
    cause = getattr(error, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's error
    detail = str(cause).strip().splitlines()[0][:200] if cause is not None and str(cause).strip() else ""
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def raise_unavailable(error: Exception) -> None:
    raise TrackerStoreUnavailable(describe(error)) from error


def refuse_in_memory_fallback(agent: Any) -> None:
    """Make a tracker store error fail the turn.

    Rasa wraps the tracker store in a FailSafeTrackerStore that, when the database fails, logs and
    carries on with an empty in-memory conversation: the visitor gets answers without their
    context, and the turn is kept only in this process's memory. Its error hook (a constructor
    argument the Agent does not expose) raising instead makes the turn fail, and nothing is saved.
    """
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore) and store._on_tracker_store_error is None:
        store._on_tracker_store_error = raise_unavailable


class ClinicRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("clinic_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = parse_body(request)
            if body is None:
                return response.json({"error": "expected a JSON object like "
                                               '{"sender": "id", "message": "text"}'}, status=400)
            sender_id = clean_sender(body.get("sender"))
            message = body.get("message")
            if sender_id is None or not isinstance(message, str):
                return response.json({"error": "'sender' and a text 'message' are required"}, status=400)
            if not message.strip():
                return response.json([{"recipient_id": sender_id, **empty_message_reply()}])
            refuse_in_memory_fallback(getattr(request.app.ctx, "agent", None))
            collector = CollectingOutputChannel()
            user_message = UserMessage(valid_text(message[:MAX_MESSAGE_CHARS]), collector, sender_id,
                                       input_channel=self.name(), metadata=bounded_metadata(body.get("metadata")))
            try:
                # Cancelling the turn at the deadline saves nothing of it: Rasa saves the tracker
                # only at the end of a turn, and the conversation lock is released on the way out.
                await asyncio.wait_for(on_new_message(user_message), TURN_TIMEOUT_SECONDS)
            except asyncio.TimeoutError:
                logger.error("REST turn for %s outlasted %s s (action server slow?); not saved",
                             sender_id, TURN_TIMEOUT_SECONDS)
                return response.json([{"recipient_id": sender_id, **not_saved_reply()}])
            except TrackerStoreUnavailable as error:
                # No traceback: the chained SQLAlchemy error quotes the visitor's messages.
                logger.error("REST turn for %s not saved: tracker store failed (%s)", sender_id, error)
                return response.json([{"recipient_id": sender_id, **not_saved_reply()}])
            except Exception:
                logger.exception("REST turn for %s failed; not saved", sender_id)
                return response.json([{"recipient_id": sender_id, **not_saved_reply()}])
            messages: List[Dict[str, Any]] = collector.messages
            if not messages:
                messages = [{"recipient_id": sender_id, **unavailable_reply()}]
            return response.json(messages)

        return webhook
