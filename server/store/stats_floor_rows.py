"""The floor's days for the statistics, made from the stored events and kept per day before
the purge (as `server.store.stats_rows` does for the visits): each counter's planned hours
beside the hours it was really open, and each kiosk's time out of service.

**The plan of a day** is the plan as it stood when the day began: the last `plan_changed`
stored under an earlier day. Changes made during the day (a clerk off sick, entered at 9:00)
count from the next day on, so the day's shortfall stays visible; the day counts them
(`changes`). A row of `stats_plan` is one counter on one day (seconds):

    planned   the plan's windows for it that day (breaks between shifts left out, exceptions cut)
    opened    from opening to closing (pauses included, as the counters' table), within the
              day; one left open counts to its last activity of the day (today: to now)
    in_plan   the open time inside its planned windows

Without `personal_statistics` (figures per counter are personal data) the counters of a day
are summed into one row with counter "".

**A kiosk out of service** runs from its `kiosk_offline` to its next `kiosk_online`; one that
never comes back is out to the end of the day made (today: to now). Outages are merged per
kiosk (a clock that stepped back can make them overlap), a back before its going (the clock
stepped back) counts 0 s, and each is cut at local midnight. A row of `stats_kiosk_out` is
one such piece: the day, the kiosk, `since` (when the outage began: it names the outage, so
one across midnight counts once) and its `start_at` and `end_at` within the day. Opening hours are
applied when the figures are read (`server.manager.stats.floor`).

`stats_floor_days` marks each calendar day kept, with whether a plan was in force at its
start and how often the plan changed during it. Days are kept in one run from the day after
the last kept one, so a kiosk offline for weeks is out on each of them; the purge keeps the
plan in force at its cutoff and each kiosk's last going before it (`kept_events`), so the
days after the cutoff still know both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

import msgspec

from server.core import events as ev
from server.core.plan import Plan
from server.store.stats_rows import DESK_EVENTS, events_between
from server.store.stats_schema import FLOOR_DAY_COLUMNS, KIOSK_OUT_COLUMNS, PLAN_COLUMNS, ensure_tables, insert
from server.wire.plan import Closure, Shift

OFFLINE, ONLINE = KIOSK_KINDS = ev.kinds(ev.KioskOffline, ev.KioskOnline)
KIOSKS = ev.kind_in(ev.KioskOffline, ev.KioskOnline)  # in the partial indexes' words: a query names them so
PLANS = ev.kind_in(ev.PlanChanged)
# the store's migration (SQLite m012, PostgreSQL p007): partial, so no draw writes a page of them
FLOOR_INDEXES = (f"CREATE INDEX IF NOT EXISTS idx_events_kiosks ON events (seq) WHERE {KIOSKS}",
                 f"CREATE INDEX IF NOT EXISTS idx_events_plans ON events (seq) WHERE {PLANS}")


@dataclass
class FloorRows:
    days: list[tuple] = field(default_factory=list)   # FLOOR_DAY_COLUMNS
    plan: list[tuple] = field(default_factory=list)   # PLAN_COLUMNS
    kiosks: list[tuple] = field(default_factory=list)  # KIOSK_OUT_COLUMNS


# ---- pure pieces: intervals ---------------------------------------------------------------------

def union(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching spans merged, empty ones dropped, in order."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Seconds two sets of spans share (each set merged first)."""
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in union(a) for s2, e2 in union(b))


def outages(events: Iterable[tuple[str, float]], *, until: float, out_at_start: float | None = None
            ) -> list[tuple[float, float]]:
    """One kiosk's times out of service from its events in stored order ((kind, at)): from a
    going to the next coming back; a second going while out changes nothing, a coming back
    while in neither; a coming back stamped before its going (the clock stepped back) makes
    an empty outage; one still out ends at `until`. `out_at_start`: out since then before the
    first event. Merged, so the sum never counts a second twice."""
    spans, since = [], out_at_start
    for kind, at in events:
        if kind == OFFLINE and since is None:
            since = at
        elif kind == ONLINE and since is not None:
            spans.append((since, max(at, since)))
            since = None
    if since is not None:
        spans.append((since, max(until, since)))
    return union(spans)


def day_bounds(day: str, tz: ZoneInfo) -> tuple[float, float]:
    """Local midnight to the next local midnight (a day with a clock change is 23 or 25 h)."""
    first = date.fromisoformat(day)
    return (datetime.combine(first, time(0), tz).timestamp(),
            datetime.combine(first + timedelta(days=1), time(0), tz).timestamp())


