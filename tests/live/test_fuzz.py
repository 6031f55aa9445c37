"""Fuzzing the REST webhook with hypothesis: whatever arrives, a reply or a 4xx, never a 5xx or a hang.

`make test` runs a fixed, reproducible set of examples (derandomized; about a minute). A longer,
random run against a running assistant (hypothesis prints how to reproduce any failure):

    FUZZ_EXAMPLES=3000 FUZZ_RANDOM=1 scripts/bot.sh exec .venv/bin/pytest -q tests/live/test_fuzz.py
"""
from __future__ import annotations

import json
import os
import uuid
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.live.conftest import BOT_URL, text_of

WEBHOOK = f"{BOT_URL}/webhooks/rest/webhook"
RUN = uuid.uuid4().hex[:8]

fuzz = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,  # turn latency is not under test here; a hang is caught by the request timeout
    database=None,  # nothing written into the project; a failure prints its reproduction
    suppress_health_check=[HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
# Control characters, format characters and lone surrogates too (sent as "\udcff" JSON escapes).
any_text = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs", "Co"]), max_size=300)
senders = st.text(min_size=1, max_size=40) | st.integers() | json_values
messages = any_text | json_values
content_types = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "application/octet-stream", ""])


def post(body: bytes, content_type: str = "application/json") -> requests.Response:
    response = requests.post(WEBHOOK, data=body, headers={"Content-Type": content_type}, timeout=20)
    assert response.status_code < 500, (response.status_code, response.text[:300], body[:300])
    if response.ok:
        assert isinstance(response.json(), list) and text_of(response.json()).strip(), response.text[:300]
    return response


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


@fuzz
@given(conversation=st.integers(0, 9), message=any_text)
def test_any_text_gets_a_reply(conversation, message):
    """Ten conversations, so random text also lands in forms and follow-ups, not only first turns."""
    assert post(as_json({"sender": f"fuzz-{RUN}-{conversation}", "message": message})).status_code == 200


@fuzz
@given(body=st.fixed_dictionaries({"sender": senders, "message": messages}, optional={"metadata": json_values}))
def test_any_json_object_gets_a_reply_or_a_4xx(body):
    post(as_json(body))


@fuzz
@given(body=json_values)
def test_any_json_value_gets_a_reply_or_a_4xx(body):
    post(as_json(body))


@fuzz
@given(body=st.binary(max_size=2000), content_type=content_types)
def test_any_bytes_with_any_content_type_get_a_reply_or_a_4xx(body, content_type):
    post(body, content_type)


def test_the_assistant_still_answers_after_the_fuzzing():
    replies = post(as_json({"sender": f"fuzz-{RUN}-after", "message": "what is microneedling?"})).json()
    assert "microneedling" in text_of(replies).lower()
