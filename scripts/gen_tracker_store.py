"""A synthetic Rasa tracker store, for the console's bench and tests.

    .venv/bin/python scripts/gen_tracker_store.py --conversations 100000 --out var/bench/console-tracker.db

Writes the `events` table exactly as Rasa's SQLTrackerStore creates and fills it (same columns,
index on sender_id, `data` = json.dumps(event.as_dict())), with conversations that look like the
assistant's: a session start, a greeting, questions over the intents of domain.yml with their
confidences and rankings, fallbacks with the two-stage fallback's buttons, out-of-scope and
guide-silent questions, escalations with the marker of actions/marker.py (some urgent), the
handoff form; spread over the days before --end, busier on weekdays. About 10 events per
conversation, so 100,000 conversations are about a million events. Seeded: the same arguments
give the same store.
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

# Rasa 3.6 SQLTrackerStore's DDL on SQLite (as in var/tracker.db).
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
    "action_name VARCHAR(255), data TEXT, PRIMARY KEY (id))",
    "CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)",
)
METADATA = {"model_id": "7448c97c91a949cb90a7d4268165169b", "assistant_id": "microneedling-clinic-faq"}
CLINIC = {"clinic_name": "Lumen Skin Clinic", "clinic_phone": "+1 555 0100", "emergency_number": "911",
          "hours": "Mon-Fri 9am-6pm, Sat 10am-2pm"}
NO_DATA = {"elements": None, "quick_replies": None, "buttons": None, "attachment": None, "image": None,
           "custom": None}


# ------------------------------------------------------------------ events, as Event.as_dict() writes them
def _hex_id() -> str:
    return "%032x" % random.getrandbits(128)  # the shape of uuid4().hex, without its cost


def action(name: str, timestamp: float, policy: Optional[str] = "RulePolicy",
           confidence: Optional[float] = 1.0) -> Dict[str, Any]:
    return {"event": "action", "timestamp": timestamp, "metadata": dict(METADATA), "name": name,
            "policy": policy, "confidence": confidence, "action_text": None, "hide_rule_turn": False}


def session_started(timestamp: float) -> Dict[str, Any]:
    return {"event": "session_started", "timestamp": timestamp, "metadata": dict(METADATA)}


def user(text: str, intent: str, confidence: float, timestamp: float,
         ranking: Sequence[Tuple[str, float]] = ()) -> Dict[str, Any]:
    intent_ranking = [{"name": name, "confidence": value} for name, value in ranking] or [
        {"name": intent, "confidence": confidence}]
    return {"event": "user", "timestamp": timestamp, "metadata": dict(METADATA), "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text,
                           "message_id": _hex_id(), "metadata": {},
                           "intent_ranking": intent_ranking},
            "input_channel": "rest", "message_id": _hex_id()}


def user_featurization(timestamp: float) -> Dict[str, Any]:
    return {"event": "user_featurization", "timestamp": timestamp, "metadata": dict(METADATA),
            "use_text_for_featurization": False}


def bot(text: Optional[str], timestamp: float, buttons: Optional[List[Dict[str, str]]] = None,
        custom: Optional[Dict[str, Any]] = None, template: Optional[str] = None) -> Dict[str, Any]:
    metadata = dict(METADATA)
    if template:
        metadata = {"utter_action": template, "template": template, **metadata}
    return {"event": "bot", "timestamp": timestamp, "metadata": metadata, "text": text,
            "data": {**NO_DATA, "buttons": buttons, "custom": custom}}


def escalation(reason: str, urgent: bool, timestamp: float, ticket: Optional[str] = None) -> Dict[str, Any]:
    return bot(None, timestamp, custom={"escalation": {"reason": reason, "urgent": urgent, "ticket": ticket,
                                                       **CLINIC}})


def slot(name: str, value: Any, timestamp: float) -> Dict[str, Any]:
    return {"event": "slot", "timestamp": timestamp, "metadata": dict(METADATA), "name": name, "value": value}


def rewind(timestamp: float) -> Dict[str, Any]:
    return {"event": "rewind", "timestamp": timestamp, "metadata": dict(METADATA)}


def row(sender_id: str, event: Dict[str, Any]) -> Tuple[str, str, float, Optional[str], Optional[str], str]:
    """The events row SQLTrackerStore.save() writes for one event."""
    intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
    return (sender_id, event["event"], event.get("timestamp"), intent, event.get("name"), json.dumps(event))


def open_store(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path))
    for statement in SCHEMA:
        connection.execute(statement)
    return connection


def append(connection: sqlite3.Connection, sender_id: str, events: Sequence[Dict[str, Any]]) -> None:
    """Appends one conversation's events (one transaction, as a tracker save is)."""
    with connection:
        connection.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                               "VALUES (?, ?, ?, ?, ?, ?)", [row(sender_id, event) for event in events])


