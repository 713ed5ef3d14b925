"""Statistics: what the office's days were like, for a manager, in plain SQL.

Two layers, so that figures outlive `retention_days`:

1. **Per-day rows** (`server.store.stats_schema`, made by `server.store.stats_rows`), one
   set per office day: legs of visits (`server.store.stats_legs`) by local hour, weekday,
   service, the visitor's language, walk-in or appointment and counter; waits, walk and
   service times as exact histograms of whole minutes, so medians and percentiles survive
   the purge of the tickets. A day is kept (`keep_days`) when the next day starts
   (`server.manager.board`), or at the latest by the store just before it is purged.
2. **Queries** (`Statistics`) over those rows: for days already kept, the stored rows; for
   days still in the file and not kept (today, or an older file), the same rows made on the
   fly into TEMP tables (on PostgreSQL plain ones in a transaction never committed:
   `server.store.postgres.Sql.scratch`, no TEMPORARY right needed). Every query is plain SQL
   that SQLite and PostgreSQL both run (no date functions, no `FILTER`, `?` placeholders that
   a PostgreSQL store swaps for `%s`).

What each figure means is the README's table "What each figure means", which is the staff
catalogue's `[stats.define]` (`config/strings/staff/en.toml`; the report prints the German
one); tests/test_stats.py computes each by hand. Feedback and estimate tables:
`server.manager.stats.satisfaction`, `server.manager.stats.estimates`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config import Site, languages

from server.manager.stats import dates
from server.store.stats_kept import keep_days  # noqa: F401 (the store keeps the days; tests and the bench call it here too)
from server.store.stats_rows import DayRows, estimate_held, minutes, rows_between, week_of  # noqa: F401
from server.store.stats_schema import (DIMENSIONS, DESK_COLUMNS, FEEDBACK_COLUMNS, INSERT_REFERRAL, INTERPRETER_COLUMNS,  # noqa: F401
                                         ROLL_UPS, TICKET_COLUMNS, TIME_COLUMNS, ensure_tables, insert, referral_row,
                                         Table, roll_up, upgrade)
from server.manager.stats.words import AtLeast, Words

CAPPED_MINUTE = 240  # days kept before Dec 2026 hold every longer value in this minute
MEASURES = ("wait", "walk", "service")
# what a manager may type for a grouping in the URL (`by=`) beside the names above: the words
# of the menu, in English and German, in any case ("language", "Sprache", "walk-in")
DIMENSION_ALIASES = {"services": "service", "dienstleistung": "service", "anliegen": "service",
                     "hours": "hour", "hour of the day": "hour", "stunde": "hour", "uhrzeit": "hour",
                     "weekdays": "weekday", "day": "weekday", "wochentag": "weekday",
                     "language": "lang", "languages": "lang", "sprache": "lang",
                     "walk-in or appointment": "channel", "walk-in": "channel", "appointment": "channel",
                     "termin": "channel", "ohne oder mit termin": "channel", "counters": "counter",
                     "schalter": "counter"}
STATES = ("done", "no_show", "cancelled", "expired")


class Refused(ValueError):
    """A period or grouping from the URL that cannot be read: `key` names its sentence in the
    staff catalogue's `[stats.refused]`, so a manager reads what to type instead in their own
    language; `choices` are groupings, named with the menu's words. `str()` is the English
    sentence (for logs and tests that read no page)."""

    def __init__(self, key: str, choices: tuple[str, ...] = (), **fields: str):
        self.key, self.choices, self.fields = key, choices, fields
        super().__init__(self.say("en"))

    def say(self, lang: str) -> str:
        words = Words(lang)
        choices = ", ".join(words(f"by.{c}") for c in self.choices)
        fields = {k: dates.label(v, words.lang) if k in ("first", "last") else v for k, v in self.fields.items()}
        return words(f"refused.{self.key}", choices=choices, **fields)


def _day(text: str, given: str, wanted: str = "not_a_date", read=dates.day) -> date:
    """The date in `text` as staff type it (`server.manager.stats.dates`: 27.11.2026, 27 Nov
    2026, 2026-11-27; a month or week by `read`), or Refused naming what was given and what is
    wanted (Python's own "Invalid isoformat string" means nothing to a manager)."""
    try:
        return read(text)
    except ValueError:
        raise Refused(wanted, given=given) from None


@dataclass(frozen=True)
class Period:
    first: str  # ISO dates, both included
    last: str

    @classmethod
    def parse(cls, kind: str, value: str, *, today: str) -> "Period":
        """`day 27.11.2026`, `week KW 48/2026` (or any day of it), `month 11.2026` (November
        2026), `range 1.11.2026..15.11.2026` (or "1.11.2026 – 15.11.2026", as the page shows a
        period), each also in English and ISO (`server.manager.stats.dates`); an empty value
        means the current one (for a range: the current month). Anything else is Refused, with
        a sentence a manager can act on."""
        try:
            return cls._parse(kind, value.strip(), today=today)
        except OverflowError:  # the week or month of 9999-12-31 ends after the calendar's last day
            raise Refused("past_the_calendar", given=value.strip()) from None

    @classmethod
    def _parse(cls, kind: str, value: str, *, today: str) -> "Period":
        if kind == "range":
            if not value:
                return cls.parse("month", "", today=today)
            first, last = dates.split_range(value)
            period = cls(_day(first, value).isoformat(), _day(last, value).isoformat())
        elif kind == "month":
            start = _day(value or today[:7], value, "not_a_month", dates.month)
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            period = cls(start.isoformat(), end.isoformat())
        elif kind == "week":
            some = _day(value or today, value, "not_a_week", dates.week)
            monday = some - timedelta(days=some.weekday())
            period = cls(monday.isoformat(), (monday + timedelta(days=6)).isoformat())
        elif kind == "day":
            period = cls(_day(value or today, value).isoformat(), _day(value or today, value).isoformat())
        else:
            raise Refused("unknown_period", given=kind)
        if period.first > period.last:
            raise Refused("ends_before_it_starts", first=period.first, last=period.last)
        return period

    def days(self) -> list[str]:
        first, last = date.fromisoformat(self.first), date.fromisoformat(self.last)
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    def __str__(self) -> str:
        return self.first if self.first == self.last else f"{self.first} – {self.last}"

    def say(self, lang: str) -> str:
        """The period as staff in `lang` read it: "1.11.2026 – 30.11.2026" (and can type it back)."""
        return dates.span(self.first, self.last, lang)


def groupings(site: Site) -> list[str]:
    """The dimensions a site may group by (per counter only with personal statistics on)."""
    return [d for d in DIMENSIONS if d != "counter" or site.manager.personal_statistics]


def grouping(by: str, site: Site) -> str:
    """The dimension `by` names (a key of DIMENSIONS or DIMENSION_ALIASES, in any case), or
    Refused listing what the site accepts."""
    key = " ".join(by.strip().lower().split())
    found = key if key in DIMENSIONS else DIMENSION_ALIASES.get(key)
    if found not in groupings(site):
        raise Refused("no_such_grouping", tuple(groupings(site)), given=by)
    return found


def percentile(hist: dict[int, int], share: float) -> int | None:
    """The smallest minute m such that at least `share` of the values are <= m."""
    total = sum(hist.values())
    if not total:
        return None
    need, seen = math.ceil(share * total), 0
    for minute in sorted(hist):
        seen += hist[minute]
        if seen >= need:
            return minute
    return max(hist)


class Statistics:
    """Figures for a period from one connection (the store's file opened for reading, or a
    PostgreSQL connection whose cursor takes `?` after `placeholders`), in a staff language."""

    def __init__(self, conn, site: Site, *, today: str, now: float, lang: str = "de"):
        self.conn, self.site, self.today, self.now = conn, site, today, now
        self.tz = ZoneInfo(site.timezone)
        self.max_wait = {s.id: s.max_wait_minutes for s in site.services}
        self.words = Words(lang)
        self.capped = False

    def prepare(self, period: Period) -> None:
        """TEMP views `period_*` (`scratch` below) over the period's rows: the kept ones where
        they are (no copy), and rows made from the events for the days not kept yet (today, or
        an older file)."""
        ensure_tables(self.conn)
        self._hours: list[tuple] | None = None  # tickets by weekday, language and hour (`_by_hour`)
        kept = {d for (d,) in self.conn.execute("SELECT day FROM stats_days WHERE day >= ? AND day <= ?",
                                                [period.first, period.last])}
        self.capped = bool(self.conn.execute("SELECT count(*) FROM stats_capped_days WHERE day >= ? AND day <= ?",
                                             [period.first, period.last]).fetchone()[0])
        open_days = [d for d in period.days() if d not in kept and d <= self.today]
        rows = DayRows() if not open_days else rows_between(
            self.conn, open_days[0], open_days[-1], self.tz, kept=True, today=self.today, now=self.now,
            desks=self.site.manager.personal_statistics)
        first, last = date.fromisoformat(period.first), date.fromisoformat(period.last)  # checked: safe to inline
        temp = getattr(self.conn, "scratch", "TEMP")  # SQLite's own; PostgreSQL: see Sql.scratch
        for table in ROLL_UPS:  # before the tables they read
            self.conn.execute(f"DROP VIEW IF EXISTS period_{table.name[len('stats_'):]}")
        for name, columns, made in (("tickets", TICKET_COLUMNS, rows.tickets), ("times", TIME_COLUMNS, rows.times),
                                    ("desks", DESK_COLUMNS, rows.desks),
                                    ("interpreters", INTERPRETER_COLUMNS, rows.interpreters),
                                    ("feedback", FEEDBACK_COLUMNS, rows.feedback)):
            self.conn.execute(f"DROP VIEW IF EXISTS period_{name}")
            self.conn.execute(f"DROP TABLE IF EXISTS made_{name}")
            self.conn.execute(f"CREATE {temp} TABLE made_{name} AS SELECT * FROM stats_{name} WHERE 1 = 0")
            insert(self.conn, f"made_{name}", columns, made)
            self.conn.execute(f"CREATE {temp} VIEW period_{name} AS SELECT {', '.join(columns)} FROM stats_{name} "
                              f"WHERE day >= '{first.isoformat()}' AND day <= '{last.isoformat()}' "
                              f"UNION ALL SELECT {', '.join(columns)} FROM made_{name}")
        for table in ROLL_UPS:
            self.conn.execute(f"CREATE {temp} VIEW period_{table.name[len('stats_'):]} AS "
                              f"SELECT {', '.join(table.keys + table.sums)} FROM {table.name} "
                              f"WHERE day >= '{first.isoformat()}' AND day <= '{last.isoformat()}' UNION ALL "
                              + table.select(f"made_{table.source[len('stats_'):]}", "1 = 1"))

    @staticmethod
    def source(kind: str, by: str = "service") -> str:
        """The view to read `kind` ("tickets" or "times") from for grouping `by`: the small
        roll-up where it holds that grouping."""
        return f"period_service_{kind}" if by in ("service", "channel") else f"period_{kind}"

    def tables(self, period: Period, by: str = "service") -> list[Table]:
        """Every table for the period, the first grouped `by` a dimension."""
        from server.manager.stats import estimates, fair_access, floor, satisfaction

        by = grouping(by, self.site)
        self.prepare(period)
        tables = [self.figures(by), self.outcomes(), self.arrivals(), self.languages(), self.interpreters(),
                  *estimates.estimates(self, period, by), self.referrals(period)]
        if self.site.manager.personal_statistics:
            tables.append(self.counters())
        tables += floor.floor(self, period)  # planned beside open hours, kiosks out of service
        return tables + satisfaction.feedback(self) + fair_access.lottery(self, period, by)

    def percentile(self, hist: dict[int, int], share: float) -> int | None:
        """`percentile`, shown as "≥ 240" where it falls among a capped day's longest values."""
        found = percentile(hist, share)
        return AtLeast(CAPPED_MINUTE) if self.capped and found is not None and found >= CAPPED_MINUTE else found

    def figures(self, by: str) -> Table:
        """Per leg (README: a visit counts where it was): drawn, transferred in, how the legs
        ended, and the times of each queue's own legs."""
        column, w = DIMENSIONS[by], self.words
        counts: dict[Any, dict[str, int]] = {}
        for key, state, legs, came_in, drawn in self.conn.execute(
                f"SELECT {column}, state, sum(tickets), sum(transfers), sum(drawn) FROM {self.source('tickets', by)} "
                f"GROUP BY {column}, state"):
            row = counts.setdefault(key, {"drawn": 0, "in": 0})
            row["drawn"] += drawn
            row["in"] += came_in
            row[state] = row.get(state, 0) + legs
        hists, within = self._times(by)
        rows = []
        for key in sorted(counts, key=self._order(by)):
            c, share = counts[key], within.get(key, [0, 0])
            wait = hists.get((key, "wait"), {})
            rows.append([self.label(by, key), c["drawn"], c["in"], *(c.get(s, 0) for s in STATES),
                         c.get("transferred", 0), self.percentile(wait, 0.5), self.percentile(wait, 0.9),
                         round(100 * share[0] / share[1]) if share[1] else None,
                         self.percentile(hists.get((key, "walk"), {}), 0.5),
                         self.percentile(hists.get((key, "service"), {}), 0.5)])
        names = ("drawn", "transferred_in", "served", "no_show", "cancelled", "expired", "transferred_out",
                 "wait_median", "wait_p90", "within", "walk_median", "service_median")
        return Table("tickets", w("title.tickets", by=w(f"by.{by}")), [w(f"by.{by}"), *(w(f"column.{n}") for n in names)],
                     rows)

    def _times(self, by: str) -> tuple[dict, dict]:
        column = DIMENSIONS[by]
        hists: dict[tuple[Any, str], dict[int, int]] = {}
        within: dict[Any, list[int]] = {}
        for key, service, measure, minute, n in self.conn.execute(
                f"SELECT {column}, service, measure, minute, sum(n) FROM {self.source('times', by)} "
                f"WHERE measure IN ('wait', 'walk', 'service') GROUP BY {column}, service, measure, minute"):
            hist = hists.setdefault((key, measure), {})
            hist[minute] = hist.get(minute, 0) + n
            if measure == "wait":
                share = within.setdefault(key, [0, 0])
                share[0] += n if minute <= self.max_wait.get(service, CAPPED_MINUTE) else 0
                share[1] += n
        return hists, within

    def _order(self, by: str):
        """Rows in the site's order of services; others by their key."""
        order = {s.id: i for i, s in enumerate(self.site.services)} if by == "service" else {}
        return lambda k: (order.get(k, len(order)), k)

    def outcomes(self) -> Table:
        """Visits served per outcome, named and ordered as in the site file (German names, like
        the services'); an outcome no longer configured keeps its id, after the others."""
        counts = dict(self.conn.execute(
            "SELECT outcome, sum(tickets) FROM period_service_tickets WHERE state = 'done' GROUP BY outcome"))
        order = {key: i for i, key in enumerate(self.site.outcomes)}
        rows = [[self.site.outcomes[k].get(self.words.lang, self.site.outcomes[k].get("de", k)) if k in order else k,
                 counts[k]] for k in sorted(counts, key=lambda k: (order.get(k, len(order)), k))]
        return Table("outcomes", self.words("title.outcomes"), [self.words("column.outcome"), self.words("column.visits")],
                     rows)

    def _by_hour(self, column: str) -> tuple[dict, list[int]]:
        """Tickets drawn as {value of column: {hour: count}} and the hours that occur, for a grid."""
        if self._hours is None:  # one query for both grids
            self._hours = self.conn.execute(
                "SELECT weekday, lang, hour, sum(drawn) FROM period_hour_tickets GROUP BY weekday, lang, hour").fetchall()
        grid: dict = {}
        for weekday, lang, hour, n in self._hours:
            if n:
                row = grid.setdefault(weekday if column == "weekday" else lang, {})
                row[hour] = row.get(hour, 0) + n
        return grid, sorted({h for row in grid.values() for h in row})

    def arrivals(self) -> Table:
        """Tickets drawn per office day of each weekday and hour, and how many such days: for
        staffing (a month with five Mondays and four Fridays compares day with day)."""
        grid, hours = self._by_hour("weekday")
        days = dict(self.conn.execute("SELECT weekday, count(DISTINCT day) FROM period_hour_tickets WHERE drawn > 0 "
                                      "GROUP BY weekday").fetchall())
        rows = [[self.words.weekday(w), days[w], *(round(grid[w].get(h, 0) / days[w], 1) for h in hours)]
                for w in sorted(grid)]
        return Table("arrivals", self.words("title.arrivals"),
                     [self.words("by.weekday"), self.words("days"), *(self.words.hour(h) for h in hours)], rows)

    def languages(self) -> Table:
        """Visitors' languages per hour of the day: for interpreters."""
        grid, hours = self._by_hour("lang")
        w = self.words
        rows = [[languages.name(lang, w.lang), *(grid[lang].get(h, 0) for h in hours), sum(grid[lang].values())]
                for lang in sorted(grid, key=lambda g: (-sum(grid[g].values()), g))]
        return Table("languages", w("title.languages"), [w("column.language"), *(w.hour(h) for h in hours), w("total")],
                     rows)

    def interpreters(self) -> Table:
        """Visitors who asked at the kiosk for an interpreter, per language and hour of the
        draw, and their share of all visitors in that language: when to have which
        interpreters (language mediation) on call."""
        grid: dict[str, dict[int, int]] = {}
        for lang, hour, n in self.conn.execute(
                "SELECT lang, hour, sum(tickets) FROM period_interpreters GROUP BY lang, hour"):
            grid.setdefault(lang, {})[hour] = n
        hours = sorted({h for row in grid.values() for h in row})
        drawn = dict(self.conn.execute("SELECT lang, sum(drawn) FROM period_tickets GROUP BY lang").fetchall())
        rows, w = [], self.words
        for lang in sorted(grid, key=lambda g: (-sum(grid[g].values()), g)):
            total = sum(grid[lang].values())
            rows.append([languages.name(lang, w.lang), *(grid[lang].get(h, 0) for h in hours), total,
                         round(100 * total / drawn[lang]) if drawn.get(lang) else None])
        return Table("interpreters", w("title.interpreters"),
                     [w("column.language"), *(w.hour(h) for h in hours), w("total"), w("column.of_language")], rows)

    def referrals(self, period: Period) -> Table:
        """Referrals to partners per partner (in the site's order) and per service the visitors
        had come for: a column per service that occurs, and the total."""
        grid: dict[str, dict[str, int]] = {}
        for partner, service, n in self.conn.execute(
                "SELECT partner, service, count(*) FROM stats_referrals WHERE day >= ? AND day <= ? "
                "GROUP BY partner, service", [period.first, period.last]):
            grid.setdefault(partner, {})[service] = n
        services = [s.id for s in self.site.services if any(s.id in row for row in grid.values())]
        services += sorted({k for row in grid.values() for k in row} - set(services))  # no longer configured
        order = {p.id: i for i, p in enumerate(self.site.partners)}
        rows = [[self.partner(partner), *(grid[partner].get(s, 0) for s in services), sum(grid[partner].values())]
                for partner in sorted(grid, key=lambda k: (order.get(k, len(order)), k))]
        return Table("referrals", self.words("title.referrals"),
                     [self.words("column.partner"), *(self.label("service", s) for s in services), self.words("total")],
                     rows)

    def partner(self, partner_id: str) -> str:
        partner = self.site.partner(partner_id)
        return partner.name(self.words.lang) if partner else partner_id

    def counters(self) -> Table:
        """Open time, serving time and pauses by reason per counter (personal data: shown
        only where the site allows it)."""
        figures: dict[str, dict[str, float]] = {}
        reasons: set[str] = set()
        w = self.words
        for counter, kind, reason, seconds in self.conn.execute(
                "SELECT counter, kind, reason, sum(seconds) FROM period_desks GROUP BY counter, kind, reason"):
            label = w("column.paused", reason=reason or w("column.no_reason")) if kind == "paused" else kind
            if kind == "paused":
                reasons.add(label)
            figures.setdefault(counter, {})[label] = seconds
        pauses = sorted(reasons)
        rows = [[self.label("counter", counter), *(round(figures[counter].get(k, 0) / 60)
                                                   for k in ("open", "serving", *pauses))]
                for counter in sorted(figures)]
        return Table("counters", w("title.counters"), [w("column.counter"), w("column.open"), w("column.serving"),
                                                        *pauses], rows)

    def label(self, by: str, key: Any) -> Any:
        if by == "weekday":
            return self.words.weekday(key)
        if by == "hour":
            return self.words.hour(key)
        if by == "service":
            service = self.site.service(key)
            return service.name(self.words.lang) if service else key
        if by == "lang":
            return languages.name(key, self.words.lang)  # CLDR's name, as the clerk sees it: "Dari", not "prs"
        if by == "channel":
            return self.words(f"channel.{key}")
        if by == "counter":
            return self.site.counter_name(key)  # as the site file names it: "9", not "mbe"
        return key
