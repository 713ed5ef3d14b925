"""The figures of `python -m bench.estimates`: `score` (the targets per estimator) and
`profile` (where the office's own range misses). `Shown` is one visitor's range and wait
(`bench.estimates`)."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from server.core import forecast

if TYPE_CHECKING:
    from bench.estimates import Shown

BERLIN = ZoneInfo("Europe/Berlin")
MIN = 60.0


def score(shown: list[Shown], estimator: str) -> dict:
    walkins = [s for s in shown if not s.appointment and s.called is not None]
    appointments = [s for s in shown if s.appointment and s.called is not None]
    inside, errors_min, relative, late, width, width_rel, none = [], [], [], [], [], [], 0
    for s in walkins:
        wait, r = (s.called - s.drawn) / MIN, s.ranges[estimator]
        if r is None:
            none += 1
            continue
        mid = (r[0] + r[1]) / 2
        inside.append(r[0] <= wait <= r[1])
        errors_min.append(abs(mid - wait))
        relative.append(abs(mid - wait) / max(wait, 1.0))
        late.append(wait > r[1] + 15)
        width.append(r[1] - r[0])
        width_rel.append((r[1] - r[0]) / mid if mid > 0 else 2.0)
    held = [r[0] <= (s.called - s.drawn) / MIN <= r[1] for s in appointments
            if (r := s.ranges[estimator]) is not None]
    share = lambda xs: round(sum(xs) / len(xs), 3) if xs else None  # noqa: E731
    median = lambda xs: round(statistics.median(xs), 2) if xs else None  # noqa: E731
    waits = [(s.called - s.drawn) / MIN for s in walkins]
    return {"tickets": len(walkins), "wait_median": median(waits),
            "never_called": sum(1 for s in shown if s.called is None), "inside": share(inside), "mae_min": median(errors_min),
            "rel_err": median(relative), "late_15": share(late), "width_min": median(width),
            "width_rel": median(width_rel), "none": round(none / len(walkins), 3) if walkins else None,
            "appointments": len(appointments),
            "appointments_inside": round(sum(held) / len(appointments), 3) if appointments else None}


WHEN = ("no counter open yet", "counters still opening", "all expected counters open")


def _when(s: Shown) -> str:
    if s.counters_open == 0:
        return WHEN[0]
    return WHEN[1] if s.opening else WHEN[2]


def _predicted(s: Shown) -> str:
    edges = (30, 60, 120, 180)
    low = max((e for e in edges if s.predicted / MIN >= e), default=0)
    return f"{low}+ min" if low == edges[-1] else f"{low}-{edges[edges.index(low) + 1] if low else edges[0]} min"


PROFILE: dict[str, Callable[[Shown], str]] = {
    "when": _when,
    "hour": lambda s: datetime.fromtimestamp(s.drawn, BERLIN).strftime("%H:") + ("30" if datetime.fromtimestamp(s.drawn, BERLIN).minute >= 30 else "00"),
    "predicted": _predicted,
    "scenario": lambda s: s.scenario,
}


def profile(shown: list[Shown]) -> list[dict]:
    """Where the office's own range misses: walk-ins grouped by when they drew (before any
    counter opened, while counters were still opening, after), the half hour, the predicted
    wait and the scenario. Besides the range's figures, the point prediction's own median
    error (`prediction_err`, |predicted − wait| ÷ wait) and the spread of the errors the range
    is made from (`ratio_p10/50/90` of (wait + SLACK) ÷ (predicted + SLACK)): a range holding
    for 80 % can only be as narrow as that spread."""
    scored = [s for s in shown if not s.appointment and s.called is not None and s.predicted is not None]
    rows = []
    for by, key in PROFILE.items():
        groups: dict[str, list[Shown]] = {}
        for s in scored:
            groups.setdefault(key(s), []).append(s)
        for group in sorted(groups, key=lambda g: WHEN.index(g) if g in WHEN else (len(g.split("-")[0]), g)):
            members = groups[group]
            waits = [s.called - s.drawn for s in members]
            ratios = sorted((w + forecast.SLACK) / (s.predicted + forecast.SLACK) for s, w in zip(members, waits))
            figures = score(members, "willkommen")
            rows.append({"figure": "estimate_profile", "by": by, "group": group, "tickets": len(members),
                         "share": round(len(members) / len(scored), 3),
                         **{k: figures[k] for k in ("inside", "rel_err", "late_15", "width_rel", "wait_median")},
                         "prediction_err": round(statistics.median(abs(s.predicted - w) / max(w, MIN)
                                                                   for s, w in zip(members, waits)), 3),
                         **{f"ratio_p{q}": round(ratios[int(q / 100 * (len(ratios) - 1))], 2) for q in (10, 50, 90)}})
    return rows
