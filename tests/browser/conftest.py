"""Fixtures for the chat-widget browser tests.

The tests drive Debian's Chromium (/usr/bin/chromium) through the Python `playwright`
package against the REAL assistant:

* a static server for widget/ is started here on http://localhost:8080 (WIDGET_URL; the
  origin the Rasa server's CORS setting allows), or reused if one already serves widget/;
* the Rasa server (BOT_URL, default http://localhost:5005) and the action server
  (ACTION_SERVER_URL, default http://localhost:5055) must already be running. If they
  do not answer within 5 s the tests FAIL (never skip) with a message saying how to
  start them.
"""
from __future__ import annotations

import functools
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
WIDGET_DIR = ROOT / "widget"
SCREENSHOT_DIR = ROOT / "reports" / "screenshots"

BOT_URL = os.environ.get("BOT_URL", "http://localhost:5005").rstrip("/")
ACTION_SERVER_URL = os.environ.get("ACTION_SERVER_URL", "http://localhost:5055").rstrip("/")
# The demo page's origin must be one the bot's --cors allows. scripts/bot.sh exports WIDGET_URL.
WIDGET_ORIGIN = os.environ.get("WIDGET_URL", "http://localhost:8080").rstrip("/")
WIDGET_HOST = "127.0.0.1"
WIDGET_PORT = urllib.parse.urlsplit(WIDGET_ORIGIN).port or 80
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_HINT = (
    "Start the assistant first, from the repository root: `make test-browser` starts the action server, "
    "the Rasa server and the demo page and then runs these tests; or keep `make run` going in another "
    "terminal; or by hand:\n"
    "  .venv/bin/rasa run actions --port 5055\n"
    '  .venv/bin/rasa run --enable-api=false -m models --cors "http://localhost:8080" --port 5005\n'
    "and wait until the model is loaded (about 20 s). Set BOT_URL / ACTION_SERVER_URL if they run elsewhere."
)

# Bot replies can be slow right after the model loads; be generous but bounded.
expect.set_options(timeout=15_000)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium against the real assistant")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


# ------------------------------------------------------------------ servers
class _QuietNoCacheHandler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # keep pytest output clean
        pass


def _serves_this_widget(origin: str) -> bool:
    """True when `origin` already serves this checkout's widget/ (e.g. started by scripts/bot.sh)."""
    try:
        for name in ("chat-widget.js", "chat-widget.css", "index.html"):
            with urllib.request.urlopen(f"{origin}/{name}", timeout=5) as resp:
                if resp.read() != (WIDGET_DIR / name).read_bytes():
                    return False
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def widget_server():
    """Serve widget/ on http://localhost:8080 for the whole session.

    If the port is already taken by a server that serves these very files (scripts/bot.sh
    starts one next to the bot), that server is used; anything else on the port is an error.
    """
    if not (WIDGET_DIR / "chat-widget.js").is_file():
        pytest.fail(f"{WIDGET_DIR}/chat-widget.js is missing", pytrace=False)
    handler = functools.partial(_QuietNoCacheHandler, directory=str(WIDGET_DIR))
    try:
        httpd = ThreadingHTTPServer((WIDGET_HOST, WIDGET_PORT), handler)
    except OSError as exc:
        if _serves_this_widget(WIDGET_ORIGIN):
            yield WIDGET_ORIGIN
            return
        pytest.fail(
            f"Cannot start the widget's static server on {WIDGET_HOST}:{WIDGET_PORT} ({exc}) and what "
            f"listens there does not serve {WIDGET_DIR}. Stop it: the bot's CORS only allows the origin "
            f"{WIDGET_ORIGIN}, so the tests need this port.",
            pytrace=False,
        )
    thread = threading.Thread(target=httpd.serve_forever, name="widget-static-server", daemon=True)
    thread.start()
    yield WIDGET_ORIGIN
    httpd.shutdown()
    httpd.server_close()


def _answers(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return 200 <= resp.status < 300, f"HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except Exception as exc:  # connection refused, timeout, DNS...
        return False, f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def bot_url():
    """The real Rasa server (and its action server) must already be up: fail loudly if not."""
    ok, detail = _answers(BOT_URL + "/")
    if not ok:
        pytest.fail(f"The Rasa server at BOT_URL={BOT_URL} did not answer GET / within 5 s ({detail}).\n{START_HINT}",
                    pytrace=False)
    ok, detail = _answers(ACTION_SERVER_URL + "/health")
    if not ok:
        pytest.fail(f"The action server at ACTION_SERVER_URL={ACTION_SERVER_URL} did not answer GET /health "
                    f"within 5 s ({detail}).\n{START_HINT}", pytrace=False)
    return BOT_URL


# ------------------------------------------------------------------ browser
@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install -y chromium`", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


class PageWatch:
    """Records dialogs (alert/confirm/prompt) and uncaught page errors."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def make_page(browser, widget_server):
    """Factory: a fresh browser context (so fresh localStorage = fresh conversation) + page."""
    contexts = []
    watches = []

    def _make(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860})
        contexts.append(context)
        page = context.new_page()
        watches.append(PageWatch(page))
        page.watch = watches[-1]
        return page

    yield _make
    for ctx in contexts:
        ctx.close()
    errors = [e for w in watches for e in w.page_errors]
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


@pytest.fixture(scope="session")
def demo_url(widget_server):
    """demo_url(server) -> URL of the demo page with the widget pointed at `server`."""

    def _url(server: str) -> str:
        return f"{widget_server}/index.html?server={urllib.parse.quote(server, safe='')}"

    return _url
