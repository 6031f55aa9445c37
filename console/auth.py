"""Sign-in, sessions, sign-in throttling and role checks.

A session is a random token in an HttpOnly, SameSite=Strict cookie; the server keeps only its
SHA-256, so a copy of the database does not let anyone sign in. A session ends on sign-out, after
`idle_minutes` unused, `session_hours` after sign-in, and when the account is disabled or its
password changes. Before sign-in a separate random cookie carries the login form's CSRF token.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, List, Optional
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from console import audit
from console.accounts import (MAX_PASSWORD_LENGTH, User, check_credentials, check_role, get_user,
                              password_problem, set_password, users_table)
from console.db import as_utc, engine, metadata, utcnow
from console.settings import Settings
from console.web import app_settings, error_page, render

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = {"/login"}
# Pages a user holding a one-time password may still reach.
PASSWORD_CHANGE_PATHS = {"/password", "/logout"}
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_PAUSE = timedelta(minutes=15)
LAST_SEEN_GRANULARITY = timedelta(seconds=30)  # not one database write per page view

sessions_table = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey(users_table.c.id), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
)

attempts_table = sa.Table(
    "console_sign_in_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("email", sa.String(254), nullable=False, index=True),
    sa.Column("client", sa.String(64), nullable=False, index=True),
    sa.Column("succeeded", sa.Boolean, nullable=False),
)

bp = Blueprint("auth")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ sessions
@dataclass(frozen=True)
class Session:
    id: int
    user: User
    csrf_token: str


def start_session(settings: Settings, user: User) -> str:
    """A new session for `user`; returns the cookie's token (its hash is what is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine(settings).begin() as conn:
        conn.execute(sessions_table.insert().values(
            token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
            created_at=now, last_seen_at=now))
    return token


def end_session(settings: Settings, session_id: int) -> None:
    with engine(settings).begin() as conn:
        conn.execute(sessions_table.delete().where(sessions_table.c.id == session_id))


def find_session(settings: Settings, token: str) -> Optional[Session]:
    """The live session for this cookie token; an expired one is deleted and None returned."""
    if not token or len(token) > 128 or not token.isascii():
        return None
    with engine(settings).connect() as conn:
        row = conn.execute(sa.select(sessions_table).where(
            sessions_table.c.token_hash == token_hash(token))).mappings().first()
    if row is None:
        return None
    user = get_user(settings, row["user_id"])
    now = utcnow()
    created, last_seen = as_utc(row["created_at"]), as_utc(row["last_seen_at"])
    expired = (user is None or user.disabled
               or created < user.password_changed_at
               or now - created > timedelta(hours=settings.session_hours)
               or now - last_seen > timedelta(minutes=settings.idle_minutes))
    if expired:
        end_session(settings, row["id"])
        return None
    if now - last_seen > LAST_SEEN_GRANULARITY:
        with engine(settings).begin() as conn:
            conn.execute(sessions_table.update().where(sessions_table.c.id == row["id"]).values(last_seen_at=now))
    return Session(id=row["id"], user=user, csrf_token=row["csrf_token"])


def set_cookie(response: HTTPResponse, settings: Settings, name: str, value: str, max_age: Optional[int] = None) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["path"] = "/"
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if settings.secure_cookies:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def clear_cookie(response: HTTPResponse, settings: Settings, name: str) -> None:
    set_cookie(response, settings, name, "", max_age=0)


# ------------------------------------------------------------------ middleware (registered by console.app)
def load_session(request: Request) -> None:
    """Sets request.ctx.user (or None) and request.ctx.csrf_token for this request."""
    settings = app_settings(request)
    session = find_session(settings, request.cookies.get(SESSION_COOKIE, ""))
    request.ctx.session = session
    request.ctx.user = session.user if session else None
    request.ctx.had_session_cookie = bool(request.cookies.get(SESSION_COOKIE))
    if session:
        request.ctx.csrf_token = session.csrf_token
        return
    login_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    request.ctx.new_login_csrf = not (20 <= len(login_token) <= 64 and login_token.isascii())
    request.ctx.csrf_token = secrets.token_urlsafe(32) if request.ctx.new_login_csrf else login_token


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def gatekeeper(request: Request) -> Optional[HTTPResponse]:
    """Default deny: anonymous requests go to the sign-in page, one-time passwords to /password."""
    if is_public(request.path):
        return None
    user = request.ctx.user
    if user is None:
        return redirect_to_login(request)
    if user.must_change_password and request.path not in PASSWORD_CHANGE_PATHS:
        return redirect("/password", status=303)
    return None


