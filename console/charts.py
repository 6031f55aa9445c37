"""Charts as inline SVG, drawn on the server: no JavaScript, nothing to load, prints as it shows.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (what a screen
reader announces); the pages put the numbers in a table beside it as well. Every piece of text
(intents, reasons, titles) is escaped here, so a chart is always well-formed XML and never
markup from the data. Colours are SVG presentation attributes: the console's CSP forbids inline
styles, not these.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from markupsafe import Markup, escape

WIDTH = 720
PALETTE = ("#1f5f8b", "#c2410c", "#15803d", "#7c3aed")  # distinguishable, and dark enough on white
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'
_MAX_LABEL = 28  # characters of a bar's category shown; the full text is in its <title>


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _id(chart_id: str) -> str:
    safe = re.sub(r"[^a-z0-9-]", "-", chart_id.lower())
    return safe or "chart"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (an axis maximum)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power + 1e-9:
            return float(step * power)
    return float(10 * power)


def _tick_count(top_value: float) -> int:
    """Steps of the y axis that land on round numbers: 5 for a 1 or 5 maximum, 4 for a 2."""
    leading = round(top_value / 10 ** math.floor(math.log10(top_value)))
    return 4 if leading == 2 else 5


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%" if value * 100 >= 10 or value == 0 else f"{value * 100:.1f}%"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _shorten(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[:_MAX_LABEL - 1] + "…"


def _open(chart_id: str, height: int, title: str, desc: str) -> List[str]:
    cid = _id(chart_id)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'aria-labelledby="{cid}-title {cid}-desc" {_FONT}>',
            f'<title id="{cid}-title">{escape(title)}</title>',
            f'<desc id="{cid}-desc">{escape(desc)}</desc>']


def _empty(parts: List[str], x: float, y: float) -> Markup:
    parts.append(f'<text class="chart-empty" x="{x:.0f}" y="{y:.0f}" text-anchor="middle" fill="#555">'
                 'No data for these days</text></svg>')
    return Markup("".join(parts))


def line_chart(chart_id: str, title: str, desc: str, days: Sequence[str], series: Sequence[Series], *,
               y_label: str, x_label: str = "Day (UTC)", percent: bool = False) -> Markup:
    """One line per series over the days (YYYY-MM-DD), with a legend, axes and their labels."""
    height, left, right, top, bottom = 280, 64, 16, 36, 56
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    parts = _open(chart_id, height, title, desc)
    # Axes and their labels come first, so even an empty chart says what it would show.
    parts.append(f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>')
    parts.append(f'<text class="axis-label" x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text class="axis-label" transform="translate(14 {top + plot_h / 2:.0f}) rotate(-90)" '
                 f'text-anchor="middle">{escape(y_label)}</text>')
    values = [v for s in series for v in s.values]
    if not days or not values:
        return _empty(parts, left + plot_w / 2, top + plot_h / 2)
    top_value = nice_ceiling(max(values)) if not percent else min(1.0, nice_ceiling(max(values)))
    if max(values) == 0:
        top_value = 1.0

    def x_at(index: int) -> float:
        return left + (plot_w / 2 if len(days) == 1 else plot_w * index / (len(days) - 1))

    def y_at(value: float) -> float:
        return top + plot_h - plot_h * (value / top_value)

    ticks = _tick_count(top_value)
    for tick in range(ticks + 1):  # horizontal grid and y ticks
        value = top_value * tick / ticks
        y = y_at(value)
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(value, percent)}</text>')
    step = max(1, math.ceil(len(days) / 8))
    for index in range(0, len(days), step):  # at most 8 day labels
        parts.append(f'<text class="tick" x="{x_at(index):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
                     f'{escape(days[index][5:])}</text>')
    for number, line in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(line.values))
        parts.append(f'<g class="series" data-series="{escape(line.name)}">'
                     f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        if len(line.values) <= 31:  # markers while they do not crowd
            parts.extend(f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(days[i])}: {_number(v, percent)} {escape(line.name)}</title></circle>'
                         for i, v in enumerate(line.values))
        parts.append("</g>")
        legend_x = left + 8 + sum(30 + 7 * len(s.name) for s in series[:number])  # ~7 px a character
        parts.append(f'<rect x="{legend_x}" y="10" width="12" height="12" fill="{colour}"/>'
                     f'<text class="legend" x="{legend_x + 18}" y="20">{escape(line.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[Tuple[str, float]], *,
              value_label: str, category_label: str) -> Markup:
    """Horizontal bars, largest first as given, each labelled with its category and value."""
    left, right, top, bottom, row = 200, 64, 16, 48, 22
    height = top + max(1, len(bars)) * row + bottom
    plot_w = WIDTH - left - right
    parts = _open(chart_id, height, title, desc)
    axis_y = top + max(1, len(bars)) * row
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}" stroke="#333"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#333"/>')
    parts.append(f'<text class="axis-label" x="{left + plot_w / 2:.0f}" y="{height - 10}" text-anchor="middle">{escape(value_label)}</text>')
    parts.append(f'<text class="axis-label" x="8" y="{height - 10}">{escape(category_label)}</text>')
    if not bars:
        return _empty(parts, left + plot_w / 2, top + row * 0.7)
    top_value = nice_ceiling(max(value for _, value in bars))
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        width = plot_w * value / top_value
        parts.append(f'<g class="bar"><title>{escape(label)}: {_number(value, False)}</title>'
                     f'<text class="category" x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(_shorten(label))}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{max(width, 1):.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
                     f'<text class="value" x="{left + width + 6:.1f}" y="{y + 15}">{_number(value, False)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
