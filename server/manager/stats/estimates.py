"""How often the printed estimate held, in the statistics: where first calls fell against the
range printed on the ticket, grouped by the page's dimension and over time, over a prepared
`server.manager.stats.tables.Statistics` (its `period_*` views)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Callable

from server.store.stats_rows import ESTIMATE_MEASURES
from server.store.stats_schema import DIMENSIONS, Table

if TYPE_CHECKING:
    from server.manager.stats.tables import Period, Statistics


# ---- how often the printed estimate held ---------------------------------------------------

def estimates(stats: "Statistics", period: "Period", by: str) -> list["Table"]:
    """Where first calls fell against the printed range: grouped `by` the page's dimension,
    and over time (per day, week or month, after the period's length). One query. A visit
    counts at the leg it was drawn in (the range was printed for that queue)."""

    column, (span, bucket) = DIMENSIONS[by], spans(period)
    per_key: dict[Any, dict[str, dict[int, int]]] = {}
    per_span: dict[str, dict[str, dict[int, int]]] = {}
    marks = ", ".join(f"'{m}'" for m in ESTIMATE_MEASURES)
    for day, key, measure, minute, n in stats.conn.execute(
            f"SELECT day, {column}, measure, minute, sum(n) FROM {stats.source('times', by)} WHERE measure IN ({marks}) "
            f"GROUP BY day, {column}, measure, minute"):
        for found, at in ((per_key, key), (per_span, bucket(day))):
            hist = found.setdefault(at, {}).setdefault(measure, {})
            hist[minute] = hist.get(minute, 0) + n
    w = stats.words
    columns = [w(f"column.{c}") for c in ("printed", "called", "early", "inside", "late", "early_median",
                                          "late_median", "late_p90", "not_called")]
    return [Table("estimates", w("title.estimates", by=w(f"by.{by}")), [w(f"by.{by}"), *columns],
                  [[stats.label(by, k), *held(stats, per_key[k])] for k in sorted(per_key, key=stats._order(by))]),
            Table("estimates_over_time", w("title.estimates_over_time", span=w(f"span.{span}")),
                  [w(f"span.{span}"), *columns], [[k, *held(stats, per_span[k])] for k in sorted(per_span)])]


def spans(period: "Period") -> tuple[str, Callable[[str], str]]:
    """How a period is cut for a figure over time: days up to a month, weeks (named by their
    Monday) up to half a year, months beyond."""
    length = len(period.days())
    if length <= 31:
        return "day", lambda day: day
    if length <= 190:
        return "week", lambda day: (date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())).isoformat()
    return "month", lambda day: day[:7]


def held(stats: "Statistics", hists: dict[str, dict[int, int]]) -> list[Any]:
    """One row of the estimate table from its histograms (README: "printed wait held")."""
    early, inside, late, missed = (hists.get(m, {}) for m in ESTIMATE_MEASURES)
    counts = [sum(h.values()) for h in (early, inside, late)]
    called = sum(counts)
    shares = [round(100 * c / called) if called else None for c in counts]
    return [called + sum(missed.values()), called, *shares, stats.percentile(early, 0.5), stats.percentile(late, 0.5),
            stats.percentile(late, 0.9), sum(missed.values())]
