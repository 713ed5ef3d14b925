"""One office day as the network sees it (`Day`), and how an office makes it from its store.

A day is a handful of counts and small histograms, made from the office's **kept** per-day
statistics (`server.store.stats_schema`: a day is kept when the next one starts), so a day
still going on is never sent, and no ticket, event, booking code or counter leaves the office:

    visitors      tickets drawn (each visit once, where it began)
    served        legs of visits served; no_shows: called and did not come
    waits         minute -> how many waits of that many whole minutes (every queue's own legs,
                  as the monthly report counts them): medians and percentiles over a month
                  stay exact
    held          the first call against the printed range: early, inside, late, not_called
    languages     language -> visitors; interpreters: language -> visitors who asked for one
    referrals     partner id -> visitors referred; feedback: score 1..5 -> answers

`Day` is also the wire format of `POST /summaries`: msgspec checks every field (names, ranges,
sizes) and `problems` what types cannot say (the languages add up to the visitors, a language's
interpreter need is at most its visitors).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from server.store.stats_rows import ESTIMATE_MEASURES

Count = Annotated[int, Meta(ge=0, le=1_000_000)]
Minute = Annotated[int, Meta(ge=0, le=100_000)]
Key = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Held = Literal["early", "inside", "late", "not_called"]
Score = Annotated[int, Meta(ge=1, le=5)]
DayText = Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
MAX_KEYS = 2000          # minutes of waits a day may list; languages and partners far fewer
MAX_DAYS = 400           # a year and a bit in one send


class Day(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    day: DayText
    visitors: Count
    served: Count = 0
    no_shows: Count = 0
    waits: Annotated[dict[Minute, Count], Meta(max_length=MAX_KEYS)] = {}
    held: dict[Held, Count] = {}
    languages: Annotated[dict[Key, Count], Meta(max_length=200)] = {}
    interpreters: Annotated[dict[Key, Count], Meta(max_length=200)] = {}
    referrals: Annotated[dict[Key, Count], Meta(max_length=200)] = {}
    feedback: dict[Score, Count] = {}


class Sent(msgspec.Struct, forbid_unknown_fields=True):
    """The body of `POST /summaries`: whose days (the token must be that office's) and the days."""

    office: Key
    days: Annotated[list[Day], Meta(max_length=MAX_DAYS)]


def problems(day: Day, *, latest: date) -> list[tuple[str, dict]]:
    """What is wrong with a day beyond its types (empty: fine), each as the staff catalogue's
    `[network.answer]` key and its fields (`server.network.said`: the office's admin reads it).
    `latest` is the last day that can be over (the network's yesterday, a day of slack for
    time zones)."""
    found: list[tuple[str, dict]] = []
    try:
        when = date.fromisoformat(day.day)
    except ValueError:
        return [("not_a_date", {"day": day.day})]
    if when > latest:
        found.append(("not_over", {"day": day.day, "latest": latest.isoformat()}))
    if sum(day.languages.values()) != day.visitors:
        found.append(("languages_sum", {"day": day.day, "total": sum(day.languages.values()), "visitors": day.visitors}))
    for lang, n in day.interpreters.items():
        if n > day.languages.get(lang, 0):
            found.append(("interpreters", {"day": day.day, "n": n, "lang": lang,
                                           "visitors": day.languages.get(lang, 0)}))
    if sum(day.held.values()) > day.visitors:
        found.append(("held", {"day": day.day, "held": sum(day.held.values()), "visitors": day.visitors}))
    return found


def from_office(conn, first: str, last: str) -> list[Day]:
    """The office's kept days from `first` to `last` (ISO dates, both included) as `Day`s, from a
    connection to its store (SQLite, or `server.store.postgres.Sql`: `?` placeholders). Days
    with no visitor and no answer are left out (a Sunday)."""
    span = [first, last]
    kept = [d for (d,) in conn.execute("SELECT day FROM stats_days WHERE day >= ? AND day <= ? ORDER BY day", span)]
    days = {d: {"day": d, "visitors": 0} for d in kept}

    def each(sql: str, fill) -> None:
        for row in conn.execute(sql + " AND day IN (SELECT day FROM stats_days) GROUP BY " + GROUPS[sql], span):
            if row[0] in days:
                fill(days[row[0]], *row[1:])

    for sql, fill in READS:
        each(sql, fill)
    found = [msgspec.convert(fields, Day) for fields in days.values()]
    return [d for d in found if d.visitors or d.feedback]


def _state(fields: dict, state: str, legs: int, drawn: int) -> None:
    fields["visitors"] = fields["visitors"] + int(drawn or 0)
    if state == "done":
        fields["served"] = int(legs)
    elif state == "no_show":
        fields["no_shows"] = int(legs)


def _into(name: str, *, key=str):
    def fill(fields: dict, k, n) -> None:
        if n:
            fields.setdefault(name, {})[key(k)] = int(n)
    return fill


HELD_NAMES = {m: m.removeprefix("estimate_") for m in ESTIMATE_MEASURES}
WHERE = "WHERE day >= ? AND day <= ?"
READS = (
    (f"SELECT day, state, sum(tickets), sum(drawn) FROM stats_service_tickets {WHERE}", _state),
    (f"SELECT day, minute, sum(n) FROM stats_service_times {WHERE} AND measure = 'wait'", _into("waits", key=int)),
    (f"SELECT day, measure, sum(n) FROM stats_service_times {WHERE} AND measure IN "
     f"({', '.join(repr(m) for m in ESTIMATE_MEASURES)})", _into("held", key=HELD_NAMES.get)),
    (f"SELECT day, lang, sum(drawn) FROM stats_hour_tickets {WHERE}", _into("languages")),
    (f"SELECT day, lang, sum(tickets) FROM stats_interpreters {WHERE}", _into("interpreters")),
    (f"SELECT day, partner, count(*) FROM stats_referrals {WHERE}", _into("referrals")),
    (f"SELECT day, score, sum(n) FROM stats_feedback {WHERE} AND reason = ''", _into("feedback", key=int)),
)
GROUPS = {READS[0][0]: "day, state", READS[1][0]: "day, minute", READS[2][0]: "day, measure",
          READS[3][0]: "day, lang", READS[4][0]: "day, lang", READS[5][0]: "day, partner",
          READS[6][0]: "day, score"}