def pieces(spans: list[tuple[float, float]], days: list[str], tz: ZoneInfo, until: float) -> list[tuple]:
    """(day, since, start, end): each outage cut at local midnight and at `until`, on `days`."""
    found = []
    for day in days:
        start, end = day_bounds(day, tz)
        end = min(end, until)
        found += [(day, since, max(since, start), min(stop, end)) for since, stop in spans
                  if min(stop, end) > max(since, start)]
    return found


# ---- reading the events -------------------------------------------------------------------------

def _days(first: str, last: str) -> list[str]:
    one, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(one + timedelta(days=i)).isoformat() for i in range((end - one).days + 1)]


def _kiosk_rows(conn, days: list[str], tz: ZoneInfo, until: float) -> list[tuple]:
    """The kiosks' pieces on `days` from every kiosk event up to the last day (the purge keeps
    each kiosk's last going, so one out since long ago is still known)."""
    decode = msgspec.json.Decoder().decode
    by_kiosk: dict[str, list[tuple[str, float]]] = {}
    for kind, data in conn.execute(f"SELECT kind, data FROM events WHERE {KIOSKS} AND day <= ? ORDER BY seq",
                                   [days[-1]]):
        event = decode(data)
        by_kiosk.setdefault(event["kiosk"], []).append((kind, event["at"]))
    rows = []
    for kiosk, events in sorted(by_kiosk.items()):
        rows += [(day, kiosk, round(since, 3), round(start, 3), round(end, 3))
                 for day, since, start, end in pieces(outages(events, until=until), days, tz, until)]
    return rows


def _plans(conn, first: str, last: str) -> tuple[dict | None, list[tuple[str, dict]]]:
    """The plan in force before `first` (None: none yet) and the changes on `first`..`last`."""
    decode = msgspec.json.Decoder().decode
    before = conn.execute("SELECT data FROM events WHERE seq = (SELECT max(seq) FROM events "
                          f"WHERE {PLANS} AND day < ?)", [first]).fetchone()
    changes = [(day, decode(data)) for day, data in conn.execute(
        f"SELECT day, data FROM events WHERE {PLANS} AND day >= ? AND day <= ? ORDER BY seq",
        [first, last])]
    return (decode(before[0]) if before else None), changes


def _as_plan(event: dict) -> Plan:
    return Plan([msgspec.convert(s, Shift) for s in event.get("template", [])],
                [msgspec.convert(c, Closure) for c in event.get("exceptions", [])])


def open_spans(events: list[dict], end: float) -> dict[str, list[tuple[float, float]]]:
    """Each counter's open spans in one day's desk events (opening to closing, pauses
    included); one still open ends at `end`; a closing stamped before its opening is empty."""
    spans: dict[str, list[tuple[float, float]]] = {}
    opened: dict[str, float] = {}
    for e in events:
        if e["kind"] == ev.CounterOpened.kind:
            opened.setdefault(e["counter"], e["at"])
        elif e["kind"] == ev.CounterClosed.kind and e["counter"] in opened:
            since = opened.pop(e["counter"])
            spans.setdefault(e["counter"], []).append((since, max(since, e["at"])))
    for counter, since in opened.items():
        spans.setdefault(counter, []).append((since, max(since, end)))
    return {counter: union(found) for counter, found in spans.items()}


def day_open(events: list[dict], end: float, bounds: tuple[float, float]) -> dict[str, list[tuple[float, float]]]:
    """`open_spans` within the day's bounds (a counter open across midnight counts in each day)."""
    return {counter: union((max(a, bounds[0]), min(b, bounds[1])) for a, b in spans)
            for counter, spans in open_spans(events, end).items()}


def _plan_rows(conn, days: list[str], tz: ZoneInfo, *, today: str, now: float | None,
               personal: bool) -> tuple[list[tuple], list[tuple]]:
    """The plan's rows and the days' rows (FLOOR_DAY_COLUMNS)."""
    plan, changes = _plans(conn, days[0], days[-1])
    desk: dict[str, list[dict]] = {}
    for day, event in events_between(conn, days[0], days[-1], DESK_EVENTS):
        desk.setdefault(day, []).append(event)
    plan_rows, day_rows = [], []
    for day in days:
        changed = [e for d, e in changes if d == day]
        events = desk.get(day, [])
        bounds = day_bounds(day, tz)
        going_on = day >= today and now is not None and now < bounds[1]  # over at midnight, a command or not
        end = now if going_on else (events[-1]["at"] if events else bounds[0])
        windows = _as_plan(plan).times(day, tz) if plan is not None else {}
        opened = day_open(events, end, bounds)
        counted: dict[str, list[float]] = {}
        for counter in sorted(set(windows) | set(opened)):
            planned = [(w.start, w.end) for w in windows.get(counter, [])]
            figures = [sum(b - a for a, b in union(planned)), sum(b - a for a, b in opened.get(counter, [])),
                       overlap(planned, opened.get(counter, []))]
            row = counted.setdefault(counter if personal else "", [0.0, 0.0, 0.0])
            for i, value in enumerate(figures):
                row[i] += value
        plan_rows += [(day, counter, *(round(v, 3) for v in row)) for counter, row in sorted(counted.items())]
        day_rows.append((day, int(plan is not None and bool(plan.get("template"))), len(changed)))
        plan = changed[-1] if changed else plan  # the day's last change is the next day's plan
    return plan_rows, day_rows


