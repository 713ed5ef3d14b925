"""The store on PostgreSQL: the same event log, projection, commits and checks as the SQLite
file (`server.store.sqlite`), for an IT provider who runs the office's data on a database
server (`--db postgresql://willkommen@db.example/office`, or `database = "postgresql://…"`
in the site file).

- **The same tables**: the append-only `events` (the truth) and the `tickets` projection,
  written in one transaction per group of commands; `daily_stats` and the statistics tables
  (`server.store.stats_schema`, plain SQL that both databases run: `Sql` swaps SQLite's `?`
  placeholders for psycopg's `%s`).
- **Confirmed means committed**: the writer (`server.store.writer`) awaits `commit` on its
  own asynchronous connection (psycopg 3's `AsyncConnection`), so the event loop serves
  terminals during the round trips, and answers only after PostgreSQL said COMMIT. The
  session keeps the database's `synchronous_commit` (an admin's `remote_apply` for a
  standby stays), except `off`, which could lose a confirmed ticket: it is raised to `on`.
- **Migrations** are numbered (`server.store.pg_schema`), recorded in `willkommen_migrations`,
  each applied once in its own transaction; a database with a migration this version does not
  know, or an event it cannot read, is refused as a newer version's (`StoreNewer`), untouched.
- **One server per office**: a session-level `pg_try_advisory_lock` held by the store's
  first connection for as long as it is open (the file lock's twin). A second server is
  refused with a line naming the holder (its `application_name`: host and pid). PostgreSQL
  lets the lock go when that connection ends, also when the server is killed.
- **A lost database is reached again** (a failover to the standby, a restart): a commit that
  fails on a lost session (`lost`) makes the writer call `reconnect` until it succeeds: new
  sessions on whichever of the URL's hosts is the primary now (`host=a,b` with
  `target_session_attrs=read-write`), the office's lock taken again there (held by another
  server: `StoreLocked`, the server stops; held by this process's own old session, which
  the database thinks alive after a network broke: that session is ended), and the commit
  mark read: every commit also
  writes its own random mark into `willkommen_commit`, so the mark there says whether the
  commit on its way when the session was lost was made (the standby had it) or not.

**Several offices on one database**: a schema per office. The URL names it
(`postgresql://willkommen@db.example/hessen?options=-csearch_path%3Dwetzlar`): every table,
the migrations and the advisory lock (keyed by the schema's name) are that office's, and the
queries name no schema, so one office's server never reads another's rows. Chosen over an
office id in every row: nothing to forget in a WHERE, an office moves or leaves with
`pg_dump -n`/`DROP SCHEMA`, and `GRANT`s can keep one office's login out of the others'.
A schema the URL names must exist (the admin makes it, owned by the office's login).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from datetime import date, timedelta
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row

from server.core import Event
from server.core import events as ev
from server.core.model import EXPIRED, OPEN_STATES
from server.store import stats_kept as stats
from server.store import access, commit_wait, pgpass
from server.store.threads import carrying
from server.store.pg_lock import (END_OUR_OLD_SESSION, HOLDER, LOCK_KEY, UNLOCK, confirm_on_disk, confirm_on_disk_async,
                                   holder, try_lock)
from server.store.pg_schema import MIGRATIONS, migrate
from server.store.pg_refusals import (foreign, locked, newer_event, newer_schema, schema_refusal, taken, unreachable,
                                      unusable)
from server.store.projection import SIGNED_OUT, SIGNED_OUT_ENDED, TICKET_COLUMNS, Projection, Rows, T
from server.store.sqlite import forget_events
from server.store.unavailable import NEWER, StoreNewer, stored_event

log = logging.getLogger("willkommen.store")

CONNECT_TIMEOUT = 10  # seconds: a database that does not answer is said, not waited for
LOCK_WAIT = 5.0  # seconds: a server killed a moment ago holds the lock until PostgreSQL sees its session end

INSERT_EVENT = "INSERT INTO events (at, day, kind, data) VALUES (%s, %s, %s, %s)"
UPSERT_TICKET = (f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}, day) "
                 f"VALUES ({', '.join('%s' for _ in TICKET_COLUMNS)}, %s) ON CONFLICT (id) DO UPDATE SET "
                 + ", ".join(f"{c} = excluded.{c}" for c in TICKET_COLUMNS[1:]))
INSERT_REFERRAL = stats.INSERT_REFERRAL.replace("?", "%s")
MARK = "UPDATE willkommen_commit SET mark = %s"
EXPIRE = (f"UPDATE tickets SET state = %s WHERE day < %s AND state IN ({', '.join('%s' for _ in OPEN_STATES)})")
SUMMARY = """
INSERT INTO daily_stats
SELECT day, service, count(*), sum((state = 'done')::int), sum((state = 'no_show')::int),
       sum((state = 'cancelled')::int), sum((state = 'expired')::int), coalesce(sum(called_at - issued_at), 0),
       count(called_at), coalesce(sum(finished_at - started_at), 0), count(finished_at - started_at)
