"""Fair access in the statistics (README "Fair access"): after how many unlucky days the
period's winners won, read from the weight each entry was registered with (1 + the person's
earlier days without a place, kept in its `entry_registered` event), and how many unlucky days
the people still without a place carry now (the store's `access_weights`). No identity leaves
this module: only counts per number of days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from server.core import events as ev
from server.manager.stats_schema import Table

if TYPE_CHECKING:
    from server.manager.stats import Period, Statistics


def lottery(stats: "Statistics", period: "Period") -> list[Table]:
    """The two tables, only where the site gives places by lot and the period holds a draw (a
    month without one shows no empty tables)."""
    if not stats.site.access.services:
        return []
    after = winners(stats, period)
    return [won_after(stats, after), still_waiting(stats)] if after is not None else []


def winners(stats: "Statistics", period: "Period") -> dict[int, list[int]] | None:
    """Unlucky days before the win -> [winners, of them urgent], over the lottery days of the
    period (the registrations of a day begin the day before); None without a draw."""
    before = (date.fromisoformat(period.first) - timedelta(days=1)).isoformat()
    weights: dict[str, int] = {}
    drawn: list[ev.AccessDrawn] = []
    for (data,) in stats.conn.execute("SELECT data FROM events WHERE kind IN ('entry_registered', 'access_drawn') "
                                      "AND day >= ? AND day <= ? ORDER BY seq", [before, period.last]):
        event = ev.decode(data)
        if not period.first <= event.day <= period.last:
            continue
        if isinstance(event, ev.EntryRegistered):
            weights[event.entry] = event.weight
        elif isinstance(event, ev.AccessDrawn):
            drawn.append(event)
    if not drawn:
        return None
    after: dict[int, list[int]] = {}
    for event in drawn:
        for place in event.places:
            row = after.setdefault(weights.get(place.entry, 1) - 1, [0, 0])
            row[0] += 1
            row[1] += place.urgent
    return after


def won_after(stats: "Statistics", after: dict[int, list[int]]) -> Table:
    w = stats.words
    total = sum(n for n, _ in after.values())
    rows = [[days, n, round(100 * n / total), urgent] for days, (n, urgent) in sorted(after.items())]
    return Table("lottery_won_after", w("title.lottery_won_after"),
                 [w("column.unlucky_days"), w("column.winners"), w("column.share_of_winners"), w("column.urgent_winners")],
                 rows)


def still_waiting(stats: "Statistics") -> Table:
    """Today's weights: a person counts here until they win (the weight goes) or 60 days pass
    without an entry."""
    rows = [[unlucky, n] for unlucky, n in stats.conn.execute(
        "SELECT unlucky, count(*) FROM access_weights WHERE unlucky > 0 GROUP BY unlucky ORDER BY unlucky")]
    w = stats.words
    return Table("lottery_waiting", w("title.lottery_waiting"), [w("column.unlucky_days"), w("column.people")], rows)
