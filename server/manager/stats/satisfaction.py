"""Visitor feedback in the statistics: satisfaction by service, by language and by week, and
how often each reason was named (never by clerk), over a prepared
`server.manager.stats.tables.Statistics` (its `period_*` views)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.store.stats_schema import Table

if TYPE_CHECKING:
    from server.manager.stats.tables import Statistics


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
