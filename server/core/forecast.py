"""When will each waiting ticket be called? The office's own routing, run forward.

A forecast is a small simulation of the rest of the day with expected times instead of real
ones. Every counter that is open, paused or still expected gets a moment it is next free; the
earliest free counter calls the ticket `routing` would give it (due appointments, the front,
max-wait promotion, its preference order, oldest first — `routing._rank` itself, so the
forecast can never disagree with the calls) and is busy for its expected time per call; and
so on until every waiting ticket has a projected call time (or 10 hours are filled).

What the simulation assumes, each from what the office has done:
- **Time per call** of a service is measured at the counters from call to the next call
  (capped at two minutes of walk-up), so the walk to the desk and no-shows count. It starts at
  `typical_minutes`, which counts as `PRIOR_CALLS` calls, so the first visits to finish (the
  short ones) cannot drag it down alone; visits still running add their time so far (a visit
  that has lasted 40 minutes says the mean is not 10). Overnight it is kept, weighing at most
  `CARRIED_CALLS` calls. Each counter's clerk has a pace (their times ÷ the services' means),
  shrunk towards 1 until they have a few calls behind them.
- **A visit in progress** needs its expected time minus what it has had, at least `RESIDUAL`
  of a call: a long visit is not about to end just because the mean says so.
- **A paused counter** is back after a typical break (the median of the breaks seen,
  `DEFAULT_BREAK` before there is one); a clerk's planned end of shift (`close_at`) is honoured;
  a counter closed today stays closed; a counter not yet opened today is expected while others
  are still opening (`OPENING_WINDOW` after the first).
- **Appointments** checked in are called when due; those not yet checked in take their slot.

The range comes from the errors seen: when a ticket is called, (wait + `SLACK`) ÷ (predicted
+ `SLACK`) is kept (the last `RATIOS`, walk-ins and appointments apart, across days), and the
range is the predicted wait scaled by their `LOW_QUANTILE` and `HIGH_QUANTILE`, rounded out to
5 minutes. `SLACK` keeps a 2-minute prediction that became 6 from reading as "three times".

Cost: one run sorts the waiting tickets (mostly in order already) and makes one routing
choice per projected call; it is made again after a change, or when it is `STALE` seconds old.
A ticket drawn only a moment after a run is placed behind its service's last projected call,
so a burst of draws costs one run a second (and fewer while more than `RUN_SIZE` wait: the
draws benchmark piles up tens of thousands).
"""

from __future__ import annotations

import bisect
import heapq
import math
from operator import attrgetter
import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from server.core.model import WAITING, Desk, Ticket
from server.core.routing import _rank

if TYPE_CHECKING:
    from server.core.office import Office

PRIOR_CALLS = 4          # typical_minutes weighs as much as this many measured calls
CARRIED_CALLS = 20       # what a service's measured calls weigh on the next day, at most
PACE_PRIOR = 30          # a clerk's pace counts as 1 until many calls say otherwise
WALK_UP_CAP = 120.0      # s of the gap before the next call counted as part of a call
RESIDUAL = 0.3           # a visit in progress lasts at least this share of a call longer
DEFAULT_BREAK = 20 * 60.0
OPENING_WINDOW = 45 * 60.0   # counters not yet open are expected this long after the first opened
FIRST_OPENING = 10 * 60.0    # before any counter has opened today, the first is expected in this
STAFFING_DAYS = 5            # the usual staffing is that of the last days (at most this many)
LATE = 20 * 60.0             # a counter later than on the last day by this is not expected today
HORIZON = 10 * 3600.0
REFRESH = 1.0            # s: draws within this reuse the last run
STALE = 30.0             # s: after this the run is made again even if nothing happened
RATIOS = 400
SLACK = 10 * 60.0
LOW_QUANTILE, HIGH_QUANTILE = 0.07, 0.91
STARTING_RATIOS = (0.75, 1.75)  # before MIN_RATIOS calls were seen: waits run long more than short
MIN_RATIOS = 20
STEP = 5
RUN_SIZE = 500           # past this many waiting, REFRESH and STALE grow with the queue (a run's cost)
_BY_PLACING, _BY_ISSUE, _BY_DUE = attrgetter("placed_at", "id"), attrgetter("issued_at", "id"), attrgetter("appointment_at")
SITUATIONS = [(appointment, opening) for appointment in (False, True) for opening in (False, True)]


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


