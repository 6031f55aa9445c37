"""`rasa shell`'s channel for clinic staff (`make shell`): the replies are chosen for `cmdline`.

Rasa 3.6 picks a response variation by the *output* channel's name, and `rasa shell` streams its
replies through `QueueOutputChannel`, named "queue": a `channel: cmdline` variation in domain.yml
would never be used. This input channel is Rasa's `CmdlineInput` (same console loop, same URL)
with an output channel named "cmdline", so those variations (suggestions as plain text) are used.

Buttons sent by custom actions (the fallback's "Did you mean ...?", the call-back offer) have no
domain variation; this channel prints their titles as a text line too. Rasa's console would turn
them into a menu that takes the next typed question as "pick the first button".

Started by `scripts/bot.sh shell`:
  rasa run --connector channels.cmdline.ClinicCmdlineInput ...
(the channel's name is "cmdline", so `rasa run` runs the console as `rasa shell` does).
"""
from __future__ import annotations

from asyncio import Queue
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.console import CmdlineInput
from rasa.core.channels.rest import QueueOutputChannel

SUGGESTIONS_PREFIX = "You can reply:"


def escalation_line(escalation: Dict[Text, Any]) -> Text:
    """The escalation marker as staff read it, instead of Rasa's raw "Custom json:" block."""
    parts = [f"reason {escalation.get('reason') or 'unknown'}", f"urgent: {'yes' if escalation.get('urgent') else 'no'}"]
    if escalation.get("ticket"):
        parts.append(f"ticket {escalation['ticket']}")
    return "[handed to a clinician: " + ", ".join(parts) + "]"


def suggestions_line(buttons: List[Dict[Text, Any]]) -> Text:
    """The buttons' titles as one line that staff can read and retype."""
    return f"{SUGGESTIONS_PREFIX} " + " / ".join(str(b.get("title") or b.get("payload")) for b in buttons)


class CmdlineOutputChannel(QueueOutputChannel):
    """Rasa's queue for streamed replies, named after the cmdline channel for the NLG."""

    @classmethod
    def name(cls) -> Text:
        return CmdlineInput.name()

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        lines = [text, suggestions_line(buttons)] if text else [suggestions_line(buttons)]
        await self.send_text_message(recipient_id, "\n".join(lines), **kwargs)


    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        escalation = json_message.get("escalation") if isinstance(json_message, dict) else None
        if isinstance(escalation, dict):
            # A bot message as Rasa stores it also carries "text": None beside the payload.
            kwargs.pop("text", None)
            await self.send_text_message(recipient_id, escalation_line(escalation), **kwargs)
        else:
            await super().send_custom_json(recipient_id, json_message, **kwargs)


class ClinicCmdlineInput(CmdlineInput):
    """Rasa's shell channel; only the output channel differs."""

    @staticmethod
    async def on_message_wrapper(
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        queue: Queue,
        sender_id: Text,
        input_channel: Text,
        metadata: Optional[Dict[Text, Any]],
    ) -> None:
        # As RestInput.on_message_wrapper, with CmdlineOutputChannel for QueueOutputChannel.
        await on_new_message(UserMessage(text, CmdlineOutputChannel(queue), sender_id,
                                         input_channel=input_channel, metadata=metadata))
        await queue.put("DONE")
