"""One real console server (python -m console, free port) on a temporary database for the session.

Each test makes its own accounts (unique addresses), so tests do not depend on each other; the
sign-in attempts table is emptied after each test so one test's failed sign-ins from 127.0.0.1
never throttle the next.
"""
from __future__ import annotations

import os
from typing import Callable, Dict, Tuple

import pytest
import sqlalchemy as sa

from console.db import engine
from tests.console.support import Client, ConsoleServer, free_port, make_account

for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_proxy, None)


@pytest.fixture(scope="session")
def console(tmp_path_factory) -> ConsoleServer:
    server = ConsoleServer(tmp_path_factory.mktemp("console"), free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def settings(console):
    return console.settings


@pytest.fixture(autouse=True)
def _forget_sign_in_attempts(request):
    yield
    if "console" in request.fixturenames:
        with engine(request.getfixturevalue("console").settings).begin() as conn:
            conn.execute(sa.text("DELETE FROM console_sign_in_attempts"))


@pytest.fixture
def client(console) -> Client:
    return Client(console.url)


@pytest.fixture
def account(settings) -> Callable[..., Tuple[str, str]]:
    """account(role, one_time=False) -> (email, password)"""
    return lambda role, one_time=False: make_account(settings, role, one_time)


@pytest.fixture(scope="session")
def shared_accounts(console) -> Dict[str, Tuple[str, str]]:
    """One account per role for tests that only sign in (scrypt costs ~0.1 s per hash)."""
    return {}


@pytest.fixture
def signed_in(console, account, shared_accounts) -> Callable[..., Client]:
    """signed_in(role, fresh=False) -> a Client signed in (its own session) with an account of that role;
    fresh=True: a new account, for tests that change or disable it."""

    def _signed_in(role: str, fresh: bool = False) -> Client:
        client = Client(console.url)
        if fresh or role not in shared_accounts:
            created = account(role)
            if fresh:
                email, password = created
            else:
                email, password = shared_accounts.setdefault(role, created)
        else:
            email, password = shared_accounts[role]
        response = client.sign_in(email, password)
        assert response.status_code == 303, response.text
        client.email = email
        client.get("/inbox")  # picks up the session's CSRF token
        return client

    return _signed_in
