"""The tables the statistics keep per office day, and their smaller roll-ups.

Plain SQL that SQLite and PostgreSQL both run. What each row means is in the README's
"What each figure means" table and in `server.store.stats_rows` (which makes them).

A row of `stats_tickets` is a **leg** of a visit: one stay of a ticket in one service's queue,
from the draw or a transfer into that queue to the call that served it, its no-show, its
cancelling, its transfer onwards or the end of the day. `drawn` is 1 on the leg the visitor
drew at the kiosk, `transfers` the legs that came in by a transfer, `state` how the leg ended
(`transferred` for a leg that went on to another queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# the groupings of a table: the column each is read from
DIMENSIONS = {"service": "service", "hour": "hour", "weekday": "weekday", "lang": "lang", "channel": "channel",
              "counter": "counter"}


@dataclass
class Table:
    """One table of figures: what the page shows, the CSV and XLSX export and the PDF print."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""  # what the figures count, where the title cannot say it (shown under the table)
    empty: str = ""  # said for a table without rows (else the catalogue's `none`: no tickets)


if TYPE_CHECKING:
    from server.core.events import TicketReferred

TICKET_COLUMNS = ("day", "weekday", "hour", "service", "lang", "channel", "counter", "state", "outcome",
                  "tickets", "transfers", "drawn")
TIME_COLUMNS = ("day", "weekday", "hour", "service", "lang", "channel", "counter", "measure", "minute", "n")
DESK_COLUMNS = ("day", "counter", "kind", "reason", "seconds")
# visitors who asked at the kiosk for an interpreter (issue 15), by the hour and language of the draw
INTERPRETER_COLUMNS = ("day", "weekday", "hour", "service", "lang", "tickets")
FEEDBACK_COLUMNS = ("day", "week", "service", "lang", "source", "score", "reason", "n")
# the lottery per day and service (fair access; `server.store.stats_lottery_rows` makes them)
LOTTERY_FIGURES = ("entries", "urgent", "places", "drawn", "offered", "checked_in", "no_shows", "refused")
LOTTERY_COLUMNS = ("day", "service", *LOTTERY_FIGURES, "held")
LOTTERY_WON_COLUMNS = ("day", "service", "unlucky", "winners", "urgent")
# the floor's days (`server.store.stats_floor_rows` makes them): seconds, moments since the epoch
FLOOR_DAY_COLUMNS = ("day", "plan", "changes")
PLAN_COLUMNS = ("day", "counter", "planned", "opened", "in_plan")
KIOSK_OUT_COLUMNS = ("day", "kiosk", "since", "start_at", "end_at")
REFERRAL_COLUMNS = ("day", "service", "partner", "desk", "lang")
INSERT_REFERRAL = f"INSERT INTO stats_referrals ({', '.join(REFERRAL_COLUMNS)}) VALUES (?, ?, ?, ?, ?)"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS stats_days (day TEXT PRIMARY KEY)",
    # days kept before waits were kept uncapped (Dec 2026): their minute 240 holds every longer value
    "CREATE TABLE IF NOT EXISTS stats_capped_days (day TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS stats_tickets (day TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,"
    " service TEXT NOT NULL, lang TEXT NOT NULL, channel TEXT NOT NULL, counter TEXT NOT NULL, state TEXT NOT NULL,"
    " outcome TEXT NOT NULL, tickets INTEGER NOT NULL, transfers INTEGER NOT NULL, drawn INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS stats_times (day TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,"
    " service TEXT NOT NULL, lang TEXT NOT NULL, channel TEXT NOT NULL, counter TEXT NOT NULL, measure TEXT NOT NULL,"
    " minute INTEGER NOT NULL, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stats_desks (day TEXT NOT NULL, counter TEXT NOT NULL, kind TEXT NOT NULL,"
    " reason TEXT NOT NULL, seconds REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stats_interpreters (day TEXT NOT NULL, weekday INTEGER NOT NULL,"
    " hour INTEGER NOT NULL, service TEXT NOT NULL, lang TEXT NOT NULL, tickets INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_stats_tickets_day ON stats_tickets (day)",
    "CREATE INDEX IF NOT EXISTS idx_stats_interpreters_day ON stats_interpreters (day)",
    "CREATE INDEX IF NOT EXISTS idx_stats_times_day ON stats_times (day)",
    "CREATE INDEX IF NOT EXISTS idx_stats_desks_day ON stats_desks (day)",
    "CREATE TABLE IF NOT EXISTS stats_service_times (day TEXT NOT NULL, service TEXT NOT NULL,"
    " channel TEXT NOT NULL, measure TEXT NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stats_service_tickets (day TEXT NOT NULL, service TEXT NOT NULL,"
    " channel TEXT NOT NULL, state TEXT NOT NULL, outcome TEXT NOT NULL, tickets INTEGER NOT NULL,"
    " transfers INTEGER NOT NULL, drawn INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS stats_hour_tickets (day TEXT NOT NULL, weekday INTEGER NOT NULL,"
    " hour INTEGER NOT NULL, lang TEXT NOT NULL, tickets INTEGER NOT NULL, drawn INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS idx_stats_service_times_day ON stats_service_times (day)",
    "CREATE INDEX IF NOT EXISTS idx_stats_service_tickets_day ON stats_service_tickets (day)",
    "CREATE INDEX IF NOT EXISTS idx_stats_hour_tickets_day ON stats_hour_tickets (day)",
    # visitor feedback (server.visitors.feedback): answers per score (reason '') and mentions per reason;
    # no counter column, ever: satisfaction is by service, language and week, never by clerk
    "CREATE TABLE IF NOT EXISTS stats_feedback (day TEXT NOT NULL, week TEXT NOT NULL, service TEXT NOT NULL,"
    " lang TEXT NOT NULL, source TEXT NOT NULL, score INTEGER NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_stats_feedback_day ON stats_feedback (day)",
    "CREATE TABLE IF NOT EXISTS stats_referrals (day TEXT NOT NULL, service TEXT NOT NULL, partner TEXT NOT NULL,"
    " desk INTEGER NOT NULL, lang TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_stats_referrals_day ON stats_referrals (day)",
    "CREATE TABLE IF NOT EXISTS stats_lottery_days (day TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS stats_lottery (day TEXT NOT NULL, service TEXT NOT NULL, "
    + ", ".join(f"{name} INTEGER NOT NULL" for name in (*LOTTERY_FIGURES, "held")) + ")",
    "CREATE INDEX IF NOT EXISTS idx_stats_lottery_day ON stats_lottery (day)",
    "CREATE TABLE IF NOT EXISTS stats_lottery_won (day TEXT NOT NULL, service TEXT NOT NULL, unlucky INTEGER NOT NULL,"
    " winners INTEGER NOT NULL, urgent INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_stats_lottery_won_day ON stats_lottery_won (day)",
    "CREATE TABLE IF NOT EXISTS stats_floor_days (day TEXT PRIMARY KEY, plan INTEGER NOT NULL, changes INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stats_plan (day TEXT NOT NULL, counter TEXT NOT NULL,"
    " planned DOUBLE PRECISION NOT NULL, opened DOUBLE PRECISION NOT NULL, in_plan DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_stats_plan_day ON stats_plan (day)",
    "CREATE TABLE IF NOT EXISTS stats_kiosk_out (day TEXT NOT NULL, kiosk TEXT NOT NULL,"
    " since DOUBLE PRECISION NOT NULL, start_at DOUBLE PRECISION NOT NULL, end_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_stats_kiosk_out_day ON stats_kiosk_out (day)",
)


