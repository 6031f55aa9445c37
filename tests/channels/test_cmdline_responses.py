"""`make shell` gets suggestions as text, the widget keeps its buttons (domain.yml, channels/cmdline.py).

Rasa's console makes any reply with buttons a menu that takes the next typed question as "pick
the first button"; staff would lose what they typed.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from channels.cmdline import ClinicCmdlineInput

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
BUTTONED = sorted(name for name, variations in DOMAIN.responses.items()
                  if any(v.get("buttons") for v in variations))
# The output channels the widget and scripts reach the assistant through: the REST webhook
# (CollectingOutputChannel, or QueueOutputChannel with ?stream=true) and socketio.
WEB_CHANNELS = ["rest", CollectingOutputChannel.name(), "queue", "socketio"]


def titles(variation: Dict[str, Any]) -> List[str]:
    return [button["title"] for button in variation["buttons"]]


def generate(response: str, output_channel: str) -> Dict[str, Any]:
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    tracker = DialogueStateTracker("staff", DOMAIN.slots)
    return asyncio.run(nlg.generate(response, tracker, output_channel))


def test_the_domain_has_buttoned_responses_to_check():
    assert "utter_greet" in BUTTONED and len(BUTTONED) >= 9


@pytest.mark.parametrize("response", BUTTONED)
def test_each_buttoned_response_has_one_cmdline_variation_with_its_text_and_suggestions(response):
    variations = DOMAIN.responses[response]
    (buttoned,) = [v for v in variations if v.get("buttons")]
    (cmdline,) = [v for v in variations if v.get("channel") == "cmdline"]
    assert not cmdline.get("buttons")
    # Same answer as the widget's, then one line naming every suggestion.
    first, suggestions = cmdline["text"].rsplit("\n", 1)
    assert first == buttoned["text"]
    for title in titles(buttoned):
        assert title in suggestions


@pytest.mark.parametrize("response", BUTTONED)
def test_the_shell_gets_the_text_variation_and_web_channels_the_buttons(response):
    (buttoned,) = [v for v in DOMAIN.responses[response] if v.get("buttons")]
    shell = generate(response, "cmdline")
    assert not shell.get("buttons") and all(t in shell["text"] for t in titles(buttoned))
    for channel in WEB_CHANNELS:
        web = generate(response, channel)
        assert web["text"] == buttoned["text"] and [b["title"] for b in web["buttons"]] == titles(buttoned)


def run_shell_turn(bot_reply: Dict[str, Any]) -> List[Any]:
    """What the shell's channel queues for the console when the bot sends `bot_reply`."""
    queue: asyncio.Queue = asyncio.Queue()
    seen_channels: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        seen_channels.append(message.output_channel.name())
        await message.output_channel.send_response(message.sender_id, dict(bot_reply))

    async def turn() -> List[Any]:
        await ClinicCmdlineInput.on_message_wrapper(on_new_message, "hi", queue, "staff", "cmdline", None)
        return [queue.get_nowait() for _ in range(queue.qsize())]

    queued = asyncio.run(turn())
    # The NLG chooses variations by this name: Rasa's own shell channel says "queue".
    assert seen_channels == ["cmdline"]
    return queued


def test_the_shell_channel_names_its_output_cmdline_so_the_variations_are_used():
    queued = run_shell_turn({"text": "Take care!"})
    assert [m["text"] for m in queued[:-1]] == ["Take care!"] and queued[-1] == "DONE"


def test_buttons_from_custom_actions_reach_the_shell_as_a_text_line():
    # As actions/fallback.py sends them: no domain variation can cover these.
    queued = run_shell_turn({"text": "Did you mean one of these?", "buttons": [
        {"title": "Downtime", "payload": "/ask_downtime"}, {"title": "Something else", "payload": "/out_of_scope"}]})
    (message, done) = queued
    assert done == "DONE" and not message.get("buttons")
    assert message["text"] == "Did you mean one of these?\nYou can reply: Downtime / Something else"



def test_the_escalation_marker_reaches_the_shell_as_a_readable_line():
    # Rasa's console would print the raw "Custom json:" block; staff read the hand-off instead.
    queued = run_shell_turn({"custom": {"escalation": {"reason": "isotretinoin", "urgent": False, "ticket": None}}})
    (message, done) = queued
    assert done == "DONE" and "custom" not in message
    assert message["text"] == "[handed to a clinician: reason isotretinoin, urgent: no]"


def test_the_escalation_marker_as_rasa_stores_the_message_reaches_the_shell():
    # BotUttered.message() keeps "text": None beside the payload; this crashed `make shell` after
    # every escalation ("got multiple values for argument 'text'").
    queued = run_shell_turn({"custom": {"escalation": {"reason": "cold_sores", "urgent": False}}, "text": None,
                             "timestamp": 1.0, "attachment": None})
    (message, done) = queued
    assert done == "DONE" and message["text"] == "[handed to a clinician: reason cold_sores, urgent: no]"


def test_other_custom_payloads_reach_the_shell_unchanged():
    (message, _) = run_shell_turn({"custom": {"chart": [1, 2]}})
    assert message["custom"] == {"chart": [1, 2]}
