"""Making a day's statistics rows from its events: legs of visits (`server.store.stats_legs`),
waits and times as minute histograms, counters' open and paused time, visitor feedback; and
keeping them (`keep_days`) before the tickets and events are purged.

Times are whole minutes rounded up (49 s is 1 minute, 60 s is 1, 61 s is 2) and kept
exactly: a histogram row per minute that occurs, however long (days kept before Dec 2026
put everything over 240 minutes into minute 240: `stats_capped_days`). Local hours and
weekdays are computed here in Python, because time zone arithmetic differs between SQLite
and PostgreSQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import msgspec

from server.core import events as ev
from server.store import stats_lottery_rows
from server.store.stats_legs import TICKET_EVENTS, Visit, visits
from server.store.stats_schema import (DESK_COLUMNS, FEEDBACK_COLUMNS, INTERPRETER_COLUMNS, ROLL_UPS,
                                         TICKET_COLUMNS, TIME_COLUMNS, ensure_tables, insert)

OPEN_STATES = ("waiting", "called", "serving", "parked")
ESTIMATE_MEASURES = ("estimate_early", "estimate_inside", "estimate_late", "estimate_not_called")
DESK_EVENTS = ev.kinds(ev.CounterOpened, ev.CounterPaused, ev.CounterResumed, ev.CounterClosed, ev.TicketStarted,
                       ev.TicketFinished, ev.TicketTransferred, ev.TicketParked, ev.TicketNoShow, ev.TicketCalled)
SERVED_UNTIL = ev.kinds(ev.TicketFinished, ev.TicketTransferred, ev.TicketParked, ev.TicketNoShow)  # a service's end
DAY_STARTED = ev.kind_in(ev.DayStarted)  # the words of the store's partial index on a day's start


@dataclass
class DayRows:
    tickets: list[tuple] = field(default_factory=list)
    times: list[tuple] = field(default_factory=list)
    desks: list[tuple] = field(default_factory=list)
    interpreters: list[tuple] = field(default_factory=list)
    feedback: list[tuple] = field(default_factory=list)


def minutes(seconds: float) -> int:
    """Whole minutes, rounded up: the smallest minute the value does not exceed."""
    whole = math.ceil(seconds / 60) if seconds > 0 else 0
    if whole * 60 < seconds:  # the division rounded down onto a whole minute (or to 0)
        whole += 1
    return whole


def estimate_held(issued: float, first_called: float | None, low: int, high: int) -> tuple[str, int]:
    """Where a visitor's first call fell against the range of minutes printed on the ticket:
    the measure (`estimate_early`, `_inside`, `_late`; `_not_called` for a ticket cancelled or
    expired uncalled) and by how many minutes outside the range, rounded up (called 10 s
    after the top is 1 minute late: the promise was broken)."""
    if first_called is None:
        return "estimate_not_called", 0
    wait = max(0.0, first_called - issued)
    if wait < low * 60:
        return "estimate_early", math.ceil((low * 60 - wait) / 60)
    if wait <= high * 60:
        return "estimate_inside", 0
    return "estimate_late", math.ceil((wait - high * 60) / 60)


def events_between(conn, first: str, last: str, kinds: tuple[str, ...], skip: str = "") -> list[tuple[str, dict]]:
    """(office day, event) of `kinds` for the days `first`..`last`, in order. Read by seq
    from the first `day_started` on or after `first` (the index the store keeps for it): the
    events table has no index by day."""
    start = conn.execute(f"SELECT min(seq) FROM events WHERE {DAY_STARTED} AND day >= ?", [first]).fetchone()[0]
    if start is None:
        start = 0  # a file whose days did not start with an event (none written since m001 have this)
    marks = ", ".join("?" for _ in kinds)
    rows = conn.execute(f"SELECT day, data FROM events WHERE seq >= ? AND day >= ? AND day <= ? "
                        f"AND kind IN ({marks}){skip} ORDER BY seq", [start, first, last, *kinds])
    decode = msgspec.json.Decoder().decode  # plain dicts: only the fields the statistics read, ~3x json's speed
    return [(day, decode(data)) for day, data in rows]


class Counts:
    """The rows of `stats_tickets`, `stats_times` and `stats_interpreters` as they are summed."""

    def __init__(self, tz: ZoneInfo, today: str, desks: bool):
        self.tz, self.today, self.desks = tz, today, desks
        self.tickets: dict[tuple, list[int]] = {}
        self.times: dict[tuple, int] = {}
        self.interpreters: dict[tuple, int] = {}
        self._weekdays: dict[str, int] = {}
        # the local hour per quarter of an hour since the epoch: time zones are whole quarters of
        # an hour off UTC (and switch at such times), so a quarter lies inside one local hour
        self._hours: dict[int, int] = {}

    def key(self, visit: Visit, service: str, at: float, counter: str) -> tuple:
        weekday = self._weekdays.get(visit.day)
        if weekday is None:
            weekday = self._weekdays[visit.day] = date.fromisoformat(visit.day).weekday()
        hour = self._hours.get(quarter := int(at // 900))
        if hour is None:
            hour = self._hours[quarter] = datetime.fromtimestamp(at, self.tz).hour
        return visit.day, weekday, hour, service, visit.lang, visit.channel, counter if self.desks else ""

    def add(self, visit: Visit) -> None:
        going_on = visit.day >= self.today
        for leg in visit.legs:
            key = self.key(visit, leg.service, leg.entered, leg.counter)
            state = leg.end or (visit.state if going_on else "expired")
            count = self.tickets.setdefault((key, state, leg.outcome), [0, 0, 0])
            count[0] += 1
            count[1 if not leg.drawn else 2] += 1
            if leg.first_called is not None:
                self.time(key, "wait", minutes(leg.first_called - leg.entered))
            if leg.walk is not None:
                self.time(key, "walk", minutes(leg.walk))
            if leg.end == "done" and leg.started is not None:
                self.time(key, "service", minutes(leg.finished - leg.started))
            if leg.drawn:
                self.at_the_draw(visit, key, going_on)

    def at_the_draw(self, visit: Visit, key: tuple, going_on: bool) -> None:
        """What belongs to the visitor, not to a queue: the interpreter asked for, the range printed."""
        if visit.interpreter:
            self.interpreters[key[:5]] = self.interpreters.get(key[:5], 0) + 1
        ended = visit.state in ("cancelled", "expired") or (not going_on and visit.state in OPEN_STATES)
        if visit.eta is not None and (visit.first_called is not None or ended):
            self.time(key, *estimate_held(visit.issued, visit.first_called, *visit.eta))

    def time(self, key: tuple, measure: str, minute: int) -> None:
        at = (key, measure, minute)
        self.times[at] = self.times.get(at, 0) + 1


def rows_between(conn, first: str, last: str, tz: ZoneInfo, *, kept: bool = False, today: str = "~",
                 now: float | None = None, desks: bool = True) -> DayRows:
    """The aggregate rows of the days `first`..`last` from their events; with `kept`, days
    already in `stats_days` are left out. Legs still open count as expired, except on `today`
    (still going: its counters' open time runs to `now`). `desks=False` leaves out what is
    per counter (personal data)."""
    skip = " AND day NOT IN (SELECT day FROM stats_days)" if kept else ""
    counts = Counts(tz, today, desks)
    kinds = tuple(dict.fromkeys(TICKET_EVENTS + (DESK_EVENTS if desks else ()) + ev.kinds(ev.FeedbackGiven)))
    events = events_between(conn, first, last, kinds, skip)
    for visit in visits((day, e) for day, e in events if e["kind"] in TICKET_EVENTS):
        counts.add(visit)
    desk_rows = _desk_rows([(d, e) for d, e in events if e["kind"] in DESK_EVENTS], today, now) if desks else []
    return DayRows([(*k, state, outcome, *n) for (k, state, outcome), n in counts.tickets.items()],
                   [(*k, measure, minute, n) for (k, measure, minute), n in counts.times.items()], desk_rows,
                   [(*k, n) for k, n in counts.interpreters.items()],
                   _feedback_rows([(d, e) for d, e in events if e["kind"] == ev.FeedbackGiven.kind]))


def _desk_rows(events: list[tuple[str, dict]], today: str, now: float | None) -> list[tuple]:
    by_day: dict[str, list[dict]] = {}
    for day, event in events:
        by_day.setdefault(day, []).append(event)
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
        if kind == ev.CounterOpened.kind:
            opened.setdefault(e["counter"], at)
        elif kind == ev.CounterPaused.kind:
            paused[e["counter"]] = (at, e.get("reason") or "")
        elif kind == ev.CounterResumed.kind:
            end_pause(e["counter"], at)
        elif kind == ev.CounterClosed.kind:
            end_pause(e["counter"], at)
            if e["counter"] in opened:
                add(e["counter"], "open", "", at - opened.pop(e["counter"]))
        elif kind == ev.TicketCalled.kind:
            at_counter[e["number"]] = e["counter"]
        elif kind == ev.TicketStarted.kind and e["number"] in at_counter:
            serving[at_counter[e["number"]]] = (e["number"], e.get("since", at))
        elif kind in SERVED_UNTIL:
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


def _feedback_rows(events: list[tuple[str, dict]]) -> list[tuple]:
    """Answers per (day, service, language, source, score) and mentions of each reason, from
    the `feedback_given` events (server.core.feedback): they name no ticket and no counter."""
    counts: dict[tuple, int] = {}
    for day, answer in events:
        key = (day, week_of(day), answer["service"], answer["lang"], answer["source"], answer["score"])
        for reason in ("", *answer["reasons"]):
            counts[(*key, reason)] = counts.get((*key, reason), 0) + 1
    return [(*key, n) for key, n in counts.items()]


def keep_days(conn, *, before: str, tz: ZoneInfo, since: str = "", personal: bool = False) -> list[str]:
    """Store the aggregates of every day from `since` to before `before` whose events are
    still in the file and that is not kept yet. The store calls this just before purging;
    the floor board (`server.manager.board`) when a new day starts, for the last week.
    Figures per counter are kept only with `personal` (the site allows them): without the
    staff council's agreement they are not even stored. The lottery's days are kept alongside
    (`server.store.stats_lottery_rows.keep`); the floor's by `server.store.stats_kept.keep_days`."""
    ensure_tables(conn)
    stats_lottery_rows.keep(conn, before=before, since=since)
    days = [d for (d,) in conn.execute("SELECT DISTINCT day FROM tickets WHERE day >= ? AND day < ? AND day NOT IN "
                                       "(SELECT day FROM stats_days) UNION SELECT DISTINCT day FROM events "
                                       f"WHERE {ev.kind_in(ev.FeedbackGiven)} AND day >= ? AND day < ? AND day NOT IN "
                                       "(SELECT day FROM stats_days) ORDER BY day", [since, before, since, before])]
    if days:
        rows = rows_between(conn, days[0], days[-1], tz, kept=True, desks=personal)
        insert(conn, "stats_tickets", TICKET_COLUMNS, rows.tickets)
        insert(conn, "stats_times", TIME_COLUMNS, rows.times)
        insert(conn, "stats_desks", DESK_COLUMNS, rows.desks)
        insert(conn, "stats_interpreters", INTERPRETER_COLUMNS, rows.interpreters)
        for table in ROLL_UPS:
            table.fill(conn, "day >= ? AND day <= ?", [days[0], days[-1]])
        insert(conn, "stats_feedback", FEEDBACK_COLUMNS, rows.feedback)
        conn.executemany("INSERT INTO stats_days (day) VALUES (?)", [[d] for d in days])
    return days
