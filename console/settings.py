"""The console's settings, read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from actions.tickets import database_url as tickets_database_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRACKER_URL = f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
# The project's copy of the clinic's microneedling guide (the review sheet's sources).
DEFAULT_GUIDE_PATH = ROOT / "guide" / "microneedling-guide.txt"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        number = float(value) if value else default
    except ValueError:
        raise SystemExit(f"error: {name}={value!r} is not a number")
    if number <= 0:
        raise SystemExit(f"error: {name} must be positive, not {value}")
    return number


@dataclass(frozen=True)
class Settings:
    database_url: str          # the tickets' database: accounts, sessions, audit log live there too
    tracker_url: str           # Rasa's SQLTrackerStore, read-only for the console
    guide_path: Path
    session_hours: float = 8.0  # absolute lifetime of a sign-in (one working day)
    idle_minutes: float = 30.0  # a session unused this long has expired
    secure_cookies: bool = False  # True behind TLS (nginx in the scaled run)

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=tickets_database_url(),
            tracker_url=os.environ.get("TRACKER_DB_URL") or DEFAULT_TRACKER_URL,
            guide_path=Path(os.environ.get("CONSOLE_GUIDE_PATH") or DEFAULT_GUIDE_PATH),
            session_hours=_number("CONSOLE_SESSION_HOURS", 8.0),
            idle_minutes=_number("CONSOLE_IDLE_MINUTES", 30.0),
            secure_cookies=_flag("CONSOLE_SECURE_COOKIES", False),
        )
