"""The scaled configuration under load and faults (run by `make test-scaled`).

`scripts/scaled.sh exec` starts PostgreSQL, Redis, the action server, several Rasa processes and
nginx, and exports BOT_URL (nginx), SCALED_DB_URL, SCALED_RASA_PIDS/PORTS, SCALED_REDIS_PORT and
SCALED_SCRIPT. Every user turn the client saw answered must be in PostgreSQL exactly once, in
order, whatever happened to the processes meanwhile. Figures go to reports/scaled.json.

The tests run in file order: the last one kills a Rasa process.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
import requests
import sqlalchemy as sa
import websockets
from playwright.sync_api import expect, sync_playwright

from channels.rest import not_saved_reply, unavailable_reply

ROOT = Path(__file__).resolve().parents[2]
BOT_URL = os.environ.get("BOT_URL", "http://localhost:8090").rstrip("/")
WEBHOOK = f"{BOT_URL}/webhooks/rest/webhook"
DB_URL = os.environ.get("SCALED_DB_URL", "")
RASA_PIDS = [int(pid) for pid in os.environ.get("SCALED_RASA_PIDS", "").split()]
RASA_PORTS = [int(port) for port in os.environ.get("SCALED_RASA_PORTS", "").split()]
REDIS_PORT = os.environ.get("SCALED_REDIS_PORT", "6380")
SCALED_SCRIPT = os.environ.get("SCALED_SCRIPT", str(ROOT / "scripts" / "scaled.sh"))
NGINX_ACCESS_LOG = ROOT / "var" / "log" / "scaled" / "nginx-access.log"
REPORT = ROOT / "reports" / "scaled.json"

CONVERSATIONS = 200
# Questions the assistant answers (the price one through a custom action); a marker is appended.
QUESTIONS = ["what is microneedling?", "how long is the downtime?", "does it hurt?",
             "how much does it cost?"]
# channels/rest.py answers a turn that failed inside Rasa with an apology (HTTP 200).
APOLOGIES = {unavailable_reply()["text"], not_saved_reply()["text"]}
REQUEST_TIMEOUT_S = 90
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_ATTEMPTS = 8


@dataclass
class Turn:
    text: str
    acknowledged_at: float  # time.monotonic()
    latency_s: float


@dataclass
class Conversation:
    sender: str
    sent: List[str] = field(default_factory=list)  # every text posted, retries included
    acknowledged: List[Turn] = field(default_factory=list)
    retries: int = 0
    given_up: List[str] = field(default_factory=list)


class Progress:
    """Acknowledged turns across all threads, so a test can act in the middle of a run."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def add(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def wait_for(self, count: int, timeout_s: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._count >= count, timeout=timeout_s)


@pytest.fixture(scope="module", autouse=True)
def scaled_run_is_up() -> None:
    if not (DB_URL and RASA_PIDS):
        pytest.fail("run these tests with `make test-scaled` "
                    "(`scripts/scaled.sh exec .venv/bin/pytest -q tests/scaled`)")
    requests.get(f"{BOT_URL}/webhooks/rest/", timeout=5).raise_for_status()


def is_apology(replies: List[Dict[str, Any]]) -> bool:
    return any(reply.get("text") in APOLOGIES for reply in replies)


