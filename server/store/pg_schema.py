"""The office's schema on PostgreSQL, step by step: each step applied once, in its own
transaction, and recorded by name in `willkommen_migrations` (`server.store.postgres` refuses a
database that records a step this version does not know). The steps follow the SQLite file's
(`server.store.sqlite_schema`); the per-day statistics' tables are plain SQL both stores share
(`server.store.stats_schema`).
"""

from __future__ import annotations

import logging

import psycopg

from server.store import access
from server.store.projection import SIGNED_OUT_TABLE
from server.store.stats_floor_rows import FLOOR_INDEXES

log = logging.getLogger("willkommen.store")

MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # the SQLite file's m001-m007 as they stand, in one step: PostgreSQL starts from here
    ("p001_events_and_tickets", (
        "CREATE TABLE events (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at double precision NOT NULL,"
        " day text NOT NULL, kind text NOT NULL, data text NOT NULL)",
        # partial indexes, as in SQLite (m005): a draw writes no index page but the primary key's
        "CREATE INDEX idx_events_day_started ON events (day) WHERE kind = 'day_started'",
        "CREATE INDEX idx_events_booked ON events (day) WHERE kind = 'appointment_booked'",
        "CREATE TABLE tickets (id bigint PRIMARY KEY, day text NOT NULL, number text NOT NULL,"
        " service text NOT NULL, lang text, kiosk text, token text NOT NULL, state text NOT NULL, counter text,"
        " issued_at double precision NOT NULL, called_at double precision, started_at double precision,"
        " finished_at double precision, outcome text, recalls integer, transfers integer, booking text,"
        " appointment_at double precision, interpreter integer NOT NULL DEFAULT 0,"
        " first_called_at double precision, eta_low integer, eta_high integer)",
        "CREATE TABLE daily_stats (day text NOT NULL, service text NOT NULL, tickets integer, done integer,"
        " no_shows integer, cancelled integer, expired integer, wait_s_sum double precision, waits integer,"
        " service_s_sum double precision, services integer, PRIMARY KEY (day, service))",
    )),
    # one row: the mark of the latest commit (`reconnect` reads whether a lost commit was made)
    ("p002_commit_mark", (
        "CREATE TABLE willkommen_commit (mark text NOT NULL)",
        "INSERT INTO willkommen_commit (mark) VALUES ('')",
    )),
    ("p003_signed_out", (SIGNED_OUT_TABLE,)),  # SQLite's m008
    # the SQLite file's m009: the lottery's side tables (`server.store.access`)
    ("p004_fair_access", access.TABLES),
    ("p005_entries_per_address", (access.ADDRESS,)),  # SQLite's m010
    ("p006_draw_witnessed", access.WITNESS_INDEX),  # SQLite's m011
    ("p007_floor_events", FLOOR_INDEXES),  # SQLite's m012
)


def migrate(conn: psycopg.Connection, shown: str) -> None:
    """The steps `conn`'s schema has not had yet, in order (`shown`: the database for the log)."""
    conn.execute("CREATE TABLE IF NOT EXISTS willkommen_migrations (name text PRIMARY KEY, "
                 "applied_at timestamptz NOT NULL DEFAULT now())")
    applied = {name for (name,) in conn.execute("SELECT name FROM willkommen_migrations")}
    for name, statements in MIGRATIONS:
        if name in applied:
            continue
        with conn.transaction():
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO willkommen_migrations (name) VALUES (%s)", [name])
        log.info("migrated", extra={"fields": {"db": shown, "migration": name}})