def redirect_to_login(request: Request) -> HTTPResponse:
    target = "/login"
    if request.method == "GET":
        wanted = request.path + (f"?{request.query_string}" if request.query_string else "")
        target += "?next=" + quote(wanted, safe="")
    if request.ctx.had_session_cookie:
        target += ("&" if "?" in target else "?") + "expired=1"
    return redirect(target, status=303)


def safe_next(value: Optional[str]) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


# ------------------------------------------------------------------ roles
def require_role(role: str) -> Callable:
    """Handler decorator: anonymous -> 303 to /login?next=..., signed in without `role` -> 403 page."""
    check_role(role)

    def decorator(handler: Callable) -> Callable:
        @functools.wraps(handler)
        async def guarded(request: Request, *args, **kwargs):
            user = getattr(request.ctx, "user", None)
            if user is None:
                return redirect_to_login(request)
            if user.must_change_password:
                return redirect("/password", status=303)
            if not user.has_role(role):
                return error_page(request, 403, "Not available to your role",
                                  f"This page is for the {role} role and above; you are signed in as "
                                  f"{user.role}. Ask an administrator if you need it.")
            result = handler(request, *args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return decorator


# ------------------------------------------------------------------ throttling
def client_address(request: Request) -> str:
    # remote_addr is set only when the proxy in front is trusted (Sanic's PROXIES_COUNT / FORWARDED_SECRET).
    return (request.remote_addr or request.ip or "unknown")[:64]


def record_attempt(settings: Settings, email: str, client: str, succeeded: bool) -> None:
    with engine(settings).begin() as conn:
        conn.execute(attempts_table.insert().values(at=utcnow(), email=email[:254], client=client,
                                                    succeeded=succeeded))


def _pause_end(failures: List[datetime]) -> Optional[datetime]:
    """End of the latest pause: THROTTLE_FAILURES failures within THROTTLE_WINDOW start one."""
    end = None
    for i in range(THROTTLE_FAILURES - 1, len(failures)):
        if failures[i] - failures[i - THROTTLE_FAILURES + 1] <= THROTTLE_WINDOW:
            end = failures[i] + THROTTLE_PAUSE
    return end


def throttled_until(settings: Settings, email: str, client: str) -> Optional[datetime]:
    """When sign-in for this account or from this address is allowed again, if it is paused now."""
    now = utcnow()
    since = now - THROTTLE_WINDOW - THROTTLE_PAUSE
    t = attempts_table
    with engine(settings).connect() as conn:
        rows = conn.execute(sa.select(t.c.at, t.c.email, t.c.client, t.c.succeeded)
                            .where(t.c.at >= since)
                            .where(sa.or_(t.c.email == email, t.c.client == client))
                            .order_by(t.c.at)).all()
    # A successful sign-in to the account clears the account's count (not the address's: one
    # valid account must not let an address keep guessing at others).
    last_success = max((as_utc(r.at) for r in rows if r.email == email and r.succeeded), default=None)
    by_account = [as_utc(r.at) for r in rows if r.email == email and not r.succeeded
                  and (last_success is None or as_utc(r.at) > last_success)]
    by_client = [as_utc(r.at) for r in rows if r.client == client and not r.succeeded]
    ends = [end for end in (_pause_end(by_account), _pause_end(by_client)) if end and end > now]
    return max(ends) if ends else None


# ------------------------------------------------------------------ pages
def _login_page(request: Request, status: int = 200, error: str = "", email: str = "") -> HTTPResponse:
    notice = ""
    if request.args.get("expired"):
        notice = "Your session has ended. Please sign in again."
    elif request.args.get("signed_out"):
        notice = "You are signed out."
    wanted = request.form.get("next") if request.method == "POST" else request.args.get("next")
    return render(request, "login.html", http_status=status, error=error, notice=notice, email=email,
                  next=safe_next(wanted))


@bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    if request.ctx.user is not None:
        return redirect(safe_next(request.args.get("next")), status=303)
    return _login_page(request)


@bp.post("/login")
async def login_submit(request: Request) -> HTTPResponse:
    settings = app_settings(request)
    email = (request.form.get("email") or "").strip().lower()[:254]
    password = request.form.get("password") or ""
    client = client_address(request)
    if not email or not password:
        return _login_page(request, 400, "Enter your email address and your password.", email)
    until = throttled_until(settings, email, client)
    if until is not None:
        audit.record(settings, None, "sign-in throttled", f"{email} from {client}")
        minutes = max(1, int((until - utcnow()).total_seconds() // 60) + 1)
        return _login_page(request, 429, f"Too many failed sign-ins. Signing in is paused for this account "
                                         f"and this computer for {minutes} more minute(s); try again "
                                         f"after {until:%H:%M} UTC, or ask an administrator to reset "
                                         f"your password.", email)
    # scrypt takes 50-170 ms: in a worker thread, so other requests are served meanwhile.
    user = await asyncio.to_thread(check_credentials, settings, email, password)
    record_attempt(settings, email, client, succeeded=user is not None)
    if user is None:
        audit.record(settings, None, "sign-in failed", f"{email} from {client}")
        return _login_page(request, 401, "That email address and password do not match an active account.",
                           email)
    audit.record(settings, user, "signed in", f"from {client}")
    if request.ctx.session is not None:  # signing in over a live session replaces it
        end_session(settings, request.ctx.session.id)
    target = "/password" if user.must_change_password else safe_next(request.form.get("next"))
    response = redirect(target, status=303)
    set_cookie(response, settings, SESSION_COOKIE, start_session(settings, user))
    clear_cookie(response, settings, LOGIN_CSRF_COOKIE)
    return response


@bp.post("/logout")
async def logout(request: Request) -> HTTPResponse:
    settings = app_settings(request)
    response = redirect("/login?signed_out=1", status=303)
    if request.ctx.session is not None:
        end_session(settings, request.ctx.session.id)
        audit.record(settings, request.ctx.user, "signed out", "")
    clear_cookie(response, settings, SESSION_COOKIE)
    return response


@bp.get("/password")
async def password_form(request: Request) -> HTTPResponse:
    return render(request, "password.html", error="")


@bp.post("/password")
async def password_submit(request: Request) -> HTTPResponse:
    settings = app_settings(request)
    user: User = request.ctx.user
    client = client_address(request)
    # The current password guards the change: guesses at it count against the account like
    # failed sign-ins, so an unattended session cannot be used to try passwords without limit.
    if throttled_until(settings, user.email, client) is not None:
        audit.record(settings, user, "password change throttled", f"{user.email} from {client}")
        return render(request, "password.html", http_status=429,
                      error="Too many wrong passwords. Changing it is paused for a while; try again later, "
                            "or ask an administrator to reset your password.")
    current = request.form.get("current_password") or ""
    new = request.form.get("new_password") or ""
    problem = password_problem(new, request.form.get("confirm_password") or "", user.email)
    if await asyncio.to_thread(check_credentials, settings, user.email, current) is None:
        record_attempt(settings, user.email, client, succeeded=False)
        problem = "Your current password is not right."
    elif problem is None and len(new) <= MAX_PASSWORD_LENGTH and new == current:
        problem = "Choose a password different from the current one."
    if problem:
        return render(request, "password.html", http_status=400, error=problem)
    await asyncio.to_thread(set_password, settings, user.email, new)
    audit.record(settings, user, "password changed", user.email)
    # The change ended every session of the account (this one too): start a fresh one.
    end_session(settings, request.ctx.session.id)
    response = redirect("/", status=303)
    set_cookie(response, settings, SESSION_COOKIE, start_session(settings, get_user(settings, user.id)))
    return response


@bp.get("/")
async def home(request: Request) -> HTTPResponse:
    return redirect("/inbox", status=303)