def post(session: requests.Session, sender: str, text: str) -> Optional[List[Dict[str, Any]]]:
    """The bot's replies if the turn was acknowledged (HTTP 200, real replies), else None."""
    try:
        response = session.post(WEBHOOK, json={"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT_S)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    replies = response.json()
    return replies if replies and not is_apology(replies) else None


def converse(index: int, run_id: str, turns: int, progress: Progress) -> Conversation:
    """One visitor: `turns` questions in a row; a turn that was not acknowledged is retried
    with a text of its own, so PostgreSQL tells the retry from the original."""
    conversation = Conversation(sender=f"scaled-{run_id}-{index:03d}")
    with requests.Session() as session:
        for turn in range(turns):
            for attempt in range(MAX_ATTEMPTS):
                suffix = f" retry {attempt}" if attempt else ""
                text = f"{QUESTIONS[turn % len(QUESTIONS)]} (ref c{index:03d}-{turn + 1}{suffix})"
                conversation.sent.append(text)
                started = time.monotonic()
                if post(session, conversation.sender, text) is not None:
                    now = time.monotonic()
                    conversation.acknowledged.append(Turn(text, now, now - started))
                    progress.add()
                    break
                conversation.retries += 1
                time.sleep(min(2 ** attempt, 5))  # like a visitor: again soon, then less often
            else:
                conversation.given_up.append(text)
    return conversation


def run_load(conversations: int, turns: int,
             during: Callable[[Progress], None] = lambda progress: None) -> List[Conversation]:
    """`conversations` visitors at once; `during` runs in this thread while they talk."""
    run_id = uuid.uuid4().hex[:8]
    progress = Progress()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        futures = [pool.submit(converse, index, run_id, turns, progress) for index in range(conversations)]
        during(progress)
        return [future.result() for future in futures]


def stored_user_texts(senders: List[str]) -> Dict[str, List[str]]:
    """The user turns of each conversation in the tracker store, in the order they were stored."""
    engine = sa.create_engine(DB_URL, future=True)
    stored: Dict[str, List[str]] = defaultdict(list)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' "
                        "AND sender_id = ANY(:senders) ORDER BY id"),
                {"senders": senders})
            for sender_id, data in rows:
                stored[sender_id].append(json.loads(data)["text"])
    finally:
        engine.dispose()
    return stored


def storage_problems(conversations: List[Conversation]) -> List[str]:
    """Every acknowledged turn stored exactly once and in order; nothing stored that was never sent."""
    stored = stored_user_texts([c.sender for c in conversations])
    problems = []
    for conversation in conversations:
        texts = stored.get(conversation.sender, [])
        acknowledged = [turn.text for turn in conversation.acknowledged]
        counts = Counter(texts)
        problems += [f"{conversation.sender}: {text!r} stored {counts[text]} times"
                     for text in acknowledged if counts[text] != 1]
        wanted = set(acknowledged)
        in_store_order = [text for text in texts if text in wanted]
        if in_store_order != acknowledged:
            problems.append(f"{conversation.sender}: stored order {in_store_order} != sent {acknowledged}")
        problems += [f"{conversation.sender}: stored {text!r}, never sent"
                     for text in texts if text not in conversation.sent]
    return problems


def load_figures(conversations: List[Conversation], elapsed_s: float) -> Dict[str, float]:
    latencies = sorted(turn.latency_s for c in conversations for turn in c.acknowledged)
    return {
        "conversations": len(conversations),
        "acknowledged_turns": len(latencies),
        "retried_turns": sum(c.retries for c in conversations),
        "elapsed_s": round(elapsed_s, 1),
        "turns_per_s": round(len(latencies) / elapsed_s, 1),
        "median_s": round(statistics.median(latencies), 2),
        "p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024)
    raise AssertionError(f"no VmRSS for process {pid}")


def record(section: str, figures: Dict[str, Any]) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report[section] = figures
    REPORT.write_text(json.dumps(report, indent=2) + "\n")


def upstreams_since(offset: int) -> Counter:
    """Which Rasa process nginx passed each webhook turn to, from the access log's new lines."""
    with NGINX_ACCESS_LOG.open() as log:
        log.seek(offset)
        return Counter(re.findall(r'"POST /webhooks/rest/webhook [^"]*" 200 .*upstream=([\d.:]+)\s', log.read()))


def port_refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def redis_ping() -> bool:
    result = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", REDIS_PORT, "ping"],
                            capture_output=True, text=True, timeout=10)
    return result.stdout.strip() == "PONG"