@dataclass(slots=True)
class Run:
    """One forecast: projected call time per ticket number, per service its last projected
    call and the gap between its calls (to place tickets drawn after the run)."""

    at: float
    calls: dict[str, float] = field(default_factory=dict)
    last: dict[str, float | None] = field(default_factory=dict)
    gap: dict[str, float | None] = field(default_factory=dict)
    drawn: dict[str, int] = field(default_factory=dict)   # number -> place among draws since
    opening: bool = False  # counters expected today have not opened yet: a less certain run
    size: int = 0          # tickets waiting when it was made


class Forecast:
    """Fed every event the office applies (`observe`); answers `projected(number, now)`."""

    def __init__(self, services: Iterable[Any]):
        self.calls = {s.id: CallTime(s.typical_minutes * 60.0) for s in services}
        self.clerks: dict[str, Clerk] = {}
        self.breaks: deque[float] = deque(maxlen=50)
        self.first_opening: float | None = None
        self.staffed: dict[str, float] | None = None  # counters expected: opened how long after the first
        self.past_days: deque[dict[str, float]] = deque(maxlen=STAFFING_DAYS)
        self.opening_lags: deque[float] = deque(maxlen=STAFFING_DAYS)  # first draw to first opening
        # errors seen (wait ÷ predicted), kept apart by situation: (an appointment?, counters still opening?)
        self.ratios: dict[tuple[bool, bool], deque[float]] = {k: deque(maxlen=RATIOS) for k in SITUATIONS}
        self._quantiles: dict[tuple[bool, bool], tuple[float, float] | None] = dict.fromkeys(SITUATIONS)
        self.shown: dict[str, tuple[float, float, tuple[bool, bool]]] = {}  # number -> (when, predicted, situation)
        self.run: Run | None = None
        self.changed = True
        self.since: dict[str, int] = {}  # walk-ins drawn per service since the run
        self.day_began: float | None = None  # the day's first draw: arrivals are timed from it
        self.today: dict[str, list[float]] = {s.id: [] for s in services}  # walk-ins drawn, s after day_began
        self.last_day: dict[str, list[float]] | None = None

    # ---- learning from events ----------------------------------------------------------

    def new_day(self) -> None:
        for call in self.calls.values():
            call.carry_over()
        if self.day_began is not None:
            self.last_day = self.today
            if self.first_opening is not None:
                self.opening_lags.append(self.first_opening - self.day_began)
        self.today, self.day_began = {service: [] for service in self.calls}, None
        opened = {c: clerk.opened_at - self.first_opening for c, clerk in self.clerks.items() if clerk.opened}
        if opened:
            self.past_days.append(opened)
            self.staffed = usual_staffing(self.past_days)
        self.clerks, self.shown, self.first_opening, self.run, self.changed = {}, {}, None, None, True

    def observe(self, event: dict[str, Any], office: "Office") -> None:
        kind, now = event["kind"], event["at"]
        if kind == "ticket_drawn" and event.get("booking") is None:
            self._arrived(event["service"], now)
        if kind == "ticket_drawn" and event.get("booking") is None and self.run is not None and not self.changed:
            service = event["service"]
            self.since[service] = self.since.get(service, 0) + 1
            self.run.drawn[event["number"]] = self.since[service]
            return
        self.changed = True
        handler = getattr(self, "_on_" + kind, None)
        if handler is not None:
            handler(event, office, now)

    def _on_day_started(self, e, office, now) -> None:
        self.new_day()

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

    def _on_ticket_called(self, e, office, now) -> None:
        clerk, ticket = self.clerk(e["counter"]), office.tickets[e["number"]]
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

    def _left(self, e, office, now) -> None:
        ticket = office.tickets[e["number"]]
        clerk = self.clerks.get(ticket.counter or "")
        if clerk is not None and clerk.call == ticket.number:
            clerk.call, clerk.left_at = None, now

    _on_ticket_finished = _on_ticket_no_show = _on_ticket_parked = _on_ticket_transferred = _left

    def _on_counter_opened(self, e, office, now) -> None:
        clerk = self.clerk(e["counter"])
        clerk.opened_at = clerk.opened_at if clerk.opened else now
        clerk.opened, clerk.paused_at = True, None
        self.first_opening = now if self.first_opening is None else self.first_opening

    def _on_counter_paused(self, e, office, now) -> None:
        self._settle(self.clerk(e["counter"]))
        self.clerk(e["counter"]).paused_at = now

    def _on_counter_resumed(self, e, office, now) -> None:
        clerk = self.clerk(e["counter"])
        if clerk.paused_at is not None:
            self.breaks.append(now - clerk.paused_at)
        clerk.paused_at = None

    def _on_counter_closed(self, e, office, now) -> None:
        clerk = self.clerk(e["counter"])
        self._settle(clerk)
        clerk.paused_at = clerk.closes_at = None

    def _on_counter_close_planned(self, e, office, now) -> None:
        self.clerk(e["counter"]).closes_at = e["until"]

    def _settle(self, clerk: Clerk) -> None:
        """The last call before a pause or a close: counted without a walk-up."""
        if clerk.left_at is not None:
            self._count_call(clerk, clerk.left_at - clerk.call_at)
            clerk.left_at = None

    # ---- the forecast --------------------------------------------------------------------

    def projected(self, office: "Office", number: str, now: float) -> float | None:
        """The moment ticket `number` is expected to be called, or None (not waiting, or
        nobody expected to call it within the horizon)."""
        run = self._current(office, now)
        ticket = office.tickets.get(number)
        if ticket is None or ticket.state != WAITING:
            return None
        if number in run.calls:
            return run.calls[number]
        place = run.drawn.get(number)
        return self._behind(run, ticket.service, place) if place is not None else None

    def next_slot(self, office: "Office", service: str, now: float) -> float | None:
        """When a walk-in drawing for `service` now would be called."""
        run = self._current(office, now)
        return self._behind(run, service, self.since.get(service, 0) + 1)

    def _behind(self, run: Run, service: str, place: int) -> float | None:
        last, gap = run.last.get(service), run.gap.get(service)
        if last is None or gap is None:
            return None
        return last + place * gap

    def _current(self, office: "Office", now: float) -> Run:
        run = self.run
        big = max(1.0, run.size / RUN_SIZE) if run is not None else 1.0  # a long queue: runs cost more, say as much
        if (run is None or self.changed or now - run.at >= STALE * big or now < run.at
                or (run.drawn and now - run.at >= REFRESH * big)):
            self.run, self.changed, self.since = simulate(self, office, now), False, {}
        return self.run

    # ---- the range ----------------------------------------------------------------------

    def range(self, office: "Office", ticket: Ticket, now: float) -> tuple[int, int] | None:
        """Minutes (low, high) from `now` until `ticket` is called, as a visitor is shown it."""
        at = self.projected(office, ticket.number, now)
        if at is None:
            return None
        predicted = max(0.0, at - now)
        situation = (ticket.appointment_at is not None, self.run.opening)
        self.shown.setdefault(ticket.number, (now, predicted, situation))
        return self.spread(predicted, situation)

    def spread(self, predicted: float, situation: tuple[bool, bool] = (False, False)) -> tuple[int, int]:
        """The range shown for a predicted wait (seconds): scaled by the errors seen, the top
        at least as far above the prediction as the bottom is below, rounded out to 5 min."""
        low_ratio, high_ratio = self.quantiles(situation)
        low = max(0.0, (predicted + SLACK) * low_ratio - SLACK)
        high = max(predicted, (predicted + SLACK) * high_ratio - SLACK, 2 * predicted - low)
        low_minutes = math.floor(low / 60 / STEP) * STEP
        return low_minutes, max(low_minutes + STEP, math.ceil(high / 60 / STEP) * STEP)

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


