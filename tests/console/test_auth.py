"""Sign-in, one-time passwords, throttling, sessions, CSRF, roles and headers, over real HTTP."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from console import accounts, auth
from console.auth import SESSION_COOKIE, sessions_table, token_hash
from console.db import create_all, engine, utcnow
from tests.console.support import settings_for

# Every route of the console's core and the least role that may use it.
ROUTES = [("GET", "/inbox", "staff"), ("GET", "/inbox/MN-ABCDEF", "staff"),
          ("POST", "/inbox/MN-ABCDEF/resolve", "staff"), ("POST", "/inbox/MN-ABCDEF/notify", "staff"),
          ("GET", "/accounts", "admin"), ("POST", "/accounts/add", "admin"), ("POST", "/accounts/reset", "admin"),
          ("POST", "/accounts/disable", "admin"), ("POST", "/accounts/enable", "admin"), ("GET", "/audit", "admin"),
          ("GET", "/password", "staff")]


# ------------------------------------------------------------------ passwords
def test_a_password_hash_is_salted_scrypt_with_its_parameters():
    first, second = accounts.hash_password("a long enough secret"), accounts.hash_password("a long enough secret")
    assert first != second  # a random salt each time
    assert first.startswith("scrypt$16384$8$1$")
    assert accounts.verify_password("a long enough secret", first)
    assert not accounts.verify_password("a long enough secreT", first)
    assert not accounts.verify_password("a long enough secret", "not a hash")


@pytest.mark.parametrize("new, confirm, problem", [
    ("short pass", "short pass", "at least 12"),
    ("a long password", "a long passwor", "not the same"),
    ("me@clinic.example", "me@clinic.example", "email"),
])
def test_weak_new_passwords_are_refused_with_a_reason(new, confirm, problem):
    assert problem in accounts.password_problem(new, confirm, "me@clinic.example")


def test_a_good_new_password_has_no_problem():
    assert accounts.password_problem("twelve chars!", "twelve chars!", "me@clinic.example") is None


# ------------------------------------------------------------------ sign-in
def test_sign_in_with_the_right_password_opens_the_inbox(client, account):
    email, password = account("staff")
    response = client.sign_in(email, password, next_path="/inbox?status=all")
    assert response.status_code == 303 and response.headers["Location"] == "/inbox?status=all"
    cookie = response.headers["Set-Cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/inbox")
    assert page.status_code == 200 and "Follow-ups" in page.text and email in page.text


def test_the_session_cookie_is_stored_only_as_a_hash(client, account, settings):
    email, password = account("staff")
    client.sign_in(email, password)
    token = client.http.cookies[SESSION_COOKIE]
    with engine(settings).connect() as conn:
        stored = conn.execute(sa.select(sessions_table.c.token_hash)).scalars().all()
    assert token_hash(token) in stored and token not in stored


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, account):
    email, _ = account("staff")
    wrong = client.sign_in(email, "not the password at all")
    unknown = client.sign_in("nobody@clinic.example", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "do not match an active account" in response.text
        assert SESSION_COOKIE not in response.cookies
    assert client.get("/inbox").status_code == 303


def test_an_open_redirect_through_next_is_refused(client, account):
    email, password = account("staff")
    response = client.sign_in(email, password, next_path="//evil.example/x")
    assert response.headers["Location"] == "/"


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(signed_in, client, settings):
    staff = signed_in("staff", fresh=True)
    accounts.disable_account(settings, staff.email, by="test")
    assert staff.get("/inbox").status_code == 303
    password = "correct horse " + "x" * 8
    accounts.set_password(settings, staff.email, password)  # a password alone does not re-enable it
    assert client.sign_in(staff.email, password).status_code == 401


def test_a_one_time_password_must_be_replaced_before_anything_else(client, account):
    email, one_time = account("staff", one_time=True)
    response = client.sign_in(email, one_time)
    assert response.status_code == 303 and response.headers["Location"] == "/password"
    assert client.get("/inbox").headers["Location"] == "/password"
    client.get("/password")
    short = client.post("/password", {"current_password": one_time, "new_password": "too short",
                                      "confirm_password": "too short"})
    assert short.status_code == 400 and "at least 12 characters" in short.text
    client.get("/password")
    done = client.post("/password", {"current_password": one_time, "new_password": "my own passphrase",
                                     "confirm_password": "my own passphrase"})
    assert done.status_code == 303
    assert client.get("/inbox").status_code == 200
    other = type(client)(client.base_url)
    assert other.sign_in(email, one_time).status_code == 401
    assert other.sign_in(email, "my own passphrase").status_code == 303


def test_sign_in_is_paused_after_five_failures_for_the_account(client, account, settings):
    email, password = account("staff")
    for _ in range(5):
        assert client.sign_in(email, "wrong password!").status_code == 401
    refused = client.sign_in(email, password)  # even the right password now
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text and "15 more minute" in refused.text
    assert SESSION_COOKIE not in refused.cookies
    from console import audit
    assert any(e.action == "sign-in throttled" and email in e.subject for e in audit.entries(settings, limit=5))


def test_sign_in_is_paused_after_five_failures_from_one_address(client, account):
    for number in range(5):
        client.sign_in(f"guess{number}@clinic.example", "wrong password!")
    email, password = account("staff")  # an account nobody guessed at
    assert client.sign_in(email, password).status_code == 429


def test_failures_long_ago_do_not_count(client, account, settings):
    email, password = account("staff")
    for _ in range(5):
        client.sign_in(email, "wrong password!")
    with engine(settings).begin() as conn:
        conn.execute(sa.text("UPDATE console_sign_in_attempts SET at = :then"), {"then": utcnow() - timedelta(minutes=31)})
    assert client.sign_in(email, password).status_code == 303


# ------------------------------------------------------------------ sessions
def _age_sessions(settings, email, **ago):
    user = next(u for u in accounts.list_accounts(settings) if u.email == email)
    with engine(settings).begin() as conn:
        conn.execute(sessions_table.update().where(sessions_table.c.user_id == user.id)
                     .values({name: utcnow() - delta for name, delta in ago.items()}))


def test_a_session_unused_for_the_idle_time_expires(signed_in, settings):
    staff = signed_in("staff", fresh=True)
    _age_sessions(settings, staff.email, last_seen_at=timedelta(minutes=31))
    response = staff.get("/inbox")
    assert response.status_code == 303 and "expired=1" in response.headers["Location"]
    assert "Your session has ended" in staff.get(response.headers["Location"]).text


def test_a_session_in_use_still_ends_after_its_absolute_lifetime(signed_in, settings):
    staff = signed_in("staff", fresh=True)
    _age_sessions(settings, staff.email, created_at=timedelta(hours=8, minutes=1), last_seen_at=timedelta(0))
    assert staff.get("/inbox").status_code == 303


def test_sign_out_ends_the_session_on_the_server(signed_in):
    staff = signed_in("staff")
    token = staff.http.cookies[SESSION_COOKIE]
    response = staff.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login?signed_out=1"
    stolen = type(staff)(staff.base_url)
    stolen.http.cookies.set(SESSION_COOKIE, token)
    assert stolen.get("/inbox").status_code == 303


# ------------------------------------------------------------------ CSRF
def test_a_post_without_the_csrf_token_is_refused(signed_in):
    staff = signed_in("staff")
    response = staff.post("/logout", csrf=False)
    assert response.status_code == 403 and "security token" in response.text
    assert staff.get("/inbox").status_code == 200  # still signed in


def test_a_post_with_another_sessions_token_is_refused(signed_in):
    one, two = signed_in("staff"), signed_in("staff")
    assert one.post("/logout", {"csrf_token": two.csrf}).status_code == 403


def test_the_csrf_header_is_accepted_instead_of_the_field(signed_in):
    staff = signed_in("staff")
    response = staff.post("/logout", csrf=False, headers={"X-CSRF-Token": staff.csrf})
    assert response.status_code == 303


def test_the_sign_in_form_needs_its_pre_session_token(client, account):
    email, password = account("staff")
    client.get("/login")
    refused = client.post("/login", {"email": email, "password": password}, csrf=False)
    assert refused.status_code == 403
    forged = type(client)(client.base_url)  # a page on another site cannot read the cookie's value
    assert forged.post("/login", {"email": email, "password": password, "csrf_token": "x" * 43}).status_code == 403


# ------------------------------------------------------------------ roles and anonymous requests
@pytest.mark.parametrize("method, path, role", ROUTES + [("GET", "/", "staff"), ("GET", "/no-such-page", "staff")])
def test_every_page_but_sign_in_redirects_anonymous_requests(client, method, path, role):
    response = client.get(path) if method == "GET" else client.post(path, {"csrf_token": "x"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("method, path, needed", [r for r in ROUTES if r[2] != "staff"])
@pytest.mark.parametrize("role", ["staff", "clinician"])
def test_pages_above_a_role_are_refused_with_403(signed_in, method, path, needed, role):
    user = signed_in(role)
    response = user.get(path) if method == "GET" else user.post(path, {"email": "x@clinic.example", "role": "admin"})
    assert response.status_code == 403 and "Not available to your role" in response.text


@pytest.mark.parametrize("role, visible, hidden", [
    # staff read the review sheet (only clinicians sign answers off)
    ("staff", ["/inbox", "/conversations", "/insights", "/review"], ["/accounts", "/audit"]),
    ("clinician", ["/inbox", "/review"], ["/accounts", "/audit"]),
    ("admin", ["/inbox", "/review", "/accounts", "/audit"], []),
])
def test_the_nav_shows_what_the_role_may_use(signed_in, role, visible, hidden):
    page = signed_in(role).get("/inbox").text
    nav = page[page.index('<nav aria-label="Console">'):page.index("</nav>")]
    assert all(f'href="{href}"' in nav for href in visible)
    assert not any(f'href="{href}"' in nav for href in hidden)


# ------------------------------------------------------------------ headers and bad input
@pytest.mark.parametrize("path", ["/login", "/inbox", "/no-such-page", "/inbox/not-a-ref", "/static/console.css"])
def test_security_headers_on_every_response(signed_in, client, path):
    response = (client if path == "/login" else signed_in("staff")).get(path)
    assert response.status_code in (200, 404)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'; frame-ancestors 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if not path.startswith("/static/"):
        assert response.headers["Cache-Control"] == "no-store"


def test_an_unknown_page_is_a_404_page_not_a_crash(signed_in):
    response = signed_in("staff").get("/no-such-page")
    assert response.status_code == 404 and "There is no page at this address" in response.text


def test_a_malformed_form_post_gets_a_clear_answer(signed_in):
    staff = signed_in("staff")
    response = staff.http.post(staff.base_url + "/inbox/MN-ABCDEF/resolve", data=b"\xff\xfe%%%",
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "X-CSRF-Token": staff.csrf}, allow_redirects=False)
    assert 400 <= response.status_code < 500


# ------------------------------------------------------------------ scrypt off the event loop
class _Checked(Exception):
    """Raised by the stand-in check: the handler stops there, having shown where it ran it."""


@pytest.mark.parametrize("handler", ["login_submit", "password_submit"])
def test_passwords_are_checked_in_a_worker_thread_not_on_the_event_loop(tmp_path, monkeypatch, handler):
    settings = settings_for(tmp_path)
    create_all(settings)
    ran_on_loop = []

    def check_credentials(*args):
        try:
            asyncio.get_running_loop()
            ran_on_loop.append(True)  # scrypt here would hold up every other request
        except RuntimeError:
            ran_on_loop.append(False)
        raise _Checked

    monkeypatch.setattr(auth, "check_credentials", check_credentials)
    form = {"email": "someone@clinic.example", "password": "a guess at it", "current_password": "a guess at it",
            "new_password": "a new long passphrase", "confirm_password": "a new long passphrase"}
    request = SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(settings=settings)), form=form,
                              remote_addr="", ip="127.0.0.1", args={}, method="POST",
                              ctx=SimpleNamespace(session=None, user=SimpleNamespace(email=form["email"])))
    with pytest.raises(_Checked):
        asyncio.run(getattr(auth, handler)(request))
    assert ran_on_loop == [False]
