"""`willkommen-server demo-month`: a realistic month of the demo office, driven through the real
queue core into a demo database, so a manager can try the statistics and the monthly report.

Every office day (Monday to Friday) of the month: visitors arrive from 08:00 to 15:30, most in
the first hours and more on Mondays (about 240 a day, 5,000 a month), with the languages,
services and interpreter needs of the live demo (`server.demo.simulator`); the site's counters
open at 07:55, each takes a ten-minute break in the morning and half an hour at noon, calls the
next visitor whenever free, and serves for a time around its service's typical minutes. Some
visitors do not come when called (a recall, then a no-show), some are parked to fetch a paper
and called back, about 6 % are sent on to another service, some are referred to a partner (to
the counselling desk in the house: a transfer too), and some answer "How was your visit?".
Counters close when the queue is empty after 16:00. Each day is kept as the server keeps it
(`server.store.stats_kept.keep_days`), so the report reads what a running office's would.

It writes only to a file of its own (by default `demo-month.sqlite3` beside the demo's), and
refuses a file that already holds events: a real office's file never gets invented visitors.
"""

from __future__ import annotations

import heapq
import math
import random
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Mapping, TypeVarTuple, Unpack
from zoneinfo import ZoneInfo

from config import Site
from server.core import Office, Ticket
from server.demo.simulator import INTERPRETER_SHARE, LANGUAGE_MIX, OUTCOMES, SERVICE_MIX
from server.store import open_read_only
from server.wire import errors

DAY_SHAPE = {8: 1.6, 9: 1.5, 10: 1.2, 11: 1.0, 12: 0.7, 13: 0.8, 14: 0.8, 15: 0.5}  # arrivals per hour, relative
WEEKDAY_SHAPE = (1.3, 1.0, 1.05, 0.95, 0.75)  # Monday to Friday
PER_DAY = 240
Args = TypeVarTuple("Args")
NO_SHOW, PARK, TRANSFER, REFER, FEEDBACK = 0.04, 0.03, 0.06, 0.03, 0.35


@dataclass
class Filled:
    days: int
    tickets: int
    events: int


