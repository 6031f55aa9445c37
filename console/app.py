"""The console's Sanic app: page modules, default-deny sign-in, CSRF on every POST, security headers."""
from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import List, Optional

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse

from console import auth
from console.db import create_all
from console.settings import Settings
from console.web import check_csrf, error_page

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
# Each module has a `bp` Blueprint; helpers building other pages append theirs here.
PAGE_MODULES: List[str] = [
    "console.auth",
    "console.inbox",
    "console.admin",
    "console.review",
    "console.conversations", "console.insights",
]
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
MAX_REQUEST_BYTES = 1_000_000  # forms only: nothing a staff member posts comes near this


def create_app(settings: Optional[Settings] = None) -> Sanic:
    settings = settings or Settings.from_env()
    app = Sanic("staff_console")
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "html"
    app.ctx.settings = settings
    for name in PAGE_MODULES:
        app.blueprint(importlib.import_module(name).bp)
    app.static("/static", str(STATIC), name="static")
    create_all(settings)  # after the imports above: every module's tables are on the metadata

    app.register_middleware(_before, "request")
    app.register_middleware(_after, "response")
    app.error_handler.add(Exception, _error)
    return app


async def _before(request: Request) -> Optional[HTTPResponse]:
    auth.load_session(request)
    refusal = auth.gatekeeper(request)
    if refusal is None and request.method == "POST":
        refusal = check_csrf(request)
    return refusal


async def _after(request: Request, response: HTTPResponse) -> None:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    if getattr(request.ctx, "new_login_csrf", False) and getattr(request.ctx, "user", None) is None \
            and request.path == "/login":
        auth.set_cookie(response, request.app.ctx.settings, auth.LOGIN_CSRF_COOKIE, request.ctx.csrf_token)


def _error(request: Request, exception: Exception) -> HTTPResponse:
    """Every error is a page of the console's own; a 500 says nothing about the code behind it."""
    status = exception.status_code if isinstance(exception, SanicException) else 500
    if status >= 500:
        logger.exception("console error on %s %s", request.method, request.path, exc_info=exception)
        response = error_page(request, 500, "Something went wrong",
                              "The console could not show this page. Try again; if it keeps happening, "
                              "tell the person who looks after the console (the details are in its log).")
    elif status == 404:
        response = error_page(request, 404, "Not found", "There is no page at this address.")
    elif status == 405:
        response = error_page(request, 405, "Not allowed", "This address does not accept that kind of request.")
    elif status == 413:
        response = error_page(request, 413, "Too large", "What was sent is larger than any form of the console.")
    else:
        response = error_page(request, status, "Request refused", "The console could not accept this request.")
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    response.headers["Cache-Control"] = "no-store"
    return response
