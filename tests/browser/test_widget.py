"""Browser tests of the website chat widget (widget/chat-widget.js) against the real assistant.

Run from the repository root, with the Rasa server and the action server already running:

    .venv/bin/python -m pytest tests/browser -v

Screenshots of the main states are written to reports/screenshots/.
"""
from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

TEL_RE = re.compile(r"^tel:\+?\d+$")
APOLOGY = "Sorry, I can't reach the assistant right now. Please call us on +1 555 0100"
XSS = "<img src=x onerror=alert(1)>"

CONTRAST_JS = """
(el) => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const c = parse(getComputedStyle(n).backgroundColor);
    if (c && c.a > 0.99) { bg = c; break; }
  }
  bg = bg || { r: 255, g: 255, b: 255, a: 1 };
  const fg = parse(getComputedStyle(el).color);
  const a = lum(fg), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""

REPLY_AFTER_LAST_USER_JS = """
(log) => {
  const users = log.querySelectorAll('.ccw-msg--user');
  let n = users.length ? users[users.length - 1].nextElementSibling : log.firstElementChild;
  const out = [];
  for (; n; n = n.nextElementSibling) out.push(n.innerText);
  return out.join('\\n');
}
"""


class Chat:
    """Thin page object for the widget; locators use roles and labels where possible."""

    def __init__(self, page: Page):
        self.page = page
        self.launcher = page.get_by_role("button", name="Chat with us")
        self.panel = page.get_by_role("dialog", name="Clinic assistant")
        self.log = page.get_by_role("log", name="Conversation")
        self.input = page.get_by_label("Type your question")
        self.typing = page.locator(".ccw-typing")
        self.user_bubbles = self.log.locator(".ccw-msg--user .ccw-bubble")
        self.bot_items = self.log.locator(".ccw-msg--bot, .ccw-escalation")
        self.quick_replies = self.log.locator("button.ccw-quick-reply")
        self.errors = self.log.locator(".ccw-msg--error .ccw-bubble")

    # -- actions
    def open(self):
        launcher = self.page.locator(".ccw-launcher")  # attached even when hidden on small screens
        expect(launcher).to_be_attached()
        if launcher.get_attribute("aria-expanded") != "true":  # a reload keeps an open panel open
            expect(self.launcher).to_be_visible()
            self.launcher.click()
        expect(self.panel).to_be_visible()

    def open_and_wait_for_greeting(self):
        self.open()
        self.wait_for_reply(0)

    def wait_for_reply(self, before: int):
        """Wait until a bot item beyond index `before` exists and no request is pending."""
        expect(self.bot_items.nth(before)).to_be_visible()
        expect(self.typing).to_be_hidden()
        assert self.errors.count() == 0, (
            "the widget showed its 'can't reach the assistant' message: " + self.errors.first.inner_text()
        )

    def send(self, text: str) -> str:
        before = self.bot_items.count()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.user_bubbles.last).to_have_text(text)
        self.wait_for_reply(before)
        return self.reply_text()

    def reply_text(self) -> str:
        return self.log.evaluate(REPLY_AFTER_LAST_USER_JS)

    def session_id(self) -> str | None:
        return self.page.evaluate(
            "() => { for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i);"
            " if (k.endsWith(':session')) return localStorage.getItem(k); } return null; }"
        )

    def contrast(self, locator) -> float:
        return locator.evaluate(CONTRAST_JS)


def shot(page: Page, directory, name: str):
    page.screenshot(path=str(directory / f"{name}.png"))


def assert_tel_link(link, label: str):
    href = link.get_attribute("href")
    text = link.inner_text().strip()
    assert href and TEL_RE.match(href), f"{label}: href {href!r} is not a tel: link of digits and +"
    expected = "tel:" + ("+" if text.startswith("+") else "") + re.sub(r"\D", "", text)
    assert href == expected, f"{label}: href {href!r} does not match its text {text!r}"


# ---------------------------------------------------------------------------- tests
def test_greeting_with_disclaimer_and_suggestions(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    expect(chat.panel).to_be_hidden()

    chat.open_and_wait_for_greeting()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.input).to_be_focused()

    text = chat.log.inner_text()
    assert re.search(r"general information", text, re.I), f"no disclaimer in the greeting: {text!r}"
    assert re.search(r"not medical advice", text, re.I), f"no 'not medical advice' in the greeting: {text!r}"
    # "/greet" was sent silently
    expect(chat.user_bubbles).to_have_count(0)
    assert "/greet" not in text
    assert chat.quick_replies.count() >= 1, "the greeting offers no suggested-question buttons"
    expect(chat.log).to_have_attribute("aria-live", "polite")
    shot(page, screenshot_dir, "01-greeting")


def test_answers_what_is_microneedling(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    chat.open_and_wait_for_greeting()
    reply = chat.send("what is microneedling")
    assert "collagen" in reply.lower(), f"answer does not mention collagen: {reply!r}"
    shot(page, screenshot_dir, "02-answer-what-is")


def test_suggested_button_sends_payload_and_shows_title(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    requests = []
    page.on("request", lambda r: requests.append(r.post_data_json) if r.method == "POST" else None)
    with page.expect_response(lambda r: r.url.endswith("/webhooks/rest/webhook") and r.request.method == "POST") as greet:
        chat.open()
    chat.wait_for_reply(0)
    offered = {b["title"]: b["payload"] for item in greet.value.json() for b in item.get("buttons") or []}

    button = chat.quick_replies.first
    title = button.inner_text().strip()
    assert title in offered, (title, offered)
    before = chat.bot_items.count()
    button.click()
    expect(chat.user_bubbles.last).to_have_text(title)  # the title is shown...
    chat.wait_for_reply(before)
    reply = chat.reply_text().strip()
    assert reply, "no reply after clicking a suggested button"
    sent = [r["message"] for r in requests if r]
    assert sent == ["/greet", offered[title]], sent  # ...and the payload is sent
    expect(chat.input).to_be_focused()
    shot(page, screenshot_dir, "03-suggested-button")


def test_contraindication_shows_escalation_card(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    chat.open_and_wait_for_greeting()
    chat.send("I'm pregnant, can I get microneedling?")

    card = chat.log.locator(".ccw-escalation").last
    expect(card).to_be_visible()
    expect(card).to_contain_text("A clinician should look at this")
    expect(card.locator("[role=alert]")).to_have_count(0)  # a contraindication is not an emergency
    links = card.locator("a")
    assert links.count() >= 1
    for i in range(links.count()):
        assert_tel_link(links.nth(i), "escalation card phone")
    assert chat.contrast(card.locator(".ccw-escalation-title")) >= 4.5
    assert chat.contrast(links.first) >= 4.5
    card.scroll_into_view_if_needed()
    shot(page, screenshot_dir, "04-escalation-card")


def test_red_flag_shows_urgent_banner_with_tel_links(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    chat.open_and_wait_for_greeting()
    chat.send("3 days after my treatment my face is swollen with pus and I have a fever")

    banner = chat.log.locator(".ccw-escalation--urgent [role=alert]").last
    expect(banner).to_be_visible()
    clinic = banner.locator("a.ccw-tel--clinic")
    emergency = banner.locator("a.ccw-tel--emergency")
    expect(clinic).to_have_count(1)
    expect(emergency).to_have_count(1)
    assert_tel_link(clinic, "clinic phone")
    assert_tel_link(emergency, "emergency number")
    expect(chat.log.locator(".ccw-escalation--urgent")).to_contain_text("A clinician should look at this")
    # the only links the widget ever renders are tel: links from the escalation payload
    for href in page.locator(".ccw-root a").evaluate_all("els => els.map(a => a.getAttribute('href'))"):
        assert TEL_RE.match(href or ""), href
    assert chat.contrast(banner.locator(".ccw-urgent-title")) >= 4.5
    assert chat.contrast(clinic) >= 4.5
    banner.scroll_into_view_if_needed()
    shot(page, screenshot_dir, "05-urgent-banner")
    shot(page, screenshot_dir, "widget-escalation")  # the one screenshot kept in git (.gitignore)


def test_reload_keeps_the_conversation(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    chat.open_and_wait_for_greeting()
    chat.send("what is microneedling")
    session = chat.session_id()
    items_before = chat.log.locator(".ccw-msg, .ccw-escalation").count()
    assert session

    page.reload()
    chat = Chat(page)
    expect(chat.panel).to_be_visible()  # it was open in this tab, so it stays open
    expect(chat.user_bubbles.first).to_have_text("what is microneedling")
    expect(chat.log).to_contain_text(re.compile("collagen", re.I))
    expect(chat.log).to_contain_text(re.compile("not medical advice", re.I))
    assert chat.session_id() == session
    expect(chat.log.locator(".ccw-msg, .ccw-escalation")).to_have_count(items_before)  # no second greeting
    shot(page, screenshot_dir, "06-after-reload")

    # the server-side conversation continues with the same session id
    reply = chat.send("how many sessions will I need?")
    assert reply.strip()


def test_markup_in_a_message_is_shown_literally(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    image_requests = []
    page.on("request", lambda r: image_requests.append(r.url) if r.url.rstrip("/").endswith("/x") else None)
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    chat.open_and_wait_for_greeting()
    chat.send(XSS)

    expect(chat.user_bubbles.last).to_have_text(XSS)
    expect(page.locator(".ccw-root img")).to_have_count(0)
    page.reload()
    chat = Chat(page)
    expect(chat.user_bubbles.last).to_have_text(XSS)  # also literal when restored from storage
    expect(page.locator(".ccw-root img")).to_have_count(0)
    page.wait_for_timeout(300)
    assert page.watch.dialogs == [], f"a dialog fired: {page.watch.dialogs}"
    assert image_requests == [], image_requests
    shot(page, screenshot_dir, "07-markup-literal")


def test_keyboard_only_flow(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    expect(chat.launcher).to_be_visible()

    is_launcher = "() => document.activeElement && document.activeElement.classList.contains('ccw-launcher')"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(is_launcher):
            break
    assert page.evaluate(is_launcher), "Tab never reached the chat launcher"

    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    chat.wait_for_reply(0)

    # a suggested reply is reachable by keyboard (Shift+Tab from the input) and Enter sends it
    page.keyboard.press("Shift+Tab")
    focused_class = page.evaluate("() => document.activeElement.className")
    assert "ccw-quick-reply" in focused_class, f"Shift+Tab from the input landed on {focused_class!r}"
    title = page.evaluate("() => document.activeElement.textContent")
    before = chat.bot_items.count()
    page.keyboard.press("Enter")
    expect(chat.user_bubbles.last).to_have_text(title)
    chat.wait_for_reply(before)
    expect(chat.input).to_be_focused()

    before = chat.bot_items.count()
    page.keyboard.type("what is microneedling")
    page.keyboard.press("Enter")
    expect(chat.user_bubbles.last).to_have_text("what is microneedling")
    chat.wait_for_reply(before)
    expect(chat.input).to_be_focused()
    shot(page, screenshot_dir, "08-keyboard-flow")

    count = chat.bot_items.count()
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")

    # reopening keeps the conversation and does not greet again
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    page.wait_for_timeout(300)
    expect(chat.typing).to_be_hidden()
    expect(chat.bot_items).to_have_count(count)


def test_unreachable_server_shows_apology_with_phone(make_page, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url("http://localhost:5999"))  # nothing listens there
    chat = Chat(page)
    chat.open()
    expect(chat.errors.last).to_have_text(APOLOGY)
    expect(chat.typing).to_be_hidden()

    chat.input.fill("hello?")
    chat.input.press("Enter")
    expect(chat.user_bubbles.last).to_have_text("hello?")
    expect(chat.errors).to_have_count(2)
    expect(chat.errors.last).to_have_text(APOLOGY)
    expect(page.locator(".ccw-root a")).to_have_count(0)  # no links outside escalation payloads
    assert chat.contrast(chat.errors.last) >= 4.5
    shot(page, screenshot_dir, "09-unreachable")


def test_server_error_and_timeout_show_apology(make_page, demo_url):
    """Non-2xx replies and a server that never answers (8 s timeout) are treated as unreachable."""
    page = make_page()
    fake = "http://localhost:5998"
    held = []
    mode = {"v": "500"}

    def handle(route):
        if mode["v"] == "500":
            route.fulfill(status=500, body="boom",
                          headers={"Access-Control-Allow-Origin": route.request.headers.get("origin", "*")})
        else:
            held.append(route)  # never answer

    page.route(fake + "/webhooks/rest/webhook", handle)
    page.goto(demo_url(fake))
    chat = Chat(page)
    chat.open()
    expect(chat.errors.last).to_have_text(APOLOGY)

    mode["v"] = "hang"
    start = time.monotonic()
    chat.input.fill("are you there?")
    chat.input.press("Enter")
    expect(chat.typing).to_be_visible()
    expect(chat.errors).to_have_count(2, timeout=15_000)
    elapsed = time.monotonic() - start
    assert 7.0 <= elapsed <= 12.0, f"timeout after {elapsed:.1f} s, expected about 8 s"
    expect(chat.errors.last).to_have_text(APOLOGY)
    expect(chat.typing).to_be_hidden()
    for route in held:  # release the request the page already gave up on
        try:
            route.abort()
        except Exception:
            pass
    page.unroute(fake + "/webhooks/rest/webhook")


def test_old_transcript_is_dropped_and_stored_items_are_sanitised(make_page, demo_url):
    """A transcript untouched for over 24 h is discarded with its session id; stored items are re-checked."""
    server = "http://localhost:5999"
    page = make_page()
    page.goto(demo_url(server))
    expect(Chat(page).launcher).to_be_visible()
    prefix = f"clinic-chat-widget:v1:{server}"

    def store(age_hours, items):
        page.evaluate(
            """([prefix, age, items]) => {
                 localStorage.setItem(prefix + ':session', 'old-session');
                 localStorage.setItem(prefix + ':transcript', JSON.stringify(
                   { updated: Date.now() - age * 3600 * 1000, greeted: true, items }));
               }""",
            [prefix, age_hours, items],
        )
        page.reload()
        chat = Chat(page)
        chat.open()
        return chat

    items = [
        {"t": "user", "text": "my phone is 555 1234"},
        {"t": "bot", "text": "Noted.", "buttons": [{"title": "Evil", "payload": "/x"}], "live": True},
        {"t": "escalation", "e": {"urgent": True, "clinic_phone": "javascript:alert(1)", "clinic_name": "X",
                                   "emergency_number": "911", "reason": "r", "hours": "", "ticket": None}},
        {"t": "html", "html": "<img src=x onerror=alert(1)>"},
    ]
    chat = store(1, items)  # recent: restored
    expect(chat.user_bubbles.first).to_have_text("my phone is 555 1234")
    expect(chat.quick_replies).to_have_count(1)
    expect(page.locator(".ccw-root img")).to_have_count(0)
    expect(page.locator(".ccw-tel--clinic")).to_have_text("javascript:alert(1)")  # shown as text...
    expect(page.locator(".ccw-root a.ccw-tel--clinic")).to_have_count(0)  # ...never as a link
    assert chat.session_id() == "old-session"

    chat = store(25, items)  # stale: dropped, and a new session id
    expect(chat.log).not_to_contain_text("555 1234")
    assert chat.session_id() not in (None, "old-session")
    assert page.watch.dialogs == []


def test_start_over_clears_transcript_and_session(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    posted = []
    page.on("request", lambda r: posted.append(r.post_data_json) if r.method == "POST" else None)
    chat.open_and_wait_for_greeting()
    chat.send("what is microneedling")
    old_session = chat.session_id()

    page.get_by_role("button", name="Start over").click()
    expect(chat.user_bubbles).to_have_count(0)
    chat.wait_for_reply(0)  # a fresh greeting
    expect(chat.log).not_to_contain_text(re.compile("collagen", re.I))
    new_session = chat.session_id()
    assert new_session and new_session != old_session
    assert {"sender": old_session, "message": "/restart"} in posted, posted
    assert {"sender": new_session, "message": "/greet"} in posted, posted
    expect(chat.input).to_be_focused()

    page.reload()
    chat = Chat(page)
    expect(chat.panel).to_be_visible()
    expect(chat.user_bubbles).to_have_count(0)
    expect(chat.log).not_to_contain_text(re.compile("collagen", re.I))
    shot(page, screenshot_dir, "10-start-over")


def test_works_at_375px(make_page, bot_url, demo_url, screenshot_dir):
    page = make_page(viewport={"width": 375, "height": 740})
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    box = chat.launcher.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    chat.open_and_wait_for_greeting()
    chat.send("what is microneedling")

    panel = chat.panel.bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 375.5, panel
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= 740.5, panel
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    for loc in (chat.input, page.get_by_role("button", name="Send"),
                page.get_by_role("button", name="Close chat"), page.get_by_role("button", name="Start over")):
        expect(loc).to_be_visible()
        b = loc.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= 375.5, b
        assert b["height"] >= 24, b  # target size (WCAG 2.5.8)
    shot(page, screenshot_dir, "11-mobile-375")

    page.get_by_role("button", name="Close chat").click()
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()


def test_labels_roles_and_contrast(make_page, bot_url, demo_url):
    page = make_page()
    page.goto(demo_url(bot_url))
    chat = Chat(page)
    chat.open_and_wait_for_greeting()
    chat.send("how long is the downtime?")

    expect(chat.log).to_have_attribute("role", "log")
    expect(chat.log).to_have_attribute("aria-live", "polite")
    expect(chat.panel).to_have_attribute("aria-labelledby", "ccw-title")
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    # every control has an accessible name
    unnamed = page.locator(".ccw-root").evaluate(
        """root => [...root.querySelectorAll('button, input, a')].filter(el => {
             const name = (el.getAttribute('aria-label') || el.textContent || '').trim()
               || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.trim());
             return !name; }).map(el => el.outerHTML)"""
    )
    assert unnamed == [], unnamed

    checks = {
        "launcher": chat.launcher,
        "title": page.locator(".ccw-title"),
        "subtitle": page.locator(".ccw-subtitle"),
        "start over": page.get_by_role("button", name="Start over"),
        "bot bubble": chat.log.locator(".ccw-msg--bot .ccw-bubble").first,
        "user bubble": chat.user_bubbles.first,
        "send": page.get_by_role("button", name="Send"),
        "input": chat.input,
        "typing text": page.locator(".ccw-typing-text"),
    }
    if chat.quick_replies.count():
        checks["quick reply"] = chat.quick_replies.first
    low = {name: round(chat.contrast(loc), 2) for name, loc in checks.items() if chat.contrast(loc) < 4.5}
    assert low == {}, f"text below WCAG AA 4.5:1: {low}"