class Month:
    """One month's office days through one `Office`, stored as the server stores them."""

    def __init__(self, site: Site, path: Path, seed: int):
        from server.store.sqlite import Store

        self.site, self.rng = site, random.Random(seed)
        self.tz = ZoneInfo(site.timezone)
        self.office = Office(site, always_open=True)
        self.store = Store(path, timezone=site.timezone, synchronous="off")  # a demo file: speed over durability
        self.events, self.tickets = 0, 0
        self.langs = {k: w for k, w in LANGUAGE_MIX.items() if k in site.languages} or {site.languages[0]: 1}
        self.services = {k: w for k, w in SERVICE_MIX.items() if site.service(k)} or {site.services[0].id: 1}

    def commit(self) -> None:
        journal, changed = self.office.take_changes()
        self.events += len(journal)
        self.store.append(journal, changed)

    def day(self, day: date) -> None:
        self.agenda: list[tuple[float, int, Callable[..., None], tuple]] = []
        self.seq = 0
        start = datetime.combine(day, datetime.min.time(), self.tz).timestamp()
        self.close_after = start + 16 * 3600
        for counter in self.site.counters:
            self.later(start + 7 * 3600 + 55 * 60, self._open, counter.id)
            self.later(start + (9.5 + self.rng.random()) * 3600, self._pause, counter.id, "Kaffeepause", 10)
            self.later(start + (11.75 + self.rng.random()) * 3600, self._pause, counter.id, "Mittagspause", 30)
        scale = WEEKDAY_SHAPE[day.weekday()] * PER_DAY / sum(DAY_SHAPE.values())
        for hour, weight in DAY_SHAPE.items():
            at, end = start + hour * 3600, start + (hour + (0.5 if hour == 15 else 1)) * 3600
            while (at := at + self.rng.expovariate(weight * scale / 3600)) < end:
                self.later(at, self._arrive)
        last_flush = start
        while self.agenda:
            at, _, action, args = heapq.heappop(self.agenda)
            action(at, *args)
            if at - last_flush > 600:
                self.commit()
                last_flush = at
        self.commit()

    def later(self, at: float, action: Callable[[float, Unpack[Args]], None], *args: Unpack[Args]) -> None:
        """`action(at, *args)` at `at`: one of the methods below, checked by mypy against its
        arguments (no method named by a string: a renamed one fails the type check)."""
        self.seq += 1
        heapq.heappush(self.agenda, (at, self.seq, action, args))

    # ---- what happens -----------------------------------------------------------------------

    def _arrive(self, at: float) -> None:
        lang = self.pick(self.langs)
        self.tickets += 1
        token = f"m{self.tickets}"
        self.office.draw(now=at, kiosk="kiosk-1", service=self.pick(self.services), lang=lang, request=token,
                         token=token, interpreter=self.rng.random() < INTERPRETER_SHARE.get(lang, 0.2))

    def _open(self, at: float, counter: str) -> None:
        self.office.open(now=at, counter=counter, services=None)
        self.later(at + 30, self._free, counter)

    def _pause(self, at: float, counter: str, reason: str, minutes: int) -> None:
        desk = self.office.desks[counter]
        if desk.state != "open" or desk.current is not None:  # a visitor at the counter: the break waits
            self.later(at + 120, self._pause, counter, reason, minutes)
            return
        self.office.pause(now=at, counter=counter, reason=reason)
        self.later(at + minutes * 60 * self.rng.uniform(0.9, 1.3), self._resume, counter)

    def _resume(self, at: float, counter: str) -> None:
        self.office.resume(now=at, counter=counter)
        self.later(at + 5, self._free, counter)

    def _free(self, at: float, counter: str) -> None:
        desk = self.office.desks[counter]
        if desk.state != "open" or desk.current is not None:
            return
        parked = [t for t in self.office.tickets.values() if t.state == "parked" and t.counter == counter
                  and t.called_at is not None and at - t.called_at > 8 * 60]
        try:
            if parked:  # the visitor is back with the paper
                _, ticket = self.office.call(now=at, counter=counter, ticket=parked[0].number)
            else:
                _, ticket = self.office.next(now=at, counter=counter)
        except errors.NothingWaiting:
            if at > self.close_after and not any(t.state == "parked" and t.counter == counter
                                                 for t in self.office.tickets.values()):
                self.office.close(now=at, counter=counter)
            else:
                self.later(at + 60, self._free, counter)
            return
        if self.rng.random() < NO_SHOW:
            self.later(at + 90, self._recall, counter)
        else:
            self.later(at + self.rng.uniform(20, 120), self._start, counter, ticket.number)

    def _recall(self, at: float, counter: str) -> None:
        self.office.recall(now=at, counter=counter)
        self.later(at + 120, self._noshow, counter)

    def _noshow(self, at: float, counter: str) -> None:
        self.office.noshow(now=at, counter=counter)
        self.later(at + 10, self._free, counter)

    def _start(self, at: float, counter: str, number: str) -> None:
        self.office.start(now=at, counter=counter)
        service = self.site.service(self.office.tickets[number].service)
        assert service is not None  # the month draws only the site's services (`self.services`)
        minutes = max(1.0, self.rng.lognormvariate(math.log(service.typical_minutes), 0.45))
        self.later(at + minutes * 60, self._end, counter, number)

    def _end(self, at: float, counter: str, number: str) -> None:
        ticket, roll = self.office.tickets[number], self.rng.random()
        others = [s.id for s in self.site.services if s.id != ticket.service and s.id in self.services]
        if roll < PARK and ticket.state == "serving":
            self.office.park(now=at, counter=counter)
        elif roll < PARK + TRANSFER and others:
            self.office.transfer(now=at, counter=counter, service=self.rng.choice(others), to_counter=None, front=False)
        elif roll < PARK + TRANSFER + REFER and self.site.partners:
            self.office.refer(now=at, counter=counter, partners=[self.rng.choice(self.site.partners).id], front=False)
            if self.office.desks[counter].current == number:
                self.finish(at + 60, counter, ticket, "referred" if "referred" in self.site.outcomes else None)
        else:
            self.finish(at, counter, ticket)
        self.later(at + self.rng.uniform(30, 90), self._free, counter)

    def finish(self, at: float, counter: str, ticket: Ticket, outcome: str | None = None) -> None:
        # "referred" only with a referral (`_end`): picked at random, it counted visits no partner
        # ever saw, and the report's referrals fell short of that outcome (r-staff-2 finding 9)
        outcomes = ({k: w for k, w in OUTCOMES.items() if k in self.site.outcomes and k != "referred"}
                    or {next(iter(self.site.outcomes)): 1})
        self.office.finish(now=at, counter=counter, outcome=outcome or self.pick(outcomes))
        if self.rng.random() < FEEDBACK:
            self.later(at + self.rng.uniform(60, 1800), self._rate, ticket.token, ticket.issued_at,
                       ticket.called_at or at)

    def _rate(self, at: float, token: str, issued: float, called: float) -> None:
        waited = (called - issued) / 60
        score = 5 if waited < 20 else 4 if waited < 45 else 3 if waited < 75 else 2
        score = min(5, max(1, score + self.rng.choice((-1, 0, 0, 1))))
        reasons = sorted(set(self.rng.sample(plausible(score, waited), k=self.rng.randint(0, 2))))
        self.office.rate(now=at, token=token, score=score, reasons=reasons)

    def pick(self, weights: Mapping[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def close(self) -> None:
        from server.store.stats_kept import keep_days

        after = self.office.day and (date.fromisoformat(self.office.day) + timedelta(days=1)).isoformat()
        with self.store.db.atomic():
            keep_days(self.store.db.conn, before=after or "9999-12-31", tz=self.tz,
                      personal=self.site.manager.personal_statistics)
        self.store.close()


def office_days(month: str) -> list[date]:
    first = date.fromisoformat(f"{month}-01")
    days = [first + timedelta(days=i) for i in range(31)]
    return [d for d in days if d.month == first.month and d.weekday() < 5]


def fill(site: Site, path: Path, month: str, *, seed: int = 7) -> Filled:
    """The month's office days into `path`, which must be new or hold no events."""
    if path.exists() and _has_events(path):
        raise FileExistsError(f"{path} already holds events: demo-month writes only to a new file of its own")
    month_of = Month(site, path, seed)
    days = office_days(month)
    for day in days:
        month_of.day(day)
    month_of.close()
    return Filled(len(days), month_of.tickets, month_of.events)


def _has_events(path: Path) -> bool:
    with closing(open_read_only(path, application="willkommen demo-month")) as conn:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone()
        return bool(found and conn.execute("SELECT 1 FROM events LIMIT 1").fetchone())


GOOD, BAD = ("friendly", "well_explained", "quick"), ("waited_too_long", "did_not_understand", "not_solved")


def plausible(score: int, waited: float) -> list[str]:
    """Six reasons a visitor with this score and wait might name (repeats allowed: always six,
    so drawing from them takes as many random numbers as drawing from all six did and the
    rest of the month stays as it was): praise from the satisfied, complaints from the
    unhappy (a long wait among them only after one), both from those in between. Drawn at
    random from all six, "did not understand" scored as well as "friendly" (r-staff-2 finding 9)."""
    bad = BAD if waited >= 45 else BAD[1:]
    good = GOOD if waited < 30 else GOOD[:2]
    pool = good if score >= 4 else bad if score <= 2 else (good[:1] + bad[:1]) if waited >= 45 else good + bad[1:]
    return [pool[i % len(pool)] for i in range(6)]
