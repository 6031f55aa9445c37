"""Faults, end to end: the action server down or slow, the tracker or ticket database down.

This module starts an assistant of its own (Rasa server and action server on free ports):
- its custom actions go through ActionProxy, which a test stops or slows down;
- its conversations are kept in a SQLite file that a test takes away or makes refuse a write;
- its ticket database is a PostgreSQL port nobody listens on, so tickets go to a spool file.
Every fault must give the visitor an apology with the clinic's phone within a few seconds, and
the conversation must carry on, with its context, once the fault is gone.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import requests

from actions.clinic import load_clinic
from channels.rest import TURN_TIMEOUT_SECONDS
from tests.live.conftest import free_port, marker, text_of, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
# The apology must arrive within the turn deadline plus the time a normal turn takes.
APOLOGY_WITHIN_SECONDS = TURN_TIMEOUT_SECONDS + 3


def start(command: List[str], log: Path, env: Dict[str, str]) -> subprocess.Popen:
    """A process group of its own, so stopping it also stops its children."""
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **env},
                                start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, 15)
    except ProcessLookupError:
        return
    process.wait(30)


class ActionProxy:
    """Passes Rasa's action calls on to the action server; a test can stop it or slow it down."""

    def __init__(self, port: int, target: str) -> None:
        self.port = port
        self.target = target
        self.delay_seconds = 0.0
        self.fast_again = threading.Event()
        self._server: Optional[ThreadingHTTPServer] = None

    def start(self) -> None:
        proxy = self

        class Forward(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if proxy.delay_seconds:
                    proxy.fast_again.wait(proxy.delay_seconds)
                upstream = requests.post(proxy.target, data=body, timeout=30,
                                         headers={"Content-Type": "application/json"})
                try:
                    self.send_response(upstream.status_code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(upstream.content)))
                    self.end_headers()
                    self.wfile.write(upstream.content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # Rasa gave up on this call (the turn was cancelled): expected when slow

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Forward)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Closes the port: Rasa's next action call is refused, as when the action server is down."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def slow_down(self, seconds: float) -> None:
        self.fast_again.clear()
        self.delay_seconds = seconds

    def speed_up(self) -> None:
        self.delay_seconds = 0.0
        self.fast_again.set()


@dataclass
class Stack:
    url: str
    proxy: ActionProxy
    tracker_db: Path
    spool: Path
    log: Path

    def say(self, sender: str, message: str) -> Tuple[List[Dict[str, Any]], float]:
        started = time.monotonic()
        response = requests.post(f"{self.url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json(), time.monotonic() - started

    def user_texts(self, sender: str) -> List[str]:
        """What the tracker store kept of a conversation's user messages, in order."""
        with sqlite3.connect(self.tracker_db) as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                              (sender,)).fetchall()
        return [json.loads(data)["text"] for (data,) in rows]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("faults")
    rasa = str(ROOT / ".venv/bin/rasa")
    actions_port, proxy_port, rasa_port = free_port(), free_port(), free_port()
    spool = tmp / "handoff_spool.jsonl"
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{proxy_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp / 'tracker.db'}\n"
        "lock_store:\n  type: in_memory\n")
    proxy = ActionProxy(proxy_port, f"http://127.0.0.1:{actions_port}/webhook")
    processes: List[subprocess.Popen] = []
    try:
        processes.append(start([rasa, "run", "actions", "--port", str(actions_port)], tmp / "actions.log", {
            "SANIC_HOST": "127.0.0.1",  # rasa-sdk's bind address (loopback, as scripts/bot.sh)
            "HANDOFF_DB_URL": f"postgresql://clinic@127.0.0.1:{free_port()}/tickets",  # nobody listens
            "HANDOFF_SPOOL_PATH": str(spool),
        }))
        proxy.start()
        processes.append(start([rasa, "run", "-m", "models", "--interface", "127.0.0.1", "--port", str(rasa_port),
                                "--endpoints", str(endpoints), "--credentials", "credentials.yml"],
                               tmp / "rasa.log", {}))
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", processes[0], 60, tmp / "actions.log")
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", processes[1], 240, tmp / "rasa.log")
        yield Stack(f"http://127.0.0.1:{rasa_port}", proxy, tmp / "tracker.db", spool, tmp / "rasa.log")
    finally:
        proxy.speed_up()
        proxy.stop()
        for process in reversed(processes):
            stop(process)


@pytest.fixture
def sender() -> str:
    return f"fault-{uuid.uuid4().hex}"


def assert_apology_with_phone(replies: List[Dict[str, Any]], seconds: float) -> None:
    assert seconds < APOLOGY_WITHIN_SECONDS, f"the apology took {seconds:.1f} s"
    assert "sorry" in text_of(replies).lower()
    assert load_clinic().phone in text_of(replies)


