"""Insights in the browser: the charts are drawn, and a content gap appears after a fallback
and exports as YAML."""
from __future__ import annotations

import secrets
import time

import yaml
from playwright.sync_api import Page, expect

from tests.console.tracker_fixtures import escalation, marker, reply, start, visitor, write


def test_the_insights_page_draws_its_charts(console, page, sign_in, screenshot_dir) -> None:
    now = time.time() - 120
    path = console.directory / "tracker.db"
    for n in range(3):
        write(path, f"chart-{secrets.token_hex(3)}", start(now + n) + [
            visitor("how many sessions", "ask_sessions", 0.9, now + n + 1),
            visitor("tell me a joke", "out_of_scope", 0.9, now + n + 2),
            escalation("pregnancy", False, now + n + 3)])
    sign_in(page, "staff")
    page.goto("/insights")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(4)
    for index in range(4):
        chart = charts.nth(index)
        assert chart.locator("title").first.text_content().strip()
        assert chart.locator("polyline, rect").count() > 0, f"chart {index} draws nothing"
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
    expect(page.locator("#topics")).to_contain_text("ask_sessions")
    expect(page.locator("#reasons")).to_contain_text("pregnancy")
    assert page.locator("#per-day polyline").first.get_attribute("points").strip()
    page.get_by_text("The numbers (top topics)").click()
    expect(page.locator("details.chart-data").nth(1).locator("td", has_text="ask_sessions")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "console-insights.png"), full_page=True)


def test_a_content_gap_appears_after_a_fallback_and_exports_as_yaml(console, page: Page, sign_in) -> None:
    token = marker()
    wording = f'my "derma pen {token}" thing: is it #1?'
    now = time.time() - 10
    write(console.directory / "tracker.db", f"gap-{token}", start(now) + [
        visitor(wording, "nlu_fallback", 0.2, now + 1, ranking=[("nlu_fallback", 0.2), ("ask_devices", 0.17)]),
        reply("Sorry, I didn't get that.", now + 2)])
    sign_in(page, "staff")
    row = page.locator("table.gaps tr", has_text=token)
    for _ in range(12):  # new events are folded in at most every 2 s
        page.goto("/insights")
        if row.count():
            break
        time.sleep(0.5)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("fell back 1")
    expect(row).to_contain_text("ask_devices")
    expect(row.locator(".gap-example")).to_have_text(wording)

    href = row.get_by_role("link", name="YAML").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("text/plain")
    data = yaml.safe_load(response.text())
    assert data["nlu"] == [{"intent": "CHOOSE_ME", "examples": [{"text": wording}]}]
    assert "best guess of the assistant: ask_devices" in response.text()

    with page.expect_download() as download:
        row.get_by_role("link", name="download").click()
    assert download.value.suggested_filename.endswith(".yml")
    assert yaml.safe_load(open(download.value.path(), encoding="utf-8"))["nlu"][0]["examples"] == [{"text": wording}]


def test_bad_dates_get_a_clear_message(console, page, sign_in) -> None:
    sign_in(page, "staff")
    response = page.goto("/insights?from=2025-02-01&to=2025-01-01")
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("From must be on or before To.")
    response = page.goto("/insights?from=yesterday")
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("YYYY-MM-DD")
