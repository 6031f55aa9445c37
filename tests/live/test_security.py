"""Security and privacy of the running assistant (started by `scripts/bot.sh exec`).

- The Rasa HTTP API is off in the default run; with RASA_API_TOKEN it needs that token.
- CORS answers only the configured origins (the widget's page).
- The Rasa server and the action server listen on loopback only.
- A visitor's contact details never reach the servers' logs.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator, List
from urllib.parse import urlsplit

import pytest
import requests

from tests.live.conftest import BOT_URL, free_port, text_of, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
WIDGET_URL = os.environ.get("WIDGET_URL", "http://localhost:8080").rstrip("/")
ACTION_URL = os.environ.get("ACTION_URL", "http://127.0.0.1:5055").rstrip("/")
LOGS = ROOT / os.environ.get("BOT_LOGS", "var/log")
WEBHOOK = "/webhooks/rest/webhook"
EVIL_ORIGIN = "http://evil.example"

# The HTTP API's routes (rasa/server.py) that would expose or change conversations and the model.
API_CALLS = [
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/{sender}/tracker"),
    ("POST", "/conversations/{sender}/messages"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
]


def send(base_url: str, sender: str, message: str) -> list:
    response = requests.post(f"{base_url}{WEBHOOK}", json={"sender": sender, "message": message}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------------------------------------
# the default run
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", API_CALLS)
def test_the_http_api_is_off_in_the_default_run(say, method, path):
    say("my e-mail is api-probe@example.com")
    response = requests.request(method, BOT_URL + path.format(sender=say.sender),
                                json={"text": "hi", "sender": "user"}, timeout=10)
    assert response.status_code == 404, (path, response.status_code)
    assert "api-probe@example.com" not in response.text


def preflight(origin: str) -> requests.Response:
    return requests.options(BOT_URL + WEBHOOK, timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})


def test_cors_lets_the_widgets_page_call_the_webhook():
    assert preflight(WIDGET_URL).headers.get("Access-Control-Allow-Origin") == WIDGET_URL
    response = requests.post(BOT_URL + WEBHOOK, json={"sender": f"cors-{uuid.uuid4().hex}", "message": "hi"},
                             headers={"Origin": WIDGET_URL}, timeout=30)
    assert response.headers.get("Access-Control-Allow-Origin") == WIDGET_URL


def test_cors_refuses_other_origins():
    allowed = preflight(EVIL_ORIGIN).headers.get("Access-Control-Allow-Origin")
    assert allowed not in (EVIL_ORIGIN, "*")
    response = requests.post(BOT_URL + WEBHOOK, json={"sender": f"cors-{uuid.uuid4().hex}", "message": "hi"},
                             headers={"Origin": EVIL_ORIGIN}, timeout=30)
    # The server still answers (CORS is enforced by the browser), but never allows that origin to read it.
    assert response.headers.get("Access-Control-Allow-Origin") not in (EVIL_ORIGIN, "*")


def non_loopback_addresses() -> List[str]:
    output = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                            capture_output=True, text=True, check=False).stdout
    return [line.split()[3].split("/")[0] for line in output.splitlines()]


@pytest.mark.parametrize("health_url", [f"{BOT_URL}/", f"{ACTION_URL}/health"], ids=["rasa", "actions"])
def test_the_servers_are_reachable_on_loopback_only(health_url):
    addresses = non_loopback_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    port = urlsplit(health_url).port
    assert requests.get(health_url.replace(urlsplit(health_url).hostname, "127.0.0.1"), timeout=5).ok
    for address in addresses:
        with socket.socket() as s:
            s.settimeout(3)
            assert s.connect_ex((address, port)) != 0, f"port {port} answers on {address}"


def distinctive_contact(kind: str) -> tuple:
    """(name, contact as typed, contact as stored): unique per run, so an old log cannot match."""
    tag = uuid.uuid4().hex[:8]
    if kind == "email":
        return f"Quillon Vext{tag}", f"Vext.{tag}@Example.org", f"vext.{tag}@example.org"
    digits = str(int(tag, 16) % 10_000_000).zfill(7)
    return f"Quillon Vext{tag}", f"+1 (555) {digits[:3]}-{digits[3:]}", f"+1555{digits}"


@pytest.mark.parametrize("kind", ["email", "phone"])
def test_contact_details_never_reach_the_logs(say, kind):
    """A whole handoff with distinctive details; then neither server's log holds them."""
    name, typed, stored = distinctive_contact(kind)
    assert "clinician" in text_of(say("I'm on accutane, can I still book microneedling?"))
    assert "name" in text_of(say("yes please")).lower()
    assert "phone number or e-mail" in text_of(say(name))
    assert "time" in text_of(say(typed)).lower()
    assert "agree" in text_of(say("weekday mornings")).lower()
    assert re.search(r"MN-[A-Z0-9]{6}", text_of(say("yes")))
    time.sleep(1)  # the staff notification runs in the background and may still log
    for log in ("rasa.log", "actions.log"):
        content = (LOGS / log).read_text(encoding="utf-8", errors="replace")
        for secret in (name, typed, stored):
            assert secret.lower() not in content.lower(), f"{secret!r} found in {LOGS / log}"


