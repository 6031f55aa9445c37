"""Administrators' pages: accounts (the same functions as `python -m console.accounts`) and the audit log."""
from __future__ import annotations

import asyncio

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from console import accounts, audit
from console.accounts import ROLES, AccountError
from console.auth import require_role
from console.web import app_settings, error_page, render, whole_number

bp = Blueprint("admin")
AUDIT_PAGE_SIZE = 100


def _accounts_page(request: Request, status: int = 200, error: str = "", done: str = "",
                   one_time: str = "", for_email: str = "") -> HTTPResponse:
    users = accounts.list_accounts(app_settings(request))
    return render(request, "accounts.html", http_status=status, users=users, roles=ROLES, error=error, done=done,
                  one_time=one_time, for_email=for_email, state=accounts.account_state)


@bp.get("/accounts")
@require_role("admin")
async def accounts_list(request: Request) -> HTTPResponse:
    return _accounts_page(request)


@bp.post("/accounts/add")
@require_role("admin")
async def accounts_add(request: Request) -> HTTPResponse:
    email, role = request.form.get("email") or "", request.form.get("role") or ""
    try:
        # Hashing the one-time password (scrypt) in a worker thread keeps other requests served.
        one_time = await asyncio.to_thread(accounts.add_account, app_settings(request), email, role,
                                           by=request.ctx.user.email)
    except AccountError as error:
        return _accounts_page(request, 400, error=str(error))
    return _accounts_page(request, done="Account added.", one_time=one_time, for_email=accounts.normalise_email(email))


@bp.post("/accounts/reset")
@require_role("admin")
async def accounts_reset(request: Request) -> HTTPResponse:
    email = request.form.get("email") or ""
    try:
        one_time = await asyncio.to_thread(accounts.reset_account, app_settings(request), email,
                                           by=request.ctx.user.email)
    except AccountError as error:
        return _accounts_page(request, 400, error=str(error))
    done = "Password reset: the old password and open sessions no longer work."
    if accounts.is_disabled(app_settings(request), email):  # a reset never re-enables: that is the Enable button
        done += " The account is still disabled; enable it to let it sign in."
    return _accounts_page(request, done=done, one_time=one_time, for_email=accounts.normalise_email(email))


@bp.post("/accounts/disable")
@require_role("admin")
async def accounts_disable(request: Request) -> HTTPResponse:
    email = request.form.get("email") or ""
    if email.strip().lower() == request.ctx.user.email:
        return _accounts_page(request, 400, error="You cannot disable your own account; ask another administrator.")
    try:
        accounts.disable_account(app_settings(request), email, by=request.ctx.user.email)
    except AccountError as error:
        return _accounts_page(request, 400, error=str(error))
    return _accounts_page(request, done=f"{accounts.normalise_email(email)} is disabled and signed out.")


@bp.post("/accounts/enable")
@require_role("admin")
async def accounts_enable(request: Request) -> HTTPResponse:
    email = request.form.get("email") or ""
    try:
        accounts.enable_account(app_settings(request), email, by=request.ctx.user.email)
    except AccountError as error:
        return _accounts_page(request, 400, error=str(error))
    return _accounts_page(request, done=f"{accounts.normalise_email(email)} is enabled and can sign in again.")


@bp.get("/audit")
@require_role("admin")
async def audit_log(request: Request) -> HTTPResponse:
    page = whole_number(request.args.get("page", "1"), 1, 100_000)
    if page is None:
        return error_page(request, 400, "Unknown page", "The page number must be a whole number from 1.")
    rows = audit.entries(app_settings(request), limit=AUDIT_PAGE_SIZE + 1, offset=(page - 1) * AUDIT_PAGE_SIZE)
    return render(request, "audit.html", entries=rows[:AUDIT_PAGE_SIZE], page=page,
                  has_more=len(rows) > AUDIT_PAGE_SIZE)