# ---- one run ------------------------------------------------------------------------------

@dataclass(slots=True)
class _Counter:
    desk: Desk
    free: float
    until: float
    pace: float
    expected: bool = False  # not open yet


def simulate(forecast: Forecast, office: "Office", now: float) -> Run:
    """Run the routing forward from `now` with expected times; see the module docstring."""
    run = Run(at=now)
    counters = _counters(forecast, office, now)
    run.opening = any(c.expected for c in counters)
    lines = _Lines(forecast, office, now)
    run.size = lines.size
    heap = [(c.free, i) for i, c in enumerate(counters)]
    heapq.heapify(heap)
    served: dict[str, list[float]] = {s: [] for s in office.waiting}  # all calls of a service
    last: dict[str, float] = {}  # the last call of a ticket really waiting
    end = now + HORIZON
    while heap:
        t, i = heapq.heappop(heap)
        counter = counters[i]
        if t >= counter.until or t >= end:
            continue
        ticket = lines.choose(counter.desk, t, office.max_wait)
        if ticket is None:
            later = lines.next_appointment(counter.desk, t)
            if later is not None:
                heapq.heappush(heap, (later, i))
            continue
        lines.taken.add(id(ticket))
        if ticket.number:
            run.calls[ticket.number] = last[ticket.service] = t
        served[ticket.service].append(t)
        heapq.heappush(heap, (t + forecast.calls[ticket.service].mean() * counter.pace, i))
    for service, times in served.items():
        run.last[service], run.gap[service] = _tail(forecast, counters, service, times, last.get(service),
                                                    lines.left(service), now)
    return run


