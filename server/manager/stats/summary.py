"""The monthly report's one-page summary: the month in a few figures, over a prepared
`server.manager.stats.tables.Statistics` (its `period_*` views)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.store.stats_rows import ESTIMATE_MEASURES

if TYPE_CHECKING:
    from server.manager.stats.tables import Period, Statistics


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
