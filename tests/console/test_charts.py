"""console.charts: well-formed, labelled SVG whose text never becomes markup."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from console.charts import Series, bar_chart, line_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "quotes"'


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # raises on anything that is not well-formed XML


def texts(root: ET.Element) -> list:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_a_line_chart_has_title_desc_axes_legend_and_one_line_per_series() -> None:
    days = ["2025-01-01", "2025-01-02", "2025-01-03"]
    root = parse(line_chart("per-day", "Conversations per day", "Three days of conversations.", days,
                            [Series("Conversations", [3, 5, 4]), Series("Escalations", [1, 0, 2])],
                            y_label="Conversations"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "per-day-title per-day-desc"
    assert root.find(f"{SVG}title").text == "Conversations per day"
    assert root.find(f"{SVG}desc").text == "Three days of conversations."
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2 and all(len(line.get("points").split()) == 3 for line in lines)
    labels = texts(root)
    assert {"Day (UTC)", "Conversations", "Escalations", "01-01", "01-03"} <= set(labels)
    assert "5" in labels  # the y axis goes up to the largest value


def test_a_higher_value_is_drawn_higher() -> None:
    root = parse(line_chart("c", "t", "d", ["2025-01-01", "2025-01-02"], [Series("s", [1, 9])], y_label="n"))
    (first, second) = [float(p.split(",")[1]) for p in root.find(f".//{SVG}polyline").get("points").split()]
    assert second < first  # SVG's y grows downwards


def test_rates_are_labelled_as_percentages() -> None:
    root = parse(line_chart("r", "Fallback rate", "d", ["2025-01-01", "2025-01-02"], [Series("Fallback", [0.05, 0.2])],
                            y_label="Share of visitor messages", percent=True))
    assert "20%" in texts(root) and "0%" in texts(root)


def test_bars_are_proportional_and_labelled() -> None:
    root = parse(bar_chart("topics", "Top topics", "Most asked.", [("ask_sessions", 40), ("ask_downtime", 10)],
                           value_label="Visitor messages", category_label="Intent"))
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(4 * widths[1])
    assert {"ask_sessions", "ask_downtime", "40", "10", "Visitor messages", "Intent"} <= set(texts(root))


def test_hostile_labels_are_escaped_text() -> None:
    for markup in (bar_chart("x", HOSTILE, HOSTILE, [(HOSTILE, 3)], value_label=HOSTILE, category_label="c"),
                   line_chart("x", HOSTILE, HOSTILE, ["2025-01-01"], [Series(HOSTILE, [2])], y_label=HOSTILE)):
        assert "<script" not in markup
        root = parse(markup)
        assert root.find(f"{SVG}title").text == HOSTILE  # the visitor's text survives, as text
        assert not list(root.iter(f"{SVG}script"))


def test_an_id_cannot_break_out_of_its_attribute() -> None:
    root = parse(bar_chart('a" onload="alert(1)', "t", "d", [("x", 1)], value_label="v", category_label="c"))
    assert root.get("onload") is None and '"' not in root.get("id")


def test_empty_charts_say_so_and_stay_valid() -> None:
    for markup in (line_chart("e", "t", "d", [], [], y_label="n"),
                   bar_chart("e", "t", "d", [], value_label="v", category_label="c"),
                   line_chart("z", "t", "d", ["2025-01-01"], [Series("s", [0])], y_label="n")):
        root = parse(markup)
        assert root.find(f"{SVG}title").text == "t"
    assert "No data for these days" in texts(parse(line_chart("e", "t", "d", [], [], y_label="n")))


@pytest.mark.parametrize("value, expected", [(0, 1), (0.3, 0.5), (7, 10), (10, 10), (11, 20), (180, 200), (4999, 5000)])
def test_axis_maximum(value, expected) -> None:
    assert nice_ceiling(value) == pytest.approx(expected)
