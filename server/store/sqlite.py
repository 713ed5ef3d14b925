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

Schema versions are sqlite-utils `Migrations`, recorded in `_sqlite_migrations`.

One server per file: a `Store` holds an exclusive `flock` on the database file for as long as
it is open (SQLite's own locks let two writers take turns, and two servers each replaying the
day into memory then overwrite each other's tickets). Before anything is written the file is
checked read-only (header, `quick_check`, that it is Willkommen's, that this version reads
its events): a file that fails is named with what is wrong (`StoreUnavailable`) and left
exactly as it was. Events are typed (`server.core.events`): an event of a kind this version
does not know (anywhere in the file), or with a field it does not know (among those a start
replays), is a newer version's file (`StoreNewer`, naming the event's seq and kind). The check reads the whole
file: 2-3.6 s for 216 MB (800,000 events, about 90 days of a busy office) on 2 busy cores.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import sqlite3
from contextlib import closing
from functools import partial
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable

import sqlite_utils

from server.store import stats_kept as stats
from server.store.stats_floor_rows import FLOOR_INDEXES, kept_events
from server.store import access
from server.store.beside import Beside
from server.store.checkpoint import Checkpoints
from server.core import Event
from server.core import events as ev
from server.core.model import EXPIRED, OPEN_STATES
from server.store.projection import (SIGNED_OUT, SIGNED_OUT_ENDED, SIGNED_OUT_TABLE, TICKET_COLUMNS,  # noqa: F401
                                     Projection, Rows)  # (TICKET_COLUMNS is imported from here too)

log = logging.getLogger("willkommen.store")

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


class StoreUnavailable(Exception):
    """The database file cannot be used; `str()` is one line naming the file and why. `why` (if
    set) names the staff catalogue's `[cli.file]` sentence the command line says instead, with
    `fields` (`config.command.file_sentence`)."""

    def __init__(self, message: str, *, why: str = "", **fields: object):
        super().__init__(message)
        self.why, self.fields = why, {key: str(value) for key, value in fields.items()}


class StoreLocked(StoreUnavailable):
    pass


class StoreUnreachable(StoreUnavailable):
    """No session with the database server (PostgreSQL during a failover, not up yet after a
    reboot, or refusing the login): trying again later may work (the CLI exits 1, which
    systemd restarts; the others 2, which it does not)."""


class StoreCorrupt(StoreUnavailable):
    pass


class StoreNewer(StoreUnavailable):
    """An event in the file this version cannot read (a newer version wrote it)."""


SQLITE_HEADER = b"SQLite format 3\0"


def lock(path: Path) -> int:
    """Open `path` (creating it empty if missing) and take an exclusive lock on it; the lock
    lives as long as the returned descriptor. `flock` locks are the open file's, apart from
    SQLite's POSIX locks, so neither disturbs the other."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    except OSError as exc:
        why = "db_directory" if isinstance(exc, IsADirectoryError) else "db_denied" \
            if isinstance(exc, PermissionError) else "db_open"
        raise StoreUnavailable(f"database {path} cannot be opened ({exc.strerror})", why=why, file=path,
                               error=errno.errorcode.get(exc.errno or 0, exc.errno)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreLocked(f"database {path} is in use by another running Willkommen server "
                          "(one server per file: stop the other or pass another --db)", why="db_locked",
                          file=path) from None
    return fd


def check(path: Path, fd: int) -> None:
    """Refuse a file that is not a sound Willkommen database, reading only. An empty file is
    a new database."""
    header = os.pread(fd, len(SQLITE_HEADER), 0)
    if not header:
        return
    if header != SQLITE_HEADER:
        raise StoreCorrupt(f"database {path} is not an SQLite database (it starts with {header[:16]!r})",
                           why="db_not_sqlite", file=path)
    try:
        problem, why, fields = _problem(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True))
    except sqlite3.DatabaseError as exc:
        problem, why, fields = f"is damaged ({exc})", "db_damaged", {}
    if problem:
        raise StoreCorrupt(f"database {path} {problem}; the file was left as it is", why=why, file=path,
                           detail=problem, **fields)
    with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as conn:
        if (problem := _unreadable_event(conn)) is not None:
            raise StoreNewer(f"database {path} {problem}; the file was left as it is", why="db_newer", file=path,
                             detail=problem)


def _problem(conn: sqlite3.Connection) -> tuple[str, str, dict[str, str]]:
    """What is wrong with an SQLite file that should be Willkommen's (empty if nothing), the staff
    catalogue's `[cli.file]` sentence that says it and its fields."""
    with closing(conn):
        found = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if found != "ok":
            return f"is damaged (quick_check: {' '.join(found.split())})", "db_damaged", {}
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "events" not in tables:
            named = ", ".join(sorted(tables))
            return f"is not a Willkommen database (its tables: {named})", "db_foreign", {"tables": named}
        applied = [m.name for m in migrations.applied(sqlite_utils.Database(conn))]
        known = {m.name for m in migrations.pending(sqlite_utils.Database(memory=True))}
        unknown = [name for name in applied if name not in known]
        if unknown:
            return f"was written by a newer Willkommen (schema {unknown[-1]})", "db_newer_schema", {"schema": unknown[-1]}
    return "", "", {}


def _unreadable_event(conn: sqlite3.Connection) -> str | None:
    """The first event this version cannot read, named: of any kind it does not know anywhere
    in the file (one scan in SQLite), or with fields it does not know among the events a start
    replays (the latest day's and the appointments booked for it or later)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone() is None:
        return None  # a new file
    known = ", ".join("?" for _ in ev.KINDS)
    found = conn.execute(f"SELECT seq, kind FROM events WHERE kind NOT IN ({known}) ORDER BY seq LIMIT 1",
                         list(ev.KINDS)).fetchone()
    if found is not None:
        return f"holds event {found[0]} of kind {found[1]!r}, which this version does not know ({NEWER})"
    latest = conn.execute("SELECT coalesce(max(day), '') FROM events WHERE kind = 'day_started'").fetchone()[0]
    start = conn.execute("SELECT coalesce(min(seq), 0) FROM events WHERE kind = 'day_started' AND day = ?",
                         [latest]).fetchone()[0]
    rows = conn.execute("SELECT seq, data FROM events WHERE seq >= ? OR (kind = 'appointment_booked' AND day >= ?) "
                        f"UNION {LATEST_PLAN}", [start, latest])
    try:
        for seq, data in rows:
            _decode(seq, data)
    except StoreNewer as exc:
        return str(exc)
    return None


# the plan in force: the last `plan_changed`, whatever its day (kept by the purge, replayed at start)
LATEST_PLAN = "SELECT seq, data FROM events WHERE seq = (SELECT max(seq) FROM events WHERE kind = 'plan_changed')"
NEWER = "written by a newer Willkommen? Start that version, or restore a backup"


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


def _decode(seq: int, data: str) -> Event:
    try:
        return ev.decode(data)
    except ev.UnknownEvent as exc:
        raise StoreNewer(f"holds event {seq} of kind {exc.kind!r}, which this version cannot read: "
                         f"{exc.problem.removesuffix(' (written by a newer Willkommen?)')} ({NEWER})") from None


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
        return [_decode(seq, data) for seq, data in rows]

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
        return [_decode(seq, data) for seq, data in rows]

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
