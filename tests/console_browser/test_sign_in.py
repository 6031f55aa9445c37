"""Signing in to the staff console in Chromium: refusals, throttling, first password, roles, CSRF."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console_browser.conftest import fill_sign_in


def test_a_wrong_password_is_refused(page, make_account):
    email, _ = make_account("staff")
    fill_sign_in(page, email, "not my password")
    expect(page.get_by_role("alert")).to_have_text(re.compile("do not match an active account"))
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Finbox$"))


def test_sign_in_is_throttled_after_repeated_failures(page, make_account):
    email, password = make_account("staff")
    for _ in range(5):
        fill_sign_in(page, email, "guessing again")
        expect(page.get_by_role("alert")).to_have_text(re.compile("do not match"))
    fill_sign_in(page, email, password)  # the right password, too late
    expect(page.get_by_role("alert")).to_have_text(re.compile("Too many failed sign-ins.*15 more minute"))
    page.goto("/inbox")
    expect(page).to_have_url(re.compile("/login"))


def test_a_one_time_password_leads_to_choosing_one(page, make_account):
    email, one_time = make_account("staff", one_time=True)
    fill_sign_in(page, email, one_time)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    expect(page.get_by_role("navigation", name="Console")).to_have_count(0)
    page.get_by_label("One-time password").fill(one_time)
    page.get_by_label("New password", exact=True).fill("a calm blue lagoon")
    page.get_by_label("New password again").fill("a calm blue lagoon")
    page.get_by_role("button", name="Save password").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", name="Follow-ups")).to_be_visible()


@pytest.mark.parametrize("role, visible, refused", [
    ("staff", ["Follow-ups", "Conversations", "Insights", "Review sheet"], ["/accounts", "/audit"]),
    ("clinician", ["Follow-ups", "Conversations", "Insights", "Review sheet"], ["/accounts", "/audit"]),
    ("admin", ["Follow-ups", "Conversations", "Insights", "Review sheet", "Accounts", "Audit log"], []),
])
def test_each_role_sees_only_what_it_may(page, sign_in, role, visible, refused):
    sign_in(page, role)
    nav = page.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link")).to_have_text(visible)
    for path in refused:
        response = page.goto(path)
        assert response.status == 403
        expect(page.get_by_role("heading", name="Not available to your role")).to_be_visible()
    if role == "admin":
        page.goto("/accounts")
        expect(page.get_by_role("heading", name="Accounts")).to_be_visible()


def test_sign_out_ends_the_session(page, sign_in):
    sign_in(page, "staff")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.go_back()
    page.goto("/inbox")
    expect(page).to_have_url(re.compile("/login"))


def test_a_form_posted_without_its_csrf_token_is_refused(page, sign_in):
    sign_in(page, "admin")
    page.goto("/accounts")
    page.get_by_label("Email address").fill("forged@clinic.example")
    # What a forged form from another site would lack: the page's own token.
    page.locator('form[action="/accounts/add"] input[name="csrf_token"]').evaluate("input => input.remove()")
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_role("heading", name="Form refused")).to_be_visible()
    page.goto("/accounts")
    expect(page.get_by_text("forged@clinic.example")).to_have_count(0)
