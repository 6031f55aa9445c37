"""Bad input gets a clear answer or a 4xx: never a crash, a 500 or silence."""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from actions.clinic import load_clinic
from tests.live.conftest import BOT_URL, text_of

WEBHOOK = f"{BOT_URL}/webhooks/rest/webhook"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("message", ["", "   \n\t "])
def test_an_empty_message_gets_a_prompt(message):
    replies = requests.post(WEBHOOK, json={"sender": "t-empty", "message": message}, timeout=30).json()
    assert "empty" in text_of(replies).lower()


@pytest.mark.parametrize("message", [
    "what is microneedling " * 600,  # 12,600 characters: cut before NLU (channels/rest.py)
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_action_server_down_gets_an_apology_with_the_clinic_phone():
    """A second Rasa server whose action server is unreachable."""
    port, dead = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        endpoints = Path(tmp) / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{dead}/webhook"\n')
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/rasa"), "run", "-m", "models", "--port", str(port),
             "--endpoints", str(endpoints), "--credentials", "credentials.yml"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(180):
                try:
                    if requests.get(url, timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(1)
            started = time.monotonic()
            replies = requests.post(f"{url}/webhooks/rest/webhook",
                                    json={"sender": "t-down", "message": "can it help my stretch marks?"},
                                    timeout=30).json()
            assert time.monotonic() - started < 10
            assert load_clinic().phone in text_of(replies)
            assert "sorry" in text_of(replies).lower()
        finally:
            os.killpg(server.pid, 15)
            server.wait(30)
