"""Helpers shared by the action tests (the fixtures wrapping them live in conftest.py).

* `make_tracker(...)` builds a real rasa_sdk Tracker whose latest_message looks like what the
  Rasa server sends: intent with confidence, intent_ranking, entities as the entity_ruler +
  EntitySynonymMapper produce them (canonical value, surface span), and the ResponseSelector's
  output for the retrieval intent ask_condition. Slots start at the domain's initial values.
* `run_action(action, tracker)` runs an (async) action with a CollectingDispatcher.
* `WebhookServer` is a real HTTP server on 127.0.0.1 that records what it receives.
"""
from __future__ import annotations

import asyncio
import copy
import functools
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the project is not installed: make `import actions` work
    sys.path.insert(0, str(ROOT))

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

DOMAIN_PATH = ROOT / "domain.yml"
CLINIC_PATH = ROOT / "clinic.yml"
VOCABULARY_PATH = ROOT / "nlp" / "vocabulary.yml"

CONVERSATION_ID = "conv-4f2a9c"

EntitySpec = Union[Dict[str, Any], Tuple[str, str], Tuple[str, str, str]]


# ---------------------------------------------------------------------------------------------
# project files, read independently of the code under test
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _parsed_domain() -> Dict[str, Any]:
    return yaml.safe_load(DOMAIN_PATH.read_text(encoding="utf-8"))


def load_domain() -> Dict[str, Any]:
    """domain.yml as a dict (a fresh copy: actions may not change what other tests see)."""
    return copy.deepcopy(_parsed_domain())


def load_clinic_file() -> Dict[str, str]:
    raw = yaml.safe_load(CLINIC_PATH.read_text(encoding="utf-8"))
    return {key: str(value) for key, value in raw.items()}


def load_vocabulary_file() -> Dict[str, Any]:
    return yaml.safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# trackers
# ---------------------------------------------------------------------------------------------

def default_slots() -> Dict[str, Any]:
    slots: Dict[str, Any] = {}
    for name, spec in load_domain()["slots"].items():
        slots[name] = (spec or {}).get("initial_value")
    slots["requested_slot"] = None
    return slots


def _entity(text: str, spec: EntitySpec) -> Dict[str, Any]:
    """(entity, canonical value[, surface form]) -> the entity dict Rasa puts in parse_data."""
    if isinstance(spec, dict):
        return dict(spec)
    entity, value = spec[0], spec[1]
    surface = spec[2] if len(spec) > 2 else value.replace("_", " ")
    start = text.lower().find(surface.lower())
    if start < 0:
        start, surface = 0, text
    found: Dict[str, Any] = {
        "entity": entity,
        "start": start,
        "end": start + len(surface),
        "value": value,
        "extractor": "SpacyEntityExtractor",
    }
    if surface.lower() != value:
        found["processors"] = ["EntitySynonymMapper"]
    return found


def _response_selector(spec: Union[None, str, Dict[str, Any]]) -> Dict[str, Any]:
    """The ResponseSelector's output; a string is the chosen intent_response_key."""
    if isinstance(spec, dict):
        return spec
    if spec is None:
        return {
            "all_retrieval_intents": ["ask_condition"],
            "ask_condition": {
                "response": {"id": None, "responses": None, "response_templates": None, "confidence": 0.0,
                             "intent_response_key": None, "utter_action": "utter_None",
                             "template_name": "utter_None"},
                "ranking": [],
            },
        }
    retrieval_intent = spec.split("/", 1)[0]
    return {
        "all_retrieval_intents": [retrieval_intent],
        retrieval_intent: {
            "response": {
                "id": 1234567890,
                "responses": [{"text": "(the response text)"}],
                "response_templates": [{"text": "(the response text)"}],
                "confidence": 0.87,
                "intent_response_key": spec,
                "utter_action": f"utter_{spec}",
                "template_name": f"utter_{spec}",
            },
            "ranking": [{"id": 1234567890, "confidence": 0.87, "intent_response_key": spec}],
        },
    }