FROM tickets WHERE day < %s GROUP BY day, service
ON CONFLICT (day, service) DO UPDATE SET tickets = excluded.tickets, done = excluded.done,
    no_shows = excluded.no_shows, cancelled = excluded.cancelled, expired = excluded.expired,
    wait_s_sum = excluded.wait_s_sum, waits = excluded.waits, service_s_sum = excluded.service_s_sum,
    services = excluded.services
"""


def shown(url: str) -> str:
    """The URL for logs and errors: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def application_name() -> str:
    """Who holds an office: shown to a second server that is refused, and in pg_stat_activity."""
    return f"willkommen-server {socket.gethostname()} pid {os.getpid()}"[:63]


class Sql:
    """A psycopg connection as the statistics use one (`server.store.stats_kept`, `server.manager.stats`): `?` placeholders, `execute`
    returning a cursor, `executemany`."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    @property
    def scratch(self) -> str:
        """How `server.manager.stats.tables` makes the tables and views of one read. TEMP ones need
        the database's TEMPORARY right, which docs/it-provider.md revokes from the offices'
        logins; on a session that is not autocommit (the statistics worker's: `close` rolls
        its one transaction back) plain ones in the office's own schema vanish the same way,
        unseen by any other session, and need only the schema's CREATE, which the office's
        login has (its server makes its tables there)."""
        return "TEMP" if self.conn.autocommit else ""

    def execute(self, sql: str, params: Iterable = ()) -> psycopg.Cursor:
        return self.conn.execute(sql.replace("?", "%s"), list(params))

    def executemany(self, sql: str, rows: Iterable) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), list(rows))

    def close(self) -> None:
        if not self.conn.autocommit and not self.conn.closed:
            self.conn.rollback()  # what a read made (`scratch`) is gone
        self.conn.close()


def _no_bools(row: tuple) -> tuple:
    """A ticket's row as PostgreSQL takes it: flags as integers (as in SQLite; psycopg sends
    bools as boolean), and no NUL in a text, which PostgreSQL's `text` cannot hold: a booking
    code from outside with one would fail every commit, and the replay would bring it back
    (a server stopping again and again). In the projection it becomes U+FFFD; the event, the
    truth, keeps it exactly (its JSON writes it as an escape)."""
    return tuple(int(v) if type(v) is bool else v.replace("\0", "\ufffd") if type(v) is str and "\0" in v else v
                 for v in row)


class PostgresStore(commit_wait.Asked, Projection):
    """One office's data in one PostgreSQL database; the methods are `Store`'s."""

    day_change_aside = True  # `start_day` on `self.conn` through `aside`, never the commits' connection: MVCC

    def __init__(self, url: str, *, timezone: str, synchronous: str = "normal"):
        super().__init__(timezone)
        self.url, self.path = url, shown(url)  # `path`: what logs and errors call the database
        self.aconn: psycopg.AsyncConnection | None = None
        self.mark = ""  # the mark of the latest commit sent (`commit`, `reconnect`)
        self.session_thread = carrying(1, "willkommen-session")  # see `aside`
        self.conn = self._connect()
        try:
            self._lock()
            self._check()
            migrate(self.conn, self.path)
            stats.ensure_tables(Sql(self.conn))  # per-day statistics, the same SQL as SQLite's
            stats.upgrade(Sql(self.conn))
            stats.roll_up(Sql(self.conn))
            self.day = self.conn.execute("SELECT coalesce(max(day), '') FROM events "
                                         "WHERE kind = 'day_started'").fetchone()[0]
        except psycopg.Error as exc:
            self.conn.close()
            raise unusable(self.path, exc) from None
        except BaseException:
            self.conn.close()
            raise

    # ---- opening ---------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        if (problem := pgpass.before(self.url, self.path)) is not None:  # a password file libpq would pass over
            raise problem
        try:
            return self._session()
        except psycopg.Error as exc:
            # libpq's connection errors carry no SQLSTATE to tell "not yet" (refused, timed out,
            # only standbys, starting up) from "never": a login refused for its password is
            # told by libpq's words (status 2), anything else may pass (status 1)
            raise pgpass.refused(self.url, self.path, exc) or unreachable(self.path, exc) from None

    def _session(self) -> psycopg.Connection:
        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                               application_name=application_name())
        confirm_on_disk(conn)
        return conn

    def _lock(self) -> None:
        if (refused := schema_refusal(self.conn, self.path)) is not None:
            raise refused  # (the caller closes the session)
        until = time.monotonic() + LOCK_WAIT
        while not self.conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))",
                                    [LOCK_KEY]).fetchone()[0]:
            if time.monotonic() > until:
                self._refuse()
            time.sleep(0.1)

    def _refuse(self) -> None:
        raise locked(self.path, self.conn.execute(HOLDER, [LOCK_KEY]).fetchone())

    def _check(self) -> None:
        """Refuse a database that is not Willkommen's or that a newer version wrote, reading only."""
        tables = {name for (name,) in self.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
        if tables and not {"events", "willkommen_migrations"} <= tables:
            raise foreign(self.path, tables)
        if not tables:
            return
        known = {name for name, _ in MIGRATIONS}
        unknown = [name for (name,) in self.conn.execute("SELECT name FROM willkommen_migrations ORDER BY name")
                   if name not in known]
        if unknown:
            raise newer_schema(self.path, unknown[-1])
        if (problem := self._unreadable_event()) is not None:
            raise newer_event(self.path, problem)

    def _unreadable_event(self) -> str | None:
        found = self.conn.execute("SELECT seq, kind FROM events WHERE NOT (kind = ANY(%s)) ORDER BY seq LIMIT 1",
                                  [list(ev.KINDS)]).fetchone()
        if found is not None:
            return f"holds event {found[0]} of kind {found[1]!r}, which this version does not know ({NEWER})"
        latest = self.conn.execute("SELECT coalesce(max(day), '') FROM events WHERE kind = 'day_started'").fetchone()[0]
        start = self._first_seq_of(latest)
        try:
            for seq, data in self.conn.execute(self._REPLAYED, [latest, start, start, latest, start, start]):
                stored_event(seq, data)
        except StoreNewer as exc:
            return str(exc)
        return None

    def schema_version(self) -> list[str]:
        return [name for (name,) in self.conn.execute("SELECT name FROM willkommen_migrations ORDER BY name")]

    # ---- writing ---------------------------------------------------------------------

    def write(self, rows: Rows) -> None:
        """One transaction on the store's connection (tools, tests, `append`)."""
        with self.conn.transaction(), self.conn.cursor() as cursor:
            cursor.executemany(INSERT_EVENT, rows.events)
            cursor.executemany(UPSERT_TICKET, [_no_bools(t) for t in rows.tickets])
            if rows.referrals:
                cursor.executemany(INSERT_REFERRAL, rows.referrals)
            access.write(Sql(self.conn), rows.people, rows.weights)
            for day in rows.new_days:  # after the tickets, as in SQLite
                cursor.execute(EXPIRE, [EXPIRED, day, *OPEN_STATES])

    async def commit(self, rows: Rows) -> None:
        """The writer's commit on the asynchronous connection (opened on first use on the event
        loop): one transaction in one message, one round trip (`_transaction`). An error fails
        the writer, which stops the server (crash-only)."""
        self.mark = secrets.token_hex(8)  # first: a commit lost before it was sent is never taken as made
        if self.aconn is None:
            self.aconn = await self._writing_connection()
        cursor = psycopg.AsyncClientCursor(self.aconn)
        await cursor.execute(_transaction(cursor, rows, self.mark))

    async def open_writing(self) -> None:
        if self.aconn is None:
            self.aconn = await self._writing_connection()

    async def probe(self) -> None:
        """One round trip on the commits' session while the office is idle (`server.store.liveness`):
        a lost session raises as a commit would."""
        await self.open_writing()
        await (await self.aconn.execute("SELECT 1")).fetchone()  # type: ignore[union-attr]

    async def sign_out(self, session: str, until: float, now: float) -> None:
        if self.aconn is None:
            self.aconn = await self._writing_connection()
        async with self.aconn.transaction():
            await self.aconn.execute(SIGNED_OUT.replace("?", "%s"), [session, until])
            await self.aconn.execute(SIGNED_OUT_ENDED.replace("?", "%s"), [now])

    def signed_out(self, now: float) -> set[str]:
        with self.conn.transaction():
            self.conn.execute(SIGNED_OUT_ENDED.replace("?", "%s"), [now])
            return {session for (session,) in self.conn.execute("SELECT session FROM signed_out")}

    async def _writing_connection(self, *, handover: bool = True) -> psycopg.AsyncConnection:
        """The commits' connection takes the office's lock over from the store's first one: a
        writer whose session is lost can commit nothing more until `reconnect` took the lock
        again, so no second server can ever write beside it. In the instant between, a starting
        server may take the lock: then this one fails its first commit, having written nothing.
        After a lost session (`handover=False`) it waits for the lock as a starting server does:
        on the same host a session of ours may take a moment to end."""
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                                     application_name=application_name())
        try:
            await confirm_on_disk_async(conn)
            if handover:
                await self.aside(self.conn.execute, UNLOCK, [LOCK_KEY])
            until = time.monotonic() + (LOCK_WAIT if not handover else 0)
            while not await try_lock(conn):
                if not handover:  # our own lost session, alive to the database (a network that broke)
                    await conn.execute(END_OUR_OLD_SESSION, [LOCK_KEY, application_name()])
                if time.monotonic() >= until:
                    raise taken(self.path, await holder(conn))
                await asyncio.sleep(0.1)
        except BaseException:
            await conn.close()
            raise
        return conn

    def lost(self, exc: BaseException) -> bool:
        """A session ended or unreachable (`OperationalError`: a dead primary, a restart, an
        admin's `pg_terminate_backend`), or one on a standby that cannot write (a URL without
        `target_session_attrs=read-write`): the writer reaches the database again."""
        return isinstance(exc, (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction))

    async def reconnect(self) -> bool:
        """New sessions after a lost one, on whichever host is the primary now; the office's
        lock taken again there. True when the commit on its way when the session was lost had
        been made (its mark is the database's), False when it was not (the writer makes it)."""
        await self.aclose(quietly=True)
        self.aconn = await self._writing_connection(handover=False)
        mark = (await (await self.aconn.execute("SELECT mark FROM willkommen_commit")).fetchone())[0]
        await self.aside(self._new_session)  # housekeeping's and the tools' own
        return mark == self.mark

    def _new_session(self) -> None:
        old, self.conn = self.conn, self._session()
        old.close()

    def aside(self, work: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """As `Projection.aside`: on the session's one thread (one psycopg transaction at a time:
        two day changes at once failed, OutOfOrderTransactionNesting), after what came before."""
        return asyncio.get_running_loop().run_in_executor(self.session_thread, work, *args)

    async def aclose(self, *, quietly: bool = False) -> None:
        if self.aconn is not None:
            conn, self.aconn = self.aconn, None
            try:
                await conn.close()
            except psycopg.Error:
                if not quietly:
                    raise

    def close(self) -> None:  # ends the session (the lock goes with it), after what runs on its thread
        self.session_thread.submit(lambda: self.conn.close()).result()
        self.session_thread.shutdown()

    # ---- reading and housekeeping ----------------------------------------------------------

    # appointments booked for the day or later, the plan in force (the last `plan_changed`,
    # whatever its day), and the day's own events
    _LATEST_PLAN = "SELECT seq, data FROM events WHERE seq = (SELECT max(seq) FROM events WHERE kind = 'plan_changed')"
    _REPLAYED = ("SELECT seq, data FROM events WHERE kind = 'appointment_booked' AND day >= %s AND seq < %s "
                 f"UNION ALL {_LATEST_PLAN} AND seq < %s "
                 f"UNION ALL SELECT seq, data FROM events WHERE {access.KINDS_SQL} AND day >= %s AND seq < %s "
                 "UNION ALL SELECT seq, data FROM events WHERE seq >= %s ORDER BY seq")

    def events_of(self, day: str) -> list[Event]:
        rows = self.conn.execute("SELECT seq, data FROM events WHERE day = %s ORDER BY seq", [day])
        return [stored_event(seq, data) for seq, data in rows]

    def events_since(self, day: str) -> list[Event]:
        """What a server starting on `day` replays (as `Store.events_since`)."""
        start = self._first_seq_of(day)
        return [stored_event(seq, data) for seq, data in self.conn.execute(self._REPLAYED,
                                                                      [day, start, start, day, start, start])]

    def _first_seq_of(self, day: str) -> int:
        first = self.conn.execute("SELECT min(seq) FROM events WHERE kind = 'day_started' AND day >= %s",
                                  [day]).fetchone()[0]
        return first or self.conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM events").fetchone()[0]

    def purge(self, today: str, retention_days: int, *, personal: bool = False) -> int:
        """As `Store.purge`: statistics kept, older tickets and events forgotten."""
        cutoff = (date.fromisoformat(today) - timedelta(days=retention_days)).isoformat()
        with self.conn.transaction():
            stats.keep_days(Sql(self.conn), before=cutoff, tz=self.tz, personal=personal)
            self.conn.execute(SUMMARY, [cutoff])
            removed = self.conn.execute("DELETE FROM tickets WHERE day < %s", [cutoff]).rowcount
            forget_events(Sql(self.conn), self._first_seq_of(cutoff), cutoff)
        return removed

    def start_day(self, today: str, *, retention_days: int, personal: bool) -> None:
        """As `Store.start_day` (called by the writer after the day's first commit)."""
        since = (date.fromisoformat(today) - timedelta(days=7)).isoformat()
        with self.conn.transaction():
            kept = stats.keep_days(Sql(self.conn), before=today, since=since, tz=self.tz, personal=personal)
        log.info("statistics kept", extra={"fields": {"days": kept}})
        self.purge(today, retention_days, personal=personal)
        with self.conn.transaction():
            access.forget_before(Sql(self.conn), today)

    # ---- the lottery's side tables (`server.store.access`) ---------------------------------------

    def keep_seed(self, day: str, seed: str) -> str:
        with self.conn.transaction():
            return access.keep_seed(Sql(self.conn), day, seed)

    def access_seed(self, day: str) -> str | None:
        return access.seed(Sql(self.conn), day)

    def forget_seed(self, day: str) -> None:
        with self.conn.transaction():
            access.forget_seed(Sql(self.conn), day)

    def unlucky(self, identity: str) -> int:
        return access.unlucky(Sql(self.conn), identity)

    def access_people(self, since: str) -> list[tuple]:
        return access.people(Sql(self.conn), since)

    def access_addresses(self, since: str) -> list[tuple]:
        return access.addresses(Sql(self.conn), since)

    def last_ticket_id(self) -> int:
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]

    def ticket_row(self, **where: str) -> dict | None:
        clause = " AND ".join(f"{key} = %s" for key in where)
        with self.conn.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(f"SELECT * FROM tickets WHERE {clause} LIMIT 1", list(where.values())).fetchone()

    def count_events(self) -> int:
        return self.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """Rows of one read-only query with `?` placeholders (tests, tools; both stores)."""
        return Sql(self.conn).execute(sql, params).fetchall()


