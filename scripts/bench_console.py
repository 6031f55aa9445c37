"""Page times of the staff console on a large tracker store.

    .venv/bin/python scripts/gen_tracker_store.py --conversations 100000 --out var/bench/console-tracker.db
    .venv/bin/python scripts/bench_console.py --store var/bench/console-tracker.db --port 5380

Starts `python -m console` on the port against the store (read-only) and a fresh console database,
signs in, times the first page view (the cold build of the rollup over every event), then
--requests views each of /insights, /conversations and filtered lists, and prints JSON: the cold
time, and p50/p95/max per page in seconds. Target: p95 <= 1 s.

With --bot-url and --console-url (scripts/bot.sh exec sets BOT_URL and CONSOLE_URL; `make bench`
runs it so), it also times the assistant's turns alone and while staff browse the console that
reads the assistant's own tracker store: the turns should not slow down beyond noise.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Sequence

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console import accounts  # noqa: E402
from console.settings import Settings  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def start_console(port: int, env: Dict[str, str], log: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "console", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the console exited:\n{log.read_text()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return process
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the console did not start:\n{log.read_text()}")


def signed_in_session(base: str, settings: Settings, with_email: bool = False):
    email, password = f"bench-{secrets.token_hex(3)}@clinic.example", f"bench {secrets.token_hex(8)}"
    with contextlib.redirect_stdout(io.StringIO()):
        accounts.main(["add", "--role", "staff", email], settings=settings)
    accounts.set_password(settings, email, password)
    session = requests.Session()
    session.trust_env = False
    token = CSRF.search(session.get(base + "/login", timeout=10).text).group(1)
    response = session.post(base + "/login", data={"email": email, "password": password, "csrf_token": token},
                            allow_redirects=False, timeout=10)
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    return (session, email) if with_email else session


def timed(session: requests.Session, url: str) -> float:
    began = time.perf_counter()
    response = session.get(url, timeout=600)
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


TURNS = ["what is microneedling?", "can it help my stretch marks?", "how many sessions would I need?",
         "does it hurt?", "how long is the downtime?"]


def turn_times(bot_url: str, turns: int) -> Dict[str, float]:
    """Sequential REST turns (ms), a new conversation every five."""
    times: List[float] = []
    sender = ""
    for index in range(turns):
        if index % len(TURNS) == 0:
            sender = f"bench-console-{uuid.uuid4().hex[:10]}"
        began = time.perf_counter()
        response = requests.post(f"{bot_url}/webhooks/rest/webhook", json={"sender": sender,
                                 "message": TURNS[index % len(TURNS)]}, timeout=60)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"the assistant answered {response.status_code}")
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1)}


BROWSED = ["/inbox", "/conversations", "/conversations?escalated=1", "/insights", "/conversations?fell_back=1"]


def browse(session: requests.Session, base: str, stop: threading.Event, views: List[int], pause: float) -> None:
    """What a member of staff does: the follow-ups, lists, filters, insights, `pause` s apart."""
    while not stop.is_set():
        for path in BROWSED:
            session.get(base + path, timeout=60)
            views[0] += 1
            stop.wait(pause)


def turns_while_browsing(bot_url: str, console_url: str, turns: int, pause: float) -> Dict[str, object]:
    settings = Settings.from_env()  # the databases of the running assistant's console
    session, email = signed_in_session(console_url, settings, with_email=True)
    try:
        turn_times(bot_url, len(TURNS))  # warm-up
        for path in BROWSED:  # the console's rollup of the live store and its sentence model, built once
            session.get(console_url + path, timeout=600)
        alone = turn_times(bot_url, turns)
        stop, views = threading.Event(), [0]
        browser = threading.Thread(target=browse, args=(session, console_url, stop, views, pause), daemon=True)
        browser.start()
        busy = turn_times(bot_url, turns)
        stop.set()
        browser.join(timeout=120)
        return {"turns": turns, "alone": alone, "while_browsing": busy, "console_views_meanwhile": views[0],
                "seconds_between_views": pause}
    finally:
        with contextlib.redirect_stdout(io.StringIO()):
            accounts.main(["disable", email], settings=settings)  # no bench account left able to sign in


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var/bench/console-tracker.db")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_BENCH_PORT", "5380")))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--bot-url", default=os.environ.get("BOT_URL", ""))
    parser.add_argument("--console-url", default=os.environ.get("CONSOLE_URL", ""))
    parser.add_argument("--turns", type=int, default=100, help="assistant turns timed alone and while browsing")
    parser.add_argument("--browse-pause", type=float, default=1.0,
                        help="seconds between the console page views during the turns (a brisk member of staff)")
    args = parser.parse_args(list(argv) or None)
    if not args.store.is_file():
        raise SystemExit(f"{args.store} not found: run scripts/gen_tracker_store.py first")
    with sqlite3.connect(f"file:{args.store.resolve()}?mode=ro", uri=True) as store:
        events, latest = store.execute("SELECT max(id), max(timestamp) FROM events").fetchone()
    latest_day = time.strftime("%Y-%m-%d", time.gmtime(latest))
    month_ago = time.strftime("%Y-%m-%d", time.gmtime(latest - 30 * 86400))

    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/handoff.db",
                            tracker_url=f"sqlite:///{args.store.resolve()}", guide_path=ROOT / "guide" / "microneedling-guide.txt")
        env = {**os.environ, "HANDOFF_DB_URL": settings.database_url, "TRACKER_DB_URL": settings.tracker_url}
        process = start_console(args.port, env, Path(tmp) / "console.log")
        try:
            base = f"http://127.0.0.1:{args.port}"
            session = signed_in_session(base, settings)
            cold = timed(session, base + "/conversations")  # folds every event of the store into the rollup
            first_insights = timed(session, base + "/insights")  # loads the sentence encoder, embeds the gaps
            pages = {
                "/insights": "/insights",
                "/conversations": "/conversations",
                "/conversations (escalated, fell back)": "/conversations?escalated=1&fell_back=1",
                "/conversations (urgent, last 30 days, page 3)":
                    f"/conversations?urgent=1&from={month_ago}&to={latest_day}&page=3",
            }
            results: Dict[str, Dict[str, float]] = {}
            for name, path in pages.items():
                times: List[float] = [timed(session, base + path) for _ in range(args.requests)]
                results[name] = {"p50": round(statistics.median(times), 3), "p95": round(percentile(times, 0.95), 3),
                                 "max": round(max(times), 3)}
        finally:
            process.terminate()
            process.wait(timeout=30)
    report = {"store": str(args.store), "events": events, "requests_per_page": args.requests,
              "cold_rollup_and_first_page_s": round(cold, 2), "first_insights_s": round(first_insights, 2),
              "pages": results, "target_p95_s": 1.0, "met": all(r["p95"] <= 1.0 for r in results.values())}
    if args.bot_url and args.console_url:
        report["assistant_turns"] = turns_while_browsing(args.bot_url.rstrip("/"), args.console_url.rstrip("/"),
                                                         args.turns, args.browse_pause)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
