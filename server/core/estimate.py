"""Estimated wait per service, as an honest rounded range.

The estimate is (people ahead) × (recent mean service time) ÷ (counters now serving the
service). A counter open for three services counts a third towards each. Without recent
service times the service's configured `typical_minutes` stands in. The range widens the point
estimate by ±30 % and rounds outwards to 5 minutes, so a visitor reads "15–25 min", not "18".
With no counter open for the service there is no estimate (None).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Iterable

from .model import Desk

RECENT = 20
STEP = 5


class ServiceTimes:
    """The last `RECENT` service durations (seconds) of one service."""

    def __init__(self, typical_minutes: float):
        self.typical = typical_minutes * 60
        self.recent: deque[float] = deque(maxlen=RECENT)

    def add(self, seconds: float) -> None:
        self.recent.append(max(seconds, 0.0))

    def mean(self) -> float:
        return sum(self.recent) / len(self.recent) if self.recent else self.typical


def capacity(service: str, desks: Iterable[Desk]) -> float:
    """How many counters are working on `service` right now, shares counted as fractions."""
    return sum(1 / len(d.services) for d in desks if d.state == "open" and service in d.services)


def wait_range(ahead: int, mean_seconds: float, counters: float) -> tuple[int, int] | None:
    """Minutes (low, high) a newly drawn ticket waits, or None when no counter serves it."""
    if counters <= 0:
        return None
    minutes = ahead * mean_seconds / 60 / counters
    low = math.floor(minutes * 0.7 / STEP) * STEP
    high = max(low + STEP, math.ceil(minutes * 1.3 / STEP) * STEP)
    return low, high
