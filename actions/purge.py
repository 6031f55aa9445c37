"""Remove conversations and clinician follow-up tickets older than the clinic's retention period.

    python -m actions.purge --days 90 [--dry-run] [--endpoints endpoints.yml]
    make purge DAYS=90

The period comes from --days, else from RETENTION_DAYS in the environment; without either the
command refuses to run rather than guess. It removes:

- conversations in Rasa's SQL tracker store (the `events` table) whose *last* event is older
  than the period: a conversation still going on is kept whole;
- tickets (`HANDOFF_DB_URL`, default var/handoff.db) created before the period, open or not;
- requests in the handoff spool file (var/handoff_spool.jsonl) that failed before the period.

The tracker store is read from the endpoints file the Rasa server uses (`ENDPOINTS`, default
endpoints.yml): SQLite there, PostgreSQL with endpoints.production.yml and its TRACKER_DB_*
variables. SQLite deletes overwrite the freed space (secure_delete), so removed contact details
do not linger in the file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List, Optional, Sequence, Union

import sqlalchemy as sa

import actions.handoff as handoff
from actions.tickets import STATUS_RESOLVED, TicketStore, tickets_table

DEFAULT_ENDPOINTS = "endpoints.yml"
RETENTION_ENV = "RETENTION_DAYS"

# Rasa's SQLTrackerStore table (rasa/core/tracker_store.py: SQLEvent); `timestamp` is epoch seconds.
events_table = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
)


@dataclass
class PurgeReport:
    conversations: int = 0
    events: int = 0
    tickets: int = 0
    open_tickets: int = 0
    spooled_requests: int = 0
    sql_tracker_store: bool = True

    def lines(self, days: int, dry_run: bool) -> List[str]:
        verb = "would remove" if dry_run else "removed"
        conversations = (
            f"{verb} {self.conversations} conversation(s) ({self.events} events) with no message "
            f"in the last {days} day(s)" if self.sql_tracker_store
            else "conversations: the tracker store is not SQL, nothing removed there")
        return [
            conversations,
            f"{verb} {self.tickets} ticket(s) created more than {days} day(s) ago "
            f"({self.open_tickets} of them still open)",
            f"{verb} {self.spooled_requests} spooled request(s) older than {days} day(s)",
        ]


def tracker_db_url(endpoints_path: Union[str, Path]) -> Optional[Union[str, sa.engine.URL]]:
    """The SQL tracker store's URL from an endpoints file (env vars resolved), or None if not SQL."""
    with warnings.catch_warnings():  # Rasa warns about its own dependencies: noise for staff
        warnings.simplefilter("ignore")
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.utils.endpoints import read_endpoint_config

        config = read_endpoint_config(str(endpoints_path), "tracker_store")
        if config is None or (config.type or "").lower() != "sql":
            return None
        options = config.kwargs
        port = options.get("port")
        # `login_db` is only where Rasa connects to create `db`; the conversations live in `db`.
        return SQLTrackerStore.get_db_url(
            dialect=options.get("dialect", "sqlite"), host=config.url, port=int(port) if port else None,
            db=options.get("db", "rasa.db"), username=options.get("username"),
            password=options.get("password"), query=options.get("query"))


def purge_conversations(engine: sa.engine.Engine, cutoff: datetime, dry_run: bool) -> tuple:
    """(conversations, events) whose last event is before `cutoff`; removed unless dry_run."""
    if not sa.inspect(engine).has_table("events"):
        return 0, 0
    stale = (sa.select(events_table.c.sender_id)
             .group_by(events_table.c.sender_id)
             .having(sa.func.max(events_table.c.timestamp) < cutoff.timestamp()))
    stale_events = events_table.c.sender_id.in_(stale.scalar_subquery())
    with engine.begin() as conn:
        overwrite_deleted_content(conn)
        conversations = conn.execute(sa.select(sa.func.count()).select_from(stale.subquery())).scalar_one()
        events = conn.execute(sa.select(sa.func.count()).where(stale_events)).scalar_one()
        if not dry_run:
            conn.execute(events_table.delete().where(stale_events))
    return conversations, events


def purge_tickets(store: TicketStore, cutoff: datetime, dry_run: bool) -> tuple:
    """(tickets, still open) created before `cutoff`; removed unless dry_run."""
    old = tickets_table.c.created_at < cutoff
    with store.engine.begin() as conn:
        overwrite_deleted_content(conn)
        tickets = conn.execute(sa.select(sa.func.count()).where(old)).scalar_one()
        still_open = conn.execute(
            sa.select(sa.func.count()).where(old, tickets_table.c.status != STATUS_RESOLVED)).scalar_one()
        if not dry_run:
            conn.execute(tickets_table.delete().where(old))
    return tickets, still_open


def purge_spool(path: Path, cutoff: datetime, dry_run: bool) -> int:
    """Drop spooled requests that failed before `cutoff`; unreadable lines are kept for staff."""
    if not path.exists():
        return 0
    kept, removed = [], 0
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        failed_at = _failed_at(line)
        if failed_at is not None and failed_at < cutoff:
            removed += 1
        else:
            kept.append(line)
    if removed and not dry_run:
        _rewrite_private(path, "".join(kept))
    return removed


def _failed_at(line: str) -> Optional[datetime]:
    try:
        value = datetime.fromisoformat(json.loads(line)["failed_at"])
    except (ValueError, KeyError, TypeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _rewrite_private(path: Path, text: str) -> None:
    """Replace the file atomically, readable by its owner only (it holds contact details)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def overwrite_deleted_content(conn: sa.engine.Connection) -> None:
    """SQLite otherwise may keep deleted rows in free pages (it depends on how it was built)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")


def purge(days: int, endpoints_path: Union[str, Path], ticket_store: TicketStore, spool_path: Path,
          dry_run: bool = False, now: Optional[datetime] = None) -> PurgeReport:
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    report = PurgeReport()
    url = tracker_db_url(endpoints_path)
    report.sql_tracker_store = url is not None
    if url is not None:
        engine = sa.create_engine(url, future=True)
        try:
            report.conversations, report.events = purge_conversations(engine, cutoff, dry_run)
        finally:
            engine.dispose()
    report.tickets, report.open_tickets = purge_tickets(ticket_store, cutoff, dry_run)
    report.spooled_requests = purge_spool(spool_path, cutoff, dry_run)
    return report


def retention_days(arg: Optional[int]) -> int:
    value = arg if arg is not None else os.environ.get(RETENTION_ENV)
    if value is None or str(value).strip() == "":
        raise SystemExit(f"error: give the retention period: --days N (or set {RETENTION_ENV}=N)")
    try:
        days = int(value)
    except ValueError:
        raise SystemExit(f"error: the retention period must be a whole number of days, not {value!r}")
    if days < 1:
        raise SystemExit("error: the retention period must be at least 1 day")
    return days


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.purge", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, help=f"keep this many days (default: ${RETENTION_ENV})")
    parser.add_argument("--endpoints", default=os.environ.get("ENDPOINTS", DEFAULT_ENDPOINTS),
                        help="the Rasa server's endpoints file, for its tracker store (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="count what would go, remove nothing")
    args = parser.parse_args(argv)
    days = retention_days(args.days)
    if not Path(args.endpoints).exists():
        raise SystemExit(f"error: no endpoints file {args.endpoints}")
    report = purge(days, args.endpoints, TicketStore(), handoff.SPOOL_PATH, dry_run=args.dry_run)
    print("\n".join(report.lines(days, args.dry_run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
