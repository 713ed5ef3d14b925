"""The day's capacity: how many visits per service today's plan can serve.

The office's own routing (`routing._rank`: max-wait promotion, each counter's preference
order, oldest first) run over the whole planned day with an endless queue: visitors of every
service keep arriving in the day's mix (today's walk-ins so far and the last day's, after
`MIX_PRIOR` visitors spread evenly) far faster than the counters serve, each counter works its
planned windows (the services a window names, else the counter's own, in its order) at the
measured time per call (`server.core.learning`, `typical_minutes` before any) and its clerk's
pace where one was measured today. What each service got called is its capacity: what an office's daily
contingent is made from. `Office.capacity(now)` is the one call; {} when there is no plan today.
"""

from __future__ import annotations

import heapq
from typing import Mapping

from server.core.learning import Learning
from server.core.model import Desk, Ticket
from server.core.routing import _rank
from server.core.view import OfficeView

ARRIVALS = 60  # visitors a minute in the endless queue: more than any office serves
MIX_PRIOR = 20  # visitors spread evenly over the services before the day's and the last day's count


def capacity(learning: Learning, office: OfficeView, day: str) -> dict[str, int]:
    """Visits per service the plan of `day` can serve, from its first planned minute to its last."""
    windows = office.plan.times(day, office.tz) if office.plan else {}
    if not windows:
        return {}
    start = min(w.start for shifts in windows.values() for w in shifts)
    queue = _Endless(_mix(learning, office), start)
    served = {service: 0 for service in office.waiting}
    heap = [(shifts[0].start, counter, 0) for counter, shifts in sorted(windows.items())]
    heapq.heapify(heap)
    while heap:
        t, counter, i = heapq.heappop(heap)
        shifts = windows[counter]
        if t >= shifts[i].end:
            if i + 1 < len(shifts):
                heapq.heappush(heap, (max(t, shifts[i + 1].start), counter, i + 1))
            continue
        desk = Desk(counter, "open", shifts[i].services or _services(office, counter))
        ticket = queue.choose(desk, t, office.max_wait)
        if ticket is None:
            continue  # serves no service anyone asks for
        served[ticket.service] += 1
        clerk = learning.clerks.get(counter)
        heapq.heappush(heap, (t + learning.calls[ticket.service].mean() * (clerk.pace() if clerk else 1.0), counter, i))
    return served


def _services(office: OfficeView, counter: str) -> tuple[str, ...]:
    configured = office.site.counter(counter)
    return configured.services if configured is not None else ()


def _mix(learning: Learning, office: OfficeView) -> dict[str, float]:
    """Each service's share of the walk-ins: today's so far and the last day's, after
    `MIX_PRIOR` visitors spread evenly, so that the first few draws of a day cannot turn the
    day's capacity over alone (one ticket of one service gave it the whole day and every other
    service 0; the next ticket halved it: r-staff-2 finding 6)."""
    counts = {s: len(learning.today.get(s, ())) + len((learning.last_day or {}).get(s, ())) for s in office.waiting}
    prior = MIX_PRIOR / len(counts) if counts else 0.0
    total = sum(counts.values()) + MIX_PRIOR
    return {s: (n + prior) / total for s, n in counts.items()}


class _Endless:
    """Each service's line of the endless queue: its k-th visitor arrives at start + k ÷ rate."""

    def __init__(self, mix: Mapping[str, float], start: float):
        self.rate = {s: ARRIVALS / 60 * share for s, share in mix.items()}
        self.start, self.next = start, dict.fromkeys(mix, 0)

    def head(self, service: str) -> Ticket:
        k = self.next[service]
        at = self.start + k / self.rate[service]
        return Ticket(id=k, number="", service=service, lang="", kiosk="", token="", issued_at=at)

    def choose(self, desk: Desk, t: float, max_wait: Mapping[str, float]) -> Ticket | None:
        heads = [self.head(s) for s in desk.services if s in self.rate]
        come = [h for h in heads if h.issued_at <= t] or heads
        if not come:
            return None
        chosen = min(come, key=lambda h: _rank(desk, h, t, max_wait))
        self.next[chosen.service] += 1
        return chosen
