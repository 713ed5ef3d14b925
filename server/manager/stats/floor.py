"""The floor in the statistics: planned hours beside open hours, and kiosks out of service,
per day and over the period (rows from `server.store.stats_floor_rows`, kept per day past
the retention).

Hours are written to a tenth (7,5 h), minutes whole (rounded). A kiosk's time out of
service is counted twice: in the office's opening hours (`[site.opening_hours]`, as the site
file says them now; none configured: the whole day), which is what visitors met, and over the
whole day. An outage counts once however many days it spans (its pieces share `since`), in
the opening hours if any of it fell in them; its availability is the share of the opening
hours it was in service (today: up to now)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from config.site import WEEKDAYS
from server.store import stats_floor_rows as made
from server.store.stats_schema import Table

if TYPE_CHECKING:
    from server.manager.stats.tables import Period, Statistics

def floor(stats: "Statistics", period: "Period") -> list[Table]:
    """The plan's tables where a plan was in force or a counter open in the period; the
    kiosks' where the site has kiosks or the period an outage."""
    rows = made.read(stats.conn, period.first, period.last, stats.tz, today=stats.today, now=stats.now,
                     personal=stats.site.manager.personal_statistics)
    tables = []
    if any(r[1] for r in rows.days) or rows.plan:
        tables.append(plan_days(stats, rows))
        if stats.site.manager.personal_statistics:
            tables.append(plan_counters(stats, rows))
    kiosks = [t.id for t in stats.site.terminals if t.role == "kiosk"]
    if kiosks or rows.kiosks:
        tables += kiosk_tables(stats, rows, kiosks)
    return tables


def hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


def share(part: float, whole: float) -> int | None:
    return round(100 * part / whole) if whole > 0 else None


def _plan_figures(rows: list[tuple]) -> list:
    planned, opened, in_plan = (sum(r[i] for r in rows) for i in (2, 3, 4))
    return [hours(planned), hours(opened), hours(in_plan), share(in_plan, planned)]


def _plan_columns(stats: "Statistics", first: str) -> list[str]:
    w = stats.words
    return [first, *(w(f"column.{c}") for c in ("planned_hours", "open_hours", "in_plan_hours", "plan_covered"))]


def plan_days(stats: "Statistics", rows: made.FloorRows) -> Table:
    """Per day, all counters: planned and open hours, and how often the plan changed that day."""
    w = stats.words
    by_day: dict[str, list[tuple]] = {}
    for row in rows.plan:
        by_day.setdefault(row[0], []).append(row)
    changes = {day: n for day, _, n in rows.days}
    days = sorted(d for d in set(by_day) | {d for d, _, n in rows.days if n})
    table = [[day, *_plan_figures(by_day.get(day, [])), changes.get(day, 0)] for day in days]
    if len(table) > 1:
        table.append([w("total"), *_plan_figures(rows.plan), sum(changes.values())])
    return Table("plan_days", w("title.plan_days"), [*_plan_columns(stats, w("span.day")), w("column.plan_changes")],
                 table, note=w("note.plan"))


def plan_counters(stats: "Statistics", rows: made.FloorRows) -> Table:
    """Per counter over the period (only with personal statistics: figures per counter)."""
    by_counter: dict[str, list[tuple]] = {}
    for row in rows.plan:
        by_counter.setdefault(row[1], []).append(row)
    order = {c.id: i for i, c in enumerate(stats.site.counters)}
    # "": days kept while personal statistics were off, their counters summed
    table = [[stats.label("counter", counter) if counter else stats.words("column.all_counters"), *_plan_figures(found)]
             for counter, found in sorted(by_counter.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))]
    w = stats.words
    return Table("plan_counters", w("title.plan_counters"), _plan_columns(stats, w("column.counter")), table,
                 note=w("note.plan"))


def opening(stats: "Statistics", day: str) -> list[tuple[float, float]]:
    """The day's opening hours as moments; the whole day where the site gives none."""
    start, end = made.day_bounds(day, stats.tz)
    if not stats.site.opening_hours:
        return [(start, end)]
    when = date.fromisoformat(day)
    spans = stats.site.opening_hours.get(WEEKDAYS[when.weekday()], ())
    return [(datetime.combine(when, a, stats.tz).timestamp(), datetime.combine(when, b, stats.tz).timestamp())
            for a, b in spans]


def kiosk_name(stats: "Statistics", kiosk: str) -> str:
    terminal = stats.site.terminal(kiosk)
    return (terminal.name or kiosk) if terminal is not None else kiosk


def kiosk_tables(stats: "Statistics", rows: made.FloorRows, kiosks: list[str]) -> list[Table]:
    """Per kiosk over the period, and per day and kiosk where it was out."""
    w = stats.words
    open_by_day = {day: opening(stats, day) for day in _days_seen(rows)}
    until = stats.now
    opening_total = sum(max(0.0, min(b, until) - a) for spans in open_by_day.values() for a, b in spans)
    per: dict[str, dict] = {k: {"open": 0.0, "all": 0.0, "ids": set(), "open_ids": set()} for k in kiosks}
    per_day: dict[tuple[str, str], dict] = {}
    for day, kiosk, since, start, end in rows.kiosks:
        inside = made.overlap([(start, end)], open_by_day.get(day, []))
        for found in (per.setdefault(kiosk, {"open": 0.0, "all": 0.0, "ids": set(), "open_ids": set()}),
                      per_day.setdefault((day, kiosk), {"open": 0.0, "all": 0.0, "ids": set(), "open_ids": set()})):
            found["open"] += inside
            found["all"] += end - start
            found["ids"].add(since)
            if inside > 0:
                found["open_ids"].add(since)
    order = {k: i for i, k in enumerate(kiosks)}
    columns = [w(f"column.{c}") for c in ("out_open", "outages_open", "out_all", "outages_all")]
    over = [[kiosk_name(stats, k), round(f["open"] / 60), len(f["open_ids"]), round(f["all"] / 60), len(f["ids"]),
             None if opening_total <= 0 else round(100 - 100 * f["open"] / opening_total, 1)]
            for k, f in sorted(per.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))]
    daily = [[day, kiosk_name(stats, k), round(f["open"] / 60), len(f["open_ids"]), round(f["all"] / 60), len(f["ids"])]
             for (day, k), f in sorted(per_day.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], len(order))))]
    return [Table("kiosks", w("title.kiosks"), [w("column.kiosk"), *columns, w("column.available_open")], over,
                  note=w("note.kiosks")),
            Table("kiosk_days", w("title.kiosk_days"), [w("span.day"), w("column.kiosk"), *columns], daily,
                  empty=w("note.kiosks_none"))]


def _days_seen(rows: made.FloorRows) -> list[str]:
    """The period's days up to today (those that have passed or are under way)."""
    return sorted({r[0] for r in rows.days} | {r[0] for r in rows.kiosks})
