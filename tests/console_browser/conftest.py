"""Fixtures for the staff console's browser tests: Playwright on Debian's Chromium (headless, the
launch arguments of tests/browser/conftest.py) against a real console on http://127.0.0.1:5280
(CONSOLE_TEST_PORT) with a temporary tickets database and tracker store.

    console                 the running server (.url, .settings, .directory)
    make_account(role, one_time=False) -> (email, password), through the accounts CLI module
    page                    a fresh browser context and page per test (no cookies)
    sign_in(page, role)     -> the page, signed in with a new account of that role, on the inbox
"""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Callable, Tuple

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect, sync_playwright

from console.db import engine
from tests.console.support import ConsoleServer, make_account as _make_account

CONSOLE_PORT = int(os.environ.get("CONSOLE_TEST_PORT", "5280"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # the same as tests/browser/conftest.py
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "reports" / "screenshots"

expect.set_options(timeout=10_000)

for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_proxy, None)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium against a real server")


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def console(tmp_path_factory) -> ConsoleServer:
    if _port_taken(CONSOLE_PORT):
        pytest.fail(f"port {CONSOLE_PORT} is in use: the console browser tests start their own console there "
                    "(set CONSOLE_TEST_PORT to move them)", pytrace=False)
    server = ConsoleServer(tmp_path_factory.mktemp("console_browser"), CONSOLE_PORT).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _forget_sign_in_attempts(request):
    """Failed sign-ins from 127.0.0.1 in one test must not throttle the next test's sign-in."""
    yield
    if "console" in request.fixturenames:
        with engine(request.getfixturevalue("console").settings).begin() as conn:
            conn.execute(sa.text("DELETE FROM console_sign_in_attempts"))


@pytest.fixture
def make_account(console) -> Callable[..., Tuple[str, str]]:
    """make_account(role, one_time=False) -> (email, password)."""
    return lambda role, one_time=False: _make_account(console.settings, role, one_time)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install -y chromium`", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, console):
    """new_page() -> a page in a browser context of its own; uncaught page errors fail the test."""
    contexts, errors = [], []

    def _new_page() -> Page:
        context = browser.new_context(base_url=console.url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield _new_page
    for context in contexts:
        context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def fill_sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def sign_in(make_account) -> Callable[[Page, str], Page]:
    def _sign_in(page: Page, role: str) -> Page:
        email, password = make_account(role)
        fill_sign_in(page, email, password)
        expect(page).to_have_url(re.compile(r"/inbox$"))
        page.account_email = email
        return page

    return _sign_in


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
