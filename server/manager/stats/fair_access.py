"""Fair access in the statistics (README "Fair access"): per lottery day and over the period,
the entries (urgent ones apart), the places, how many were drawn, offered again, checked in,
no-shows and "not the registered person" (`server.store.stats_lottery_rows`, kept per day
before the purge); after how many unlucky days the period's winners won (the weight each entry
was registered with, kept per day too); and how many unlucky days the people still without a
place carry now (the store's `access_weights`). No identity leaves these modules: only counts."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from server.store import stats_lottery_rows as made
from server.store.stats_schema import Table

if TYPE_CHECKING:
    from server.manager.stats.tables import Period, Statistics

# the figures of a day's row as the tables show them (the catalogue's `[stats.column]` lottery_*)
SHOWN = ("entries", "urgent", "places", "drawn", "offered", "checked_in", "no_shows", "refused")
GROUPED = ("service", "weekday")  # the groupings the period's table follows; any other: by service


def lottery(stats: "Statistics", period: "Period", by: str = "service") -> list[Table]:
    """The lottery's tables, only where the site gives places by lot and the period holds a
    lottery day (a month without one shows no empty tables); the winners' and today's waiting
    only once a draw was made."""
    if not stats.site.access.services:
        return []
    rows = made.read(stats.conn, period.first, period.last, today=stats.today, now=stats.now)
    if not rows.days:
        return []
    tables = [by_day(stats, rows.days), over_period(stats, rows.days, by)]
    if any(row[-1] for row in rows.days):
        tables += [won_after(stats, rows.won), still_waiting(stats)]
    return tables


def _sum(rows: list[tuple]) -> list[int]:
    return [sum(int(row[2 + i]) for row in rows) for i in range(len(SHOWN))]


def _columns(stats: "Statistics", first: str) -> list[str]:
    return [first, *(stats.words(f"column.lottery_{name}") for name in SHOWN)]


def by_day(stats: "Statistics", rows: list[tuple]) -> Table:
    """One row per lottery day (its services summed), and the period's total under them."""
    days: dict[str, list[tuple]] = {}
    for row in rows:
        days.setdefault(row[0], []).append(row)
    w = stats.words
    table = [[day, *_sum(found)] for day, found in sorted(days.items())]
    if len(table) > 1:
        table.append([w("total"), *_sum(rows)])
    return Table("lottery_days", w("title.lottery_days"), _columns(stats, w("span.day")), table)


def over_period(stats: "Statistics", rows: list[tuple], by: str) -> Table:
    """The period's figures per service given by lot (in the site's order), or per weekday of
    the lottery day when the page groups by weekday."""
    by = by if by in GROUPED else "service"
    groups: dict[object, list[tuple]] = {}
    for row in rows:
        key = date.fromisoformat(row[0]).weekday() if by == "weekday" else row[1]
        groups.setdefault(key, []).append(row)
    order = stats._order(by)
    w = stats.words
    table = [[stats.label(by, key), *_sum(found)] for key, found in sorted(groups.items(), key=lambda kv: order(kv[0]))]
    return Table("lottery_period", w("title.lottery_period", by=w(f"by.{by}")), _columns(stats, w(f"by.{by}")), table)


def won_after(stats: "Statistics", rows: list[tuple]) -> Table:
    """The period's winners by their unlucky days before the win, and the urgent ones."""
    after: dict[int, list[int]] = {}
    for _, _, unlucky, n, urgent in rows:
        found = after.setdefault(int(unlucky), [0, 0])
        found[0] += int(n)
        found[1] += int(urgent)
    w = stats.words
    total = sum(n for n, _ in after.values())
    table = [[days, n, round(100 * n / total), urgent] for days, (n, urgent) in sorted(after.items())]
    return Table("lottery_won_after", w("title.lottery_won_after"),
                 [w("column.unlucky_days"), w("column.winners"), w("column.share_of_winners"), w("column.urgent_winners")],
                 table)


def still_waiting(stats: "Statistics") -> Table:
    """Today's weights: a person counts here until they win (the weight goes) or 60 days pass
    without an entry."""
    rows = [[unlucky, n] for unlucky, n in stats.conn.execute(
        "SELECT unlucky, count(*) FROM access_weights WHERE unlucky > 0 GROUP BY unlucky ORDER BY unlucky")]
    w = stats.words
    return Table("lottery_waiting", w("title.lottery_waiting"), [w("column.unlucky_days"), w("column.people")], rows)
