"""The day's plan in the core: which counter is staffed when, from a weekly template and the
exceptions of a date (`server.wire.plan` has the shapes and an example).

`Plan.day(day)` is one date's plan: per counter its windows (start, end as seconds after local
midnight, and the services where they differ from the counter's own), the exceptions already
cut out. `check(site, template, closures, today)` refuses what cannot be a plan, naming it.
The forecast (`server.core.simulation`) expects counters at their planned times, none that is
planned off, and a gap between two windows as a break; `server.core.capacity` runs the day's
plan forward for what it can serve.

    >>> plan = Plan([Shift(counter="1", weekday=0, start="08:00", end="12:00")],
    ...             [Closure(day="2026-12-07", kind="training", start="10:00", end="11:00")])
    >>> plan.day(date(2026, 12, 7))["1"]
    [Window(start=28800, end=36000, services=()), Window(start=39600, end=43200, services=())]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo
from typing import Any, Iterable, Sequence

from config import Site

from server.wire.errors import BadRequest
from server.wire.plan import Closure, Shift

GRACE = 10 * 60.0   # s: a planned counter not open this long after its time is not expected (and alerted)
EARLY = 15 * 60.0   # s: a counter opening this long before its planned time is still the planned one
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def seconds(clock: str) -> int:
    """'08:30' -> 30600 (after local midnight)."""
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(frozen=True, slots=True)
class Window:
    start: int  # s after local midnight
    end: int
    services: tuple[str, ...] = ()  # empty: the counter's own


@dataclass(frozen=True, slots=True)
class Shiftime:
    """A window of one day as moments (seconds since the epoch)."""

    start: float
    end: float
    services: tuple[str, ...] = ()


def next_window(windows: Sequence[Shiftime], now: float) -> Shiftime | None:
    """The window running at `now` or the next one today."""
    return next((w for w in windows if w.end > now), None)


def departures(windows: dict[str, list[Shiftime]], states: dict[str, str], now: float) -> dict[str, tuple[str, float]]:
    """Where the day departs from its plan: counter -> ("late", since when) for a planned
    counter not open `GRACE` after its window began (up to `EARLY` before it ends), ("unplanned", since) for an open counter
    no window covers (opened up to `EARLY` before its window counts as planned). `states` is
    each counter's state now ("open", "paused", "closed")."""
    found: dict[str, tuple[str, float]] = {}
    for counter, state in states.items():
        planned = windows.get(counter, [])
        current = next((w for w in planned if w.start - EARLY <= now < w.end), None)
        # closing a little before the end of a shift (the break, the day's end) is no departure
        if state == "closed" and current is not None and current.start + GRACE <= now < current.end - EARLY:
            found[counter] = ("late", current.start + GRACE)
        elif state == "open" and current is None and windows:
            ended = max((w.end for w in planned if w.end <= now), default=None)
            found[counter] = ("unplanned", ended if ended is not None else now)
    return found


