"""`make shell` as clinic staff use it: `scripts/bot.sh shell` in a terminal (a pseudo-terminal here).

Isolated from a running assistant: its own action server port (5355), tracker database, logs and
shell port. Loads the model in models/ (30-60 s). Run: .venv/bin/pytest -q tests/shell
"""
from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACTION_PORT = 5355
PROMPT = "Your input ->"
CURSOR_POSITION_REQUEST = b"\x1b[6n"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MENU = "Type out your own message"  # the last choice of Rasa's button menu (questionary)
NOISE = re.compile(r"warning|tensorflow|sqlalchemy", re.IGNORECASE)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _as_a_terminal_window_starts_it() -> None:
    # A terminal window's shell takes hangups; a test run under nohup (CI) ignores SIGHUP, and an
    # ignored signal is inherited and cannot be trapped by bash: reset it, as a window would.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # the pseudo-terminal is its controlling terminal


class Terminal:
    """The staff member's terminal window: what they see, what they type, closing it."""

    def __init__(self, command: List[str], env: Dict[str, str], log: Path) -> None:
        self.log = log
        self.env = env
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        # A session of its own with this terminal as its controlling terminal, as in a real
        # window. Closing it (the master side) sends SIGHUP to the session leader, bot.sh, alone:
        # harder than a desktop terminal, whose shell passes the SIGHUP on to rasa as well.
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            preexec_fn=_as_a_terminal_window_starts_it)
        os.close(slave)
        self.output = b""

    @property
    def screen(self) -> str:
        return ANSI.sub("", self.output.decode(errors="replace"))

    def read_until(self, text: str, seconds: float, start: int = 0) -> str:
        """Screen text after `start` once it contains `text`; fails if the shell exits first."""
        deadline = time.monotonic() + seconds
        while text not in self.screen[start:]:
            if time.monotonic() > deadline or not self._read(1.0):
                pytest.fail(f"{text!r} did not appear within {seconds} s; the terminal shows:\n"
                            f"{self.screen[-3000:]}")
        return self.screen[start:]

    def _read(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], seconds)
        if not ready:
            return self.process.poll() is None
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every process has closed the terminal
            return False
        # prompt_toolkit asks where the cursor is; a real terminal answers at once.
        for _ in range(data.count(CURSOR_POSITION_REQUEST)):
            os.write(self.master, b"\x1b[1;1R")
        self.output += data
        return bool(data)

    def ask(self, line: str, reply: str, seconds: float = 60) -> str:
        """Type a line, press Enter, wait for `reply` and the next prompt; the screen in between.
        (The prompt is redrawn as the line is typed, so it is looked for after the reply.)"""
        start = len(self.screen)
        os.write(self.master, line.encode() + b"\r")
        at = start + self.read_until(reply, seconds, start).index(reply)
        return self.read_until(PROMPT, seconds, at)

    def close_window(self) -> None:
        os.close(self.master)  # the kernel hangs up the terminal: SIGHUP


def listeners(port: int) -> List[int]:
    found = subprocess.run(["fuser", "-n", "tcp", str(port)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if not any((ROOT / "models").glob("*.tar.gz")):
        pytest.skip("no trained model in models/ (make train)")
    if not port_free(ACTION_PORT):
        pytest.fail(f"port {ACTION_PORT} (this test's action server) is already in use")
    endpoints = (ROOT / "endpoints.yml").read_text()
    endpoints = re.sub(r"localhost:\d+/webhook", f"localhost:{ACTION_PORT}/webhook", endpoints)
    endpoints = re.sub(r"db: .*", f"db: {tmp_path / 'tracker.db'}", endpoints)
    assert f":{ACTION_PORT}/webhook" in endpoints and str(tmp_path) in endpoints
    (tmp_path / "endpoints.yml").write_text(endpoints)
    env = {**os.environ, "ENDPOINTS": str(tmp_path / "endpoints.yml"), "LOGS": str(tmp_path / "log"),
           "SHELL_PORT": str(free_port()), "TERM": "xterm-256color"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the Makefile's setting must not be what hides TensorFlow
    shell = Terminal(["scripts/bot.sh", "shell"], env, tmp_path / "log" / "shell.log")
    try:
        yield shell
    finally:
        if shell.process.poll() is None:
            os.killpg(shell.process.pid, signal.SIGTERM)
            shell.process.wait(30)
        for pid in listeners(ACTION_PORT):  # an action server the shell failed to stop
            os.kill(pid, signal.SIGTERM)


@pytest.mark.skipif(shutil.which("fuser") is None, reason="needs fuser (psmisc)")
def test_staff_talk_in_the_terminal_see_no_library_noise_and_closing_it_frees_the_ports(terminal):
    terminal.read_until(PROMPT, 240)
    shell_port = int(terminal.env["SHELL_PORT"])

    # The greeting's suggestions arrive as text, not as a menu that would take the next line.
    greeting = terminal.ask("hi", "What would you like to know?")
    assert "What is microneedling?" in greeting and "What's the downtime?" in greeting
    assert MENU not in greeting

    answer = terminal.ask("how long is the downtime?", "sunburn for 24")  # the question typed, answered
    assert "collagen induction therapy" not in answer  # not the first suggestion picked for it

    # An escalation reaches staff as a readable line and the call-back offer, and the shell goes on.
    escalation = terminal.ask("I'm pregnant, can I still have it?", "[handed to a clinician")
    assert "reason pregnancy" in escalation and "You can reply: Yes, please contact me" in escalation
    assert "sunburn for 24" in terminal.ask("how long is the downtime?", "sunburn for 24")

    noise = [line for line in terminal.screen.splitlines() if NOISE.search(line)]
    assert noise == [], "library noise on the staff's screen"
    # ... because it went to the log, not because there was none.
    assert "DeprecationWarning" in terminal.log.read_text()

    terminal.close_window()
    assert wait_until(lambda: terminal.process.poll() is not None, 15), "bot.sh still running"
    assert wait_until(lambda: port_free(ACTION_PORT), 10), f"the action server still holds {ACTION_PORT}"
    assert wait_until(lambda: port_free(shell_port), 10), "the shell's Rasa server still runs"