# ---------------------------------------------------------------------------------------------
# the HTTP API turned on with RASA_API_TOKEN (a second instance of scripts/bot.sh)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api_server(tmp_path_factory) -> Iterator[dict]:
    """scripts/bot.sh with RASA_API_TOKEN on free ports, its own tracker database and logs."""
    tmp = tmp_path_factory.mktemp("api")
    rasa_port, widget_port, action_port = free_port(), free_port(), free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://localhost:{action_port}/webhook"\n'
                         f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp / 'tracker.db'}\n")
    token = uuid.uuid4().hex
    env = {**os.environ, "RASA_API_TOKEN": token, "RASA_PORT": str(rasa_port),
           "WIDGET_PORT": str(widget_port), "ENDPOINTS": str(endpoints), "LOGS": str(tmp / "log"),
           "HANDOFF_DB_URL": f"sqlite:///{tmp / 'handoff.db'}",
           # bot.sh starts a staff console too: on a port and stores of this server's own
           "CONSOLE_PORT": str(free_port()), "TRACKER_DB_URL": f"sqlite:///{tmp / 'tracker.db'}"}
    process = subprocess.Popen([str(ROOT / "scripts/bot.sh"), "exec", "sleep", "900"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        wait_until_up(url, process)
        yield {"url": url, "token": token, "logs": tmp / "log"}
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # bot.sh stops its servers on the way out
        process.wait(60)


def test_the_api_refuses_calls_without_the_token(api_server):
    for params in ({}, {"token": "wrong"}):
        response = requests.get(f"{api_server['url']}/status", params=params, timeout=10)
        assert response.status_code == 401


def test_the_api_answers_calls_with_the_token(api_server):
    sender = f"api-{uuid.uuid4().hex}"
    send(api_server["url"], sender, "what is microneedling?")
    token = {"token": api_server["token"]}
    assert requests.get(f"{api_server['url']}/status", params=token, timeout=10).status_code == 200
    tracker = requests.get(f"{api_server['url']}/conversations/{sender}/tracker", params=token, timeout=10)
    assert tracker.status_code == 200
    assert tracker.json()["latest_message"]["text"] == "what is microneedling?"
    refused = requests.get(f"{api_server['url']}/conversations/{sender}/tracker", timeout=10)
    assert refused.status_code == 401


def test_the_token_is_not_written_to_the_logs(api_server):
    requests.get(f"{api_server['url']}/status", params={"token": api_server["token"]}, timeout=10)
    for log in api_server["logs"].glob("*.log"):
        assert api_server["token"] not in log.read_text(encoding="utf-8", errors="replace"), log
