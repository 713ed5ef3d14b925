"""What the forecast learns from the office's events, kept across the day and overnight.

Each from what the office has done:
- **Time per call** of a service is measured at the counters from call to the next call
  (capped at two minutes of walk-up), so the walk to the desk and no-shows count. It starts at
  `typical_minutes`, which counts as `PRIOR_CALLS` calls, so the first visits to finish (the
  short ones) cannot drag it down alone; visits still running add their time so far (a visit
  that has lasted 40 minutes says the mean is not 10). Overnight it is kept, weighing at most
  `CARRIED_CALLS` calls. Each counter's clerk has a pace (their times ÷ the services' means),
  shrunk towards 1 until they have a few calls behind them.
- **Breaks**: the median of the breaks seen (`DEFAULT_BREAK` before there is one).
- **Lateness**: with a plan, how long after its planned time a counter opens (the median).
- **Staffing**: which counters a usual day opens and how long after the first (the last
  `STAFFING_DAYS` days), and how long after the first draw the first counter opens.
- **Arrivals**: when walk-ins drew on the last day, to expect them again today.
- **Errors**: when a ticket is called, (wait + `SLACK`) ÷ (predicted + `SLACK`) is kept (the
  last `RATIOS`, walk-ins and appointments apart, across days); `quantiles` gives the range's
  scale from them (`server.core.forecast`).

`OBSERVERS` is the table from event type to what it teaches; other events teach nothing.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from server.core import events as ev
from server.core.plan import EARLY, GRACE
from server.core.view import OfficeView

PRIOR_CALLS = 4          # typical_minutes weighs as much as this many measured calls
CARRIED_CALLS = 20       # what a service's measured calls weigh on the next day, at most
PACE_PRIOR = 30          # a clerk's pace counts as 1 until many calls say otherwise
WALK_UP_CAP = 120.0      # s of the gap before the next call counted as part of a call
DEFAULT_BREAK = 20 * 60.0
FIRST_OPENING = 10 * 60.0    # before any counter has opened today, the first is expected in this
STAFFING_DAYS = 5            # the usual staffing is that of the last days (at most this many)
RATIOS = 400
SLACK = 10 * 60.0
LOW_QUANTILE, HIGH_QUANTILE = 0.07, 0.91
STARTING_RATIOS = (0.75, 1.75)  # before MIN_RATIOS calls were seen: waits run long more than short
MIN_RATIOS = 20
SITUATIONS = [(appointment, opening) for appointment in (False, True) for opening in (False, True)]
Situation = tuple[bool, bool]  # (an appointment?, counters still opening?)


@dataclass(slots=True)
class CallTime:
    """A service's time per call: `typical_minutes` as a prior, then what was measured."""

    typical: float
    total: float = 0.0
    count: float = 0.0

    def add(self, seconds: float) -> None:
        self.total, self.count = self.total + seconds, self.count + 1

    def mean(self, running: float = 0.0) -> float:
        return (PRIOR_CALLS * self.typical + self.total + running) / (PRIOR_CALLS + self.count)

    def carry_over(self) -> None:
        if self.count > CARRIED_CALLS:
            self.total, self.count = self.total * CARRIED_CALLS / self.count, CARRIED_CALLS


@dataclass(slots=True)
class Clerk:
    """What the forecast knows of one counter today."""

    opened: bool = False          # opened at some time today
    opened_at: float = 0.0        # first opened today
    call: str | None = None       # the ticket called here, and when and for which service
    call_at: float = 0.0
    call_service: str = ""
    left_at: float | None = None  # the last visitor left (the call is counted at the next call)
    paused_at: float | None = None
    closes_at: float | None = None
    pace_total: float = 0.0       # sum of (call time ÷ its service's mean)
    pace_count: float = 0.0

    def pace(self) -> float:
        return (PACE_PRIOR + self.pace_total) / (PACE_PRIOR + self.pace_count)


