"""What the SQLite and the PostgreSQL store share: the rows one commit writes.

Both stores (`server.store.sqlite.Store`, `server.store.postgres.PostgresStore`) offer the
same methods to the writer, the server and the tools; `server.store.open_store` picks one by
the `--db` given (a file, or a `postgresql://` URL). A commit is the events of a group of
commands and the tickets they changed, as rows (`Rows`), written in one transaction: the
events are the truth, `tickets` the projection written with them.
"""

from __future__ import annotations

import asyncio
import operator
from typing import Any, Callable, Iterable, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from server.core import Event, LocalDays, Ticket
from server.core import events as ev
from server.core.events import encode
from server.store import stats_kept as stats
from server.store import access
from server.store.commit_wait import Waiting

TICKET_COLUMNS = ("id", "number", "service", "lang", "kiosk", "token", "state", "counter", "issued_at",
                  "called_at", "started_at", "finished_at", "outcome", "recalls", "transfers", "booking",
                  "appointment_at", "interpreter", "first_called_at", "eta_low", "eta_high")
_ticket_columns = operator.attrgetter(*TICKET_COLUMNS)
# A signed-out session, kept until its cookie would have ended (`server.manager.people`): by a
# hash of its id (the id is what a browser shows to be signed in; the hash is worth nothing)
SIGNED_OUT_TABLE = "CREATE TABLE signed_out (session text PRIMARY KEY, until double precision NOT NULL)"
SIGNED_OUT = "INSERT INTO signed_out (session, until) VALUES (?, ?) ON CONFLICT (session) DO NOTHING"
SIGNED_OUT_ENDED = "DELETE FROM signed_out WHERE until <= ?"
DAY_KINDS = frozenset((ev.DayStarted, ev.AppointmentBooked, ev.AccessOpened, ev.EntryRegistered, ev.DrawWitnessed,
                       ev.AccessDrawn, ev.PlaceOffered))  # stored under their own `day`, not the day of their clock time

T = TypeVar("T")

LOTTERY_DAY = f"SELECT seq, data FROM events WHERE {access.KINDS_SQL} AND day = ? ORDER BY seq"  # idx_events_access


class Rows(NamedTuple):
    events: list[tuple]
    tickets: list[tuple]
    new_days: list[str]  # a day started: tickets of earlier days still open are expired
    referrals: list[tuple] = []  # stats_referrals rows (`stats.referral_row`)
    people: list[tuple] = []     # access_people rows: (entry, day, name, birth_date, contact, address)
    weights: list[tuple] = []    # access_weights rows: (identity, unlucky, day) after a draw


class Projection:
    """The office's day and time zone, and the rows of a commit. `self.day` is the office's
    latest day; the store sets it from its events when it opens."""

    day: str
    day_change_aside = False  # `start_day` may run on a thread beside the commits (PostgreSQL: its own session)

    def __init__(self, timezone: str):
        self.tz = ZoneInfo(timezone)
        self.local_day = LocalDays(self.tz)

    def write(self, rows: Rows) -> None:  # pragma: no cover - each store writes its own way
        raise NotImplementedError

    async def commit(self, rows: Rows) -> None:
        """The writer's commit (`server.store.writer`): SQLite writes inline on the event loop
        (tens of microseconds); PostgreSQL awaits its round trips instead."""
        self.write(rows)

    def commits_inline(self, events: int) -> bool:
        """Whether `commit` of a group of that many events finishes without suspending (then a
        lone command may commit itself, `Writer._alone`). PostgreSQL awaits its round trips."""
        return False

    async def open_writing(self) -> None:
        """Open what the commits write through (PostgreSQL's session; SQLite's file is open)."""

    def lost(self, exc: BaseException) -> bool:
        """Whether a failed commit lost the database on the way (PostgreSQL: a failover, a
        restart) rather than failed in it: the writer then reaches it again (`reconnect`).
        An SQLite file is never lost that way: its errors stop the server."""
        return False

    async def reconnect(self) -> bool:  # pragma: no cover - only a store that can be lost reconnects
        """Reach the lost database again; whether the commit on its way when it was lost had been made."""
        raise NotImplementedError

    async def waiting_for(self) -> Waiting:
        """Why the commit on its way has not come back (the writer asks after
        `commit_wait_seconds`). SQLite commits inline on the event loop: nothing to ask."""
        return Waiting("unknown", "the commit has not come back")

    def signed_out(self, now: float) -> set[str]:  # pragma: no cover - each store reads its own way
        """The hashes of sessions signed out whose end (wall-clock seconds) is after `now`; the
        ended are forgotten."""
        raise NotImplementedError

    async def sign_out(self, session: str, until: float, now: float) -> None:  # pragma: no cover
        """Keep a signed-out session's hash until `until` (through `Writer.keep`)."""
        raise NotImplementedError

    def aside(self, work: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """`work(*args)` on the store's own session, one at a time with everything else the server
        runs on it while serving (the day change's housekeeping, the lottery's seeds and weights,
        an earlier day's published draw). Here at once: SQLite's one connection lives on the
        event loop. PostgreSQL runs it on the session's one thread (`PostgresStore.aside`)."""
        done = asyncio.get_running_loop().create_future()
        try:
            done.set_result(work(*args))
        except Exception as exc:
            done.set_exception(exc)
        return done

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:  # pragma: no cover - each store reads its own way
        raise NotImplementedError

    def lottery_events_of(self, day: str) -> list[Event]:
        """A lottery day's own events (`access.KINDS_SQL`), through their index on either store:
        anyone may ask for a day's published draw (`/draw/<day>.json`), so this never reads the
        whole table as `events_of` does (50 ms of the event loop a request at 400,000 events,
        while every kiosk waited)."""
        return [ev.decode(data) for _, data in self.query(LOTTERY_DAY, [day])]

    async def aclose(self) -> None:
        """Close what lives on the event loop (PostgreSQL's writing connection); `close()`
        follows on the store's thread."""

    def append(self, events: list[Event], tickets: Iterable[Ticket]) -> None:
        """Write events and the tickets they changed in one transaction (one commit)."""
        self.write(self.rows(events, tickets))

    def rows(self, events: list[Event], tickets: Iterable[Ticket], people: list[tuple] | None = None) -> Rows:
        """The rows of a commit, as the events and tickets are now (the benchmarks time the
        making of rows and their writing apart). `people`: the personal data of the lottery's
        entries registered in it (`Office.take_private`), for the side table only."""
        event_rows, new_days, referrals, weights = [], [], [], []
        for e in events:
            if type(e) is ev.DayStarted:
                self.day = e.day
                new_days.append(e.day)
            # an event belongs to the office's day, not to its clock time's (`Office._begin`);
            # an appointment to the day it is due, a lottery's events to the day of its places
            day = e.day if type(e) in DAY_KINDS else max(self.day, self.local_day(e.at))  # type: ignore[attr-defined]
            event_rows.append((e.at, day, e.kind, encode(e)))
            if type(e) is ev.TicketReferred:
                referrals.append(stats.referral_row(day, e))
            elif type(e) is ev.AccessDrawn:
                weights += [(identity, unlucky, e.day) for identity, unlucky in sorted(e.unlucky.items())]
        return Rows(event_rows, [self._row(t) for t in tickets], new_days, referrals, people or [], weights)

    def _row(self, ticket: Ticket) -> tuple:
        return (*_ticket_columns(ticket), ticket.day or self.local_day(ticket.issued_at))
