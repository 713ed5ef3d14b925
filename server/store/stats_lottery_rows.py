"""Fair access per lottery day, made from its stored events and kept before they are purged
(README "Fair access"), as `server.store.stats_rows` does for the visits.

A row of `stats_lottery` is one service of one lottery day:

    entries     entries registered for the day (`entry_registered`), of them `urgent`
    places      the places the draw gave out (its contingent), `drawn` the places it filled
    offered     no-shows' places offered again to the next on the waiting list (`place_offered`)
    checked_in  places (drawn or offered again) whose code was checked in at the kiosk
    no_shows    places whose window ended without a check-in (the whole day once it is over)
    refused     "not the registered person" at the counter (`identity_refused`)
    held        1 once the draw was made

A row of `stats_lottery_won` counts the day's winners of a service by their unlucky days before
the win (the weight their entry was registered with, less one), and the urgent ones among them.
A lottery day's events are stored under its day, though its entries come in the evening
before (`server.store`); `keep` stores the rows of the days before `before` once, and marks
them in `stats_lottery_days`. No identity, code or entry key leaves this module: counts only.

Measured on the shared 2-core machine (2026-12-07, a day of 10,000 entries and 30 places in an
SQLite file): making its rows takes ~0.16 s (once, when the next day starts, or in the report
worker for a day not kept yet); reading a kept month ~1 ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from server.core import events as ev
from server.store.stats_schema import LOTTERY_COLUMNS as COLUMNS
from server.store.stats_schema import LOTTERY_FIGURES as FIGURES
from server.store.stats_schema import LOTTERY_WON_COLUMNS as WON_COLUMNS
from server.store.stats_schema import ensure_tables, insert

# the kinds stored under the lottery day, in the words of the store's partial index (`server.store.access`)
DAY_STARTED = ev.kind_in(ev.DayStarted)  # the words of the store's partial index on a day's start
ACCESS_KINDS = ev.kind_in(ev.AccessOpened, ev.EntryRegistered, ev.AccessDrawn, ev.PlaceOffered)


@dataclass
class LotteryRows:
    days: list[tuple] = field(default_factory=list)   # COLUMNS
    won: list[tuple] = field(default_factory=list)    # WON_COLUMNS


@dataclass
class _Day:
    """One lottery day while its events are read."""

    contingent: dict[str, int] = field(default_factory=dict)
    held: bool = False
    entries: dict[str, tuple[str, bool, int]] = field(default_factory=dict)  # entry -> (service, urgent, weight)
    places: dict[str, tuple[str, float]] = field(default_factory=dict)      # code -> (service, window end)
    figures: dict[str, dict[str, int]] = field(default_factory=dict)        # service -> figure -> n
    won: dict[tuple[str, int], list[int]] = field(default_factory=dict)     # (service, unlucky) -> [n, urgent]
    checked: set[str] = field(default_factory=set)                          # codes checked in

    def add(self, service: str, figure: str, n: int = 1) -> None:
        row = self.figures.setdefault(service, dict.fromkeys(FIGURES, 0))
        row[figure] += n


def rows_between(conn, first: str, last: str, *, now: float | None = None, kept: bool = False) -> LotteryRows:
    """The rows of the lottery days `first`..`last` from their events; with `kept`, days in
    `stats_lottery_days` are left out. `now`: a place whose window ends after it is not a
    no-show yet (None: every day read is over)."""
    skip = " AND day NOT IN (SELECT day FROM stats_lottery_days)" if kept else ""
    decode = msgspec.json.Decoder().decode
    days: dict[str, _Day] = {}
    for day, data in conn.execute(f"SELECT day, data FROM events WHERE {ACCESS_KINDS} AND day >= ? AND day <= ?"
                                  f"{skip} ORDER BY seq", [first, last]):
        _apply(days.setdefault(day, _Day()), decode(data))
    if days:
        _at_the_counter(conn, days, decode)
    rows = LotteryRows()
    for day, found in sorted(days.items()):
        for code, (service, end) in found.places.items():
            if code not in found.checked and (now is None or end <= now):
                found.add(service, "no_shows")
        for service in sorted(set(found.figures) | set(found.contingent)):
            figures = found.figures.get(service, dict.fromkeys(FIGURES, 0))
            figures["places"] = found.contingent.get(service, 0)
            rows.days.append((day, service, *(figures[f] for f in FIGURES), int(found.held)))
        rows.won += [(day, service, unlucky, n, urgent) for (service, unlucky), (n, urgent) in sorted(found.won.items())]
    return rows


def _apply(day: _Day, event: dict) -> None:
    kind = event["kind"]
    if kind == ev.AccessOpened.kind and not day.held:
        day.contingent = dict(event.get("contingent") or {})
    elif kind == ev.EntryRegistered.kind:
        urgent = bool(event.get("urgent", False))
        day.entries[event["entry"]] = (event["service"], urgent, int(event.get("weight", 1)))
        day.add(event["service"], "entries")
        day.add(event["service"], "urgent", int(urgent))
    elif kind == ev.AccessDrawn.kind:
        day.held, day.contingent = True, dict(event.get("contingent") or {})
        for place in event["places"]:
            service, urgent = place["service"], bool(place.get("urgent", False))
            day.places[place["code"]] = (service, place["window_end"])
            day.add(service, "drawn")
            weight = day.entries.get(place["entry"], (service, urgent, 1))[2]
            won = day.won.setdefault((service, weight - 1), [0, 0])
            won[0] += 1
            won[1] += urgent
    elif kind == ev.PlaceOffered.kind:
        service = day.entries.get(event["entry"], ("", False, 1))[0]
        day.places[event["code"]] = (service, event["window_end"])
        day.add(service, "offered")


def _at_the_counter(conn, days: dict[str, _Day], decode) -> None:
    """Check-ins of the days' codes and "not the registered person", from the days' ticket
    events (a lottery day's visits are on that day)."""
    first, last = min(days), max(days)
    # from the first day's start on (the index the store keeps): the events table has no index by day
    start = conn.execute(f"SELECT min(seq) FROM events WHERE {DAY_STARTED} AND day >= ?", [first]).fetchone()[0]
    tickets: dict[tuple[str, str], str] = {}  # (day, number) -> service of its place
    for day, data in conn.execute("SELECT day, data FROM events WHERE seq >= ? AND day >= ? AND day <= ? "
                                  f"AND {ev.kind_in(ev.TicketDrawn, ev.IdentityRefused)} ORDER BY seq",
                                  [start or 0, first, last]):
        found, event = days.get(day), decode(data)
        if found is None:
            continue
        if event["kind"] == ev.TicketDrawn.kind:
            place = found.places.get(event.get("booking") or "")
            if place is not None and event["booking"] not in found.checked:
                found.checked.add(event["booking"])
                found.add(place[0], "checked_in")
                tickets[(day, event["number"])] = place[0]
        elif (day, event["number"]) in tickets:
            found.add(tickets[(day, event["number"])], "refused")


def keep(conn, *, before: str, since: str = "") -> list[str]:
    """Store the rows of every lottery day from `since` to before `before` whose events are
    still in the file and that is not kept yet (`server.store.stats_rows.keep_days` calls
    this, so it runs wherever the visits' statistics are kept: at a new day and before a purge)."""
    ensure_tables(conn)
    days = [d for (d,) in conn.execute(f"SELECT DISTINCT day FROM events WHERE {ACCESS_KINDS} AND day >= ? "
                                       "AND day < ? AND day NOT IN (SELECT day FROM stats_lottery_days) ORDER BY day",
                                       [since, before])]
    if days:
        rows = rows_between(conn, days[0], days[-1], kept=True)
        insert(conn, "stats_lottery", COLUMNS, rows.days)
        insert(conn, "stats_lottery_won", WON_COLUMNS, rows.won)
        conn.executemany("INSERT INTO stats_lottery_days (day) VALUES (?)", [[d] for d in days])
    return days


def read(conn, first: str, last: str, *, today: str, now: float) -> LotteryRows:
    """The period's rows: the kept ones, and those of days not kept yet made from the events
    (today's with its windows still to come not counted as no-shows)."""
    ensure_tables(conn)
    kept = LotteryRows(
        [tuple(r) for r in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM stats_lottery WHERE day >= ? AND day <= ?",
                                        [first, last])],
        [tuple(r) for r in conn.execute(f"SELECT {', '.join(WON_COLUMNS)} FROM stats_lottery_won "
                                        "WHERE day >= ? AND day <= ?", [first, last])])
    if first <= today:
        made = rows_between(conn, first, min(last, today), now=now, kept=True)
        kept.days += made.days
        kept.won += made.won
    return kept