class Plan:
    """A weekly template and exceptions per date; empty means no plan (the forecast guesses)."""

    def __init__(self, template: Sequence[Shift] = (), closures: Sequence[Closure] = (), *, by: str = "",
                 at: float = 0.0):
        self.template, self.closures = list(template), list(closures)
        self.by, self.at = by, at  # who changed it last and when (the board names them to the next editor)
        self._days: dict[date, dict[str, list[Window]]] = {}
        self._times: dict[tuple[str, str], dict[str, list[Shiftime]]] = {}

    def __bool__(self) -> bool:
        return bool(self.template)

    def day(self, day: date) -> dict[str, list[Window]]:
        """The counters planned on `day` and their windows, in order; a counter planned off
        all day is missing. Empty when there is no plan or the office is closed."""
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = self._make(day)
        return found

    def _make(self, day: date) -> dict[str, list[Window]]:
        cut = [c for c in self.closures if c.day == day.isoformat()]
        found: dict[str, list[Window]] = {}
        for shift in sorted(self.template, key=lambda s: (s.counter, seconds(s.start))):
            if shift.weekday != day.weekday():
                continue
            pieces = [(seconds(shift.start), seconds(shift.end))]
            for closure in cut:
                if closure.counter in ("", shift.counter):
                    pieces = _minus(pieces, seconds(closure.start), seconds(closure.end))
            found.setdefault(shift.counter, []).extend(Window(a, b, tuple(shift.services)) for a, b in pieces)
        return {counter: windows for counter, windows in found.items() if windows}

    def times(self, day: str, tz: ZoneInfo) -> dict[str, list[Shiftime]]:
        """`day(day)` as moments (seconds since the epoch, wall clock in `tz`, so a day with a
        clock change is right too); {} when there is no plan."""
        key = (day, str(tz))
        found = self._times.get(key)
        if found is None:
            when = date.fromisoformat(day)
            midnight = datetime.combine(when, time(0), tz)
            found = self._times[key] = {
                counter: [Shiftime((midnight + timedelta(seconds=w.start)).timestamp(),
                                   (midnight + timedelta(seconds=w.end)).timestamp(), w.services) for w in windows]
                for counter, windows in self.day(when).items()}
        return found

    def planned_off(self, day: date) -> set[str]:
        """Counters the template staffs on `day` that an exception takes off all day."""
        weekly = {s.counter for s in self.template if s.weekday == day.weekday()}
        return weekly - set(self.day(day))


def _minus(pieces: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    found = []
    for a, b in pieces:
        if a < start:
            found.append((a, min(b, start)))
        if b > end:
            found.append((max(a, end), b))
    return [(a, b) for a, b in found if b > a]


def check(site: Site, template: Iterable[Shift], closures: Iterable[Closure], today: str) -> tuple[list[Shift], list[Closure]]:
    """The plan as it is kept, or `BadRequest` naming the first thing wrong (row numbers count
    from 1). Exceptions of days before `today` are dropped: they can change nothing."""
    counters = {c.id for c in site.counters}
    services = {s.id for s in site.services}
    template, kept = list(template), []
    for i, shift in enumerate(template, 1):
        where = f"shift {i} ({WEEKDAYS[shift.weekday]} {shift.start}-{shift.end}, counter {shift.counter})"
        # the values staff read it by (server/manager/words.py error_text)
        row: dict[str, Any] = {"row": i, "weekday": shift.weekday, "start": shift.start, "end": shift.end, "counter": shift.counter}
        if shift.counter not in counters:
            raise BadRequest(f"{where}: there is no counter {shift.counter!r} (counters: {', '.join(sorted(counters))})",
                             why="plan_counter", **row)
        if seconds(shift.start) >= seconds(shift.end):
            raise BadRequest(f"{where}: it must end after it starts", why="shift_order", **row)
        unknown = [s for s in shift.services if s not in services]
        if unknown:
            raise BadRequest(f"{where}: there is no service {unknown[0]!r}", why="plan_service", service=unknown[0],
                             **row)
        for other in template[:i - 1]:
            if (other.counter, other.weekday) == (shift.counter, shift.weekday) and \
                    seconds(other.start) < seconds(shift.end) and seconds(shift.start) < seconds(other.end):
                raise BadRequest(f"{where}: it overlaps {other.start}-{other.end} of the same counter and day",
                                 why="shift_overlap", other_start=other.start, other_end=other.end, **row)
    for i, closure in enumerate(closures, 1):
        where = f"exception {i} ({closure.day}, {closure.kind})"
        row = {"row": i, "day": closure.day, "start": closure.start, "end": closure.end}
        try:
            date.fromisoformat(closure.day)
        except ValueError:
            raise BadRequest(f"{where}: {closure.day!r} is not a date", why="not_a_date", **row) from None
        if closure.counter and closure.counter not in counters:
            raise BadRequest(f"{where}: there is no counter {closure.counter!r}", why="plan_counter",
                             counter=closure.counter, **row)
        if seconds(closure.start) >= seconds(closure.end):
            raise BadRequest(f"{where}: it must end after it starts", why="closure_order", **row)
        if closure.day >= today:
            kept.append(closure)
    return template, kept
