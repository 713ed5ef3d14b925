"""The queue of one office for one day: every command and every rule, no I/O.

Each command checks what it is asked against the state, raises a `WillkommenError` naming
the problem, or returns the events it caused (typed, `server.core.events`, already applied)
and the ticket or counter it concerns. `apply(event)` is the only place state changes, so
rebuilding from the store is replaying the day's events through `apply`::

    office = Office(site)
    events, ticket = office.draw(kiosk="kiosk-1", service="residence", lang="ar",
                                 request="r1", token="k3y", now=now)
    events, ticket = office.next(counter="5", now=now + 60)      # ticket A001 called at 5

Time is always passed in (`now`, seconds since the epoch); the day and the opening hours
follow the site's time zone. Tickets still open when a new day starts are expired. Days only
move forward: a `now` that steps back across midnight is a moment of the current day, and a
ticket belongs to the office day it was drawn on (`Ticket.day`), whatever its clock time.

Where each part lives: the state and `apply` in `state`, what commands share in `commands`,
the commands by who gives them in `kiosk`, `counter` and `supervisor`; the wait estimate in
`forecast`, which the office feeds every event and asks for ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import Site

from server.core import capacity
from server.core.access import AccessCommands
from server.core.counter import CounterCommands
from server.core.events import Event
from server.core.forecast import Forecast
from server.core.kiosk import KioskCommands
from server.core.state import LAST_CALLS, LocalDays, local_day  # noqa: F401  (the names callers know)
from server.core.supervisor import SupervisorCommands


@dataclass(frozen=True, slots=True)
class QueueInfo:
    service: str
    waiting: int
    longest_wait: float          # seconds the first in line has waited
    eta: tuple[int, int] | None  # minutes for someone drawing now


class Office(KioskCommands, CounterCommands, SupervisorCommands, AccessCommands):
    def __init__(self, site: Site, *, always_open: bool = False, printed_estimates: bool = True):
        # printed_estimates=False: draws record no range (a simulation each): for synthetic
        # histories (`bench/recovery.py`), which print no ticket
        self.forecast = Forecast(site.services)  # learns from every event; kept overnight
        super().__init__(site, always_open=always_open)
        self.printed_estimates = printed_estimates

    def apply(self, event: Event) -> None:
        super().apply(event)
        self.forecast.observe(event, self)

    # ---- estimates -----------------------------------------------------------------------

    def queue_info(self, service: str, now: float) -> QueueInfo:
        oldest = self.oldest_waiting(service)
        return QueueInfo(service, len(self.waiting[service]), 0.0 if oldest is None else now - oldest,
                         self.service_estimate(service, now))

    def estimate(self, number: str, now: float) -> tuple[int, int] | None:
        """Minutes (low, high) until ticket `number` is called, as every visitor-facing place
        shows it (the ticket, the kiosk, the phone page, the screens); None when it is not
        waiting or nobody is expected to call it. See `forecast` for how it is made."""
        ticket = self.tickets.get(number.strip().upper())
        return self.forecast.range(self, ticket, now) if ticket is not None else None

    def service_estimate(self, service: str, now: float) -> tuple[int, int] | None:
        """What `estimate` would say for a walk-in drawing a ticket for `service` now."""
        at = self.forecast.next_slot(self, service, now)
        if at is None:
            return None
        run = self.forecast.run
        return self.forecast.spread(max(0.0, at - now), (False, run is not None and run.opening))

    def capacity(self, now: float) -> dict[str, int]:
        """Visits per service today's plan can serve (`server.core.capacity`); {} without a plan
        for today. For the board, the kiosk and a daily contingent."""
        return capacity.capacity(self.forecast, self, max(self.day, self.local_day(now)))
