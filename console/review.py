"""The clinical review sheet: every answer, the guide sentences it rests on, its sign-off.

Staff may read it; clinicians sign answers off. The same rows feed the printable sheet
(scripts/review_sheet.py renders templates/review_sheet.html from `sheet_rows`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote, unquote

from markupsafe import Markup, escape
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from console import signoffs
from console.answers import GUIDE_PATH, Answer, SourceEntry, collect_answers, in_guide, load_sources
from console.auth import require_role
from console.settings import Settings
from console.signoffs import SignOff, Status
from console.web import app_settings, error_page, render

bp = Blueprint("review")

FILTERS: Dict[str, str] = {"all": "All answers", "unsigned": "Not signed off", "changed": "Changed since sign-off"}
PLACEHOLDER = re.compile(r"(\{[^{}]+\})")


@dataclass(frozen=True)
class Source:
    text: str
    found: bool  # verbatim in the guide the console reads (whitespace aside)


@dataclass(frozen=True)
class Row:
    answer: Answer
    entry: Optional[SourceEntry]  # None: answer_sources.yml has no entry for it (a test fails too)
    sources: Tuple[Source, ...]
    signed: Optional[SignOff]
    status: Status

    @property
    def anchor(self) -> str:
        return "answer-" + re.sub(r"[^A-Za-z0-9]+", "-", self.answer.name).strip("-")

    @property
    def sign_off_url(self) -> str:
        return f"/review/{quote(self.answer.name, safe='')}/sign-off"


def with_placeholders(text: str) -> Markup:
    """The text escaped, with {clinic.phone}-style placeholders marked up so they read as slots."""
    parts = PLACEHOLDER.split(text)
    return Markup("").join(Markup('<span class="placeholder">{}</span>').format(p) if PLACEHOLDER.fullmatch(p)
                           else escape(p) for p in parts)


def _guide_text(settings: Settings) -> str:
    path = settings.guide_path if Path(settings.guide_path).is_file() else GUIDE_PATH
    return path.read_text(encoding="utf-8")


def sheet_rows(settings: Settings, signed: Optional[Dict[str, SignOff]] = None) -> List[Row]:
    """Every answer with its sources and the sign-off in force (`signed`; read from the database if None)."""
    entries = load_sources()
    guide = _guide_text(settings)
    signed = signoffs.latest(settings) if signed is None else signed
    rows = []
    for answer in collect_answers():
        entry = entries.get(answer.name)
        found = tuple(Source(s, in_guide(s, guide)) for s in (entry.sources if entry else ()))
        current = signed.get(answer.name)
        rows.append(Row(answer, entry, found, current, signoffs.status(answer, current)))
    return rows


def counts(rows: List[Row]) -> Dict[str, int]:
    return {"all": len(rows), "unsigned": sum(r.status is Status.UNSIGNED for r in rows),
            "changed": sum(r.status is Status.CHANGED for r in rows)}


def _known_answer(name: str, rows: List[Row]) -> str:
    """The name after "Signed off:" only when it is an answer's: the URL cannot put words on the page."""
    return name if any(row.answer.name == name for row in rows) else ""


@bp.get("/review")
@require_role("staff")
async def review_page(request: Request) -> HTTPResponse:
    show = request.args.get("show", "all")
    if show not in FILTERS:
        return error_page(request, 400, "Unknown filter",
                          f"The review sheet can show {', '.join(FILTERS)}; '{show[:40]}' is not one of them.")
    rows = sheet_rows(app_settings(request))
    shown = [r for r in rows if show == "all" or r.status.value == show]
    return render(request, "review.html", rows=shown, show=show, filters=FILTERS, counts=counts(rows),
                  may_sign=request.ctx.user.has_role("clinician"),
                  signed_name=_known_answer(request.args.get("signed", ""), rows),
                  placeholders=with_placeholders)


@bp.post("/review/<name:path>/sign-off")
@require_role("clinician")
async def sign_off(request: Request, name: str) -> HTTPResponse:
    name = unquote(name)  # names hold "/", ":" and "#": the form's URL carries them %-encoded
    answers = {a.name: a for a in collect_answers()}
    answer = answers.get(name)
    if answer is None:
        return error_page(request, 404, "No such answer",
                          f"The assistant has no answer called '{name[:200]}' (any more). Reload the review sheet.")
    # The clinician approves the wording they read: if it changed since the page was loaded, say so.
    if (request.form.get("text_hash") or "") != answer.text_hash:
        return error_page(request, 409, "The answer changed",
                          f"The text of {name} has changed since the page was loaded, so it was not signed "
                          "off. Reload the review sheet, read it again and sign off the current text.")
    signoffs.sign_off(app_settings(request), answer, request.ctx.user)
    show = request.form.get("show") or "all"
    show = show if show in FILTERS else "all"
    row_anchor = Row(answer, None, (), None, Status.SIGNED).anchor
    return redirect(f"/review?show={show}&signed={quote(name, safe='')}#{row_anchor}", status=303)
