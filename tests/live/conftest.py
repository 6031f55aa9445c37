"""Conversations with the running assistant over REST (started by `scripts/bot.sh exec`)."""
from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
import requests

BOT_URL = os.environ.get("BOT_URL", "http://localhost:5005").rstrip("/")


def marker(replies: List[Dict[str, Any]]):
    found = [r["custom"]["escalation"] for r in replies
             if isinstance(r.get("custom"), dict) and "escalation" in r["custom"]]
    assert len(found) <= 1, "at most one message of a turn carries the escalation marker"
    return found[0] if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: int = 240, log: Optional[Path] = None) -> None:
    """For the servers a test starts itself: fail at once if `process` exits before `url` answers."""
    where = f"; see {log}" if log else ""
    for _ in range(seconds):
        if process.poll() is not None:
            pytest.fail(f"the server for {url} exited with {process.returncode} before answering{where}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"{url} did not answer within {seconds} s{where}")


def text_of(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.fixture(scope="session", autouse=True)
def bot_is_up():
    try:
        requests.get(BOT_URL, timeout=5).raise_for_status()
    except requests.RequestException as error:
        pytest.fail(f"the assistant is not running at {BOT_URL} ({error}); run these tests with "
                    "`scripts/bot.sh exec .venv/bin/pytest tests/live`")


@pytest.fixture
def say() -> Callable[[str], List[Dict[str, Any]]]:
    """A fresh conversation; each call sends one message and returns the bot's replies."""
    sender = f"test-{uuid.uuid4().hex}"

    def send(message: str) -> List[Dict[str, Any]]:
        response = requests.post(f"{BOT_URL}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    send.sender = sender
    return send
