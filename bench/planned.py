"""Days made as a manager plans them, for `python -m bench.estimates --plan given|withheld`.

The manager's plan: each clerk coming today has a shift (most from 07:30, some from 08:00 or
08:30), a planned break for 60 % of them (between 9:00 and 11:00, 15-30 minutes) and a planned
early end for some (a part-time shift ending 11:00-12:30; more on the understaffed day). The
day then departs from it as days do: clerks open 0-10 minutes after their planned time, one in
twenty does not come and nobody said so, breaks start within 15 minutes of their plan, a
part-time clerk closes within 5 minutes of the planned end. The office is given the plan
through the product's own call, `Office.set_plan` (what the floor board, the CSV import and the
booking system's endpoint send), before the doors open; `withheld` makes the same days without
telling the office, to show what the plan is worth.
"""

from __future__ import annotations

import random

from server.wire.plan import Shift

MIN = 60.0
HOUR = 3600.0
ABSENT = 0.05   # planned, but not there, without notice


def clock(seconds: float) -> str:
    minutes = round(seconds / MIN)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def desk(cls, id: str, services: tuple[str, ...], rng: random.Random, scenario: str, *, opening: float,
         last_call: float) -> tuple[object, list[tuple[float, float]]]:
    """One clerk's day as planned and as it then goes: (the bench's Desk, the planned windows)."""
    start = opening + rng.choice([0, 0, 0, 0, 0, 0, 0, 30, 30, 60]) * MIN
    end = last_call
    if rng.random() < (0.4 if scenario == "understaffed" else 0.2):
        end = rng.choice([11, 11.5, 12, 12.5]) * HOUR
    found = cls(id=id, services=services, pace=rng.uniform(0.85, 1.2), opens=start + rng.uniform(0, 10) * MIN)
    windows = [(start, end)]
    if rng.random() < 0.6:
        planned, minutes = rng.choice(range(36, 45)) * 15 * MIN, rng.choice([15, 20, 30])
        if start < planned and planned + minutes * MIN < end:
            found.break_at, found.break_minutes = planned + rng.uniform(-15, 15) * MIN, minutes
            windows = [(start, planned), (planned + minutes * MIN, end)]
    if end < last_call:
        found.closes = end + rng.uniform(-5, 5) * MIN
    found.absent = rng.random() < ABSENT
    return found, windows


def shifts(windows: dict[str, list[tuple[float, float]]], weekday: int) -> list[Shift]:
    return [Shift(counter=counter, weekday=weekday, start=clock(a), end=clock(b))
            for counter, pieces in windows.items() for a, b in pieces]
