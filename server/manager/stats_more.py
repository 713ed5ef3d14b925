"""The tables of visitor feedback and of how often the printed estimate held, over a
prepared `server.manager.stats.Statistics` (its `period_*` views)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Callable

from server.store.stats_rows import ESTIMATE_MEASURES
from server.store.stats_schema import DIMENSIONS, Table

if TYPE_CHECKING:
    from server.manager.stats import Period, Statistics


# ---- visitor feedback (server.visitors.feedback): by service, language and week, never by clerk ----

def feedback(stats: "Statistics") -> list["Table"]:
    """Satisfaction by service, by language and by week, and how often each reason was
    named. An exit terminal's tap knows no service or language: it counts under
    "exit terminal" there, and in its week like every answer."""
    services = {s.id: i for i, s in enumerate(stats.site.services)}
    return [satisfaction(stats, "service", lambda k: (services.get(k, len(services)), k)),
            satisfaction(stats, "lang", lambda k: (k == "", k)),
            satisfaction(stats, "week", lambda k: k),
            reasons(stats)]


def satisfaction(stats: "Statistics", column: str, order) -> "Table":
    scores: dict[str, dict[int, int]] = {}
    for key, score, n in stats.conn.execute(f"SELECT {column}, score, sum(n) FROM period_feedback "
                                            f"WHERE reason = '' GROUP BY {column}, score"):
        scores.setdefault(key, {})[score] = n
    rows = []
    for key in sorted(scores, key=order):
        counts = scores[key]
        answers = sum(counts.values())
        rows.append([feedback_label(stats, column, key), answers,
                     round(sum(s * n for s, n in counts.items()) / answers, 2),
                     round(100 * (counts.get(4, 0) + counts.get(5, 0)) / answers),
                     *(counts.get(score, 0) for score in range(1, 6))])
    w = stats.words
    label = {"lang": w("column.language"), "service": w("by.service"), "week": w("column.week")}[column]
    return Table(f"feedback_{column}", w(f"title.feedback_{column}"),
                 [label, w("column.answers"), w("column.average"), w("column.satisfied"),
                  *(w(f"face.{score}") for score in range(1, 6))], rows)


def reasons(stats: "Statistics") -> "Table":
    """Each reason: how often it was named, in how many of the answers given on phones
    (only phones offer reasons) and the average score of the answers that named it."""
    phone = stats.conn.execute("SELECT sum(n) FROM period_feedback WHERE reason = '' AND source = 'phone'")
    answers = phone.fetchone()[0] or 0
    named: dict[str, dict[int, int]] = {}
    for reason, score, n in stats.conn.execute("SELECT reason, score, sum(n) FROM period_feedback "
                                               "WHERE reason <> '' GROUP BY reason, score"):
        named.setdefault(reason, {})[score] = n
    rows = [[reason_name(stats, reason), sum(named[reason].values()),
             round(100 * sum(named[reason].values()) / answers) if answers else None,
             round(sum(s * n for s, n in named[reason].items()) / sum(named[reason].values()), 2)]
            for reason in sorted(named, key=lambda r: (-sum(named[r].values()), r))]
    w = stats.words
    return Table("feedback_reasons", w("title.feedback_reasons"),
                 [w("column.reason"), w("column.named"), w("column.of_phone_answers"), w("column.their_average")], rows)


def reason_name(stats: "Statistics", reason: str) -> str:
    """A reason as the staff language names it (`[stats.reason]`); one no longer known, by its id."""
    key = f"stats.reason.{reason}"
    return stats.words.table[key] if key in stats.words.table else reason.replace("_", " ")


def feedback_label(stats: "Statistics", column: str, key: str) -> str:
    if key == "" and column in ("service", "lang"):
        return stats.words("column.exit_terminal")
    return stats.label(column, key) if column in ("service", "lang") else key


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


# ---- the report's one-page summary ----------------------------------------------------------

def summary(stats: "Statistics", period: "Period") -> dict[str, Any]:
    """The month in a few figures (README "What each figure means"): visitors (tickets drawn),
    legs served and not shown up, the wait over every queue's own legs (median, 90th
    percentile), how often the printed range held, visitors and interpreter need by language,
    referrals by partner, feedback. Languages and partners by their names, most first."""
    from config import languages

    conn, lang = stats.conn, stats.words.lang
    states = dict(conn.execute("SELECT state, sum(tickets) FROM period_service_tickets GROUP BY state").fetchall())
    drawn = conn.execute("SELECT sum(drawn) FROM period_service_tickets").fetchone()[0] or 0
    wait = dict(conn.execute("SELECT minute, sum(n) FROM period_service_times WHERE measure = 'wait' "
                             "GROUP BY minute").fetchall())
    marks = ", ".join(f"'{m}'" for m in ESTIMATE_MEASURES[:3])
    held_counts = dict(conn.execute(f"SELECT measure, sum(n) FROM period_service_times WHERE measure IN ({marks}) "
                                    "GROUP BY measure").fetchall())
    called = sum(held_counts.values())
    by_lang = dict(conn.execute("SELECT lang, sum(drawn) FROM period_hour_tickets GROUP BY lang").fetchall())
    asked = dict(conn.execute("SELECT lang, sum(tickets) FROM period_interpreters GROUP BY lang").fetchall())
    referred = dict(conn.execute("SELECT partner, count(*) FROM stats_referrals WHERE day >= ? AND day <= ? "
                                 "GROUP BY partner", [period.first, period.last]).fetchall())
    scores = dict(conn.execute("SELECT score, sum(n) FROM period_feedback WHERE reason = '' GROUP BY score").fetchall())
    answers = sum(scores.values())

    def most_first(counts: dict) -> list[tuple[str, int]]:
        return sorted(((k, n) for k, n in counts.items() if n), key=lambda kn: (-kn[1], kn[0]))

    return {"visitors": drawn, "served": states.get("done", 0), "no_shows": states.get("no_show", 0),
            "wait_median": stats.percentile(wait, 0.5), "wait_p90": stats.percentile(wait, 0.9),
            "held_inside": round(100 * held_counts.get("estimate_inside", 0) / called) if called else None,
            "held_called": called,
            "languages": [(languages.name(k, lang), n) for k, n in most_first(by_lang)],
            "interpreters": [(languages.name(k, lang), n, round(100 * n / by_lang[k]) if by_lang.get(k) else None)
                             for k, n in most_first(asked)],
            "referrals": [(stats.partner(k), n) for k, n in most_first(referred)],
            "feedback": None if not answers else {
                "answers": answers, "average": round(sum(s * n for s, n in scores.items()) / answers, 2),
                "satisfied": round(100 * (scores.get(4, 0) + scores.get(5, 0)) / answers)}}