def test_the_widget_served_by_nginx_talks_to_the_same_origin():
    webhook_calls: List[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: webhook_calls.append(request.url)
                    if "/webhooks/rest/webhook" in request.url else None)
            page.goto(f"{BOT_URL}/")
            page.get_by_role("button", name="Chat with us").click()
            page.get_by_label("Type your question").fill(QUESTIONS[0])
            page.get_by_label("Type your question").press("Enter")
            expect(page.get_by_role("log", name="Conversation")).to_contain_text(
                "collagen induction therapy", timeout=30_000)
        finally:
            browser.close()
    assert webhook_calls and all(url == WEBHOOK for url in webhook_calls), webhook_calls


def polling(session: requests.Session, sid: str = "", body: str = "") -> str:
    """One Engine.IO long-polling request: GET (receive) without a body, POST (send) with one."""
    url = f"{BOT_URL}/socket.io/?EIO=4&transport=polling" + (f"&sid={sid}" if sid else "")
    response = session.post(url, data=body, timeout=10) if body else session.get(url, timeout=35)
    assert response.status_code == 200, f"{response.status_code} {response.text}"
    return response.text


def test_socketio_long_polling_stays_on_one_process():
    # Long-polling is several HTTP requests per session; a process that did not open the
    # session answers 400 "Invalid session". Only client affinity in nginx keeps them together.
    session_id = f"scaled-polling-{uuid.uuid4().hex}"
    with requests.Session() as session:
        opening = polling(session)
        assert opening.startswith("0"), opening
        sid = json.loads(opening[1:])["sid"]
        for _ in range(3):  # a few round trips, each a new chance to land on the other process
            assert polling(session, sid, "40") == "OK"
            assert polling(session, sid).startswith("40")
            assert polling(session, sid, "42" + json.dumps(["session_request", {"session_id": session_id}])) == "OK"
            assert polling(session, sid) == "42" + json.dumps(["session_confirm", session_id], separators=(",", ":"))
            assert polling(session, sid, "41") == "OK"  # leave the namespace, join again


async def next_event(connection: Any, name: str, timeout_s: float) -> Any:
    """The data of the next Socket.IO event `name`, answering the server's pings meanwhile."""
    async def receive() -> Any:
        while True:
            packet = await connection.recv()
            if packet == "2":  # Engine.IO ping
                await connection.send("3")
            elif packet.startswith("42"):
                event, *data = json.loads(packet[2:])
                if event == name:
                    return data[0] if data else None
    return await asyncio.wait_for(receive(), timeout_s)


async def websocket_turn(session_id: str, message: str) -> Optional[Dict[str, Any]]:
    """One socketio turn over a websocket through nginx; the first bot_uttered, or None.

    Speaks Engine.IO 4 / Socket.IO 5 frames directly: python-socketio's own websocket client
    needs a newer aiohttp than Rasa pins."""
    url = "ws" + BOT_URL[len("http"):] + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(url, open_timeout=10) as connection:
        assert (await connection.recv()).startswith("0")  # Engine.IO open
        await connection.send("40")  # Socket.IO connect to the default namespace
        assert (await connection.recv()).startswith("40")
        await connection.send("42" + json.dumps(["session_request", {"session_id": session_id}]))
        assert await next_event(connection, "session_confirm", 10) == session_id
        await connection.send("42" + json.dumps(["user_uttered", {"message": message, "session_id": session_id}]))
        try:
            return await next_event(connection, "bot_uttered", 15)
        except asyncio.TimeoutError:
            return None


def test_socketio_over_websocket_answers_through_nginx():
    session_id = f"scaled-websocket-{uuid.uuid4().hex}"
    reply = asyncio.run(websocket_turn(session_id, QUESTIONS[0]))
    assert reply is not None, (
        "no bot_uttered: with python-socketio >= 5.10 Rasa 3.6's socketio channel never joins the "
        "session's room (AsyncServer.enter_room became a coroutine it does not await); pin 5.9.0")
    assert "collagen" in reply["text"]
    assert stored_user_texts([session_id])[session_id] == [QUESTIONS[0]]