def _tail(forecast, counters, service, times, last, left, now) -> tuple[float | None, float | None]:
    """Where the next ticket of `service` would go: after its last projected call, one gap on."""
    serving = [c for c in counters if service in c.desk.services and c.until > now]
    if not serving or left:  # nobody serves it, or its queue runs past the horizon
        return None, None
    mean = forecast.calls[service].mean()
    gap = min(mean * c.pace for c in serving) / len(serving)
    if len(times) >= 2:
        recent = times[-10:]
        gap = max(gap, (recent[-1] - recent[0]) / (len(recent) - 1))
    if last is None:
        last = max(now, min(c.free for c in serving)) - gap
    return last, gap


def _counters(forecast: Forecast, office: "Office", now: float) -> list[_Counter]:
    """Every counter expected to call today: open, paused, or not yet opened (see `_opening`)."""
    found = []
    unopened = [d.id for d in office.desks.values() if d.state == "closed" and not forecast.clerk_opened(d.id)]
    for desk in office.desks.values():
        clerk = forecast.clerks.get(desk.id) or Clerk()
        until = clerk.closes_at if clerk.closes_at is not None else math.inf
        if desk.state == "open":
            free = now
            if clerk.call is not None:
                mean = forecast.calls[clerk.call_service].mean(now - clerk.call_at) * clerk.pace()
                free = now + max(mean - (now - clerk.call_at), RESIDUAL * mean)
            found.append(_Counter(desk, free, until, clerk.pace()))
        elif desk.state == "paused":
            free = max(now, (clerk.paused_at or now) + forecast.typical_break())
            found.append(_Counter(desk, free, until, clerk.pace()))
        elif not clerk.opened:
            opens = _opening(forecast, desk.id, now, (unopened.index(desk.id), len(unopened)))
            if opens is not None:
                configured = office.site.counter(desk.id).services
                found.append(_Counter(Desk(desk.id, "open", configured), opens, until, 1.0, expected=True))
    return found


