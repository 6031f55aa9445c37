"""console.rollup: incremental per-conversation and per-day counts, never counted twice."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import rollup
from console.db import _tracker_engine_for, metadata
from console.rollup import ConversationFilter
from console.tracker_reader import TrackerReader
from tests.console.tracker_fixtures import DAY, T0, action, escalation, handoff_form, loop, reply, start, visitor, write

JAN1, JAN2, JAN3 = date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)


@pytest.fixture()
def paths(tmp_path: Path):
    console_db = sa.create_engine(f"sqlite:///{tmp_path / 'console.db'}", future=True)
    metadata.create_all(console_db, tables=list(rollup.TABLES))
    return tmp_path / "tracker.db", console_db


def reader(path: Path) -> TrackerReader:
    return TrackerReader(_tracker_engine_for(f"sqlite:///{path}"))


def counts(engine, start=JAN1, end=JAN3):
    return {key: sum(days.values()) for key, days in rollup.daily_counts(engine, start, end).items()}


def row(engine, sender_id):
    return rollup.get_conversation(engine, sender_id)


def test_flags_and_daily_counts_of_a_cold_build(paths) -> None:
    tracker, engine = paths
    write(tracker, "worried", start(T0) + [
        visitor("my face is swollen with pus", "report_red_flag", 1.0, T0 + 1),
        escalation("infection_signs", True, T0 + 2),
        escalation("infection_signs", True, T0 + 3),  # a reminder: the same escalation
    ])
    write(tracker, "unsure", start(T0 + DAY) + [
        visitor("the needle thing??", "nlu_fallback", 0.2, T0 + DAY + 1,
                ranking=[("nlu_fallback", 0.2), ("ask_devices", 0.15)]),
        action("action_two_stage_fallback", T0 + DAY + 2),
        visitor("how many sessions", "ask_sessions", 0.4, T0 + DAY + 3),
        visitor("can I fly after?", "ask_outside_guide", 0.95, T0 + DAY + 4),
        visitor("tell me a joke", "out_of_scope", 0.9, T0 + DAY + 5),
    ])
    result = rollup.refresh(engine, reader(tracker))
    assert result.events == 14 and result.last_event_id == 14

    worried, unsure = row(engine, "worried"), row(engine, "unsure")
    assert (worried.escalated, worried.urgent, worried.escalation_reason, worried.visitor_messages) == (
        True, True, "infection_signs", 1)
    assert not (worried.fell_back or worried.low_confidence or worried.out_of_scope or worried.guide_silent)
    assert (unsure.escalated, unsure.fell_back, unsure.low_confidence, unsure.out_of_scope, unsure.guide_silent) == (
        False, True, True, True, True)
    assert unsure.started == T0 + DAY and unsure.last_activity == T0 + DAY + 5

    by_day = rollup.daily_counts(engine, JAN1, JAN3)
    assert by_day[("conversations", "")] == {"2025-01-01": 1, "2025-01-02": 1}
    assert by_day[("escalated_conversations", "")] == {"2025-01-01": 1}
    assert by_day[("escalation_reason", "infection_signs")] == {"2025-01-01": 1}
    assert by_day[("visitor_messages", "")] == {"2025-01-01": 1, "2025-01-02": 4}
    assert counts(engine)[("gap", "fallback")] == 1 and counts(engine)[("gap", "low_confidence")] == 1

    gaps = rollup.recent_gap_messages(engine, JAN1, JAN3, limit=10)
    assert {(g.text, g.kind, g.best_guess) for g in gaps} == {
        ("the needle thing??", "fallback", "ask_devices"), ("how many sessions", "low_confidence", "ask_sessions"),
        ("can I fly after?", "guide_silent", "ask_outside_guide"), ("tell me a joke", "out_of_scope", "out_of_scope")}


def test_new_events_are_picked_up_and_nothing_is_counted_twice(paths) -> None:
    tracker, engine = paths
    write(tracker, "a", start(T0) + [visitor("hi", "greet", 0.99, T0 + 1)])
    rollup.refresh(engine, reader(tracker))
    before = counts(engine)
    assert rollup.refresh(engine, reader(tracker)).events == 0
    assert counts(engine) == before

    # The same conversation goes on (the next day), and another one starts.
    write(tracker, "a", [visitor("I'm on accutane", "report_contraindication", 1.0, T0 + DAY),
                         escalation("isotretinoin", False, T0 + DAY + 1)])
    write(tracker, "b", start(T0 + DAY) + [visitor("hello", "greet", 0.98, T0 + DAY + 1)])
    assert rollup.refresh(engine, reader(tracker)).events == 6
    after = counts(engine)
    assert after[("conversations", "")] == 2  # "a" is not a new conversation
    assert after[("visitor_messages", "")] == 3
    assert after[("escalated_conversations", "")] == 1
    assert row(engine, "a").visitor_messages == 2 and row(engine, "a").escalated
    assert row(engine, "a").started == T0 and row(engine, "a").last_activity == T0 + DAY + 1


def test_small_batches_give_the_same_rollup_as_one(paths, tmp_path) -> None:
    tracker, engine = paths
    for n in range(7):
        write(tracker, f"s{n}", start(T0 + n) + [visitor("what is it", "ask_what_is", 0.9, T0 + n + 0.5),
                                                 escalation("pregnancy", n % 2 == 0, T0 + n + 0.6)])
    rollup.refresh(engine, reader(tracker), batch_events=3)  # conversations split across batches
    other = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}", future=True)
    metadata.create_all(other, tables=list(rollup.TABLES))
    rollup.refresh(other, reader(tracker))
    assert counts(engine) == counts(other)
    assert counts(engine)[("urgent_conversations", "")] == 4


def test_a_refresh_that_loses_a_race_is_rolled_back(paths) -> None:
    tracker, engine = paths
    write(tracker, "a", start(T0) + [visitor("hi", "greet", 0.99, T0 + 1)])

    class RacedReader(TrackerReader):
        """Another console process refreshes while this one reads."""

        def events_after(self, last_id, limit):
            found = super().events_after(last_id, limit)
            rollup.refresh(engine, reader(tracker))
            return found

    with pytest.raises(rollup.ConcurrentRefresh):
        rollup.refresh(engine, RacedReader(_tracker_engine_for(f"sqlite:///{tracker}")))
    assert counts(engine)[("visitor_messages", "")] == 1
    assert counts(engine)[("conversations", "")] == 1


def test_a_replaced_store_is_rebuilt(paths, tmp_path) -> None:
    tracker, engine = paths
    write(tracker, "old", start(T0) + [visitor("hi", "greet", 0.99, T0 + 1)] * 3)
    rollup.refresh(engine, reader(tracker))
    tracker.unlink()
    write(tracker, "new", start(T0) + [visitor("hello", "greet", 0.99, T0 + 1)])
    result = rollup.refresh(engine, reader(tracker))
    assert result.rebuilt
    assert row(engine, "old") is None and row(engine, "new").visitor_messages == 1


def test_a_missing_store_leaves_the_rollup_empty_and_unavailable(paths) -> None:
    tracker, engine = paths
    service = rollup.Rollup(engine, reader(tracker))
    service.refresh_if_due()
    assert not service.available
    assert rollup.list_conversations(engine, ConversationFilter(), page=1, per_page=10) == ([], 0)


def test_refreshes_are_throttled(paths) -> None:
    tracker, engine = paths
    write(tracker, "a", start(T0))
    service = rollup.Rollup(engine, reader(tracker), interval=60)
    service.refresh_if_due()
    write(tracker, "b", start(T0 + 1))
    service.refresh_if_due()  # within the interval: the store is not read again
    assert rollup.watermark(engine) == 3


def test_filters_date_range_and_pages(paths) -> None:
    tracker, engine = paths
    write(tracker, "jan1-urgent", start(T0) + [visitor("pus", "report_red_flag", 1.0, T0 + 1),
                                               escalation("infection_signs", True, T0 + 2)])
    write(tracker, "jan2-fallback", start(T0 + DAY) + [visitor("eh?", "nlu_fallback", 0.2, T0 + DAY + 1)])
    write(tracker, "jan2-low", start(T0 + DAY + 5) + [visitor("pores?", "ask_condition", 0.3, T0 + DAY + 6)])
    write(tracker, "jan3-plain", start(T0 + 2 * DAY) + [visitor("hi", "greet", 0.99, T0 + 2 * DAY + 1)])
    rollup.refresh(engine, reader(tracker))

    def ids(where, page=1, per_page=10):
        rows, total = rollup.list_conversations(engine, where, page=page, per_page=per_page)
        return [r.sender_id for r in rows], total

    assert ids(ConversationFilter()) == (["jan3-plain", "jan2-low", "jan2-fallback", "jan1-urgent"], 4)
    assert ids(ConversationFilter(urgent=True)) == (["jan1-urgent"], 1)
    assert ids(ConversationFilter(escalated=True, urgent=True)) == (["jan1-urgent"], 1)
    assert ids(ConversationFilter(fell_back=True)) == (["jan2-low", "jan2-fallback"], 2)
    assert ids(ConversationFilter(start=JAN2, end=JAN2)) == (["jan2-low", "jan2-fallback"], 2)
    assert ids(ConversationFilter(start=JAN3)) == (["jan3-plain"], 1)
    assert ids(ConversationFilter(), page=2, per_page=3) == (["jan1-urgent"], 4)


def test_the_list_query_uses_an_index(paths) -> None:
    _, engine = paths
    with engine.connect() as connection:
        for where in (ConversationFilter(), ConversationFilter(urgent=True)):
            query = (sa.select(rollup.conversations).where(*where.conditions())
                     .order_by(rollup.conversations.c.last_activity.desc()).limit(50))
            sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "USING INDEX ix_rollup_conversations" in plan, plan


# ------------------------------------------------------------------ contact details are never content gaps
def _form_conversation(tracker: Path, sender: str, at: float) -> None:
    write(tracker, sender, start(at) + [
        visitor("the needle pen thingy?", "nlu_fallback", 0.2, at + 1),
        visitor("can a clinician call me?", "request_clinician", 0.97, at + 2),
        *handoff_form(at + 3, "Zelda Quist", "zelda.quist@example.org", "+31 (0)6-1234 5678"),
        visitor("and the numbing cream??", "nlu_fallback", 0.2, at + 20),
    ])


@pytest.mark.parametrize("batch_events", [rollup.BATCH_EVENTS, 1, 5])  # the form split across refreshes
def test_answers_to_the_handoff_form_are_never_gaps(paths, batch_events) -> None:
    tracker, engine = paths
    _form_conversation(tracker, "handoff", T0)
    while rollup.refresh(engine, reader(tracker), batch_events=batch_events).events:
        pass
    texts = {g.text for g in rollup.recent_gap_messages(engine, JAN1, JAN3, limit=50)}
    assert texts == {"the needle pen thingy?", "and the numbing cream??"}
    assert counts(engine)[("gap", "fallback")] == 2 and ("gap", "low_confidence") not in counts(engine)
    assert row(engine, "handoff").visitor_messages == 8 and not row(engine, "handoff").low_confidence
    with engine.connect() as connection:  # the form ended: no state left behind
        assert connection.execute(sa.select(rollup.active_loops)).all() == []


def test_a_new_session_ends_the_form(paths) -> None:
    tracker, engine = paths
    write(tracker, "left", start(T0) + [action("handoff_form", T0 + 1), loop("handoff_form", T0 + 1),
                                        visitor("Zelda Quist", "nlu_fallback", 0.1, T0 + 2)])
    rollup.refresh(engine, reader(tracker))
    write(tracker, "left", start(T0 + DAY) + [visitor("what was the cream called", "nlu_fallback", 0.1, T0 + DAY + 1)])
    rollup.refresh(engine, reader(tracker))
    assert [g.text for g in rollup.recent_gap_messages(engine, JAN1, JAN3, limit=10)] == ["what was the cream called"]


@pytest.mark.parametrize("text, contact", [
    ("zelda.quist@example.org", True), ("write to Z.Q+clinic@mail.example.co.uk please", True),
    ("+31 (0)6-1234 5678", True), ("call 555 0100 123", True), ("06.12.34.56.78", True), ("(020) 7946-0958", True),
    ("is 3 sessions in 2024 enough", False), ("what about 12 weeks?", False), ("my sister @ home", False),
    ("123 456", False),
])
def test_contact_details_are_recognised(text, contact) -> None:
    assert rollup.has_contact_details(text) is contact


def test_a_message_with_contact_details_is_no_gap_outside_the_form_either(paths) -> None:
    tracker, engine = paths
    write(tracker, "direct", start(T0) + [visitor("call me on 0612345678 about it", "nlu_fallback", 0.1, T0 + 1),
                                          visitor("ann@example.com re the redness", "ask_risks", 0.3, T0 + 2),
                                          visitor("what is the pen called", "nlu_fallback", 0.1, T0 + 3)])
    rollup.refresh(engine, reader(tracker))
    assert [g.text for g in rollup.recent_gap_messages(engine, JAN1, JAN3, limit=10)] == ["what is the pen called"]


def test_a_rollup_built_before_the_form_state_is_rebuilt_once(paths) -> None:
    tracker, engine = paths
    _form_conversation(tracker, "handoff", T0)
    rollup.refresh(engine, reader(tracker))
    with engine.begin() as connection:  # as an older console left it: a form answer among the gaps
        connection.execute(rollup.state.delete().where(rollup.state.c.name == "active_loops"))
        connection.execute(rollup.gap_messages.insert().values(
            event_id=10_000, sender_id="handoff", timestamp=T0 + 5, kind="fallback", text="Zelda Quist"))
    assert rollup.refresh(engine, reader(tracker)).rebuilt
    assert "Zelda Quist" not in {g.text for g in rollup.recent_gap_messages(engine, JAN1, JAN3, limit=50)}
    assert counts(engine)[("visitor_messages", "")] == 8
    assert not rollup.refresh(engine, reader(tracker)).rebuilt
