"""Fixtures for the custom-action tests (helpers: action_testkit.py).

Every test is isolated: HANDOFF_DB_URL points at a SQLite file in tmp_path, the handoff spool
file is redirected into tmp_path, and no webhook URL, CLINIC_CONFIG or proxy setting leaks in
from the environment. Async actions are run with asyncio.run (action_testkit.run_action).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from action_testkit import (  # also puts the project root on sys.path
    WebhookServer,
    load_clinic_file,
    load_domain,
    load_vocabulary_file,
    make_tracker,
)

import actions.handoff as handoff  # noqa: E402
from actions.clinic import load_clinic  # noqa: E402
from actions.tickets import TicketStore  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """No test touches var/, a real webhook or another clinic's details."""
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    monkeypatch.delenv("HANDOFF_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("CLINIC_CONFIG", raising=False)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(handoff, "SPOOL_PATH", tmp_path / "spool" / "handoff_spool.jsonl")
    load_clinic.cache_clear()
    yield
    load_clinic.cache_clear()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return load_domain()


@pytest.fixture(scope="session")
def clinic_config() -> Dict[str, str]:
    """clinic.yml as written: the expectations (actions.clinic is what is tested)."""
    return load_clinic_file()


@pytest.fixture(scope="session")
def vocabulary_file() -> Dict[str, Any]:
    return load_vocabulary_file()


@pytest.fixture(name="make_tracker")
def make_tracker_fixture():
    """make_tracker(text, intent, entities=..., slots=..., response_selector=..., ...)."""
    return make_tracker


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "handoff.db"


@pytest.fixture
def isolated_db(db_path) -> str:
    """This test's own SQLite URL (HANDOFF_DB_URL is already set to it)."""
    return f"sqlite:///{db_path}"


@pytest.fixture
def store(isolated_db) -> TicketStore:
    return TicketStore(isolated_db)


@pytest.fixture
def spool_path() -> Path:
    return handoff.SPOOL_PATH


@pytest.fixture
def webhook_server():
    server = WebhookServer().start()
    yield server
    server.stop()
