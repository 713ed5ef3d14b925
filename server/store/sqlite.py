"""The store: one SQLite file in WAL mode, written through sqlite-utils.

The append-only `events` table is the truth. `tickets` is a projection of it (one row per
ticket with its times, for status pages and statistics), written in the same transaction as
the events that changed it. On start the server replays the current day's events through the
queue core; older days need no replay because a day's queue starts empty. An event's day is
its own `day` field where it has one (a new day; an appointment belongs to the day it is
due, so booking ahead is replayed on that day) and else the local date of its time.

A `Store`'s connection has one user at a time: the server opens and closes it on its store
thread and commits on the event loop in between (`server.store.writer`). `synchronous` is the site's
durability: "normal" survives a killed process, "full" also a power cut, at an fsync per
commit (a group of commands: `server.store.writer`); with "full" a group of several commands
is written over a connection of its own and its COMMIT runs on a thread (`server.store.beside`)
while the loop goes on.

The schema's steps are in `server.store.sqlite_schema`. One server per file, and a file
checked read-only before anything is written to it (a newer version's or a damaged file left
exactly as it was): `server.store.sqlite_file`; why a store cannot be used:
`server.store.unavailable`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from functools import partial
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable

import sqlite_utils

from server.store import stats_kept as stats
from server.store.stats_floor_rows import kept_events
from server.store import access
from server.store.beside import Beside
from server.store.checkpoint import Checkpoints
from server.core import Event
from server.core.model import EXPIRED, OPEN_STATES
from server.store.projection import (SIGNED_OUT, SIGNED_OUT_ENDED, TICKET_COLUMNS,  # noqa: F401
                                     Projection, Rows)  # (TICKET_COLUMNS is imported from here too)
from server.store.sqlite_file import LATEST_PLAN, check, lock
from server.store.sqlite_schema import migrations
from server.store.unavailable import (StoreCorrupt, StoreLocked, StoreNewer, StoreUnavailable,  # noqa: F401
                                      StoreUnreachable, stored_event)  # (the errors' old place: importers move)

log = logging.getLogger("willkommen.store")

SUMMARY = """
INSERT OR REPLACE INTO daily_stats
SELECT day, service, count(*), sum(state = 'done'), sum(state = 'no_show'), sum(state = 'cancelled'),
       sum(state = 'expired'), coalesce(sum(called_at - issued_at), 0), count(called_at),
       coalesce(sum(finished_at - started_at), 0), count(finished_at - started_at)
