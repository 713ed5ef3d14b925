"""When will each waiting ticket be called? The office's own routing, run forward.

A forecast is a small simulation of the rest of the day with expected times instead of real
ones. Every counter that is open, paused or still expected gets a moment it is next free; the
earliest free counter calls the ticket `routing` would give it (due appointments, the front,
max-wait promotion, its preference order, oldest first — `routing._rank` itself, so the
forecast can never disagree with the calls) and is busy for its expected time per call; and
so on until every waiting ticket has a projected call time (or 10 hours are filled).

It runs in `server.core.simulation` over what `server.core.learning` learned from the
office's events (time per call, clerks, breaks, staffing, arrivals, the errors seen). The
office feeds the forecast every event it applies (`observe`) and asks it for estimates
(`projected`, `next_slot`, `range`); the forecast reads the office only through
`server.core.view.OfficeView`.

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

import math
from typing import Any, Iterable

from server.core import events as ev
from server.core.learning import (DEFAULT_BREAK, PRIOR_CALLS, SLACK, CallTime, Clerk, Learning,  # noqa: F401
                                  Situation, usual_staffing)
from server.core.model import WAITING, Ticket
from server.core.simulation import Run, simulate
from server.core.view import OfficeView

REFRESH = 1.0            # s: draws within this reuse the last run
STALE = 30.0             # s: after this the run is made again even if nothing happened
STEP = 5
RUN_SIZE = 500           # past this many waiting, REFRESH and STALE grow with the queue (a run's cost)
# Events that change nothing a run reads (the queues, the desks, the plan, the bookings, what
# was learned): the run is kept. A kiosk going and coming back made a whole new run of every
# waiting ticket: `python -m bench --only draws` connects its kiosks anew each round, and at
# 45,000 waiting its four runs a round cost 30-40 us of every draw of the round.
KEEPS_THE_RUN = frozenset((*ev.OFF_THE_QUEUE, ev.KioskOffline, ev.KioskOnline, ev.AnnouncementMade, ev.AnnouncementEnded,
                           ev.TicketRated, ev.FeedbackGiven))


class Forecast(Learning):
    """Fed every event the office applies (`observe`); answers `projected(number, now)`."""

    def __init__(self, services: Iterable[Any]):
        super().__init__(services)
        self.run: Run | None = None
        self.changed = True
        self.since: dict[str, int] = {}  # walk-ins drawn per service since the run

    def new_day(self) -> None:
        super().new_day()
        self.run, self.changed = None, True

    def observe(self, event: ev.Event, office: OfficeView) -> None:
        if type(event) is ev.TicketDrawn and event.booking is None:
            self._arrived(event.service, event.at)
            if self.run is not None and not self.changed:  # placed behind the run's last call
                service = event.service
                self.since[service] = self.since.get(service, 0) + 1
                self.run.drawn[event.number] = self.since[service]
                return
        if type(event) in KEEPS_THE_RUN:  # 10,000 registrations made every kiosk draw run it again
            return
        self.changed = True
        self.learn(event, office)

    # ---- the forecast --------------------------------------------------------------------

    def projected(self, office: OfficeView, number: str, now: float) -> float | None:
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

    def next_slot(self, office: OfficeView, service: str, now: float) -> float | None:
        """When a walk-in drawing for `service` now would be called."""
        run = self._current(office, now)
        return self._behind(run, service, self.since.get(service, 0) + 1)

    def _behind(self, run: Run, service: str, place: int) -> float | None:
        last, gap = run.last.get(service), run.gap.get(service)
        if last is None or gap is None:
            return None
        return last + place * gap

    def _current(self, office: OfficeView, now: float) -> Run:
        run = self.run
        big = max(1.0, run.size / RUN_SIZE) if run is not None else 1.0  # a long queue: runs cost more, say as much
        if (run is None or self.changed or now - run.at >= STALE * big or now < run.at
                or (run.drawn and now - run.at >= REFRESH * big)):
            run = self.run = simulate(self, office, now)
            self.changed, self.since = False, {}
        return run

    # ---- the range ----------------------------------------------------------------------

    def range(self, office: OfficeView, ticket: Ticket, now: float) -> tuple[int, int] | None:
        """Minutes (low, high) from `now` until `ticket` is called, as a visitor is shown it."""
        at = self.projected(office, ticket.number, now)
        if at is None:
            return None
        predicted = max(0.0, at - now)
        situation = (ticket.appointment_at is not None, self.run is not None and self.run.opening)
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

