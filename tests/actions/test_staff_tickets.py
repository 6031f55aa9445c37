"""actions.staff_tickets: the clinic staff's command-line tool."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from action_testkit import ROOT
from actions.staff_tickets import main


def make(store, **overrides):
    values = dict(reason="isotretinoin", urgent=False, question="I'm on accutane, can I book?",
                  conversation_id="conv-3", contact_name="Ann Smith", contact_detail="ann@example.com",
                  preferred_time="mornings")
    values.update(overrides)
    ticket = store.create(**values)
    time.sleep(0.01)  # distinct creation times, so "oldest first" is well defined
    return ticket


def test_list_shows_open_tickets_oldest_first(store, capsys):
    first = make(store)
    urgent = make(store, reason="allergic_reaction", urgent=True)
    done = make(store)
    store.resolve(done.reference)
    assert main(["list"], store=store) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "2 ticket(s)"
    assert [line.split()[0] for line in lines[:-1]] == [first.reference, urgent.reference]
    assert "URGENT" in lines[1] and "URGENT" not in lines[0]
    assert all("not-notified" in line for line in lines[:-1])
    assert "allergic_reaction" in lines[1]
    # Personal details are not listed, only shown per ticket.
    assert "ann@example.com" not in "\n".join(lines)


def test_list_all_and_unnotified(store, capsys):
    one = make(store)
    two = make(store)
    store.resolve(one.reference)
    store.record_notification(two.reference, ok=True)
    assert main(["list", "--all"], store=store) == 0
    out = capsys.readouterr().out
    assert one.reference in out and two.reference in out and "resolved" in out
    assert main(["list", "--unnotified"], store=store) == 0
    out = capsys.readouterr().out
    assert out.strip() == "0 ticket(s)"


def test_show_prints_everything_staff_need(store, capsys):
    ticket = make(store, question="'); DROP TABLE handoff_tickets;-- can I?")
    assert main(["show", ticket.reference.lower()], store=store) == 0
    out = capsys.readouterr().out
    for expected in (ticket.reference, "status:          open", "reason:          isotretinoin",
                     "question:        '); DROP TABLE handoff_tickets;-- can I?", "name:            Ann Smith",
                     "contact:         ann@example.com", "preferred time:  mornings",
                     "conversation id: conv-3", "staff notified:  no (0 attempts)"):
        assert expected in out, expected


def test_show_an_urgent_ticket_with_a_failed_notification(store, capsys):
    ticket = make(store, reason="infection_signs", urgent=True)
    store.record_notification(ticket.reference, ok=False, error="HTTP 500")
    assert main(["show", ticket.reference], store=store) == 0
    out = capsys.readouterr().out
    assert "infection_signs (URGENT)" in out
    assert "staff notified:  no (1 attempts, last error: HTTP 500)" in out


def test_resolve(store, capsys):
    ticket = make(store)
    assert main(["resolve", ticket.reference], store=store) == 0
    assert capsys.readouterr().out.strip() == f"{ticket.reference} resolved"
    assert store.get(ticket.reference).status == "resolved"
    main(["list"], store=store)
    assert capsys.readouterr().out.strip() == "0 ticket(s)"


@pytest.mark.parametrize("command", ["show", "resolve"])
def test_an_unknown_reference_returns_1(store, capsys, command):
    make(store)
    assert main([command, "MN-ZZZZZZ"], store=store) == 1
    captured = capsys.readouterr()
    assert "no ticket MN-ZZZZZZ" in captured.err
    assert store.list()[0].status == "open"


def test_renotify_sends_every_unnotified_ticket(store, capsys, webhook_server, monkeypatch):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook_server.url)
    one, two = make(store), make(store)
    sent = make(store)
    store.record_notification(sent.reference, ok=True)
    assert main(["renotify"], store=store) == 0
    assert capsys.readouterr().out.strip() == "re-sent 2 of 2"
    assert sorted(r["json"]["ticket"]["reference"] for r in webhook_server.received) == \
        sorted([one.reference, two.reference])
    assert store.list(only_unnotified=True) == []
    assert main(["renotify"], store=store) == 0
    assert capsys.readouterr().out.strip() == "nothing to re-send"


def test_renotify_one_reference(store, capsys, webhook_server, monkeypatch):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook_server.url)
    one, other = make(store), make(store)
    assert main(["renotify", one.reference], store=store) == 0
    assert [r["json"]["ticket"]["reference"] for r in webhook_server.received] == [one.reference]
    assert store.get(one.reference).notified and not store.get(other.reference).notified
    assert main(["renotify", "MN-ZZZZZZ"], store=store) == 1
    assert "no ticket MN-ZZZZZZ" in capsys.readouterr().out


def test_renotify_reports_what_still_fails(store, capsys, webhook_server, monkeypatch):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook_server.url)
    monkeypatch.setattr("actions.notification.BACKOFF_SECONDS", 0.0)
    webhook_server.respond_with(then=500)
    ticket = make(store)
    assert main(["renotify"], store=store) == 1
    assert capsys.readouterr().out.strip() == f"re-sent 0 of 1; still failing: {ticket.reference}"
    assert store.get(ticket.reference).last_notify_error == "HTTP 500"


def test_renotify_without_a_webhook_fails_clearly(store, capsys):
    ticket = make(store)
    assert main(["renotify"], store=store) == 1
    assert ticket.reference in capsys.readouterr().out
    assert store.get(ticket.reference).last_notify_error == "HANDOFF_WEBHOOK_URL is not set"


def test_a_command_is_required(store):
    with pytest.raises(SystemExit) as exit_info:
        main([], store=store)
    assert exit_info.value.code == 2


def test_the_module_runs_as_documented_against_handoff_db_url(store, isolated_db):
    ticket = make(store)
    result = subprocess.run([sys.executable, "-m", "actions.staff_tickets", "list"], cwd=ROOT,
                            env={"HANDOFF_DB_URL": isolated_db, "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert ticket.reference in result.stdout and "1 ticket(s)" in result.stdout