FROM tickets WHERE day < ? GROUP BY day, service
"""

INSERT_EVENT = "INSERT INTO events (at, day, kind, data) VALUES (?, ?, ?, ?)"
UPSERT_TICKET = (f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}, day) "
                 f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)}, ?) ON CONFLICT (id) DO UPDATE SET "
                 + ", ".join(f"{c} = excluded.{c}" for c in TICKET_COLUMNS[1:]))


def _write(conn: sqlite3.Connection, rows: Rows) -> None:
    """A commit's rows, inside the caller's transaction on `conn`."""
    conn.executemany(INSERT_EVENT, rows.events)
    conn.executemany(UPSERT_TICKET, rows.tickets)
    if rows.referrals:
        conn.executemany(stats.INSERT_REFERRAL, rows.referrals)
    access.write(conn, rows.people, rows.weights)
    marks = ", ".join("?" for _ in OPEN_STATES)
    for day in rows.new_days:  # after the tickets: one drawn before the new day began in this same commit
        # is expired too
        conn.execute(f"UPDATE tickets SET state = ? WHERE day < ? AND state IN ({marks})", [EXPIRED, day, *OPEN_STATES])


def forget_events(conn, first: int, cutoff: str) -> None:
    """Delete the events before seq `first` (the cutoff day's first), in either store (`?`
    placeholders; PostgreSQL's through its `Sql`), but for those still needed: a lottery day's
    events and appointments go by their day (entries come the evening before), the plan in
    force is replayed at every start, and the statistics' days after the cutoff need the plan
    in force at it and each kiosk still out then (`stats_floor_rows.kept_events`)."""
    floor = ", ".join(str(seq) for seq in kept_events(conn, first)) or "0"
    conn.execute("DELETE FROM events WHERE seq < ? "
                 f"AND NOT ((kind = 'appointment_booked' OR {access.KINDS_SQL}) AND day >= ?) "
                 f"AND seq NOT IN ({floor}) AND seq NOT IN (SELECT seq FROM ({LATEST_PLAN}) AS plan)", [first, cutoff])


class Store(Projection):
    """The office's SQLite file; `server.store.postgres.PostgresStore` is the same on PostgreSQL."""

    def __init__(self, path: str | Path, *, timezone: str, synchronous: str = "normal"):
        super().__init__(timezone)
        self.path = Path(path)
        self.lock = lock(self.path)
        try:
            check(self.path, self.lock)
        except StoreUnavailable:
            os.close(self.lock)
            raise
        self.synchronous = synchronous
        self.beside = Beside(self.path, synchronous=synchronous)  # "full": groups commit on a thread
        self.last_events = 0  # events of the last commit (`commits_inline`)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.db.enable_wal()
        self.db.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        self.checkpoints = Checkpoints(self.path, synchronous=synchronous) if synchronous != "full" else None
        if self.checkpoints is not None:  # copied on a thread of its own (`server.store.checkpoint`)
            self.db.execute("PRAGMA wal_autocheckpoint = 0")
        migrations.apply(self.db)
        stats.ensure_tables(self.db.conn)  # per-day statistics: plain SQL, also for PostgreSQL
        stats.upgrade(self.db.conn)  # days kept before statistics counted legs of visits
        stats.roll_up(self.db.conn)
        self.day = self.db.execute("SELECT coalesce(max(day), '') FROM events INDEXED BY idx_events_day_started "
                                   "WHERE kind = 'day_started'").fetchone()[0]  # the office's latest day

    def close(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.close()
        self.beside.close()
        self.db.close()
        os.close(self.lock)  # after SQLite's own descriptors: the next server may start now

    def schema_version(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    def write(self, rows: Rows) -> None:
        """One transaction. The hot path uses `executemany` on sqlite-utils' connection:
        `insert_all` and `upsert_all` read the table's columns on every call, which cost a third
        of the server's time under load (py-spy, `python -m bench`)."""
        with self.db.atomic():
            _write(self.db.conn, rows)
        if self.checkpoints is not None:
            self.checkpoints.committed()

    async def commit(self, rows: Rows) -> None:
        """The writer's commit: inline on the event loop; with synchronous "full", a group of
        several events on the commit thread (`server.store.beside`), so the loop goes on
        drawing while the disk syncs."""
        inline, self.last_events = self.commits_inline(len(rows.events)), len(rows.events)
        if inline:
            self.write(rows)
        else:
            await self.beside.commit(partial(_write, rows=rows))

    def commits_inline(self, events: int) -> bool:
        """With "full", only a lone kiosk's commit (one event after a commit of one) stays on the
        loop: a group that happens to hold one event between larger ones goes beside too, or its
        fsync would hold the loop that the other kiosks' draws wait on."""
        return self.synchronous != "full" or (events <= 1 and self.last_events <= 1)

    def signed_out(self, now: float) -> set[str]:
        with self.db.atomic():
            self.db.execute(SIGNED_OUT_ENDED, [now])
            return {session for (session,) in self.db.execute("SELECT session FROM signed_out")}

    async def sign_out(self, session: str, until: float, now: float) -> None:
        with self.db.atomic():  # inline on the loop, as the writer's commits
            self.db.execute(SIGNED_OUT, [session, until])
            self.db.execute(SIGNED_OUT_ENDED, [now])

    def events_of(self, day: str) -> list[Event]:
        """The events of one office day, in the order they happened (reads the whole table)."""
        rows = self.db.execute("SELECT seq, data FROM events WHERE day = ? ORDER BY seq", [day])
        return [stored_event(seq, data) for seq, data in rows]

    def events_since(self, day: str) -> list[Event]:
        """What a server starting on `day` replays: the events from the start of that day (its
        `day_started`, the first event of every day) and appointments booked earlier for it
        or later, and the latest plan (`plan_changed`: the plan holds until it is changed), and
        the lottery days' events for that day or later (entries come in the evening before)."""
        start = self._first_seq_of(day)
        rows = self.db.execute("SELECT seq, data FROM events INDEXED BY idx_events_booked "
                               "WHERE kind = 'appointment_booked' AND day >= ? AND seq < ? "
                               f"UNION ALL {LATEST_PLAN} AND seq < ? "
                               "UNION ALL SELECT seq, data FROM events INDEXED BY idx_events_access "
                               f"WHERE {access.KINDS_SQL} AND day >= ? AND seq < ? "
                               "UNION ALL SELECT seq, data FROM events WHERE seq >= ? ORDER BY seq",
                               [day, start, start, day, start, start])
        return [stored_event(seq, data) for seq, data in rows]

    def _first_seq_of(self, day: str) -> int:
        """The seq of the first event on or after `day`; past the last event if there is none."""
        first = self.db.execute("SELECT min(seq) FROM events INDEXED BY idx_events_day_started "
                                "WHERE kind = 'day_started' AND day >= ?", [day])
        return first.fetchone()[0] or self.db.execute("SELECT coalesce(max(seq), 0) + 1 FROM events").fetchone()[0]

    def purge(self, today: str, retention_days: int, *, personal: bool = False) -> int:
        """Forget tickets and events older than the retention, keeping per-day statistics
        (`daily_stats`: counts, summed waits and service times per service; per counter only with
        `personal`, the site's `personal_statistics`). Returns how many tickets were removed."""
        cutoff = (date.fromisoformat(today) - timedelta(days=retention_days)).isoformat()
        with self.db.atomic():
            stats.keep_days(self.db.conn, before=cutoff, tz=self.tz, personal=personal)  # figures outlive tickets
            self.db.execute(SUMMARY, [cutoff])
            removed = self.db.execute("DELETE FROM tickets WHERE day < ?", [cutoff]).rowcount
            forget_events(self.db.conn, self._first_seq_of(cutoff), cutoff)
        return removed

    def start_day(self, today: str, *, retention_days: int, personal: bool) -> None:
        """A new day began (the writer calls this after committing `day_started`): keep the
        last week's statistics now (a few ms), so reports on past days read histograms, not
        tickets; then forget what is past the retention. Older days not kept yet are kept when
        they are purged. Figures per counter only with `personal` (the site allows them)."""
        since = (date.fromisoformat(today) - timedelta(days=7)).isoformat()
        with self.db.atomic():
            kept = stats.keep_days(self.db.conn, before=today, since=since, tz=self.tz, personal=personal)
        log.info("statistics kept", extra={"fields": {"days": kept}})
        self.purge(today, retention_days, personal=personal)
        with self.db.atomic():
            access.forget_before(self.db.conn, today)

    # ---- the lottery's side tables (`server.store.access`) ---------------------------------------

    def keep_seed(self, day: str, seed: str) -> str:
        with self.db.atomic():
            return access.keep_seed(self.db.conn, day, seed)

    def access_seed(self, day: str) -> str | None:
        return access.seed(self.db.conn, day)

    def forget_seed(self, day: str) -> None:
        with self.db.atomic():
            access.forget_seed(self.db.conn, day)

    def unlucky(self, identity: str) -> int:
        return access.unlucky(self.db.conn, identity)

    def access_people(self, since: str) -> list[tuple]:
        return access.people(self.db.conn, since)

    def access_addresses(self, since: str) -> list[tuple]:
        return access.addresses(self.db.conn, since)

    def last_ticket_id(self) -> int:
        return self.db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]

    def ticket_row(self, **where: str) -> dict | None:
        """One projected ticket, by `token=` or by `day=` and `number=`."""
        clause = " AND ".join(f"{key} = ?" for key in where)
        rows = list(self.db["tickets"].rows_where(clause, list(where.values()), limit=1))
        return rows[0] if rows else None

    def count_events(self) -> int:
        return self.db["events"].count

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """Rows of one read-only query with `?` placeholders (tests, tools; both stores)."""
        return self.db.execute(sql, list(params)).fetchall()