def rows_between(conn, first: str, last: str, tz: ZoneInfo, *, today: str = "~", now: float | None = None,
                 personal: bool = False) -> FloorRows:
    """The rows of the calendar days `first`..`last` from the events (a day after `today` has
    none; `today` runs to `now`)."""
    days = [d for d in _days(first, last) if d <= today]
    if not days:
        return FloorRows()
    until = day_bounds(days[-1], tz)[1]
    if days[-1] >= today and now is not None:
        until = min(until, now)
    plan, floor_days = _plan_rows(conn, days, tz, today=today, now=now, personal=personal)
    return FloorRows(floor_days, plan, _kiosk_rows(conn, days, tz, until))


# ---- keeping them -----------------------------------------------------------------------------------

def keep(conn, *, before: str, tz: ZoneInfo, personal: bool = False) -> list[str]:
    """Store the rows of every calendar day before `before` not kept yet, from the day after
    the last kept one (or the file's first day) on; `server.store.stats_rows.keep_days`
    calls this, at a new day and before a purge."""
    ensure_tables(conn)
    last = conn.execute("SELECT max(day) FROM stats_floor_days").fetchone()[0]
    first = ((date.fromisoformat(last) + timedelta(days=1)).isoformat() if last else
             conn.execute("SELECT min(day) FROM events").fetchone()[0])
    if not first or first >= before:
        return []
    end = (date.fromisoformat(before) - timedelta(days=1)).isoformat()
    rows = rows_between(conn, first, end, tz, personal=personal)
    insert(conn, "stats_floor_days", FLOOR_DAY_COLUMNS, rows.days)
    insert(conn, "stats_plan", PLAN_COLUMNS, rows.plan)
    insert(conn, "stats_kiosk_out", KIOSK_OUT_COLUMNS, rows.kiosks)
    return [row[0] for row in rows.days]


def read(conn, first: str, last: str, tz: ZoneInfo, *, today: str, now: float, personal: bool) -> FloorRows:
    """The period's rows: those kept, and those of the days not kept yet made from the events."""
    ensure_tables(conn)
    found = FloorRows(*([tuple(r) for r in conn.execute(f"SELECT {', '.join(columns)} FROM {table} "
                                                         "WHERE day >= ? AND day <= ?", [first, last])]
                        for table, columns in (("stats_floor_days", FLOOR_DAY_COLUMNS), ("stats_plan", PLAN_COLUMNS),
                                               ("stats_kiosk_out", KIOSK_OUT_COLUMNS))))
    kept = {row[0] for row in found.days}
    rest = [d for d in _days(first, last) if d not in kept and d <= today]
    if rest:
        made = rows_between(conn, rest[0], rest[-1], tz, today=today, now=now, personal=personal)
        found.days += [r for r in made.days if r[0] not in kept]
        found.plan += [r for r in made.plan if r[0] not in kept]
        found.kiosks += [r for r in made.kiosks if r[0] not in kept]
    return found


def kept_events(conn, before_seq: int) -> list[int]:
    """The events before `before_seq` the purge must keep for the days after it: the plan in
    force then, and the last going of each kiosk still out then."""
    decode = msgspec.json.Decoder().decode
    plan = conn.execute(f"SELECT max(seq) FROM events WHERE {PLANS} AND seq < ?", [before_seq]).fetchone()[0]
    last: dict[str, tuple[int, str]] = {}
    for seq, kind, data in conn.execute(f"SELECT seq, kind, data FROM events WHERE {KIOSKS} AND seq < ? ORDER BY seq",
                                        [before_seq]):
        last[decode(data)["kiosk"]] = (seq, kind)
    return sorted([seq for seq, kind in last.values() if kind == OFFLINE] + ([plan] if plan else []))
