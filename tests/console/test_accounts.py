"""Accounts: the command line (`make staff`) and the administrators' Accounts and Audit log pages."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from console import audit
from tests.console.support import ROOT, Client, console_env


def staff_cli(settings, *args):
    directory = settings.database_url[len("sqlite:///"):].rsplit("/", 1)[0]
    from pathlib import Path
    return subprocess.run([sys.executable, "-m", "console.accounts", *args], cwd=ROOT,
                          env=console_env(Path(directory)), capture_output=True, text=True)


def one_time_password(output: str) -> str:
    return re.search(r"password: (\S+)", output).group(1)


def test_the_cli_adds_an_account_whose_one_time_password_signs_in(settings, console):
    result = staff_cli(settings, "add", "--role", "clinician", "Dr.Who@Clinic")
    assert result.returncode == 0, result.stderr
    assert "dr.who@clinic (clinician) added" in result.stdout
    client = Client(console.url)
    response = client.sign_in("dr.who@clinic", one_time_password(result.stdout))
    assert response.status_code == 303 and response.headers["Location"] == "/password"
    listing = staff_cli(settings, "list").stdout
    assert re.search(r"dr\.who@clinic\s+clinician\s+one-time password", listing)


@pytest.mark.parametrize("args, message", [
    (["add", "--role", "staff", "not an email"], "is not an email address"),
    (["add", "--role", "staff", "a@b@c"], "is not an email address"),
    (["disable", "nobody@clinic.example"], "There is no account for nobody@clinic.example"),
    (["reset", "nobody@clinic.example"], "There is no account for nobody@clinic.example"),
])
def test_the_cli_explains_what_it_cannot_do(settings, args, message):
    result = staff_cli(settings, *args)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_the_cli_refuses_an_unknown_role_and_a_duplicate(settings, account):
    bad_role = staff_cli(settings, "add", "--role", "root", "x@clinic.example")
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    email, _ = account("staff")
    duplicate = staff_cli(settings, "add", "--role", "admin", email)
    assert duplicate.returncode == 1 and "already an account" in duplicate.stderr


def test_the_cli_disables_and_resets(settings, console, account):
    email, password = account("staff")
    reset = staff_cli(settings, "reset", email)
    assert reset.returncode == 0 and "still disabled" not in reset.stdout
    assert Client(console.url).sign_in(email, one_time_password(reset.stdout)).headers["Location"] == "/password"
    assert staff_cli(settings, "disable", email).returncode == 0
    assert Client(console.url).sign_in(email, one_time_password(reset.stdout)).status_code == 401


def test_a_reset_keeps_a_disabled_account_disabled_until_it_is_enabled(settings, console, account):
    email, password = account("staff")
    assert staff_cli(settings, "disable", email).returncode == 0
    reset = staff_cli(settings, "reset", email)
    assert reset.returncode == 0 and "still disabled" in reset.stdout
    one_time = one_time_password(reset.stdout)
    assert Client(console.url).sign_in(email, one_time).status_code == 401
    enabled = staff_cli(settings, "enable", email)
    assert enabled.returncode == 0 and f"{email} enabled" in enabled.stdout
    assert Client(console.url).sign_in(email, one_time).headers["Location"] == "/password"
    assert Client(console.url).sign_in(email, password).status_code == 401  # the reset still holds
    assert [e.action for e in audit.entries(settings, limit=10) if e.subject == email][:3] == \
        ["account enabled", "password reset", "account disabled"]
    assert "no account" in staff_cli(settings, "enable", "nobody@clinic.example").stderr


def test_an_admin_adds_resets_and_disables_accounts_in_the_console(signed_in, console):
    admin = signed_in("admin")
    admin.get("/accounts")
    added = admin.post("/accounts/add", {"email": "new.nurse@clinic.example", "role": "staff"})
    assert added.status_code == 200 and "new.nurse@clinic.example" in added.text
    first = re.search(r'id="one-time-password">([^<]+)<', added.text).group(1)
    nurse = Client(console.url)
    assert nurse.sign_in("new.nurse@clinic.example", first).headers["Location"] == "/password"

    admin.get("/accounts")
    reset = admin.post("/accounts/reset", {"email": "new.nurse@clinic.example"})
    second = re.search(r'id="one-time-password">([^<]+)<', reset.text).group(1)
    assert second != first
    assert nurse.get("/password").status_code == 303  # the reset ended the nurse's session
    assert Client(console.url).sign_in("new.nurse@clinic.example", first).status_code == 401

    admin.get("/accounts")
    disabled = admin.post("/accounts/disable", {"email": "new.nurse@clinic.example"})
    assert "is disabled and signed out" in disabled.text
    assert Client(console.url).sign_in("new.nurse@clinic.example", second).status_code == 401
    row = disabled.text[disabled.text.index('data-email="new.nurse@clinic.example"'):]
    assert "disabled" in row[:row.index("</tr>")]


def test_an_admin_resets_a_disabled_account_and_enables_it_explicitly(signed_in, console, account):
    email, _ = account("staff")
    admin = signed_in("admin")
    admin.get("/accounts")
    admin.post("/accounts/disable", {"email": email})
    admin.get("/accounts")
    reset = admin.post("/accounts/reset", {"email": email})
    assert reset.status_code == 200 and "still disabled" in reset.text
    one_time = re.search(r'id="one-time-password">([^<]+)<', reset.text).group(1)
    assert Client(console.url).sign_in(email, one_time).status_code == 401
    row = reset.text[reset.text.index(f'data-email="{email}"'):]
    row = row[:row.index("</tr>")]
    assert "disabled" in row and 'action="/accounts/enable"' in row

    enabled = admin.post("/accounts/enable", {"email": email})
    assert enabled.status_code == 200 and "is enabled" in enabled.text
    assert Client(console.url).sign_in(email, one_time).headers["Location"] == "/password"
    row = enabled.text[enabled.text.index(f'data-email="{email}"'):]
    assert 'action="/accounts/enable"' not in row[:row.index("</tr>")]


@pytest.mark.parametrize("form, message", [
    ({"email": "<script>@x", "role": "staff"}, "is not an email address"),
    ({"email": "ok@clinic.example", "role": "root"}, "Unknown role"),
    ({}, "is not an email address"),
])
def test_the_accounts_page_explains_bad_input(signed_in, form, message):
    admin = signed_in("admin")
    admin.get("/accounts")
    response = admin.post("/accounts/add", form)
    assert response.status_code == 400 and message in response.text and "<script>@x" not in response.text


def test_an_admin_cannot_disable_their_own_account(signed_in):
    admin = signed_in("admin", fresh=True)
    admin.get("/accounts")
    response = admin.post("/accounts/disable", {"email": admin.email})
    assert response.status_code == 400 and "your own account" in response.text
    assert admin.get("/inbox").status_code == 200


def test_the_audit_log_page_is_latest_first(signed_in, settings):
    audit.record(settings, "someone@clinic.example", "earlier thing", "first")
    audit.record(settings, "someone@clinic.example", "later thing", "second")
    page = signed_in("admin").get("/audit").text
    assert page.index("later thing") < page.index("earlier thing")


def test_the_audit_log_page_refuses_a_bad_page_number(signed_in):
    assert signed_in("admin").get("/audit?page=-1").status_code == 400