class Learning:
    """What the office's events taught: time per call, clerks, breaks, staffing, arrivals, errors."""

    def __init__(self, services: Iterable[Any]):
        self.calls = {s.id: CallTime(s.typical_minutes * 60.0) for s in services}
        self.clerks: dict[str, Clerk] = {}
        self.breaks: deque[float] = deque(maxlen=50)
        self.lateness: deque[float] = deque(maxlen=50)  # s a planned counter opened after its time
        self.first_opening: float | None = None
        self.staffed: dict[str, float] | None = None  # counters expected: opened how long after the first
        self.past_days: deque[dict[str, float]] = deque(maxlen=STAFFING_DAYS)
        self.opening_lags: deque[float] = deque(maxlen=STAFFING_DAYS)  # first draw to first opening
        # errors seen (wait ÷ predicted), kept apart by situation: (an appointment?, counters still opening?)
        self.ratios: dict[tuple[bool, bool], deque[float]] = {k: deque(maxlen=RATIOS) for k in SITUATIONS}
        self._quantiles: dict[tuple[bool, bool], tuple[float, float] | None] = dict.fromkeys(SITUATIONS)
        self.shown: dict[str, tuple[float, float, tuple[bool, bool]]] = {}  # number -> (when, predicted, situation)
        self.day_began: float | None = None  # the day's first draw: arrivals are timed from it
        self.today: dict[str, list[float]] = {s.id: [] for s in services}  # walk-ins drawn, s after day_began
        self.last_day: dict[str, list[float]] | None = None

    def new_day(self) -> None:
        for call in self.calls.values():
            call.carry_over()
        if self.day_began is not None:
            self.last_day = self.today
            if self.first_opening is not None:
                self.opening_lags.append(self.first_opening - self.day_began)
        self.today, self.day_began = {service: [] for service in self.calls}, None
        first = self.first_opening
        opened = {c: clerk.opened_at - first for c, clerk in self.clerks.items() if clerk.opened and first is not None}
        if opened:
            self.past_days.append(opened)
            self.staffed = usual_staffing(self.past_days)
        self.clerks, self.shown, self.first_opening = {}, {}, None

    def learn(self, event: ev.Event, office: OfficeView) -> None:
        """Learn what `event` teaches (the office has applied it already)."""
        handler = OBSERVERS.get(type(event))
        if handler is not None:
            handler(self, event, office)

    def _arrived(self, service: str, now: float) -> None:
        self.day_began = now if self.day_began is None else self.day_began
        self.today[service].append(now - self.day_began)

    def arrivals(self, service: str, now: float, ahead: float) -> list[float]:
        """When walk-ins of `service` are expected to draw in the next `ahead` seconds: as on
        the last day at the same time after the first draw, scaled by how busy today is so
        far. They matter where they go first (a counter's preference order): a visitor waits
        behind people who have not come yet, until max-wait promotion puts them first."""
        if self.last_day is None or self.day_began is None:
            return []
        since, before = now - self.day_began, self.last_day[service]
        start, stop = bisect.bisect_right(before, since), bisect.bisect_right(before, since + ahead)
        so_far = sum(len(t) for t in self.today.values())
        then = sum(bisect.bisect_right(t, since) for t in self.last_day.values())
        scale = min(2.0, max(0.5, so_far / then)) if then else 1.0
        times = before[start:stop]
        return [self.day_began + times[int(i / scale)] for i in range(int(len(times) * scale))]

    def first_expected(self, now: float) -> float:
        """When the day's first counter is expected to open, none having opened yet: as long
        after the first draw as usual on the last days, else in `FIRST_OPENING`."""
        if self.opening_lags and self.day_began is not None:
            return max(now, self.day_began + statistics.median(self.opening_lags))
        return now + FIRST_OPENING

    def clerk_opened(self, counter: str) -> bool:
        clerk = self.clerks.get(counter)
        return clerk is not None and clerk.opened

    def clerk(self, counter: str) -> Clerk:
        return self.clerks.setdefault(counter, Clerk())

    def _called(self, e: ev.TicketCalled, office: OfficeView) -> None:
        now, clerk, ticket = e.at, self.clerk(e.counter), office.tickets[e.number]
        if clerk.left_at is not None:
            self._count_call(clerk, clerk.left_at - clerk.call_at + min(now - clerk.left_at, WALK_UP_CAP))
        clerk.call, clerk.call_at, clerk.call_service, clerk.left_at = ticket.number, now, ticket.service, None
        first = self.shown.pop(ticket.number, None)
        if first is not None:
            at, predicted, situation = first
            self.ratios[situation].append((now - at + SLACK) / (predicted + SLACK))
            self._quantiles[situation] = None

    def _count_call(self, clerk: Clerk, seconds: float) -> None:
        call = self.calls[clerk.call_service]
        clerk.pace_total += seconds / call.mean()
        clerk.pace_count += 1
        call.add(seconds / clerk.pace())  # the service's time, not this clerk's pace

    def _left(self, e: ev.TicketEvent, office: OfficeView) -> None:
        now, ticket = e.at, office.tickets[e.number]
        clerk = self.clerks.get(ticket.counter or "")
        if clerk is not None and clerk.call == ticket.number:
            clerk.call, clerk.left_at = None, now

    def _counter_opened(self, e: ev.CounterOpened, office: OfficeView) -> None:
        now, clerk = e.at, self.clerk(e.counter)
        if not clerk.opened and office.plan:
            self._on_time(e.counter, now, office)
        clerk.opened_at = clerk.opened_at if clerk.opened else now
        clerk.opened, clerk.paused_at = True, None
        self.first_opening = now if self.first_opening is None else self.first_opening

    def _on_time(self, counter: str, now: float, office: OfficeView) -> None:
        """How late after its planned time a counter opened (`lateness`: the forecast expects
        planned counters that much after their time; early is counted as on time)."""
        windows = office.plan.times(office.day, office.tz).get(counter, [])
        planned = next((w.start for w in windows if w.start - EARLY <= now < w.end), None)
        if planned is not None and now <= planned + GRACE:
            self.lateness.append(max(0.0, now - planned))

    def expected_lateness(self) -> float:
        return statistics.median(self.lateness) if self.lateness else 0.0

    def _counter_paused(self, e: ev.CounterPaused, office: OfficeView) -> None:
        self._settle(self.clerk(e.counter))
        self.clerk(e.counter).paused_at = e.at

    def _counter_resumed(self, e: ev.CounterResumed, office: OfficeView) -> None:
        clerk = self.clerk(e.counter)
        if clerk.paused_at is not None:
            self.breaks.append(e.at - clerk.paused_at)
        clerk.paused_at = None

    def _counter_closed(self, e: ev.CounterClosed, office: OfficeView) -> None:
        clerk = self.clerk(e.counter)
        self._settle(clerk)
        clerk.paused_at = clerk.closes_at = None

    def _counter_close_planned(self, e: ev.CounterClosePlanned, office: OfficeView) -> None:
        self.clerk(e.counter).closes_at = e.until

    def _settle(self, clerk: Clerk) -> None:
        """The last call before a pause or a close: counted without a walk-up."""
        if clerk.left_at is not None:
            self._count_call(clerk, clerk.left_at - clerk.call_at)
            clerk.left_at = None

    def quantiles(self, situation: tuple[bool, bool]) -> tuple[float, float]:
        cached = self._quantiles[situation]
        if cached is None:
            seen = sorted(self.ratios[situation])
            if len(seen) < MIN_RATIOS:
                cached = STARTING_RATIOS
            else:
                # the bottom stays below 1.5: a range then still grows with the prediction
                cached = (min(seen[int(LOW_QUANTILE * (len(seen) - 1))], 1.5),
                          seen[math.ceil(HIGH_QUANTILE * (len(seen) - 1))])
            self._quantiles[situation] = cached
        return cached

    def typical_break(self) -> float:
        return statistics.median(self.breaks) if self.breaks else DEFAULT_BREAK