# ------------------------------------------------------------------ what visitors ask
ANSWERED = [  # (intent, answering action, wordings)
    ("ask_what_is", "utter_what_is", ["what is microneedling?", "what's microneedling exactly", "what is collagen induction therapy"]),
    ("ask_sessions", "utter_sessions", ["how many sessions do I need?", "how many treatments will it take", "is one session enough?"]),
    ("ask_downtime", "utter_downtime", ["how long is the downtime?", "can I go to work the next day?", "how long will I be red"]),
    ("ask_during_treatment", "utter_during_treatment", ["does it hurt?", "is it painful", "will I get numbing cream?"]),
    ("ask_aftercare", "utter_aftercare", ["what should I do after treatment?", "aftercare tips please", "can I wear sunscreen after"]),
    ("ask_condition", "action_answer_condition", ["does it help acne scars?", "can it fix stretch marks", "is it good for large pores?"]),
    ("ask_results_timeline", "utter_results_timeline", ["when will I see results?", "how soon do results show"]),
    ("ask_risks", "utter_risks", ["what are the side effects?", "is it risky"]),
    ("ask_prp", "utter_prp", ["what is the vampire facial?", "do you do PRP with it"]),
    ("ask_skin_type", "utter_skin_type", ["is it safe for dark skin?", "does it work on sensitive skin"]),
    ("ask_booking", "action_share_clinic_contact", ["how much does it cost?", "can I book an appointment", "what are your prices"]),
    ("ask_who_should_avoid", "action_answer_who_should_avoid", ["who shouldn't get it?", "can anyone have microneedling"]),
]
OUT_OF_SCOPE = ["what's the weather tomorrow", "can you write my essay", "who won the football last night",
                "do you sell laptops", "tell me a joke"]
GUIDE_SILENT = ["can I wear makeup the next morning?", "can I fly the day after?", "can I get botox the same day?",
                "can I go swimming after?", "is it ok to drink alcohol after a session"]
UNCLEAR = ["hmm the thing with the needles on my cheeks again??", "what about the other one", "is that normal for me",
           "my sister said something about it", "ok but what if", "asdf", "and the cream?"]
ESCALATIONS = [  # (intent, reason, urgent, wordings)
    ("report_contraindication", "pregnancy", False, ["I'm pregnant, can I still have it?", "i am 5 months pregnant"]),
    ("report_contraindication", "isotretinoin", False, ["I'm on accutane right now", "I take isotretinoin"]),
    ("report_contraindication", "blood_thinners", False, ["I take warfarin every day"]),
    ("report_red_flag", "infection_signs", True, ["there's pus and it's getting hotter", "my face is swollen with yellow crust"]),
    ("report_red_flag", "allergic_reaction", True, ["my lips are swelling and I feel dizzy"]),
    ("report_beyond_normal", "beyond_normal_recovery", False, ["still red after a week", "it's been 5 days and still peeling badly"]),
]
GREETINGS = ["hi", "hello", "hey there", "good morning"]
FALLBACK_BUTTONS = [{"title": "Who shouldn't have it", "payload": "/ask_who_should_avoid"},
                    {"title": "Side effects and risks", "payload": "/ask_risks"},
                    {"title": "Something else", "payload": "/out_of_scope"}]


class _Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def tick(self, low: float = 0.001, high: float = 0.02) -> float:
        self.now += random.uniform(low, high)
        return self.now


def _ranking(intent: str, confidence: float) -> List[Tuple[str, float]]:
    others = random.sample([name for name, _, _ in ANSWERED if name != intent], 3)
    rest = 1.0 - confidence
    return [(intent, confidence)] + [(name, rest / (i + 2)) for i, name in enumerate(others)]


def _turn(clock: _Clock, text: str, intent: str, confidence: float, replies: List[Dict[str, Any]],
          actions: Sequence[str]) -> List[Dict[str, Any]]:
    events = [user(text, intent, confidence, clock.tick(2, 40), _ranking(intent, confidence)),
              user_featurization(clock.tick())]
    for name in actions:
        events.append(action(name, clock.tick()))
    for reply in replies:
        reply["timestamp"] = clock.tick()
        events.append(reply)
    events.append(action("action_listen", clock.tick()))
    return events


