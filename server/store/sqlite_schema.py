"""The SQLite file's schema, step by step: sqlite-utils `Migrations`, each applied once and
recorded by name in `_sqlite_migrations` (a file that records a step this version does not
know is a newer version's: `server.store.sqlite_file`). A step's docstring says why it was
taken; the per-day statistics' tables are plain SQL both stores share (`server.store.stats_schema`).
PostgreSQL's schema is its own (`server.store.postgres`).
"""

from __future__ import annotations

import sqlite_utils

from server.store import access
from server.store.projection import SIGNED_OUT_TABLE
from server.store.stats_floor_rows import FLOOR_INDEXES

migrations = sqlite_utils.Migrations("willkommen")


@migrations()
def m001_events_and_tickets(db: sqlite_utils.Database) -> None:
    db["events"].create({"seq": int, "at": float, "day": str, "kind": str, "data": str}, pk="seq")
    db["events"].create_index(["day"])
    db["tickets"].create({
        "id": int, "day": str, "number": str, "service": str, "lang": str, "kiosk": str, "token": str,
        "state": str, "counter": str, "issued_at": float, "called_at": float, "started_at": float,
        "finished_at": float, "outcome": str, "recalls": int, "transfers": int,
    }, pk="id", not_null={"day", "number", "service", "token", "state", "issued_at"})
    db["tickets"].create_index(["day", "number"], unique=True)
    db["tickets"].create_index(["token"], unique=True)


@migrations()
def m002_appointments(db: sqlite_utils.Database) -> None:
    db["tickets"].add_column("booking", str)
    db["tickets"].add_column("appointment_at", float)


@migrations()
def m003_daily_stats(db: sqlite_utils.Database) -> None:
    db["daily_stats"].create({
        "day": str, "service": str, "tickets": int, "done": int, "no_shows": int, "cancelled": int,
        "expired": int, "wait_s_sum": float, "waits": int, "service_s_sum": float, "services": int,
    }, pk=("day", "service"))


@migrations()
def m004_lighter_ticket_indexes(db: sqlite_utils.Database) -> None:
    """Every draw wrote a leaf page of the random `token` index and one of the (day, number)
    index per service: a group commit of 7 draws cost 39 us a ticket, 15 us with one index on
    `day` (appended to in order). Nothing looks a ticket up by token in the file (status pages
    read the office in memory); the core keeps numbers unique within a day."""
    db.execute("DROP INDEX IF EXISTS idx_tickets_day_number")
    db.execute("DROP INDEX IF EXISTS idx_tickets_token")
    db["tickets"].create_index(["day"], if_not_exists=True)


@migrations()
def m005_no_index_written_per_draw(db: sqlite_utils.Database) -> None:
    """A commit wrote a page of `events`, of its `day` index, of `tickets` and of theirs: a
    lone kiosk drew 3,360/s, 3,810/s without the two `day` indexes (`python -m bench --only
    draws`). What needs a day now finds it otherwise: a day's events start at its
    `day_started` event, and appointments booked ahead are found by their own small index;
    both are partial, so a draw writes no index page. Expiring, summarising and purging old
    tickets read the table once a day instead."""
    db.execute("DROP INDEX IF EXISTS idx_events_day")
    db.execute("DROP INDEX IF EXISTS idx_tickets_day")
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_day_started ON events (day) WHERE kind = 'day_started'")
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_booked ON events (day) WHERE kind = 'appointment_booked'")


@migrations()
def m006_interpreter(db: sqlite_utils.Database) -> None:
    """Whether the visitor asked at the kiosk for an interpreter (issue 15); 0 for older tickets."""
    db["tickets"].add_column("interpreter", int, not_null_default=0)


@migrations()
def m007_printed_estimates(db: sqlite_utils.Database) -> None:
    """The range printed on a ticket (its draw event's `eta`) and its first call, so that
    statistics tell how often the printed estimate held (`server.manager.stats`). Tickets drawn
    before this have none: no range was recorded for them."""
    db["tickets"].add_column("first_called_at", float)
    db["tickets"].add_column("eta_low", int)
    db["tickets"].add_column("eta_high", int)


@migrations()
def m008_signed_out(db: sqlite_utils.Database) -> None:
    """Sessions signed out, until their end: a restart does not take their cookies up again."""
    db.execute(SIGNED_OUT_TABLE)


@migrations()
def m009_fair_access(db: sqlite_utils.Database) -> None:
    """The lottery's side tables (personal data for the day, weights, the seed until the draw)
    and an index to replay a lottery day's events from the evening before (`server.store.access`)."""
    for statement in access.TABLES:
        db.execute(statement)


@migrations()
def m010_entries_per_address(db: sqlite_utils.Database) -> None:
    """The network address (keyed hash) of a web entry beside its personal data, gone with it
    when the next day starts: a restart counts `entries_per_address` on (`server.store.access`)."""
    db.execute(access.ADDRESS)


@migrations()
def m011_draw_witnessed(db: sqlite_utils.Database) -> None:
    """A witness's words are a lottery day's event: replayed and kept with its day."""
    for statement in access.WITNESS_INDEX:
        db.execute(statement)


@migrations()
def m012_floor_events(db: sqlite_utils.Database) -> None:
    """The statistics read every kiosk's going and coming back and the plan's changes
    (`server.store.stats_floor_rows`): partial indexes, so a draw writes no page of them."""
    for statement in FLOOR_INDEXES:
        db.execute(statement)