OBSERVERS: dict[type[ev.BaseEvent], Callable[[Learning, Any, OfficeView], None]] = {
    ev.DayStarted: lambda learning, e, office: learning.new_day(),
    ev.TicketCalled: Learning._called,
    ev.TicketFinished: Learning._left,
    ev.TicketNoShow: Learning._left,
    ev.TicketParked: Learning._left,
    ev.TicketTransferred: Learning._left,
    ev.CounterOpened: Learning._counter_opened,
    ev.CounterPaused: Learning._counter_paused,
    ev.CounterResumed: Learning._counter_resumed,
    ev.CounterClosed: Learning._counter_closed,
    ev.CounterClosePlanned: Learning._counter_close_planned,
}


def usual_staffing(days: Iterable[dict[str, float]]) -> dict[str, float]:
    """The counters a usual day opens (as many as on average, those open most often) and
    how long after the day's first they open (the median)."""
    days = list(days)
    offsets: dict[str, list[float]] = {}
    for day in days:
        for counter, offset in day.items():
            offsets.setdefault(counter, []).append(offset)
    count = round(sum(len(day) for day in days) / len(days))
    usual = sorted(offsets, key=lambda c: -len(offsets[c]))[:count]
    return {counter: statistics.median(offsets[counter]) for counter in usual}

