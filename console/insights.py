"""Insights: the rollup's daily counts as charts, and the content gaps with their YAML export."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlencode

from markupsafe import Markup
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, text

from console import charts
from console.auth import require_role
from console.content_gaps import GapGroup, default_embedder, group_gaps, training_yaml
from console.conversations import conversation_url
from console.db import engine
from console.rollup import (M_CONVERSATIONS, M_ESCALATED, M_GAP, M_INTENT, M_MESSAGES, M_REASON, M_URGENT,
                            daily_counts, day_span, recent_gap_messages, rollup_for)
from console.web import FIRST_DAY, app_settings, error_page, parse_day, render

bp = Blueprint("insights")

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_TOPICS = 12
GAP_ROWS = 30
GAP_MESSAGES_READ = 5000  # the newest gap messages of the range that are grouped


@dataclass
class Range:
    start: date
    end: date
    errors: List[str] = field(default_factory=list)

    @property
    def days(self) -> List[str]:
        return [(self.start + timedelta(days=n)).isoformat() for n in range((self.end - self.start).days + 1)]

    @property
    def query(self) -> str:
        return urlencode({"from": self.start.isoformat(), "to": self.end.isoformat()})


def parse_range(args: Mapping[str, Any], latest: date) -> Range:
    """from/to (YYYY-MM-DD) of the query string; by default the 30 days up to the latest with data."""
    def arg(name: str) -> str:
        value = args.get(name)
        return value.strip() if isinstance(value, str) else ""

    errors: List[str] = []
    parsed: Dict[str, Optional[date]] = {}
    for name, label in (("from", "From"), ("to", "To")):
        try:
            parsed[name] = parse_day(arg(name)) if arg(name) else None
        except ValueError:
            errors.append(f"{label} must be a date written YYYY-MM-DD, like 2025-03-14, from {FIRST_DAY:%Y}.")
            parsed[name] = None
    end = parsed["to"] or latest
    start = parsed["from"] or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors.append("From must be on or before To.")
    elif (end - start).days + 1 > MAX_DAYS:
        errors.append(f"Choose at most {MAX_DAYS} days.")
    return Range(start, end, errors)


def _series(counts: Dict[Tuple[str, str], Dict[str, int]], metric: str, key: str, days: Sequence[str]) -> List[int]:
    by_day = counts.get((metric, key), {})
    return [by_day.get(day, 0) for day in days]


def _totals(counts: Dict[Tuple[str, str], Dict[str, int]], metric: str) -> List[Tuple[str, int]]:
    totals = [(key, sum(by_day.values())) for (m, key), by_day in counts.items() if m == metric]
    return sorted(totals, key=lambda item: (-item[1], item[0]))


@dataclass
class Chart:
    id: str
    title: str
    svg: Markup
    headers: List[str]
    rows: List[List[str]]


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def build_charts(counts: Dict[Tuple[str, str], Dict[str, int]], days: List[str]) -> List[Chart]:
    conversations = _series(counts, M_CONVERSATIONS, "", days)
    escalated = _series(counts, M_ESCALATED, "", days)
    urgent = _series(counts, M_URGENT, "", days)
    messages = _series(counts, M_MESSAGES, "", days)
    fallback = [a + b for a, b in zip(_series(counts, M_GAP, "fallback", days),
                                      _series(counts, M_GAP, "low_confidence", days))]
    out_of_scope = _series(counts, M_GAP, "out_of_scope", days)
    silent = _series(counts, M_GAP, "guide_silent", days)
    topics = [(k, v) for k, v in _totals(counts, M_INTENT) if k][:TOP_TOPICS]
    reasons = [(k.replace("_", " "), v) for k, v in _totals(counts, M_REASON)]
    span = f"{days[0]} to {days[-1]}"
    rates = [[_rate(f, m) for f, m in zip(fallback, messages)], [_rate(o, m) for o, m in zip(out_of_scope, messages)],
             [_rate(s, m) for s, m in zip(silent, messages)]]
    percent = lambda value: f"{value * 100:.1f}%"  # noqa: E731
    return [
        Chart("per-day", "Conversations and escalations per day", charts.line_chart(
            "per-day", "Conversations and escalations per day",
            f"{sum(conversations):,} conversations, {sum(escalated):,} escalated ({sum(urgent):,} urgent), {span}.",
            days, [charts.Series("Conversations", conversations), charts.Series("Escalated", escalated),
                   charts.Series("Urgent", urgent)], y_label="Conversations"),
            ["Day", "Conversations", "Escalated", "Urgent"],
            [[d, str(c), str(e), str(u)] for d, c, e, u in zip(days, conversations, escalated, urgent)]),
        Chart("topics", "Top topics", charts.bar_chart(
            "topics", "Top topics (intents of visitor messages)",
            "Most frequent: " + (", ".join(f"{k} {v:,}" for k, v in topics[:5]) or "none") + f"; {span}.",
            topics, value_label="Visitor messages", category_label="Intent"),
            ["Intent", "Visitor messages"], [[k, f"{v:,}"] for k, v in topics]),
        Chart("rates", "Fallback and out-of-scope rate", charts.line_chart(
            "rates", "Fallback and out-of-scope rate per day",
            f"Share of visitor messages: fell back or low confidence {percent(_rate(sum(fallback), sum(messages)))}, "
            f"out of scope {percent(_rate(sum(out_of_scope), sum(messages)))}, guide silent "
            f"{percent(_rate(sum(silent), sum(messages)))}, {span}.",
            days, [charts.Series("Fell back or low confidence", rates[0]), charts.Series("Out of scope", rates[1]),
                   charts.Series("Guide silent", rates[2])], y_label="Share of visitor messages", percent=True),
            ["Day", "Visitor messages", "Fell back or low confidence", "Out of scope", "Guide silent"],
            [[d, str(m), percent(a), percent(b), percent(c)] for d, m, a, b, c in zip(days, messages, *rates)]),
        Chart("reasons", "Escalations by reason", charts.bar_chart(
            "reasons", "Escalations by reason",
            "Most frequent: " + (", ".join(f"{k} {v:,}" for k, v in reasons[:5]) or "none") + f"; {span}.",
            reasons, value_label="Escalated conversations", category_label="Reason"),
            ["Reason", "Escalated conversations"], [[k, f"{v:,}"] for k, v in reasons]),
    ]


async def _gap_groups(settings, when: Range) -> List[GapGroup]:
    messages = recent_gap_messages(engine(settings), when.start, when.end, GAP_MESSAGES_READ)

    def group() -> List[GapGroup]:  # the encoder (TensorFlow) is loaded and run off the event loop
        return group_gaps(messages, embed=default_embedder())

    return await asyncio.get_running_loop().run_in_executor(None, group)


async def _prepare(request: Request) -> Tuple[Any, Range, bool]:
    settings = app_settings(request)
    service = rollup_for(settings)
    await service.ensure_fresh()
    span = day_span(engine(settings))
    latest = span[1] if span else date.today()
    return settings, parse_range(request.args, latest), service.available


@bp.get("/insights")
@require_role("staff")
async def insights(request: Request) -> HTTPResponse:
    settings, when, available = await _prepare(request)
    if when.errors:
        return render(request, "insights.html", http_status=400, range=when, errors=when.errors, charts=[],
                      gaps=[], available=available, url_for=conversation_url)
    counts = daily_counts(engine(settings), when.start, when.end)
    groups = (await _gap_groups(settings, when))[:GAP_ROWS]
    return render(request, "insights.html", range=when, errors=[], charts=build_charts(counts, when.days),
                  gaps=groups, available=available, url_for=conversation_url)


def _yaml_response(body: str, filename: str, download: bool) -> HTTPResponse:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if download else {}
    return text(body, content_type="text/plain; charset=utf-8", headers=headers)


@bp.get("/insights/gaps.yaml")
@require_role("staff")
async def all_gaps_yaml(request: Request) -> HTTPResponse:
    settings, when, _ = await _prepare(request)
    if when.errors:
        return error_page(request, 400, "Dates not understood", " ".join(when.errors))
    groups = (await _gap_groups(settings, when))[:GAP_ROWS]
    return _yaml_response(training_yaml(groups), f"content-gaps-{when.start}-{when.end}.yml",
                          request.args.get("download") == "1")


@bp.get("/insights/gaps/<name:str>")
@require_role("staff")
async def gap_yaml(request: Request, name: str) -> HTTPResponse:
    """/insights/gaps/<id>.yaml: one group's examples."""
    gap_id = name[:-len(".yaml")] if name.endswith(".yaml") else ""
    settings, when, _ = await _prepare(request)
    if when.errors:
        return error_page(request, 400, "Dates not understood", " ".join(when.errors))
    group = next((g for g in await _gap_groups(settings, when) if g.id == gap_id), None)
    if group is None:
        return error_page(request, 404, "No such content gap",
                          "This group is not among the content gaps of these days any more (new messages can "
                          "regroup them). Open Insights again and export it from there.")
    return _yaml_response(training_yaml([group]), f"content-gap-{group.id}.yml", request.args.get("download") == "1")
