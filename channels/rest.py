"""Rasa's REST channel, hardened for a public website (same URL: /webhooks/rest/webhook).

- A turn that produced no reply (the action server is down or failed) gets an apology with the
  clinic's phone instead of silence.
- An empty message gets a prompt; a very long one is cut to MAX_MESSAGE_CHARS before NLU.
- A body that is not a JSON object with a text `message` gets a 400 with a reason, not a 500.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.clinic import load_clinic

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128


def unavailable_reply() -> Dict[str, Any]:
    clinic = load_clinic()
    return {"text": (f"Sorry, I'm having trouble answering right now. Please try again in a moment, "
                     f"or call {clinic.name} on {clinic.phone} ({clinic.hours}).")}


def empty_message_reply() -> Dict[str, Any]:
    return {"text": "Your message looks empty. What would you like to know about microneedling?"}


def parse_body(request: Request) -> Optional[Dict[str, Any]]:
    try:
        body = request.json
    except Exception:  # Sanic raises on a body that is not JSON
        return None
    return body if isinstance(body, dict) else None


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
            sender = body.get("sender")
            message = body.get("message")
            if not isinstance(sender, (str, int)) or not str(sender).strip() or not isinstance(message, str):
                return response.json({"error": "'sender' and a text 'message' are required"}, status=400)
            sender_id = str(sender)[:MAX_SENDER_CHARS]
            if not message.strip():
                return response.json([{"recipient_id": sender_id, **empty_message_reply()}])
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(message[:MAX_MESSAGE_CHARS], collector, sender_id,
                                                 input_channel=self.name(), metadata=metadata))
            except CancelledError:
                logger.error("REST turn for %s timed out", sender_id)
            except Exception:
                logger.exception("REST turn for %s failed", sender_id)
            messages: List[Dict[str, Any]] = collector.messages
            if not messages:
                messages = [{"recipient_id": sender_id, **unavailable_reply()}]
            return response.json(messages)

        return webhook
