"""Clinic staff's tool for clinician follow-up tickets.

    python -m actions.staff_tickets list [--all] [--unnotified]
    python -m actions.staff_tickets show MN-ABC123
    python -m actions.staff_tickets resolve MN-ABC123 [--note "called back, booked a consultation"]
    python -m actions.staff_tickets renotify [MN-ABC123]     # all not-yet-notified when none given

(`make tickets ARGS="list"` runs the same.) Uses HANDOFF_DB_URL like the action server.
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from actions.notification import notify_staff
from actions.tickets import STATUS_OPEN, Ticket, TicketStore


def summary_line(ticket: Ticket) -> str:
    flags = ("URGENT " if ticket.urgent else "") + ("" if ticket.notified else "not-notified")
    return (f"{ticket.reference}  {ticket.created_at:%Y-%m-%d %H:%M}  {ticket.status:<8}  "
            f"{ticket.reason:<24}  {flags}".rstrip())


def details(ticket: Ticket) -> str:
    return "\n".join([
        f"reference:       {ticket.reference}",
        f"status:          {ticket.status}",
        f"created:         {ticket.created_at:%Y-%m-%d %H:%M %Z}",
        f"reason:          {ticket.reason}{' (URGENT)' if ticket.urgent else ''}",
        f"question:        {ticket.question}",
        f"name:            {ticket.contact_name}",
        f"contact:         {ticket.contact_detail}",
        f"preferred time:  {ticket.preferred_time}",
        f"conversation id: {ticket.conversation_id}",
        f"staff notified:  {'yes' if ticket.notified else 'no'} ({ticket.notify_attempts} attempts"
        f"{', last error: ' + ticket.last_notify_error if ticket.last_notify_error else ''})",
    ] + ([f"resolved:        {ticket.resolved_at:%Y-%m-%d %H:%M}"] if ticket.resolved_at else [])
      + ([f"resolution note: {ticket.resolution_note}"] if ticket.resolution_note else []))


def main(argv: Optional[List[str]] = None, store: Optional[TicketStore] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.staff_tickets", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="open tickets, oldest first")
    listing.add_argument("--all", action="store_true", help="include resolved tickets")
    listing.add_argument("--unnotified", action="store_true", help="only tickets staff were not told about")
    commands.add_parser("show").add_argument("reference")
    resolving = commands.add_parser("resolve", help="close a ticket, with what was done")
    resolving.add_argument("reference")
    resolving.add_argument("--note", default=None, help="what was done (shown in the console too)")
    commands.add_parser("renotify", help="re-send staff notifications").add_argument("reference", nargs="?")
    args = parser.parse_args(argv)

    store = store or TicketStore()
    if args.command == "list":
        tickets = store.list(status=None if args.all else STATUS_OPEN, only_unnotified=args.unnotified)
        for ticket in tickets:
            print(summary_line(ticket))
        print(f"{len(tickets)} ticket(s)")
        return 0
    if args.command == "renotify":
        targets = [store.get(args.reference)] if args.reference else store.list(status=STATUS_OPEN, only_unnotified=True)
        if not targets or targets[0] is None:
            print("nothing to re-send" if not args.reference else f"no ticket {args.reference}")
            return 0 if not args.reference else 1
        failed = [t.reference for t in targets if not notify_staff(store, t)]
        print(f"re-sent {len(targets) - len(failed)} of {len(targets)}"
              + (f"; still failing: {', '.join(failed)}" if failed else ""))
        return 1 if failed else 0
    ticket = store.get(args.reference)
    if ticket is None:
        print(f"no ticket {args.reference}", file=sys.stderr)
        return 1
    if args.command == "show":
        print(details(ticket))
    else:
        print(f"{ticket.reference} resolved" if store.resolve(ticket.reference, note=args.note)
              else f"{ticket.reference} was already resolved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
