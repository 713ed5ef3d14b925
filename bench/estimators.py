"""The estimators `python -m bench.estimates` scores (`bench.estimates` has the days and the
figures): the office's own range and the ones it is measured against, each a function of the
office, the ticket, the moment and what the day so far showed (`History`)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from server.core import Office

MIN = 60.0


Range = tuple[int, int] | None


def rounded(minutes: float | None) -> Range:
    """A point estimate shown as the old ±30 % range, rounded outwards to 5 minutes."""
    if minutes is None:
        return None
    low = math.floor(max(minutes, 0) * 0.7 / 5) * 5
    return low, max(low + 5, math.ceil(max(minutes, 0) * 1.3 / 5) * 5)


@dataclass
class History:
    """What the textbook estimators and the old one remember of the day."""

    visits: dict[str, deque] = field(default_factory=dict)  # service -> last 20 visit seconds
    last_wait: dict[str, float] = field(default_factory=dict)  # service -> wait of its last call

    def mean(self, office: Office, service: str) -> float:
        recent = self.visits.get(service)
        return sum(recent) / len(recent) if recent else office.site.service(service).typical_minutes * MIN


def _ahead(office: Office, ticket) -> int:
    return sum(1 for t in office.waiting[ticket.service].values()
               if (t.front, t.issued_at, t.id) < (ticket.front, ticket.issued_at, ticket.id) or
               (t.front and not ticket.front))


def _capacity(office: Office, service: str, *, shares: bool) -> float:
    return sum((1 / len(d.services) if shares else 1) for d in office.desks.values()
               if d.state == "open" and service in d.services)


def before(office, ticket, now, history) -> Range:
    """The estimate before issue 13, as `server/core/estimate.py` (gone since) computed it."""
    counters = _capacity(office, ticket.service, shares=True)
    if counters <= 0:
        return None
    return rounded(_ahead(office, ticket) * history.mean(office, ticket.service) / MIN / counters)


def queue_length(office, ticket, now, history) -> Range:
    counters = _capacity(office, ticket.service, shares=False)
    return rounded(_ahead(office, ticket) * history.mean(office, ticket.service) / MIN / counters) if counters else None


def last_to_enter(office, ticket, now, history) -> Range:
    wait = history.last_wait.get(ticket.service)
    return rounded(wait / MIN) if wait is not None else None


def head_of_line(office, ticket, now, history) -> Range:
    return rounded(office.queue_info(ticket.service, now).longest_wait / MIN)


def willkommen(office, ticket, now, history) -> Range:
    estimate = getattr(office, "estimate", None)
    if estimate is None:  # before issue 13 the office had only the per-service range
        return before(office, ticket, now, history)
    return estimate(ticket.number, now)


ESTIMATORS: dict[str, Callable] = {"willkommen": willkommen, "before": before, "queue_length": queue_length,
                                   "last_to_enter": last_to_enter, "head_of_line": head_of_line}