def make_tracker(
    text: str,
    intent: str,
    entities: Iterable[EntitySpec] = (),
    slots: Optional[Dict[str, Any]] = None,
    response_selector: Union[None, str, Dict[str, Any]] = None,
    intent_ranking: Optional[Sequence[Tuple[str, float]]] = None,
    confidence: float = 0.93,
    sender_id: str = CONVERSATION_ID,
    extra_events: Sequence[Dict[str, Any]] = (),
    active_loop: Optional[Dict[str, Any]] = None,
    gated_from: Optional[str] = None,
    question: Optional[str] = None,
    earlier_events: Sequence[Dict[str, Any]] = (),
    gate: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """A Tracker as the action server receives it right after the visitor sent `text`.

    entities: ("contraindication", "isotretinoin", "accutane") = entity, canonical value,
    surface form (defaults to the value with spaces), or a complete entity dict.
    response_selector: "ask_condition/stretch_marks" or a complete dict.
    gated_from: the intent DIET predicted before nlp/safety_gate.py replaced it with `intent`.
    extra_events: appended after the user message (e.g. slot events a form extracted).
    earlier_events: the conversation before it (see `earlier_question`).
    gate: more of what the safety gate put in the intent ({"on_behalf": True}, {"theirs": [...]}).
    """
    parsed_entities = [_entity(text, spec) for spec in entities]
    ranking = [{"name": name, "confidence": conf} for name, conf in
               (intent_ranking or [(intent, confidence), ("nlu_fallback", 0.35)])]
    predicted = {"name": intent, "confidence": confidence}
    if gated_from:
        predicted.update(confidence=1.0, gated_from=gated_from)
    if question:
        predicted["question"] = question  # the question the safety gate kept beside a mention
    predicted.update(gate or {})
    latest_message = {
        "text": text,
        "intent": predicted,
        "entities": parsed_entities,
        "intent_ranking": ranking,
        "response_selector": _response_selector(response_selector),
        "message_id": uuid.uuid4().hex,
        "metadata": {},
    }
    all_slots = default_slots()
    all_slots.update(slots or {})
    now = time.time()
    events = [
        *earlier_events,
        {"event": "action", "timestamp": now - 2, "name": "action_listen"},
        {"event": "user", "timestamp": now - 1, "text": text, "parse_data": latest_message,
         "input_channel": "rest", "message_id": latest_message["message_id"], "metadata": {}},
        {"event": "user_featurization", "timestamp": now, "use_text_for_featurization": False},
        *extra_events,
    ]
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop=active_loop or {},
        latest_action_name="action_listen",
    )


def earlier_question(text: str, intent: str) -> List[Dict[str, Any]]:
    """Events of a question the visitor asked before the latest message, and its answer."""
    then = time.time() - 60
    return [
        {"event": "action", "timestamp": then, "name": "action_listen"},
        {"event": "user", "timestamp": then + 1, "text": text, "metadata": {},
         "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": []}},
        {"event": "bot", "timestamp": then + 2, "text": "(the answer)", "data": {}},
    ]


# ---------------------------------------------------------------------------------------------
# running actions and reading what they sent
# ---------------------------------------------------------------------------------------------

def run_action(action, tracker: Tracker, domain_dict: Optional[Dict[str, Any]] = None):
    """Run one action like the action server would; returns (dispatcher, events)."""
    dispatcher = CollectingDispatcher()
    domain_dict = domain_dict if domain_dict is not None else load_domain()
    events = asyncio.run(action.run(dispatcher, tracker, domain_dict))
    return dispatcher, events


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def all_text(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(texts(dispatcher))


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages if m.get("response")]


def custom_messages(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


def markers(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    """The `escalation` value of every message whose custom payload carries one."""
    return [c["escalation"] for c in custom_messages(dispatcher) if "escalation" in c]


def buttons(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    return [b for m in dispatcher.messages for b in m.get("buttons") or []]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Slot name -> value as the server would apply the events (the last one wins)."""
    values: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            values[event["name"]] = event["value"]
    return values


# Phrases that would tell the visitor they may go ahead: an escalation must never say them.
CLEARANCE_PHRASES = (
    "you can go ahead", "go ahead with", "safe for you", "it's safe", "it is safe", "yes, you can",
    "you're fine", "you are fine", "no problem to", "you can have microneedling", "you can still have",
    "should be fine", "you're cleared", "you are cleared", "nothing to worry",
)


def clearance_phrases_in(text: str) -> List[str]:
    lowered = text.lower().replace("\u2019", "'")
    return [phrase for phrase in CLEARANCE_PHRASES if phrase in lowered]


# ---------------------------------------------------------------------------------------------
# a real webhook receiver
# ---------------------------------------------------------------------------------------------

class WebhookServer:
    """http.server on 127.0.0.1:<free port>; answers with queued status codes, records bodies."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []  # {"path", "headers", "body", "json"}
        self._statuses: List[int] = []
        self._default_status = 200
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                with server._lock:
                    server.received.append({"path": self.path, "headers": dict(self.headers),
                                            "body": body, "json": parsed})
                    status = server._statuses.pop(0) if server._statuses else server._default_status
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"error")

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/staff"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def respond_with(self, *statuses: int, then: int = 200) -> None:
        """The next responses' status codes, in order, then `then` for every later one."""
        with self._lock:
            self._statuses = list(statuses)
            self._default_status = then

    def start(self) -> "WebhookServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


def no_sleep(seconds: float) -> None:
    """Stands in for time.sleep between webhook retries."""


def wait_until(condition, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
