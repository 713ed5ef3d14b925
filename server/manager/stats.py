"""Statistics: what the office's days were like, for a manager, in plain SQL.

Two layers, so that figures outlive `retention_days`:

1. **Per-day aggregates** (`stats_tickets`, `stats_times`, `stats_desks`, `stats_days`), one
   set of rows per office day, by local hour of the draw, weekday, service, the visitor's
   language, walk-in or appointment and counter. Waits, walk and service times are kept as
   histograms of whole minutes (`stats_times`: measure, minute, count; minute m holds the
   values over m - 1 and up to m minutes, minute 240 everything longer), so medians and percentiles survive the purge of the tickets. A day is
   kept (`keep_days`) when the next day starts (`server.manager.board`), or at the latest by the
   store just before its tickets are purged.
2. **Queries** (`Statistics`) over those rows: for days already kept, the stored rows; for
   days whose tickets are still in the file (today, and every day inside the retention), the
   same rows made on the fly into TEMP tables. Every query is plain SQL that SQLite and
   PostgreSQL both run (no date functions, no `FILTER`, `?` placeholders that a PostgreSQL
   store swaps for `%s`); local hours and weekdays are computed in Python when a day's rows
   are made, because time zone arithmetic differs between the engines.

Definitions (what a figure means; the tests compute each by hand):

- wait = draw -> (last) call; walk = call -> start; service = start -> finish, each in whole
  minutes rounded up (49 s is 1 minute, 60 s is 1, 61 s is 2). The median is the smallest
  minute m with at least half of the values <= m (`percentile(hist, 0.5)`), the 90th
  percentile likewise with 90 %: rounding up is what makes a value "not exceed" its minute
  (README, "Statistics"), as the printed estimate's range is read (`estimate_held`). Days
  kept before this rule (Nov 2026) hold minutes rounded down.
- within max wait: waits not longer than the service's `max_wait_minutes`.
- the printed estimate held: the range of minutes a ticket showed when it was drawn (its draw
  event's `eta`) against its first call (a transfer's or a parked ticket's later calls were
  not promised): before the range, inside it (both ends included), after its top, by how many
  minutes outside rounded up; shares of the tickets called. Tickets cancelled or expired
  uncalled are counted apart ("not called"); tickets with no range shown are left out.
- transferred: how many times tickets were sent on (a ticket counts once per transfer).
- referrals: one per partner a clerk referred a visitor to (`ticket_referred`), by partner and
  by the service the visitor had come for. The store writes them to `stats_referrals` as they
  happen (no ticket number: nothing personal), and they are never purged.
- counters: open = from opening to closing (pauses included; still open at the end of the
  day: to its last event), paused per reason, serving = the sum of its visits' service times.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from config import Site, languages

from server.core.events import TicketReferred

MAX_MINUTE = 240
MEASURES = ("wait", "walk", "service")
DIMENSIONS = {"service": "service", "hour": "hour", "weekday": "weekday", "lang": "lang", "channel": "channel",
              "counter": "counter"}
# what a manager reads for each grouping (the menu, the first column, the table's title)
DIMENSION_LABELS = {"service": "service", "hour": "hour of the day", "weekday": "weekday", "lang": "language",
                    "channel": "walk-in or appointment", "counter": "counter"}
# what a manager may type for a grouping in the URL (`by=`) beside the names above: the words
# of the menu, in English and German, in any case ("language", "Sprache", "walk-in")
DIMENSION_ALIASES = {"services": "service", "dienstleistung": "service", "anliegen": "service",
                     "hours": "hour", "hour of the day": "hour", "stunde": "hour", "uhrzeit": "hour",
                     "weekdays": "weekday", "day": "weekday", "wochentag": "weekday",
                     "language": "lang", "languages": "lang", "sprache": "lang",
                     "walk-in or appointment": "channel", "walk-in": "channel", "appointment": "channel",
                     "termin": "channel", "counters": "counter", "schalter": "counter"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STATES = ("done", "no_show", "cancelled", "expired")

TICKET_COLUMNS = ("day", "weekday", "hour", "service", "lang", "channel", "counter", "state", "outcome",
                  "tickets", "transfers")
TIME_COLUMNS = ("day", "weekday", "hour", "service", "lang", "channel", "counter", "measure", "minute", "n")
DESK_COLUMNS = ("day", "counter", "kind", "reason", "seconds")
# visitors who asked at the kiosk for an interpreter (issue 15), by the hour and language of the draw
INTERPRETER_COLUMNS = ("day", "weekday", "hour", "service", "lang", "tickets")
FEEDBACK_COLUMNS = ("day", "week", "service", "lang", "source", "score", "reason", "n")
REFERRAL_COLUMNS = ("day", "service", "partner", "desk", "lang")
INSERT_REFERRAL = f"INSERT INTO stats_referrals ({', '.join(REFERRAL_COLUMNS)}) VALUES (?, ?, ?, ?, ?)"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS stats_days (day TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS stats_tickets (day TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,"
    " service TEXT NOT NULL, lang TEXT NOT NULL, channel TEXT NOT NULL, counter TEXT NOT NULL, state TEXT NOT NULL,"
    " outcome TEXT NOT NULL, tickets INTEGER NOT NULL, transfers INTEGER NOT NULL)",
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
    " transfers INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stats_hour_tickets (day TEXT NOT NULL, weekday INTEGER NOT NULL,"
    " hour INTEGER NOT NULL, lang TEXT NOT NULL, tickets INTEGER NOT NULL)",
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
                   ("tickets", "transfers")),
            RollUp("stats_hour_tickets", "stats_tickets", ("day", "weekday", "hour", "lang"), ("tickets",)))
OPEN_STATES = ("waiting", "called", "serving", "parked")


def ensure_tables(conn) -> None:
    for statement in SCHEMA:
        conn.execute(statement)


def roll_up(conn) -> None:
    """Fill the roll-ups for kept days that have none yet (a file whose days were kept before
    these tables existed). The store calls this when it opens the file."""
    for table in ROLL_UPS:
        table.fill(conn, f"day IN (SELECT day FROM stats_days WHERE day NOT IN (SELECT day FROM {table.name}))", [])


def referral_row(day: str, event: TicketReferred) -> tuple:
    """A `ticket_referred` event as a row of `stats_referrals` (the store writes it in the
    event's own transaction)."""
    return day, event.service, event.partner, int(event.desk), event.lang


# ---- making a day's rows -------------------------------------------------------------------

@dataclass
class DayRows:
    tickets: list[tuple] = field(default_factory=list)
    times: list[tuple] = field(default_factory=list)
    desks: list[tuple] = field(default_factory=list)
    interpreters: list[tuple] = field(default_factory=list)
    feedback: list[tuple] = field(default_factory=list)


def rows_between(conn, first: str, last: str, tz: ZoneInfo, *, kept: bool = False, today: str = "~",
                 now: float | None = None, desks: bool = True) -> DayRows:
    """The aggregate rows of the days `first`..`last` from their tickets and events, each
    table read once; with `kept`, days already in `stats_days` are left out. Tickets still
    open count as expired, except on `today` (still going: its counters' open time runs to
    `now`). `desks=False` leaves out what is per counter (personal data, and the one part that
    reads the events)."""
    skip = " AND day NOT IN (SELECT day FROM stats_days)" if kept else ""
    rows = conn.execute("SELECT day, issued_at, called_at, started_at, finished_at, service, lang, booking, counter, "
                        "state, outcome, transfers, interpreter, first_called_at, eta_low, eta_high "
                        f"FROM tickets WHERE day >= ? AND day <= ?{skip}", [first, last])
    counts: dict[tuple, list[int]] = {}
    times: dict[tuple, int] = {}
    weekdays: dict[str, int] = {}
    interpreters: dict[tuple, int] = {}
    # the local hour per quarter of an hour since the epoch: time zones are whole quarters of an
    # hour off UTC (and switch at such times), so a quarter lies inside one local hour
    hours: dict[int, int] = {}
    for (day, issued, called, started, finished, service, lang, booking, counter, state, outcome, transfers,
         interpreter, first_called, eta_low, eta_high) in rows:  # the hot loop of a report: kept flat
        weekday = weekdays.get(day)
        if weekday is None:
            weekday = weekdays[day] = date.fromisoformat(day).weekday()
        if state in OPEN_STATES and day < today:
            state = "expired"
        hour = hours.get(quarter := int(issued // 900))
        if hour is None:
            hour = hours[quarter] = datetime.fromtimestamp(issued, tz).hour
        key = (day, weekday, hour, service, lang, "appointment" if booking else "walk-in",
               (counter or "") if desks else "")
        count = counts.get(at := (key, state, outcome or ""))
        if count is None:
            count = counts[at] = [0, 0]
        count[0] += 1
        count[1] += transfers or 0
        if interpreter:
            _count(interpreters, key[:5])
        if called is not None:
            _count(times, (key, "wait", _minutes(called - issued)))
            if started is not None:
                _count(times, (key, "walk", _minutes(started - called)))
        if started is not None and finished is not None:
            _count(times, (key, "service", _minutes(finished - started)))
        if eta_high is not None and (first_called is not None or state in ("cancelled", "expired")):
            _count(times, (key, *estimate_held(issued, first_called, eta_low, eta_high)))
    desk_rows = _desk_rows(conn, first, last, skip, today, now) if desks else []
    return DayRows([(*k, state, outcome, n, t) for (k, state, outcome), (n, t) in counts.items()],
                   [(*k, measure, minute, n) for (k, measure, minute), n in times.items()], desk_rows,
                   [(*k, n) for k, n in interpreters.items()],
                   _feedback_rows(conn, first, last, skip))


ESTIMATE_MEASURES = ("estimate_early", "estimate_inside", "estimate_late", "estimate_not_called")


def estimate_held(issued: float, first_called: float | None, low: int, high: int) -> tuple[str, int]:
    """Where a visitor's first call fell against the range of minutes printed on the ticket:
    the measure (`estimate_early`, `_inside`, `_late`; `_not_called` for a ticket cancelled or
    expired uncalled) and by how many minutes outside the range, rounded up (called 10 s
    after the top is 1 minute late: the promise was broken)."""
    if first_called is None:
        return "estimate_not_called", 0
    wait = max(0.0, first_called - issued)
    if wait < low * 60:
        return "estimate_early", min(math.ceil((low * 60 - wait) / 60), MAX_MINUTE)
    if wait <= high * 60:
        return "estimate_inside", 0
    return "estimate_late", min(math.ceil((wait - high * 60) / 60), MAX_MINUTE)


def _minutes(seconds: float) -> int:
    """Whole minutes, rounded up, 0 to MAX_MINUTE (a histogram's bucket): the smallest minute
    the value does not exceed."""
    minutes = math.ceil(seconds / 60) if seconds > 0 else 0
    if minutes * 60 < seconds:  # the division rounded down onto a whole minute (or to 0)
        minutes += 1
    return minutes if minutes < MAX_MINUTE else MAX_MINUTE


def _count(counts: dict, key: tuple) -> None:
    counts[key] = counts.get(key, 0) + 1


DESK_EVENTS = ("counter_opened", "counter_paused", "counter_resumed", "counter_closed", "ticket_started",
               "ticket_finished", "ticket_transferred", "ticket_parked", "ticket_no_show", "ticket_called")


def _desk_rows(conn, first: str, last: str, skip: str, today: str, now: float | None) -> list[tuple]:
    by_day: dict[str, list[dict]] = {}
    marks = ", ".join("?" for _ in DESK_EVENTS)
    for day, data in conn.execute(f"SELECT day, data FROM events WHERE day >= ? AND day <= ? AND kind IN ({marks})"
                                  f"{skip} ORDER BY seq", [first, last, *DESK_EVENTS]):
        by_day.setdefault(day, []).append(json.loads(data))
    return [row for day, events in by_day.items()
            for row in _desk_day(day, events, now if day >= today and now is not None else None)]


def _desk_day(day: str, events: list[dict], until: float | None) -> list[tuple]:
    """Open time, pauses by reason and serving time per counter, from one day's events."""
    end = until if until is not None else (events[-1]["at"] if events else 0.0)
    seconds: dict[tuple[str, str, str], float] = {}
    opened: dict[str, float] = {}
    paused: dict[str, tuple[float, str]] = {}
    serving: dict[str, tuple[str, float]] = {}  # counter -> (ticket, since)

    def add(counter: str, kind: str, reason: str, amount: float) -> None:
        seconds[(counter, kind, reason)] = seconds.get((counter, kind, reason), 0.0) + max(0.0, amount)

    def end_pause(counter: str, at: float) -> None:
        if counter in paused:
            since, reason = paused.pop(counter)
            add(counter, "paused", reason, at - since)

    at_counter: dict[str, str] = {}  # ticket -> counter that called it
    for e in events:
        kind, at = e["kind"], e["at"]
        if kind == "counter_opened":
            opened.setdefault(e["counter"], at)
        elif kind == "counter_paused":
            paused[e["counter"]] = (at, e.get("reason") or "")
        elif kind == "counter_resumed":
            end_pause(e["counter"], at)
        elif kind == "counter_closed":
            end_pause(e["counter"], at)
            if e["counter"] in opened:
                add(e["counter"], "open", "", at - opened.pop(e["counter"]))
        elif kind == "ticket_called":
            at_counter[e["number"]] = e["counter"]
        elif kind == "ticket_started" and e["number"] in at_counter:
            serving[at_counter[e["number"]]] = (e["number"], e.get("since", at))
        elif kind in ("ticket_finished", "ticket_transferred", "ticket_parked", "ticket_no_show"):
            counter = at_counter.get(e["number"], "")
            if counter in serving and serving[counter][0] == e["number"]:
                add(counter, "serving", "", at - serving.pop(counter)[1])
    for counter in list(paused):
        end_pause(counter, end)
    for counter, since in opened.items():
        add(counter, "open", "", end - since)
    return [(day, counter, kind, reason, round(value, 3)) for (counter, kind, reason), value in seconds.items()]


def week_of(day: str) -> str:
    """The ISO week a day belongs to, as "2026-W48" (weeks start on Monday)."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def _feedback_rows(conn, first: str, last: str, skip: str) -> list[tuple]:
    """Answers per (day, service, language, source, score) and mentions of each reason, from
    the `feedback_given` events (server.core.feedback): they name no ticket and no counter."""
    counts: dict[tuple, int] = {}
    for day, data in conn.execute("SELECT day, data FROM events WHERE kind = 'feedback_given' AND day >= ? "
                                  f"AND day <= ?{skip}", [first, last]):
        answer = json.loads(data)
        key = (day, week_of(day), answer["service"], answer["lang"], answer["source"], answer["score"])
        for reason in ("", *answer["reasons"]):
            counts[(*key, reason)] = counts.get((*key, reason), 0) + 1
    return [(*key, n) for key, n in counts.items()]


def keep_days(conn, *, before: str, tz: ZoneInfo, since: str = "", personal: bool = False) -> list[str]:
    """Store the aggregates of every day from `since` to before `before` whose tickets are
    still in the file and that is not kept yet. The store calls this just before purging
    tickets; the floor board (`server.manager.board`) when a new day starts, for the last week.
    Figures per counter are kept only with `personal` (the site allows them): without the
    staff council's agreement they are not even stored."""
    ensure_tables(conn)
    days = [d for (d,) in conn.execute("SELECT DISTINCT day FROM tickets WHERE day >= ? AND day < ? AND day NOT IN "
                                       "(SELECT day FROM stats_days) UNION SELECT DISTINCT day FROM events "
                                       "WHERE kind = 'feedback_given' AND day >= ? AND day < ? AND day NOT IN "
                                       "(SELECT day FROM stats_days) ORDER BY day", [since, before, since, before])]
    if days:
        rows = rows_between(conn, days[0], days[-1], tz, kept=True, desks=personal)
        _insert(conn, "stats_tickets", TICKET_COLUMNS, rows.tickets)
        _insert(conn, "stats_times", TIME_COLUMNS, rows.times)
        _insert(conn, "stats_desks", DESK_COLUMNS, rows.desks)
        _insert(conn, "stats_interpreters", INTERPRETER_COLUMNS, rows.interpreters)
        for table in ROLL_UPS:
            table.fill(conn, "day >= ? AND day <= ?", [days[0], days[-1]])
        _insert(conn, "stats_feedback", FEEDBACK_COLUMNS, rows.feedback)
        conn.executemany("INSERT INTO stats_days (day) VALUES (?)", [[d] for d in days])
    return days


def _insert(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if rows:
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                         rows)


# ---- asking --------------------------------------------------------------------------------

def _day(text: str, given: str, wanted: str = "a date as YYYY-MM-DD, e.g. 2026-11-27") -> date:
    """The date in `text`, or a ValueError naming what was given and what is wanted
    (Python's own "Invalid isoformat string" means nothing to a manager)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{given!r} is not {wanted}") from None


@dataclass(frozen=True)
class Period:
    first: str  # ISO dates, both included
    last: str

    @classmethod
    def parse(cls, kind: str, value: str, *, today: str) -> "Period":
        """`day 2026-11-27`, `week 2026-11-23` (any day of it), `month 2026-11`, `range
        2026-11-01..2026-11-15`; an empty value means the current one (for a range: the
        current month). Anything else is a ValueError whose text a manager can act on."""
        try:
            return cls._parse(kind, value.strip(), today=today)
        except OverflowError:  # the week or month of 9999-12-31 ends after the calendar's last day
            raise ValueError(f"{value.strip()!r}: its {kind} would end after 9999-12-31, the last day a "
                             "calendar holds") from None

    @classmethod
    def _parse(cls, kind: str, value: str, *, today: str) -> "Period":
        if kind == "range":
            if not value:
                return cls.parse("month", "", today=today)
            first, _, last = value.partition("..")
            period = cls(_day(first, value).isoformat(), _day(last or first, value).isoformat())
        elif kind == "month":
            start = _day((value or today[:7]) + "-01", value, "a month as YYYY-MM, e.g. 2026-11")
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            period = cls(start.isoformat(), end.isoformat())
        elif kind == "week":
            some = _day(value or today, value)
            monday = some - timedelta(days=some.weekday())
            period = cls(monday.isoformat(), (monday + timedelta(days=6)).isoformat())
        elif kind == "day":
            period = cls(_day(value or today, value).isoformat(), _day(value or today, value).isoformat())
        else:
            raise ValueError(f"unknown period {kind!r}: day, week, month or range")
        if period.first > period.last:
            raise ValueError(f"the period ends ({period.last}) before it starts ({period.first})")
        return period

    def days(self) -> list[str]:
        first, last = date.fromisoformat(self.first), date.fromisoformat(self.last)
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    def __str__(self) -> str:
        return self.first if self.first == self.last else f"{self.first} – {self.last}"


def groupings(site: Site) -> list[str]:
    """The dimensions a site may group by (per counter only with personal statistics on)."""
    return [d for d in DIMENSIONS if d != "counter" or site.manager.personal_statistics]


def grouping(by: str, site: Site) -> str:
    """The dimension `by` names (a key of DIMENSIONS or DIMENSION_ALIASES, in any case), or a
    ValueError that lists what the site accepts."""
    key = " ".join(by.strip().lower().split())
    found = key if key in DIMENSIONS else DIMENSION_ALIASES.get(key)
    if found not in groupings(site):
        raise ValueError(f"cannot group by {by!r}: use one of {', '.join(groupings(site))}")
    return found


@dataclass
class Table:
    """One table of figures: what the page shows, the CSV and XLSX export and the PDF print."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


def percentile(hist: dict[int, int], share: float) -> int | None:
    """The smallest minute m such that at least `share` of the values are <= m."""
    total = sum(hist.values())
    if not total:
        return None
    need, seen = math.ceil(share * total), 0
    for minute in sorted(hist):
        seen += hist[minute]
        if seen >= need:
            return minute
    return max(hist)


class Statistics:
    """Figures for a period from one connection (the store's file opened for reading, or a
    PostgreSQL connection whose cursor takes `?` after `placeholders`)."""

    def __init__(self, conn, site: Site, *, today: str, now: float):
        self.conn, self.site, self.today, self.now = conn, site, today, now
        self.tz = ZoneInfo(site.timezone)
        self.max_wait = {s.id: s.max_wait_minutes for s in site.services}

    def prepare(self, period: Period) -> None:
        """TEMP views `period_*` over the period's rows: the kept ones where they are (no copy),
        and rows made from the tickets for the days not kept yet (today, or an older file)."""
        ensure_tables(self.conn)
        self._hours: list[tuple] | None = None  # tickets by weekday, language and hour (`_by_hour`)
        kept = {d for (d,) in self.conn.execute("SELECT day FROM stats_days WHERE day >= ? AND day <= ?",
                                                [period.first, period.last])}
        open_days = [d for d in period.days() if d not in kept and d <= self.today]
        rows = DayRows() if not open_days else rows_between(
            self.conn, open_days[0], open_days[-1], self.tz, kept=True, today=self.today, now=self.now,
            desks=self.site.manager.personal_statistics)
        first, last = date.fromisoformat(period.first), date.fromisoformat(period.last)  # checked: safe to inline
        for table in ROLL_UPS:  # before the tables they read
            self.conn.execute(f"DROP VIEW IF EXISTS period_{table.name[len('stats_'):]}")
        for name, columns, made in (("tickets", TICKET_COLUMNS, rows.tickets), ("times", TIME_COLUMNS, rows.times),
                                    ("desks", DESK_COLUMNS, rows.desks),
                                    ("interpreters", INTERPRETER_COLUMNS, rows.interpreters),
                                    ("feedback", FEEDBACK_COLUMNS, rows.feedback)):
            self.conn.execute(f"DROP VIEW IF EXISTS period_{name}")
            self.conn.execute(f"DROP TABLE IF EXISTS made_{name}")
            self.conn.execute(f"CREATE TEMP TABLE made_{name} AS SELECT * FROM stats_{name} WHERE 1 = 0")
            _insert(self.conn, f"made_{name}", columns, made)
            self.conn.execute(f"CREATE TEMP VIEW period_{name} AS SELECT {', '.join(columns)} FROM stats_{name} "
                              f"WHERE day >= '{first.isoformat()}' AND day <= '{last.isoformat()}' "
                              f"UNION ALL SELECT {', '.join(columns)} FROM made_{name}")
        for table in ROLL_UPS:
            self.conn.execute(f"CREATE TEMP VIEW period_{table.name[len('stats_'):]} AS "
                              f"SELECT {', '.join(table.keys + table.sums)} FROM {table.name} "
                              f"WHERE day >= '{first.isoformat()}' AND day <= '{last.isoformat()}' UNION ALL "
                              + table.select(f"made_{table.source[len('stats_'):]}", "1 = 1"))

    @staticmethod
    def source(kind: str, by: str = "service") -> str:
        """The view to read `kind` ("tickets" or "times") from for grouping `by`: the small
        roll-up where it holds that grouping."""
        return f"period_service_{kind}" if by in ("service", "channel") else f"period_{kind}"

    def tables(self, period: Period, by: str = "service") -> list[Table]:
        """Every table for the period, the first grouped `by` a dimension."""
        by = grouping(by, self.site)
        self.prepare(period)
        tables = [self.figures(by), self.outcomes(), self.arrivals(), self.languages(), self.interpreters(),
                  *self.estimates(period, by), self.referrals(period)]
        if self.site.manager.personal_statistics:
            tables.append(self.counters())
        return tables + self.feedback()

    def figures(self, by: str) -> Table:
        column = DIMENSIONS[by]
        counts: dict[Any, dict[str, int]] = {}
        for key, state, tickets, transfers in self.conn.execute(
                f"SELECT {column}, state, sum(tickets), sum(transfers) FROM {self.source('tickets', by)} "
                f"GROUP BY {column}, state"):
            row = counts.setdefault(key, {"drawn": 0, "transferred": 0})
            row["drawn"] += tickets
            row[state] = row.get(state, 0) + tickets
            row["transferred"] += transfers
        hists: dict[tuple[Any, str], dict[int, int]] = {}
        within: dict[Any, list[int]] = {}
        for key, service, measure, minute, n in self.conn.execute(
                f"SELECT {column}, service, measure, minute, sum(n) FROM {self.source('times', by)} "
                f"GROUP BY {column}, service, measure, minute"):
            hist = hists.setdefault((key, measure), {})
            hist[minute] = hist.get(minute, 0) + n
            if measure == "wait":
                share = within.setdefault(key, [0, 0])
                share[0] += n if minute <= self.max_wait.get(service, MAX_MINUTE) else 0
                share[1] += n
        rows = []
        order = {s.id: i for i, s in enumerate(self.site.services)} if by == "service" else {}
        for key in sorted(counts, key=lambda k: (order.get(k, 0), k)):  # services in the site's order
            c, share = counts[key], within.get(key, [0, 0])
            rows.append([self.label(by, key), c["drawn"], *(c.get(s, 0) for s in STATES), c["transferred"],
                         percentile(hists.get((key, "wait"), {}), 0.5), percentile(hists.get((key, "wait"), {}), 0.9),
                         round(100 * share[0] / share[1]) if share[1] else None,
                         percentile(hists.get((key, "walk"), {}), 0.5),
                         percentile(hists.get((key, "service"), {}), 0.5)])
        return Table("tickets", f"Tickets and times by {DIMENSION_LABELS[by]}",
                     [DIMENSION_LABELS[by], "drawn", "served", "no-show", "cancelled", "expired", "transferred", "wait median (min)",
                      "wait 90th percentile (min)", "within max wait (%)", "walk median (min)",
                      "service median (min)"], rows)

    def outcomes(self) -> Table:
        """Visits served per outcome, named and ordered as in the site file (German names, like
        the services'); an outcome no longer configured keeps its id, after the others."""
        counts = dict(self.conn.execute(
            "SELECT outcome, sum(tickets) FROM period_service_tickets WHERE state = 'done' GROUP BY outcome"))
        order = {key: i for i, key in enumerate(self.site.outcomes)}
        rows = [[self.site.outcomes[k].get("de", k) if k in order else k, counts[k]]
                for k in sorted(counts, key=lambda k: (order.get(k, len(order)), k))]
        return Table("outcomes", "Outcomes of the visits served", ["outcome", "visits"], rows)

    def _by_hour(self, column: str) -> tuple[dict, list[int]]:
        """Tickets drawn as {value of column: {hour: count}} and the hours that occur, for a grid."""
        if self._hours is None:  # one query for both grids
            self._hours = self.conn.execute(
                "SELECT weekday, lang, hour, sum(tickets) FROM period_hour_tickets GROUP BY weekday, lang, hour").fetchall()
        grid: dict = {}
        for weekday, lang, hour, n in self._hours:
            row = grid.setdefault(weekday if column == "weekday" else lang, {})
            row[hour] = row.get(hour, 0) + n
        return grid, sorted({h for row in grid.values() for h in row})

    def arrivals(self) -> Table:
        """Tickets drawn per weekday and hour: for staffing."""
        grid, hours = self._by_hour("weekday")
        rows = [[WEEKDAYS[w], *(grid[w].get(h, 0) for h in hours)] for w in sorted(grid)]
        return Table("arrivals", "Tickets drawn by weekday and hour", ["weekday", *(f"{h:02d}h" for h in hours)], rows)

    def languages(self) -> Table:
        """Visitors' languages per hour of the day: for interpreters."""
        grid, hours = self._by_hour("lang")
        rows = [[languages.name(lang, "de"), *(grid[lang].get(h, 0) for h in hours), sum(grid[lang].values())]
                for lang in sorted(grid, key=lambda g: (-sum(grid[g].values()), g))]
        return Table("languages", "Visitors' languages by hour", ["language", *(f"{h:02d}h" for h in hours), "total"],
                     rows)

    def interpreters(self) -> Table:
        """Visitors who asked at the kiosk for an interpreter, per language and hour of the
        draw, and their share of all visitors in that language: when to have which
        interpreters (language mediation) on call."""
        grid: dict[str, dict[int, int]] = {}
        for lang, hour, n in self.conn.execute(
                "SELECT lang, hour, sum(tickets) FROM period_interpreters GROUP BY lang, hour"):
            grid.setdefault(lang, {})[hour] = n
        hours = sorted({h for row in grid.values() for h in row})
        drawn = dict(self.conn.execute("SELECT lang, sum(tickets) FROM period_tickets GROUP BY lang").fetchall())
        rows = []
        for lang in sorted(grid, key=lambda g: (-sum(grid[g].values()), g)):
            total = sum(grid[lang].values())
            rows.append([languages.name(lang, "de"), *(grid[lang].get(h, 0) for h in hours), total,
                         round(100 * total / drawn[lang]) if drawn.get(lang) else None])
        return Table("interpreters", "Interpreter needed by language and hour",
                     ["language", *(f"{h:02d}h" for h in hours), "total", "of the language's visitors (%)"], rows)

    def referrals(self, period: Period) -> Table:
        """Referrals to partners per partner (in the site's order) and per service the visitors
        had come for: a column per service that occurs, and the total."""
        grid: dict[str, dict[str, int]] = {}
        for partner, service, n in self.conn.execute(
                "SELECT partner, service, count(*) FROM stats_referrals WHERE day >= ? AND day <= ? "
                "GROUP BY partner, service", [period.first, period.last]):
            grid.setdefault(partner, {})[service] = n
        services = [s.id for s in self.site.services if any(s.id in row for row in grid.values())]
        services += sorted({k for row in grid.values() for k in row} - set(services))  # no longer configured
        order = {p.id: i for i, p in enumerate(self.site.partners)}
        rows = [[self._partner(partner), *(grid[partner].get(s, 0) for s in services), sum(grid[partner].values())]
                for partner in sorted(grid, key=lambda k: (order.get(k, len(order)), k))]
        return Table("referrals", "Referrals to partners by the service visitors came for",
                     ["partner", *(self.label("service", s) for s in services), "total"], rows)

    def _partner(self, partner_id: str) -> str:
        partner = self.site.partner(partner_id)
        return partner.name("de") if partner else partner_id

    def counters(self) -> Table:
        """Open time, serving time and pauses by reason per counter (personal data: shown
        only where the site allows it)."""
        figures: dict[str, dict[str, float]] = {}
        reasons: set[str] = set()
        for counter, kind, reason, seconds in self.conn.execute(
                "SELECT counter, kind, reason, sum(seconds) FROM period_desks GROUP BY counter, kind, reason"):
            label = f"paused: {reason or 'no reason'}" if kind == "paused" else kind
            if kind == "paused":
                reasons.add(label)
            figures.setdefault(counter, {})[label] = seconds
        pauses = sorted(reasons)
        rows = [[counter, *(round(figures[counter].get(k, 0) / 60) for k in ("open", "serving", *pauses))]
                for counter in sorted(figures)]
        return Table("counters", "Counters (minutes)", ["counter", "open", "serving", *pauses], rows)

    def label(self, by: str, key: Any) -> Any:
        if by == "weekday":
            return WEEKDAYS[key]
        if by == "hour":
            return f"{key:02d}h"
        if by == "service":
            service = self.site.service(key)
            return service.name("de") if service else key
        if by == "lang":
            return languages.name(key, "de")  # CLDR's name, as the clerk sees it: "Dari", not "prs"
        return key

    # ---- visitor feedback (server.visitors.feedback): by service, language and week, never by clerk ----

    FACES = ("very bad", "bad", "okay", "good", "very good")

    def feedback(self) -> list[Table]:
        """Satisfaction by service, by language and by week, and how often each reason was
        named. An exit terminal's tap knows no service or language: it counts under
        "exit terminal" there, and in its week like every answer."""
        services = {s.id: i for i, s in enumerate(self.site.services)}
        return [self.satisfaction("service", "Visitor feedback by service", lambda k: (services.get(k, len(services)), k)),
                self.satisfaction("lang", "Visitor feedback by language", lambda k: (k == "", k)),
                self.satisfaction("week", "Visitor feedback by week", lambda k: k),
                self.reasons()]

    def satisfaction(self, column: str, title: str, order) -> Table:
        scores: dict[str, dict[int, int]] = {}
        for key, score, n in self.conn.execute(f"SELECT {column}, score, sum(n) FROM period_feedback "
                                               f"WHERE reason = '' GROUP BY {column}, score"):
            scores.setdefault(key, {})[score] = n
        rows = []
        for key in sorted(scores, key=order):
            counts = scores[key]
            answers = sum(counts.values())
            rows.append([self.feedback_label(column, key), answers,
                         round(sum(s * n for s, n in counts.items()) / answers, 2),
                         round(100 * (counts.get(4, 0) + counts.get(5, 0)) / answers),
                         *(counts.get(score, 0) for score in range(1, 6))])
        label = {"lang": "language"}.get(column, column)
        return Table(f"feedback_{column}", title,
                     [label, "answers", "average (1 very bad – 5 very good)", "satisfied (4–5) (%)", *self.FACES], rows)

    def reasons(self) -> Table:
        """Each reason: how often it was named, in how many of the answers given on phones
        (only phones offer reasons) and the average score of the answers that named it."""
        phone = self.conn.execute("SELECT sum(n) FROM period_feedback WHERE reason = '' AND source = 'phone'")
        answers = phone.fetchone()[0] or 0
        named: dict[str, dict[int, int]] = {}
        for reason, score, n in self.conn.execute("SELECT reason, score, sum(n) FROM period_feedback "
                                                  "WHERE reason <> '' GROUP BY reason, score"):
            named.setdefault(reason, {})[score] = n
        rows = [[reason.replace("_", " "), sum(named[reason].values()),
                 round(100 * sum(named[reason].values()) / answers) if answers else None,
                 round(sum(s * n for s, n in named[reason].items()) / sum(named[reason].values()), 2)]
                for reason in sorted(named, key=lambda r: (-sum(named[r].values()), r))]
        return Table("feedback_reasons", "Reasons visitors named", ["reason", "named", "of answers on phones (%)",
                                                                     "their average"], rows)

    def feedback_label(self, column: str, key: str) -> str:
        if key == "" and column in ("service", "lang"):
            return "exit terminal (not known)"
        return self.label(column, key) if column in ("service", "lang") else key

    # ---- how often the printed estimate held -------------------------------------------

    def estimates(self, period: Period, by: str) -> list[Table]:
        """Where first calls fell against the printed range: grouped `by` the page's dimension,
        and over time (per day, week or month, after the period's length). One query."""
        column, (span, bucket) = DIMENSIONS[by], spans(period)
        per_key: dict[Any, dict[str, dict[int, int]]] = {}
        per_span: dict[str, dict[str, dict[int, int]]] = {}
        marks = ", ".join(f"'{m}'" for m in ESTIMATE_MEASURES)
        for day, key, measure, minute, n in self.conn.execute(
                f"SELECT day, {column}, measure, minute, sum(n) FROM {self.source('times', by)} WHERE measure IN ({marks}) "
                f"GROUP BY day, {column}, measure, minute"):
            for found, at in ((per_key, key), (per_span, bucket(day))):
                hist = found.setdefault(at, {}).setdefault(measure, {})
                hist[minute] = hist.get(minute, 0) + n
        order = {s.id: i for i, s in enumerate(self.site.services)} if by == "service" else {}
        columns = ["printed ranges", "called", "called before the range (%)", "inside the range (%)",
                   "after its top (%)", "before: median minutes early", "after: median minutes late",
                   "after: 90th percentile minutes late", "not called"]
        return [Table("estimates", f"How often the printed estimate held, by {DIMENSION_LABELS[by]}",
                      [DIMENSION_LABELS[by], *columns],
                      [[self.label(by, k), *held(per_key[k])]
                       for k in sorted(per_key, key=lambda k: (order.get(k, 0), k))]),
                Table("estimates_over_time", f"How often the printed estimate held, by {span}",
                      [span, *columns], [[k, *held(per_span[k])] for k in sorted(per_span)])]


def spans(period: Period) -> tuple[str, Callable[[str], str]]:
    """How a period is cut for a figure over time: days up to a month, weeks (named by their
    Monday) up to half a year, months beyond."""
    length = len(period.days())
    if length <= 31:
        return "day", lambda day: day
    if length <= 190:
        return "week", lambda day: (date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())).isoformat()
    return "month", lambda day: day[:7]


def held(hists: dict[str, dict[int, int]]) -> list[Any]:
    """One row of the estimate table from its histograms (see the module's definitions)."""
    early, inside, late, missed = (hists.get(m, {}) for m in ESTIMATE_MEASURES)
    counts = [sum(h.values()) for h in (early, inside, late)]
    called = sum(counts)
    shares = [round(100 * c / called) if called else None for c in counts]
    return [called + sum(missed.values()), called, *shares, percentile(early, 0.5), percentile(late, 0.5),
            percentile(late, 0.9), sum(missed.values())]
