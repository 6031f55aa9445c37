"""Contact details never reach the content gaps (/insights) or their YAML export, the training data:
a visitor's answers to the hand-off form are not gaps, even when the form spans two refreshes of the
rollup, and neither is any message holding an e-mail address or a phone number."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta, timezone

from tests.console.tracker_fixtures import handoff_form, marker as new_marker, start, visitor, write

CONTACT = ("Zelda", "Quist", "zelda.quist", "zelda dot quist", "1234 5678")


def _gap_pages(staff, marker: str, want: int, timeout: float = 90.0):
    """/insights and /insights/gaps.yaml once both show `want` gap messages holding `marker` (the
    rollup refreshes every 2 s; the first page may load the sentence encoder)."""
    today = datetime.now(timezone.utc).date()
    query = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    deadline = time.monotonic() + timeout
    while True:
        page = staff.http.get(staff.base_url + "/insights", params=query, timeout=60)
        export = staff.http.get(staff.base_url + "/insights/gaps.yaml", params=query, timeout=60)
        assert page.status_code == 200 and export.status_code == 200
        if export.text.count(marker) >= want or time.monotonic() > deadline:
            return page.text, export.text
        time.sleep(0.5)


def test_the_handoff_forms_answers_are_not_content_gaps(console, signed_in):
    sender, marker = f"gaps-{secrets.token_hex(3)}", new_marker()
    tracker, now = console.directory / "tracker.db", time.time() - 120
    staff = signed_in("staff")
    # The form starts and gets its first answer in one refresh of the rollup...
    events = start(now) + [visitor(f"the pen thing {marker}?", "nlu_fallback", 0.2, now + 1),
                           visitor("can a clinician call me?", "request_clinician", 0.97, now + 2),
                           *handoff_form(now + 3, "Zelda Quist", "zelda.quist@example.org", "+31 (0)6-1234 5678")]
    first_answer = next(i for i, event in enumerate(events) if getattr(event, "text", None) == "Zelda Quist")
    write(tracker, sender, events[:first_answer + 1])
    _gap_pages(staff, marker, want=1)
    # ...and is answered on in the next.
    write(tracker, sender, events[first_answer + 1:] + [
        visitor(f"and the numbing cream {marker}??", "nlu_fallback", 0.2, now + 30)])
    page, export = _gap_pages(staff, marker, want=2)

    assert f"the pen thing {marker}?" in export and f"and the numbing cream {marker}??" in export
    assert f"numbing cream {marker}" in page
    for detail in CONTACT:
        assert detail not in page and detail not in export


def test_a_message_with_contact_details_outside_the_form_is_no_gap(console, signed_in):
    sender, marker = f"gaps-{secrets.token_hex(3)}", new_marker()
    now = time.time() - 120
    write(console.directory / "tracker.db", sender, start(now) + [
        visitor(f"pls call 06 1234 5678 {marker}", "nlu_fallback", 0.1, now + 1),
        visitor(f"mail quist.z@example.net {marker}", "ask_risks", 0.3, now + 2),
        visitor(f"what is the pen called {marker}", "nlu_fallback", 0.1, now + 3)])
    page, export = _gap_pages(signed_in("staff"), f"pen called {marker}", want=1)
    assert f"what is the pen called {marker}" in export
    assert "1234 5678" not in page + export and "quist.z" not in page + export
