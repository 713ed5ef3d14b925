"""One run of the forecast: the office's routing run forward from `now` with expected times.

Every counter that is open, paused or still expected gets a moment it is next free; the
earliest free counter calls the ticket `routing` would give it (`routing._rank` itself, so the
forecast can never disagree with the calls) and is busy for its expected time per call; and
so on until every waiting ticket has a projected call time (or `HORIZON` is filled).

- **A visit in progress** needs its expected time minus what it has had, at least `RESIDUAL`
  of a call: a long visit is not about to end just because the mean says so.
- **A paused counter** is back after a typical break; a clerk's planned end of shift
  (`close_at`) is honoured; a counter closed today stays closed; a counter not yet opened
  today is expected while others are still opening (`OPENING_WINDOW` after the first).
- **Appointments** checked in are called when due; those not yet checked in take their slot.

It reads the office through `server.core.view.OfficeView` and what was learned through
`server.core.learning.Learning`; it changes neither.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Mapping

from server.core.learning import FIRST_OPENING, Clerk, Learning
from server.core.plan import EARLY, GRACE
from server.core.model import Desk, Ticket
from server.core.routing import _rank
from server.core.view import OfficeView

RESIDUAL = 0.3           # a visit in progress lasts at least this share of a call longer
OPENING_WINDOW = 45 * 60.0   # counters not yet open are expected this long after the first opened
LATE = 20 * 60.0             # a counter later than on the last day by this is not expected today
HORIZON = 10 * 3600.0
_BY_PLACING, _BY_ISSUE, _BY_DUE = attrgetter("placed_at", "id"), attrgetter("issued_at", "id"), attrgetter("appointment_at")


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



@dataclass(slots=True)
class _Counter:
    desk: Desk
    free: float
    until: float
    pace: float
    expected: bool = False  # not open yet
    breaks: list[tuple[float, float]] = field(default_factory=list)  # planned: (from, to), in order

    def after_break(self, t: float) -> float:
        """`t`, or the end of the planned break `t` falls in."""
        for start, end in self.breaks:
            if start <= t < end:
                return end
        return t




def simulate(forecast: Learning, office: OfficeView, now: float) -> Run:
    """Run the routing forward from `now` with expected times; see the module docstring."""
    run = Run(at=now)
    counters = _counters(forecast, office, now)
    run.opening = any(c.expected for c in counters)
    lines = _Lines(forecast, office, now)
    run.size = lines.size
    heap = [(c.free, i) for i, c in enumerate(counters)]
    heapq.heapify(heap)
    served: dict[str, list[float]] = {s: [] for s in office.waiting}  # calls of its waiting walk-ins
    last: dict[str, float] = {}  # the last call of a ticket really waiting
    end = now + HORIZON
    while heap:
        t, i = heapq.heappop(heap)
        counter = counters[i]
        if counter.breaks and (back := counter.after_break(t)) != t:
            heapq.heappush(heap, (back, i))
            continue
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
        if ticket.number and ticket.appointment_at is None:  # the pace of the walk-in line: not an
            served[ticket.service].append(t)  # appointment due hours later, not someone yet to come
        heapq.heappush(heap, (t + forecast.calls[ticket.service].mean() * counter.pace, i))
    for service, times in served.items():
        run.last[service], run.gap[service] = _tail(forecast, counters, service, times, last.get(service),
                                                    lines.left(service), now)
    return run


def _tail(forecast: Learning, counters: list[_Counter], service: str, times: list[float], last: float | None,
          left: bool, now: float) -> tuple[float | None, float | None]:
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


def _counters(forecast: Learning, office: OfficeView, now: float) -> list[_Counter]:
    """Every counter expected to call today: open, paused, or not yet opened (see `_opening`);
    with a plan for today, as the plan says (`_planned`)."""
    if office.plan:
        return _planned(forecast, office, now)
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
                configured = office.site.counter(desk.id)
                services = configured.services if configured is not None else ()
                found.append(_Counter(Desk(desk.id, "open", services), opens, until, 1.0, expected=True))
    return found


def _planned(forecast: Learning, office: OfficeView, now: float) -> list[_Counter]:
    """The counters as today's plan has them: one not yet open is expected at its planned time
    (and not at all once it is `plan.GRACE` late: the forecast follows the day, and the board
    says so); one planned off, or not planned today, is not expected; a gap between two
    windows is a break; a counter is expected to stop at its planned end. A counter that is
    open where the plan has none is reality: it calls until it closes."""
    # today by the clock, unless the office's day is later (days only move forward: `server.core.office`)
    windows = office.plan.times(max(office.day, datetime.fromtimestamp(now, office.tz).date().isoformat()), office.tz)
    found = []
    for desk in office.desks.values():
        clerk = forecast.clerks.get(desk.id) or Clerk()
        planned = [w for w in windows.get(desk.id, []) if w.end > now]
        until = planned[-1].end if planned else math.inf
        until = min(until, clerk.closes_at) if clerk.closes_at is not None else until
        breaks = [(a.end, b.start) for a, b in zip(planned, planned[1:])]
        if desk.state == "open":
            free = now
            if clerk.call is not None:
                mean = forecast.calls[clerk.call_service].mean(now - clerk.call_at) * clerk.pace()
                free = now + max(mean - (now - clerk.call_at), RESIDUAL * mean)
            found.append(_Counter(desk, free, until, clerk.pace(), breaks=breaks))
        elif desk.state == "paused":
            paused_at = clerk.paused_at or now
            # a pause in the middle of a shift is a break of the usual length; one taken at (or
            # near) the end of a shift lasts until the next shift begins: the planned break
            within = any(w.start <= paused_at < w.end - EARLY for w in planned)
            back = None if within else next((w.start for w in planned if w.start > paused_at), None)
            free = max(now, back if back is not None else paused_at + forecast.typical_break())
            found.append(_Counter(desk, free, until, clerk.pace(), breaks=breaks))
        elif planned:
            first = planned[0]
            if now >= first.start + GRACE:  # late: not expected in this window, maybe in the next
                planned = planned[1:]
                breaks = breaks[1:]
                if not planned:
                    continue
                first = planned[0]
            configured = office.site.counter(desk.id)
            services = first.services or (configured.services if configured is not None else ())
            opens = first.start + min(forecast.expected_lateness(), GRACE)
            found.append(_Counter(Desk(desk.id, "open", services), max(now, opens), until, clerk.pace(),
                                  expected=True, breaks=breaks))
    return found


def _opening(forecast: Learning, counter: str, now: float, place: tuple[int, int]) -> float | None:
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

    def __init__(self, forecast: Learning, office: OfficeView, now: float):
        self.queues: dict[str, deque[Ticket]] = {}
        self.front: dict[str, deque[Ticket]] = {}
        self.appointments: dict[str, list[Ticket]] = {}
        self.directed: dict[str, list[Ticket]] = {}
        self.taken: set[int] = set()
        self.size = 0
        for service, waiting in office.waiting.items():
            front: list[Ticket] = []
            line: list[Ticket] = []
            due: list[Ticket] = []
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
            if ticket.target is not None:  # always: `directed` holds the tickets sent to a counter
                self.directed.setdefault(ticket.target, []).append(ticket)
        for booking in office.bookings.values():
            if booking.day == office.day and booking.ticket is None and booking.due_at >= now - 30 * 60:
                expected = Ticket(id=10**12, number="", service=booking.service, lang="", kiosk="", token="",
                                  issued_at=booking.due_at, appointment_at=booking.due_at)
                bisect.insort(self.appointments[booking.service], expected, key=_BY_DUE)

    def _head(self, line: deque[Ticket] | list[Ticket]) -> Ticket | None:
        while line and id(line[0]) in self.taken:
            line.popleft() if isinstance(line, deque) else line.pop(0)
        return line[0] if line else None

    def choose(self, desk: Desk, t: float, max_wait: Mapping[str, float]) -> Ticket | None:
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
            if due is not None and due.appointment_at is not None and due.appointment_at <= t:
                candidates.append(due)
        if len(candidates) < 2:
            return candidates[0] if candidates else None
        return min(candidates, key=lambda c: _rank(desk, c, t, max_wait))

    def next_appointment(self, desk: Desk, t: float) -> float | None:
        heads = (self._head(self.appointments[s]) for s in desk.services)
        return min((h.appointment_at for h in heads if h is not None and h.appointment_at is not None
                    and h.appointment_at > t), default=None)

    def left(self, service: str) -> bool:
        """Anyone of `service` not called in the run."""
        heads = (self._head(line) for line in (self.front[service], self.queues[service]))
        return any(head is not None and head.number for head in heads)  # expected arrivals have none