def _transaction(cursor: psycopg.AsyncClientCursor, rows: Rows, mark: str) -> str:
    """A commit's statements as one simple query: PostgreSQL runs the statements of one query
    message as one transaction (all or none; COMMIT, with its fsync and synchronous standby, at
    its end), the values bound on the client (`mogrify`: libpq's quoting for this connection).
    160-175 µs of the server's CPU a one-draw commit, against 350-540 µs in a pipeline (a
    message each, psycopg's machinery per statement, a second round trip for COMMIT)."""
    def each(sql: str, values: Iterable) -> list[str]:
        return [cursor.mogrify(sql, v) for v in values]

    statements = [cursor.mogrify(MARK, [mark]), *each(INSERT_EVENT, rows.events),
                  *each(UPSERT_TICKET, map(_no_bools, rows.tickets)), *each(INSERT_REFERRAL, rows.referrals),
                  *each(access.INSERT_PERSON.replace("?", "%s"), rows.people),
                  *each(access.DELETE_WEIGHT.replace("?", "%s"), [(i,) for i, unlucky, _ in rows.weights if unlucky == 0]),
                  *each(access.UPSERT_WEIGHT.replace("?", "%s"), [w for w in rows.weights if w[1] > 0]),
                  *each(EXPIRE, [[EXPIRED, day, *OPEN_STATES] for day in rows.new_days])]
    return ";\n".join(statements)