@dataclass(frozen=True)
class RollUp:
    """A smaller per-day table summed from a kept one over the columns most tables do not
    group by. A month of a large office (`python -m bench --only manager`) is ~45,000 rows of
    `stats_times` and ~5,000 of `stats_service_times`; ~16,000 of `stats_tickets` and ~900 of
    `stats_service_tickets` or ~2,400 of `stats_hour_tickets`. Each is written when a day is
    kept; the queries read it wherever their grouping allows (`Statistics.source`)."""

    name: str
    source: str
    keys: tuple[str, ...]
    sums: tuple[str, ...]

    def select(self, source: str, where: str) -> str:
        # CAST: PostgreSQL's sum of integers is a bigint, and a sum of bigints a numeric
        sums = ", ".join(f"CAST(sum({c}) AS INTEGER)" for c in self.sums)
        return (f"SELECT {', '.join(self.keys)}, {sums} FROM {source} WHERE {where} "
                f"GROUP BY {', '.join(self.keys)}")

    def fill(self, conn, where: str, params: list) -> None:
        conn.execute(f"INSERT INTO {self.name} ({', '.join(self.keys + self.sums)}) "
                     + self.select(self.source, where), params)


ROLL_UPS = (RollUp("stats_service_times", "stats_times", ("day", "service", "channel", "measure", "minute"), ("n",)),
            RollUp("stats_service_tickets", "stats_tickets", ("day", "service", "channel", "state", "outcome"),
                   ("tickets", "transfers", "drawn")),
            RollUp("stats_hour_tickets", "stats_tickets", ("day", "weekday", "hour", "lang"), ("tickets", "drawn")))
LEG_TABLES = ("stats_tickets", "stats_service_tickets", "stats_hour_tickets")


def ensure_tables(conn) -> None:
    for statement in SCHEMA:
        conn.execute(statement)


def upgrade(conn) -> None:
    """A file kept before statistics counted legs (Dec 2026): its rows were whole tickets
    counted at the service where they ended, `transfers` there too. Read as legs, each row's
    tickets were drawn (`drawn = tickets`) and its transfers came in; and those days' waits
    were capped at 240 minutes (`stats_capped_days`: a percentile there reads "≥ 240").
    The store calls this when it opens a file, after `ensure_tables`."""
    columns = [d[0] for d in conn.execute("SELECT * FROM stats_tickets WHERE 1 = 0").description]
    if "drawn" in columns:
        return
    for table in LEG_TABLES:
        if "drawn" not in [d[0] for d in conn.execute(f"SELECT * FROM {table} WHERE 1 = 0").description]:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN drawn INTEGER NOT NULL DEFAULT 0")
        conn.execute(f"UPDATE {table} SET drawn = tickets")
    conn.execute("INSERT INTO stats_capped_days (day) SELECT day FROM stats_days")


def roll_up(conn) -> None:
    """Fill the roll-ups for kept days that have none yet (a file whose days were kept before
    these tables existed). The store calls this when it opens the file."""
    for table in ROLL_UPS:
        table.fill(conn, f"day IN (SELECT day FROM stats_days WHERE day NOT IN (SELECT day FROM {table.name}))", [])


def referral_row(day: str, event: "TicketReferred") -> tuple:
    """A `ticket_referred` event as a row of `stats_referrals` (the store writes it in the
    event's own transaction)."""
    return day, event.service, event.partner, int(event.desk), event.lang


def insert(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if rows:
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                         rows)