def _opening(forecast: Forecast, counter: str, now: float, place: tuple[int, int]) -> float | None:
    """When a counter not yet open today is expected to open, or None. The counters of the
    usual day are expected as long after today's first opening as usual (give or take `LATE`).
    Before any day was seen, every counter, spread evenly over what is left of the
    `OPENING_WINDOW` (the first expected `FIRST_OPENING` from now); `place` is (this counter's
    place among those still expected, how many they are)."""
    first = forecast.first_opening
    if forecast.staffed is None:
        start = now + FIRST_OPENING if first is None else now
        end = now + FIRST_OPENING + OPENING_WINDOW if first is None else first + OPENING_WINDOW
        return start + (end - start) * (place[0] + 0.5) / place[1] if end > now else None
    offset = forecast.staffed.get(counter)
    if offset is None:
        return None
    if first is None:
        return forecast.first_expected(now) + offset
    return max(now, first + offset) if now < first + offset + LATE else None


class _Lines:
    """The queues as one run sees them: each service's walk-ins (oldest first), its front
    tickets, its appointments by due time (with those not yet checked in), and tickets sent to
    one counter. Tickets called in the run are marked in `taken`, never on the ticket."""

    def __init__(self, forecast: Forecast, office: "Office", now: float):
        self.queues: dict[str, deque[Ticket]] = {}
        self.front: dict[str, deque[Ticket]] = {}
        self.appointments: dict[str, list[Ticket]] = {}
        self.directed: dict[str, list[Ticket]] = {}
        self.taken: set[int] = set()
        self.size = 0
        for service, waiting in office.waiting.items():
            front, line, due = [], [], []
            for ticket in waiting.values():
                if ticket.target is None:
                    (front if ticket.front else line).append(ticket)
                    if ticket.appointment_at is not None:
                        due.append(ticket)
            # routing.queue_key's order; attrgetter keys: a queue is mostly in order already
            front.sort(key=_BY_PLACING)
            line.sort(key=_BY_ISSUE)
            due.sort(key=_BY_DUE)
            self.front[service], self.queues[service], self.appointments[service] = deque(front), deque(line), due
            self.size += len(waiting)
        for service in self.queues:
            for i, at in enumerate(forecast.arrivals(service, now, max(office.max_wait.values()))):
                self.queues[service].append(Ticket(id=10**12 + i, number="", service=service, lang="", kiosk="",
                                                   token="", issued_at=at))
        for ticket in office.directed.values():
            self.directed.setdefault(ticket.target, []).append(ticket)
        for booking in office.bookings.values():
            if booking.day == office.day and booking.ticket is None and booking.due_at >= now - 30 * 60:
                expected = Ticket(id=10**12, number="", service=booking.service, lang="", kiosk="", token="",
                                  issued_at=booking.due_at, appointment_at=booking.due_at)
                bisect.insort(self.appointments[booking.service], expected, key=lambda t: t.appointment_at)

    def _head(self, line) -> Ticket | None:
        while line and id(line[0]) in self.taken:
            line.popleft() if isinstance(line, deque) else line.pop(0)
        return line[0] if line else None

    def choose(self, desk: Desk, t: float, max_wait) -> Ticket | None:
        """`routing.choose_next` over the heads of the lines (each line's head outranks the
        rest of its line, so the heads are enough). Called for every projected call: kept lean."""
        candidates = []
        directed = self.directed.get(desk.id)
        if directed:
            candidates += [x for x in directed if id(x) not in self.taken]
        head = self._head
        for service in desk.services:
            first = head(self.front[service])
            if first is not None:
                candidates.append(first)
            oldest = head(self.queues[service])
            if oldest is not None and oldest.issued_at <= t:  # expected arrivals: once they came
                candidates.append(oldest)
            due = head(self.appointments[service])
            if due is not None and due.appointment_at <= t:
                candidates.append(due)
        if len(candidates) < 2:
            return candidates[0] if candidates else None
        return min(candidates, key=lambda c: _rank(desk, c, t, max_wait))

    def next_appointment(self, desk: Desk, t: float) -> float | None:
        heads = (self._head(self.appointments[s]) for s in desk.services)
        return min((h.appointment_at for h in heads if h is not None and h.appointment_at > t), default=None)

    def left(self, service: str) -> bool:
        """Anyone of `service` not called in the run."""
        heads = (self._head(line) for line in (self.front[service], self.queues[service]))
        return any(head is not None and head.number for head in heads)  # expected arrivals have none