def test_200_concurrent_conversations_keep_every_turn_once_in_order():
    log_offset = NGINX_ACCESS_LOG.stat().st_size
    started = time.monotonic()
    conversations = run_load(CONVERSATIONS, turns=4)
    figures = load_figures(conversations, time.monotonic() - started)
    figures["rss_mb_per_rasa_process"] = [rss_mb(pid) for pid in RASA_PIDS]
    record("200_concurrent", figures)

    assert [c.given_up for c in conversations if c.given_up] == []
    assert figures["acknowledged_turns"] == CONVERSATIONS * 4, figures
    assert storage_problems(conversations) == []
    # Both processes took a real share of the load.
    served = upstreams_since(log_offset)
    assert sorted(served) == sorted(f"127.0.0.1:{port}" for port in RASA_PORTS), served
    assert min(served.values()) >= 0.2 * CONVERSATIONS * 4, served


def test_redis_down_gives_a_clear_apology_and_the_conversation_recovers():
    sender = f"scaled-redis-{uuid.uuid4().hex}"
    with requests.Session() as session:
        first = f"{QUESTIONS[0]} (ref redis-1)"
        assert post(session, sender, first) is not None

        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", REDIS_PORT, "shutdown", "nosave"],
                       capture_output=True, timeout=10)
        assert not redis_ping()
        try:
            started = time.monotonic()
            response = session.post(WEBHOOK, json={"sender": sender, "message": f"{QUESTIONS[1]} (ref redis-2)"},
                                    timeout=30)
            elapsed_s = time.monotonic() - started
            # The visitor is told at once that the message was not taken (with the clinic's
            # phone), instead of waiting for nothing.
            assert response.status_code == 200
            assert [reply.get("text") for reply in response.json()] == [not_saved_reply()["text"]]
            assert elapsed_s < 5, f"the apology took {elapsed_s:.1f} s"
            assert all(not port_refuses(port) for port in RASA_PORTS), "a Rasa process died with Redis"
        finally:
            # The documented recovery: start Redis again (empty: its locks are gone, none needed).
            subprocess.run([SCALED_SCRIPT, "services"], check=True, capture_output=True, timeout=120)
        assert redis_ping()

        third = f"{QUESTIONS[2]} (ref redis-3)"
        assert post(session, sender, third) is not None, "the conversation did not continue after Redis came back"
    # The turn that failed was not half-processed: it is not in the conversation.
    assert stored_user_texts([sender])[sender] == [first, third]


def test_killing_a_rasa_process_loses_no_acknowledged_turn():
    assert len(RASA_PIDS) >= 2, "needs SCALED_REPLICAS >= 2"
    victim_pid, victim_port = RASA_PIDS[0], RASA_PORTS[0]
    killed: Dict[str, float] = {}

    def kill_a_quarter_of_the_way_in(progress: Progress) -> None:
        assert progress.wait_for(CONVERSATIONS * 4 // 4, timeout_s=300), "the load never got going"
        os.kill(victim_pid, signal.SIGKILL)
        killed["at"] = time.monotonic()

    started = time.monotonic()
    conversations = run_load(CONVERSATIONS, turns=4, during=kill_a_quarter_of_the_way_in)
    figures = load_figures(conversations, time.monotonic() - started)
    record("200_concurrent_one_process_killed", figures)

    assert port_refuses(victim_port), "the killed process still answers"
    # The kill hit turns in flight; their visitors retried and got answers.
    assert figures["retried_turns"] > 0, figures
    assert [c.given_up for c in conversations if c.given_up] == []
    assert figures["acknowledged_turns"] == CONVERSATIONS * 4, figures
    # Conversations went on after the kill: on the surviving process, the only one left.
    continued = [c for c in conversations if c.acknowledged[-1].acknowledged_at > killed["at"]]
    assert len(continued) >= CONVERSATIONS // 2, f"only {len(continued)} conversations went on after the kill"
    assert storage_problems(conversations) == []