def conversation(clock: _Clock) -> List[Dict[str, Any]]:
    """One visitor's conversation: 1-3 questions, perhaps a greeting first and thanks after."""
    events = [action("action_session_start", clock.tick(), policy=None), session_started(clock.tick()),
              action("action_listen", clock.tick(), policy=None)]
    if random.random() < 0.3:
        events += _turn(clock, random.choice(GREETINGS), "greet", random.uniform(0.9, 1.0),
                        [bot("Hi! I'm the clinic's microneedling assistant. What would you like to know?", 0,
                             template="utter_greet")], ["utter_greet"])
    for _ in range(random.choice((1, 1, 1, 1, 2, 3))):
        dice = random.random()
        if dice < 0.70:
            intent, answer, wordings = random.choice(ANSWERED)
            confidence = random.uniform(0.55, 1.0) if random.random() < 0.9 else random.uniform(0.21, 0.5)
            events += _turn(clock, random.choice(wordings), intent, confidence,
                            [bot(f"(the guide's answer for {intent})", 0, template=answer)], [answer])
        elif dice < 0.78:
            guess = random.choice(ANSWERED)[0]
            text = random.choice(UNCLEAR)
            turn = _turn(clock, text, "nlu_fallback", 0.2,
                         [bot("It sounds like you're asking about something else.", 0),
                          bot("If you meant something else:", 0, buttons=FALLBACK_BUTTONS)],
                         ["action_two_stage_fallback"])
            turn[0]["parse_data"]["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.2},
                                                       {"name": guess, "confidence": 0.18}]
            events += turn
        elif dice < 0.84:
            events += _turn(clock, random.choice(OUT_OF_SCOPE), "out_of_scope", random.uniform(0.6, 1.0),
                            [bot("I can only answer questions about microneedling.", 0, template="utter_out_of_scope")],
                            ["utter_out_of_scope"])
        elif dice < 0.90:
            events += _turn(clock, random.choice(GUIDE_SILENT), "ask_outside_guide", random.uniform(0.6, 1.0),
                            [bot("The clinic's guide doesn't cover that.", 0, template="utter_outside_guide")],
                            ["action_answer_outside_guide"])
        else:
            intent, reason, urgent, wordings = random.choice(ESCALATIONS)
            name = "action_triage_red_flag" if urgent else "action_escalate_to_clinician"
            events += _turn(clock, random.choice(wordings), intent, 1.0,
                            [slot("escalation_reason", reason, 0), slot("escalation_urgent", urgent, 0),
                             bot("A clinician needs to look at this. Please call the clinic.", 0),
                             escalation(reason, urgent, 0)], [name])
            break
    if random.random() < 0.1:
        events += _turn(clock, "thanks!", "thank", random.uniform(0.9, 1.0),
                        [bot("You're welcome!", 0, template="utter_thank")], ["utter_thank"])
    return events


def _starts(count: int, days: int, end: float) -> Iterator[float]:
    """Conversation start times over `days` days before `end`, ascending, weekdays busier."""
    starts = []
    for _ in range(count):
        while True:
            moment = end - random.uniform(0, days * 86400)
            weekday = datetime.fromtimestamp(moment, timezone.utc).weekday()
            if weekday < 5 or random.random() < 0.5:
                break
        starts.append(moment)
    return iter(sorted(starts))


def generate(out: Path, conversations: int, days: int, end: float, seed: int) -> int:
    random.seed(seed)
    if out.exists():
        out.unlink()
    connection = open_store(out)
    connection.execute("PRAGMA journal_mode=WAL")
    written, pending = 0, []
    for number, start in enumerate(_starts(conversations, days, end)):
        sender_id = _hex_id()
        # Interleaved as a live store is: a conversation's events land close to its start time.
        pending.extend(row(sender_id, event) for event in conversation(_Clock(start)))
        if len(pending) >= 50_000 or number == conversations - 1:
            with connection:
                connection.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, "
                                       "action_name, data) VALUES (?, ?, ?, ?, ?, ?)", pending)
            written += len(pending)
            pending = []
    connection.close()
    return written


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=180, help="spread over this many days before --end")
    parser.add_argument("--end", type=lambda s: datetime.fromisoformat(s).replace(tzinfo=timezone.utc).timestamp(),
                        default=time.time(), help="last day, YYYY-MM-DD (default: now)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("var/bench/console-tracker.db"))
    args = parser.parse_args(argv)
    if args.conversations <= 0 or args.days <= 0:
        parser.error("--conversations and --days must be positive")
    began = time.perf_counter()
    written = generate(args.out, args.conversations, args.days, args.end, args.seed)
    print(json.dumps({"out": str(args.out), "conversations": args.conversations, "events": written,
                      "seconds": round(time.perf_counter() - began, 1)}))


if __name__ == "__main__":
    main()