def assert_sessions_for_stretch_marks(replies: List[Dict[str, Any]]) -> None:
    """The follow-up was answered for the condition named before the fault: context survived."""
    text = text_of(replies).lower()
    assert "stretch marks" in text and "session" in text, text


def test_action_server_down_gets_an_apology_then_the_conversation_continues(stack, sender):
    stack.say(sender, "can it help my stretch marks?")
    stack.proxy.stop()
    try:
        replies, seconds = stack.say(sender, "how many sessions?")
    finally:
        stack.proxy.start()
    assert_apology_with_phone(replies, seconds)
    assert_sessions_for_stretch_marks(stack.say(sender, "how many sessions?")[0])


def test_a_slow_action_server_gets_an_apology_in_time_and_the_turn_is_not_half_saved(stack, sender):
    stack.say(sender, "can it help my stretch marks?")
    stack.proxy.slow_down(60)
    try:
        replies, seconds = stack.say(sender, "how many sessions?")
    finally:
        stack.proxy.speed_up()
    assert_apology_with_phone(replies, seconds)
    assert "not saved" in text_of(replies)
    assert_sessions_for_stretch_marks(stack.say(sender, "how many sessions?")[0])
    assert stack.user_texts(sender) == ["can it help my stretch marks?", "how many sessions?"], \
        "the cancelled turn left nothing behind; the resent message is kept once"


def test_tracker_database_down_says_the_message_was_not_saved_then_continues(stack, sender):
    stack.say(sender, "can it help my stretch marks?")
    saved = stack.tracker_db.with_name("tracker.db.away")
    stack.tracker_db.rename(saved)
    stack.tracker_db.mkdir()  # the path now names something SQLite cannot open
    try:
        replies, seconds = stack.say(sender, "how many sessions?")
    finally:
        stack.tracker_db.rmdir()
        saved.rename(stack.tracker_db)
    assert_apology_with_phone(replies, seconds)
    assert "not saved" in text_of(replies)
    assert_sessions_for_stretch_marks(stack.say(sender, "how many sessions?")[0])
    assert stack.user_texts(sender) == ["can it help my stretch marks?", "how many sessions?"]


def test_a_turn_the_tracker_database_refuses_to_save_is_reported_and_not_logged(stack, sender):
    """Retrieval works, the answer is ready, then the write fails (e.g. the disk is full)."""
    stack.say(sender, "can it help my stretch marks?")
    contact = f"{sender}@example.com"
    with sqlite3.connect(stack.tracker_db) as db:
        db.execute(f"CREATE TRIGGER refuse_write BEFORE INSERT ON events WHEN instr(NEW.data, '{contact}') "
                   "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    try:
        replies, seconds = stack.say(sender, f"how many sessions? my e-mail is {contact}")
    finally:
        with sqlite3.connect(stack.tracker_db) as db:
            db.execute("DROP TRIGGER refuse_write")
    assert_apology_with_phone(replies, seconds)
    assert "not saved" in text_of(replies) and len(replies) == 1, "no answer from a turn that was not saved"
    assert stack.user_texts(sender) == ["can it help my stretch marks?"]
    assert contact not in stack.log.read_text(encoding="utf-8"), "the failure is logged without the message"
    assert_sessions_for_stretch_marks(stack.say(sender, "how many sessions?")[0])


def test_ticket_database_down_keeps_the_request_in_the_spool_and_gives_the_phone(stack, sender):
    question = "I'm on accutane, can I book microneedling?"
    assert marker(stack.say(sender, question)[0])["reason"] == "isotretinoin"
    assert "name" in text_of(stack.say(sender, "yes please")[0]).lower()
    assert "phone number or e-mail" in text_of(stack.say(sender, "Jane Doe")[0])
    assert "time" in text_of(stack.say(sender, "jane@example.com")[0]).lower()
    assert "agree" in text_of(stack.say(sender, "mornings")[0]).lower()
    replies, seconds = stack.say(sender, "yes")
    assert_apology_with_phone(replies, seconds)
    assert "MN-" not in text_of(replies), "no reference is given for a ticket that was not saved"
    kept = [json.loads(line) for line in stack.spool.read_text(encoding="utf-8").splitlines()]
    assert [(r["conversation_id"], r["question"], r["contact_detail"], r["preferred_time"]) for r in kept] == \
        [(sender, question, "jane@example.com", "mornings")]
    after = text_of(stack.say(sender, "how long is the recovery?")[0]).lower()
    assert "sorry" not in after and "day" in after, "the conversation carries on after the failure"

