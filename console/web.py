"""Rendering pages: one Jinja2 environment (autoescape on: visitor text is always text), the nav,
error pages and the CSRF check every POST goes through."""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import List, Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sanic import Request
from sanic.response import HTTPResponse, html

from console.db import utcnow

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

environment = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable fails the page's test instead of rendering blank
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(moment: Optional[datetime], pattern: str = "%Y-%m-%d %H:%M") -> str:
    return moment.strftime(pattern) if moment else ""


environment.filters["when"] = _when


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    role: str  # the least role that may use the page


# Pages of other console modules are listed here too, so every role's nav is defined in one place.
NAV: List[NavItem] = [
    NavItem("Follow-ups", "/inbox", "staff"),
    NavItem("Conversations", "/conversations", "staff"),
    NavItem("Insights", "/insights", "staff"),
    NavItem("Review sheet", "/review", "staff"),
    NavItem("Accounts", "/accounts", "admin"),
    NavItem("Audit log", "/audit", "admin"),
]


def nav_for(user) -> List[NavItem]:
    if user is None or user.must_change_password:
        return []
    return [item for item in NAV if user.has_role(item.role)]


def current_user(request: Request):
    return getattr(request.ctx, "user", None)


def render(request: Request, template: str, http_status: int = 200, **context) -> HTTPResponse:
    """The page `template` with `context` plus user, csrf_token, nav, current_path and now."""
    user = current_user(request)
    page = environment.get_template(template).render(
        user=user,
        csrf_token=getattr(request.ctx, "csrf_token", ""),
        nav=nav_for(user),
        current_path=request.path,
        now=utcnow(),
        **context,
    )
    return html(page, status=http_status)


def error_page(request: Request, status: int, title: str, message: str) -> HTTPResponse:
    return render(request, "error.html", http_status=status, title=title, message=message, status_code=status)


def submitted_csrf_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER, "")
    if header:
        return header
    form = request.form if request.content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")) else None
    return (form.get(CSRF_FIELD) or "") if form else ""


def check_csrf(request: Request) -> Optional[HTTPResponse]:
    """None when the POST carries this session's token (request.ctx.csrf_token), else a 403 page."""
    expected = getattr(request.ctx, "csrf_token", "") or ""
    submitted = submitted_csrf_token(request)
    # Tokens are ASCII (secrets.token_urlsafe); anything else, such as a header's undecodable
    # bytes (surrogates, which .encode() cannot take), is simply not the token.
    if expected and submitted and expected.isascii() and submitted.isascii() \
            and hmac.compare_digest(expected.encode(), submitted.encode()):
        return None
    return error_page(request, 403, "Form refused",
                      "This form could not be accepted because its security token was missing or out of date. "
                      "Go back, reload the page and try again.")


# Days a page may be asked about: wide enough for any real query, narrow enough that a day's
# neighbours (the day after an end, 30 days before a start) are still dates.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²".isdigit() is True, int("²") fails


def whole_number(raw: str, low: int, high: int) -> Optional[int]:
    """`raw` as an int in [low, high], or None (not ASCII digits, too long, or out of range)."""
    if not isinstance(raw, str) or not _WHOLE_NUMBER.fullmatch(raw):
        return None
    number = int(raw)
    return number if low <= number <= high else None


def parse_day(raw: str) -> date:
    """A YYYY-MM-DD day from a query string; ValueError when it is not one or is out of range."""
    day = date.fromisoformat(raw)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{raw!r} is outside {FIRST_DAY} to {LAST_DAY}")
    return day


def app_settings(request: Request):
    """The running app's Settings (set by console.app.create_app)."""
    return request.app.ctx.settings
