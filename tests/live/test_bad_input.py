"""Bad input gets a clear answer or a 4xx: never a crash, a 500 or silence."""
from __future__ import annotations

import json
import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
import yaml

from channels.rest import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS
from tests.live.conftest import BOT_URL, text_of

WEBHOOK = f"{BOT_URL}/webhooks/rest/webhook"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("message", ["", "   \n\t "])
def test_an_empty_message_gets_a_prompt(message):
    replies = requests.post(WEBHOOK, json={"sender": "t-empty", "message": message}, timeout=30).json()
    assert "empty" in text_of(replies).lower()


@pytest.mark.parametrize("message", [
    pytest.param("what is microneedling " * 600, id="12600 characters"),  # cut before NLU (channels/rest.py)
    "😀🙏✨💉",
    "\x00\x01\x02 binary junk \udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "<img src=x onerror=alert(1)>",
    "SELECT * FROM users; --",
])
def test_odd_messages_get_an_answer(message):
    response = requests.post(WEBHOOK, json={"sender": "t-odd", "message": message}, timeout=30)
    assert response.status_code == 200
    assert text_of(response.json()).strip()


@pytest.mark.parametrize("body, content_type", [
    ("not json", "application/json"),
    ('["a", "list"]', "application/json"),
    ('{"sender": "x"}', "application/json"),
    ('{"sender": "x", "message": {"nested": {"deeper": [1, 2, 3]}}}', "application/json"),
    ("sender=x&message=hi", "application/x-www-form-urlencoded"),
])
def test_malformed_bodies_get_a_400_with_a_reason(body, content_type):
    response = requests.post(WEBHOOK, data=body, headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code == 400
    assert "message" in response.json()["error"]


@pytest.mark.parametrize("body, content_type", [
    (b'{"sender": "x", "message": "\xff\xfe is not UTF-8"}', "application/json"),
    (b"[" * 100_000, "application/json"),
    (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "application/json"),
    (b'{"sender": "x", "message": "hi"', "application/json"),
    (b"", "application/json"),
    (b"<message>hi</message>", "application/xml"),
    (b'--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n--b--\r\n',
     "multipart/form-data; boundary=b"),
    (bytes(range(256)) * 40, "application/octet-stream"),
    (b'{"sender": ["x"], "message": "hi"}', "application/json"),
    (b'{"sender": true, "message": "hi"}', "application/json"),
    (b'{"sender": " \\u0000 ", "message": "hi"}', "application/json"),
    (b'{"sender": "x", "message": 12}', "application/json"),
])
def test_junk_bodies_and_wrong_content_types_get_a_400(body, content_type):
    response = requests.post(WEBHOOK, data=body, headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code == 400
    assert "message" in response.json()["error"]


def test_a_json_body_sent_as_plain_text_is_still_answered():
    response = requests.post(WEBHOOK, data=json.dumps({"sender": "t-plain", "message": "what is microneedling?"}),
                             headers={"Content-Type": "text/plain"}, timeout=30)
    assert response.status_code == 200
    assert "microneedling" in text_of(response.json()).lower()


def test_a_get_on_the_webhook_is_refused_with_a_4xx():
    assert requests.get(WEBHOOK, timeout=30).status_code == 405


@pytest.mark.parametrize("raw", [
    '{"sender": "t-surrogate", "message": "does it hurt \\udcff?"}',  # a lone surrogate: not UTF-8
    '{"sender": "t-\\ud800", "message": "does it hurt?"}',
    '{"sender": "t-nul\\u0000", "message": "does it hurt?\\u0000"}',
    '{"sender": 12345, "message": "does it hurt?"}',
    '{"sender": "t-meta", "message": "does it hurt?", "metadata": ' + '{"a": ' * 500 + "1" + "}" * 500 + "}",
    '{"sender": "t-meta", "message": "does it hurt?", "metadata": "not an object"}',
])
def test_odd_but_valid_bodies_get_an_answer(raw):
    response = requests.post(WEBHOOK, data=raw.encode(), headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 200
    replies = response.json()
    assert "pain" in text_of(replies).lower() or "numb" in text_of(replies).lower(), text_of(replies)
    assert all(r["recipient_id"].isprintable() for r in replies)


def test_a_very_long_sender_id_is_cut():
    sender = "s" * 10_000
    replies = requests.post(WEBHOOK, json={"sender": sender, "message": "hi"}, timeout=30).json()
    assert {r["recipient_id"] for r in replies} == {sender[:MAX_SENDER_CHARS]}


def tracker_events(sender: str) -> List[Dict[str, Any]]:
    """The user events the running assistant stored for `sender` (its SQLite tracker store)."""
    endpoints = yaml.safe_load((ROOT / os.environ.get("ENDPOINTS", "endpoints.yml")).read_text())
    store = endpoints.get("tracker_store") or {}
    if str(store.get("type")).lower() != "sql" or store.get("dialect", "sqlite") != "sqlite":
        pytest.skip("the running assistant does not keep conversations in a SQLite tracker store")
    with sqlite3.connect(ROOT / store["db"]) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def test_a_10000_character_message_is_cut_before_nlu_and_stored_cut():
    sender = f"t-long-{uuid.uuid4().hex}"
    message = ("does microneedling hurt " * 500)[:10_000]
    response = requests.post(WEBHOOK, json={"sender": sender, "message": message}, timeout=30)
    assert response.status_code == 200 and text_of(response.json()).strip()
    [event] = tracker_events(sender)
    assert event["text"] == message[:MAX_MESSAGE_CHARS]
    assert event["parse_data"]["text"] == message[:MAX_MESSAGE_CHARS], "NLU saw the cut text"


def test_oversized_metadata_is_not_stored_with_the_message():
    sender = f"t-meta-{uuid.uuid4().hex}"
    response = requests.post(WEBHOOK, json={"sender": sender, "message": "hi", "metadata": {"blob": "x" * 50_000}},
                             timeout=30)
    assert response.status_code == 200
    [event] = tracker_events(sender)
    assert "blob" not in json.dumps(event)
