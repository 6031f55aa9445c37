"""Helpers shared by the console's HTTP tests and its browser tests: a real console server on a
temporary database, accounts made through the accounts CLI, a tracker store with chosen events."""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

import requests

from console import accounts
from console.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def console_env(directory: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(HANDOFF_DB_URL=f"sqlite:///{directory / 'handoff.db'}",
               TRACKER_DB_URL=f"sqlite:///{directory / 'tracker.db'}",
               NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    for name in ("HANDOFF_WEBHOOK_URL", "CONSOLE_SECURE_COOKIES", "CONSOLE_IDLE_MINUTES", "CONSOLE_SESSION_HOURS"):
        env.pop(name, None)
    return env


def settings_for(directory: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{directory / 'handoff.db'}",
                    tracker_url=f"sqlite:///{directory / 'tracker.db'}", guide_path=ROOT / "guide" / "microneedling-guide.txt")


class ConsoleServer:
    """`python -m console` in a subprocess on `port`, against the databases in `directory`."""

    def __init__(self, directory: Path, port: int, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.directory, self.port, self.extra_env = directory, port, dict(extra_env or {})
        self.url = f"http://127.0.0.1:{port}"
        self.settings = settings_for(directory)
        self.log = directory / "console.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 30.0) -> "ConsoleServer":
        make_tracker_store(self.directory / "tracker.db")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "console", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env={**console_env(self.directory), **self.extra_env}, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the console exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if requests.get(self.url + "/login", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the console did not answer on {self.url} within {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Webhook:
    """A staff-notification webhook on a free port that records what it is sent."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------ accounts
def make_account(settings: Settings, role: str, one_time: bool = False) -> Tuple[str, str]:
    """A new account made through the accounts CLI; with a password of its own unless `one_time`."""
    email = f"{role}-{secrets.token_hex(4)}@clinic.example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert accounts.main(["add", "--role", role, email], settings=settings) == 0
    password = re.search(r"One-time password: (\S+)", out.getvalue()).group(1)
    if not one_time:
        password = f"correct horse {secrets.token_hex(4)}"
        accounts.set_password(settings, email, password)
    return email, password


# ------------------------------------------------------------------ tracker store
TRACKER_SCHEMA = ("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_id VARCHAR(255) "
                  "NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                  "action_name VARCHAR(255), data TEXT)")


def make_tracker_store(path: Path) -> None:
    """An empty store with Rasa's SQLTrackerStore `events` table."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(TRACKER_SCHEMA)
        db.execute("CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)")


def add_conversation(path: Path, sender: str, turns: Iterable[Tuple[str, str]]) -> None:
    """turns: ("user" | "bot", text) in order, stored as Rasa stores them."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for type_name, text in turns:
            event = {"event": type_name, "timestamp": time.time(), "text": text}
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                       (sender, type_name, event["timestamp"], json.dumps(event)))


# ------------------------------------------------------------------ HTTP
class Client:
    """A browser-like requests session: keeps cookies, reads the CSRF token from the last page."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy between the tests and the loopback console
        self.csrf = ""

    def get(self, path: str, **kwargs) -> requests.Response:
        response = self.http.get(self.base_url + path, allow_redirects=kwargs.pop("allow_redirects", False),
                                 timeout=10, **kwargs)
        found = CSRF_INPUT.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: Optional[dict] = None, csrf: bool = True, **kwargs) -> requests.Response:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.http.post(self.base_url + path, data=data, allow_redirects=False, timeout=30, **kwargs)

    def sign_in(self, email: str, password: str, next_path: str = "") -> requests.Response:
        self.get("/login")
        return self.post("/login", {"email": email, "password": password, "next": next_path})
