"""How good are the wait estimates? Whole simulated office days, driven through the real `Office`.

`python -m bench.estimates [--days N] [--seed S] [--quick]` (or `python -m bench --only estimates`)
simulates office days of five kinds — a quiet day, a normal day, a Monday rush, an
understaffed day, a day one long service dominates — and scores, for every ticket, the range a
visitor was shown when they drew it (or checked in for an appointment) against the wait they
then had (draw to first call). Each day has:

- a crowd of 50-300 at the door at opening drawing one after another, then arrivals tailing off
  over the morning until the kiosks stop at 12:00;
- 4-12 counters, many serving 2-3 services in their own preference order, each clerk off on
  8 % of days (35 % on the understaffed day), opening over the first half hour (a few late),
  max-wait promotion by the real routing;
- lognormal visit times whose true means are the services' `typical_minutes` (times a clerk's
  own pace), a walk to the desk, 10-20 % no-shows (recalled, then marked), transfers to another
  service (some to the front), breaks, early closes (some announced with `close_at`, some not),
  appointments that check in before their time (and some that never come).

Everything is drawn from `random.Random(seed)`: the same seed gives the same days. Time is
simulated: `now` is passed to every `Office` call, so a day takes milliseconds, not hours. One
`Office` lives through all days of a scenario, as a server does, so what it learned yesterday
is there in the morning.

Estimators scored on the same draws (the office's state at that moment; `bench/estimators.py`):
- `willkommen`: `Office.estimate(number, now)`, what the ticket, kiosk, phone and screens show;
- `before`: the estimate as it was before issue 13 (queue ahead in the ticket's own service ×
  mean of the last 20 visits ÷ counters open now, a 1/n share per service; ±30 % rounded to 5);
- textbook point estimates, shown with the same ±30 % rounding: `queue_length` (people ahead ×
  mean visit ÷ counters serving the service), `last_to_enter` (the wait of the last ticket of
  the service called), `head_of_line` (how long the first in line has waited so far).

Figures (JSON lines, one per scenario and estimator, then `overall` and `first_hour_new_office`;
`bench/estimate_figures.py`): `inside` share of waits
inside the range; `mae_min` median |midpoint − wait| in minutes; `rel_err` median of that over
the wait; `late_15` share called more than 15 min after the top of the range; `width_min` median
range width; `width_rel` median width ÷ midpoint; `none` share shown no estimate;
`appointments_inside` the same share for appointment tickets; `wait_median` the median wait
(minutes) and `never_called` tickets still waiting when the counters stopped (not scored).

`--profile` adds where the office's own range misses (`profile`: by when the visitor drew,
half hour, predicted wait, scenario); `--told staffing|absent|timing|calm` measures what
knowing more would be worth (`told`: the forecast is told the day's staffing; calm days have
no breaks and no early closes). The README's "Wait estimates" section quotes both.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import json
import math
import random
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from config import Counter, Service, Site
from server.wire import errors
from server.core import Office
from server.core import simulation

from bench import planned as planned_days

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_DAY = datetime(2026, 3, 2, tzinfo=BERLIN)  # a Monday
MIN = 60.0
HOUR = 3600.0
OPENING = 7.5 * HOUR          # doors open 07:30
KIOSKS_STOP = 12 * HOUR       # last draw
LAST_CALL = 17 * HOUR         # counters stop; whoever is left is not scored
SCENARIOS = ("quiet", "normal", "monday_rush", "understaffed", "long_service")
DAYS_PER_OFFICE = 4
REPORT_SEEDS = 1000           # the reported run; tuning used seeds below it (see README)


# ---- the days ---------------------------------------------------------------------------------

@dataclass
class Desk:
    """One counter's plan for the day and its clerk's pace."""

    id: str
    services: tuple[str, ...]
    opens: float
    pace: float
    break_at: float | None = None
    break_minutes: float = 0.0
    closes: float | None = None       # an early close
    announced_at: float | None = None  # when the clerk tells the system (None: never)
    closed: bool = False
    idle: bool = False
    current: str | None = None
    absent: bool = False               # planned but not there (`bench.planned`)


@dataclass
class Plan:
    site: Site
    desks: list[Desk]
    arrivals: list[tuple[float, str]]                  # (time, service) of walk-ins
    bookings: list[tuple[str, str, float, float | None]]  # (code, service, due, check-in or None)
    no_show: float
    sigma: float
    transfer: float
    windows: dict[str, list[tuple[float, float]]] | None = None  # the manager's plan (`bench.planned`)


@dataclass
class Layout:
    """An office: its services and counters (each with its preference order), kept for days."""

    site: Site
    weights: list[float]


def layout(scenario: str, rng: random.Random) -> Layout:
    n_services = rng.randint(4, 7)
    services = []
    for i in range(n_services):
        services.append(Service(id=f"s{i}", prefix="ABCDEFGH"[i], names={"de": f"Dienst {i}"}, hints={},
                                documents={}, max_wait_minutes=rng.choice([45, 60, 60, 90, 120]),
                                typical_minutes=rng.choice([4, 5, 8, 10, 12, 15, 20, 25, 30])))
    weights = [rng.uniform(0.3, 1.0) for _ in services]
    if scenario == "long_service":  # one long service draws half the office
        services[0] = Service(**{**services[0].__dict__, "typical_minutes": rng.choice([35, 45, 60])})
        weights[0] = sum(weights[1:])
    ids = [s.id for s in services]
    desks = rng.randint(*{"quiet": (4, 6), "normal": (6, 10), "monday_rush": (8, 12), "understaffed": (6, 10),
                          "long_service": (6, 10)}[scenario])
    counters = [Counter(id=str(c + 1), name=str(c + 1), zone="", services=tuple(rng.sample(ids, rng.choice([1, 2, 2, 3, 3]))))
                for c in range(desks)]
    for i, service in enumerate(ids):  # every service has a counter
        if not any(service in c.services for c in counters):
            c = counters[i % desks]
            counters[i % desks] = Counter(id=c.id, name=c.name, zone="", services=(*c.services, service))
    site = Site(name="Simulated office", timezone="Europe/Berlin", languages=("de",), opening_hours={},
                retention_days=90, synchronous="normal", public_url="http://127.0.0.1", anonymous_displays=True,
                kiosk_draws_per_minute=1000, outcomes={"done": {"de": "erledigt"}}, announce_languages=(),
                tls_cert=None, tls_key=None, services=tuple(services), counters=tuple(counters), terminals=())
    return Layout(site, weights)


def day_plan(scenario: str, rng: random.Random, office: Layout, planned: bool = False) -> Plan:
    """One day of `scenario` in `office`, every number drawn from `rng`."""
    absent = 0.35 if scenario == "understaffed" else 0.08  # each clerk's chance to be off today
    load = {"quiet": 0.5, "normal": 0.75, "monday_rush": 0.9, "understaffed": 1.0, "long_service": 0.8}[scenario]
    at_the_door = {"quiet": 0.4, "normal": 0.45, "monday_rush": 0.6, "understaffed": 0.45, "long_service": 0.45}[scenario]
    ids = [s.id for s in office.site.services]
    chosen = [c for c in office.site.counters if rng.random() >= absent]
    for service in ids:  # someone stands in for a service nobody would serve
        if not any(service in c.services for c in chosen):
            chosen.append(rng.choice([c for c in office.site.counters if service in c.services and c not in chosen]))
    windows = None
    if planned:
        made = {c.id: planned_days.desk(Desk, c.id, c.services, rng, scenario, opening=OPENING, last_call=LAST_CALL)
                for c in chosen}
        desks, windows = [d for d, _ in made.values()], {c: w for c, (_, w) in made.items()}
    else:
        desks = [_desk(c.id, c.services, rng, scenario) for c in chosen]
    no_show = rng.uniform(0.10, 0.20)
    # as many visitors as the staffed counters can see in six hours at this day's load
    per_visit = sum(w * s.typical_minutes for w, s in zip(office.weights, office.site.services)) / sum(office.weights)
    per_call = (1 - no_show) * (per_visit + 1.5) + no_show * 4.5
    visitors = round(load * rng.uniform(0.9, 1.1) * len(desks) * 6 * 60 / per_call)
    crowd = max(50, min(300, round(visitors * at_the_door * rng.uniform(0.8, 1.2))))
    return Plan(site=office.site, desks=desks,
                arrivals=_arrivals(rng, crowd, max(visitors - crowd, 10), ids, office.weights),
                bookings=_bookings(rng, ids, len(desks)), no_show=no_show,
                sigma=rng.uniform(0.4, 0.8), transfer=rng.uniform(0.02, 0.08), windows=windows)


def _desk(id: str, services: tuple[str, ...], rng: random.Random, scenario: str) -> Desk:
    late = rng.random() < 0.2
    desk = Desk(id=id, services=services, pace=rng.uniform(0.85, 1.2),
                opens=OPENING + (rng.uniform(30, 60) if late else rng.uniform(0, 25)) * MIN)
    if rng.random() < 0.6:
        desk.break_at, desk.break_minutes = rng.uniform(9, 11) * HOUR, rng.uniform(10, 30)
    if rng.random() < (0.4 if scenario == "understaffed" else 0.2):
        desk.closes = rng.uniform(9.5, 12.5) * HOUR
        if rng.random() < 0.6:
            desk.announced_at = max(desk.opens, desk.closes - rng.uniform(0.2, 3) * HOUR)
    return desk


def _arrivals(rng, crowd: int, later: int, ids: list[str], weights: list[float]) -> list[tuple[float, str]]:
    """The crowd draws at the kiosks one after another (~5 s a ticket, two kiosks); `later`
    more arrive until the kiosks stop, tailing off with a 90-minute time constant."""
    times = [OPENING + i * rng.uniform(2, 3.5) for i in range(crowd)]
    first, span, tau = OPENING + crowd * 2.75, KIOSKS_STOP - OPENING - crowd * 2.75, 90 * MIN
    for _ in range(later):  # inverse of the truncated exponential's distribution
        times.append(first - tau * math.log(1 - rng.random() * (1 - math.exp(-span / tau))))
    return sorted((t, rng.choices(ids, weights)[0]) for t in times)


def _bookings(rng, ids: list[str], desks: int) -> list[tuple[str, str, float, float | None]]:
    slots = [8 * HOUR + i * 10 * MIN for i in range(24)]
    chosen = rng.sample(slots, min(len(slots), rng.randint(desks, 3 * desks)))
    found = []
    for i, due in enumerate(sorted(chosen)):
        checkin = None if rng.random() < 0.1 else due - rng.uniform(0, 20) * MIN
        found.append((f"T{i:03d}", rng.choice(ids), due, checkin))
    return found


from bench.estimate_figures import PROFILE, WHEN, profile, score  # noqa: E402,F401  (the names callers know)
from bench.estimators import (ESTIMATORS, History, Range, before, head_of_line, last_to_enter,  # noqa: E402,F401
                              queue_length, rounded, willkommen)


# ---- one day through the real Office ------------------------------------------------------

@dataclass
class Shown:
    number: str
    scenario: str
    appointment: bool
    drawn: float
    ranges: dict[str, Range]
    called: float | None = None
    predicted: float | None = None  # s: the office's own point prediction behind its range
    opening: bool = False           # drawn while counters expected today had not all opened
    counters_open: int = 0
    first_hour: bool = False        # drawn in the first hour of a new office's first day


class Day:
    """Runs one planned day on `office`: a heap of timed happenings, each an `Office` call."""

    def __init__(self, office: Office, plan: Plan, start: float, rng: random.Random, scenario: str,
                 estimators: dict[str, Callable], *, new_office: bool = False, tell: bool = False):
        self.office, self.plan, self.start, self.rng, self.scenario = office, plan, start, rng, scenario
        self.new_office, self.tell = new_office, tell
        self.estimators = estimators
        self.heap: list[tuple[float, int, str, tuple]] = []
        self.seq = 0
        self.history = History()
        self.shown: dict[str, Shown] = {}
        self.desks = {d.id: d for d in plan.desks}
        self.requests = 0

    def at(self, seconds: float, kind: str, *args) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (seconds, self.seq, kind, args))

    def run(self) -> list[Shown]:
        _TOLD["day"] = {d.id: self.start + d.opens for d in self.plan.desks}  # only `told` reads it
        for t, service in self.plan.arrivals:
            self.at(t, "draw", service)
        for code, service, due, checkin in self.plan.bookings:
            self.office.book(booking=code, service=service, lang="de", due_at=self.start + due, now=self.start + 6 * HOUR)
            if checkin is not None:
                self.at(checkin, "checkin", code)
        if self.tell and self.plan.windows is not None:  # the manager's plan, as the board sends it
            weekday = datetime.fromtimestamp(self.start + OPENING, BERLIN).weekday()
            self.office.set_plan(template=planned_days.shifts(self.plan.windows, weekday), closures=[],
                                 by="manager", now=self.start + OPENING - 30 * MIN)
        for desk in self.plan.desks:
            if desk.absent:
                continue
            self.at(desk.opens, "open", desk.id)
            if desk.announced_at is not None:
                self.at(desk.announced_at, "announce", desk.id)
        self.at(LAST_CALL, "stop")
        while self.heap:
            t, _, kind, args = heapq.heappop(self.heap)
            if getattr(self, "_" + kind)(t, self.start + t, *args) == "stop":
                break
        return list(self.shown.values())

    # -- visitors
    def _draw(self, t, now, service):
        self.requests += 1
        _, ticket = self.office.draw(kiosk="k", service=service, lang="de", request=f"r{self.requests}",
                                     token=f"{self.start}-{self.requests}", now=now)
        self._shown(ticket, now, appointment=False)

    def _checkin(self, t, now, code):
        _, ticket = self.office.checkin(kiosk="k", booking=code, token=f"{self.start}-{code}", now=now)
        self._shown(ticket, now, appointment=True)

    def _shown(self, ticket, now, *, appointment: bool) -> None:
        ranges = {name: f(self.office, ticket, now, self.history) for name, f in self.estimators.items()}
        seen = self.office.forecast.shown.get(ticket.number) if "willkommen" in self.estimators else None
        self.shown[ticket.number] = Shown(ticket.number, self.scenario, appointment, now, ranges,
                                          predicted=seen[1] if seen else None, opening=bool(seen and seen[2][1]),
                                          counters_open=sum(d.state == "open" for d in self.office.desks.values()),
                                          first_hour=self.new_office and now - self.start < OPENING + HOUR)
        self._wake(now)

    def _wake(self, now) -> None:
        for desk in self.desks.values():
            if desk.idle:
                desk.idle = False
                self.at(now - self.start + self.rng.uniform(5, 30), "free", desk.id)

    # -- clerks
    def _open(self, t, now, counter):
        self.office.open(counter=counter, services=self.desks[counter].services, now=now)
        self._free(t, now, counter)

    def _announce(self, t, now, counter):
        desk = self.desks[counter]
        if hasattr(self.office, "close_at") and not desk.closed:
            self.office.close_at(counter=counter, at=self.start + desk.closes, now=now)

    def _free(self, t, now, counter):
        """The clerk is free: close, take the break, or call the next visitor."""
        desk = self.desks[counter]
        if desk.closed:
            return
        if desk.closes is not None and t >= desk.closes:
            desk.closed = True
            self.office.close(counter=counter, now=now)
            return
        if desk.break_at is not None and t >= desk.break_at:
            desk.break_at = None
            self.office.pause(counter=counter, reason="break", now=now)
            self.at(t + desk.break_minutes * MIN, "resume", counter)
            return
        try:
            _, ticket = self.office.next(counter=counter, now=now)
        except errors.NothingWaiting:
            desk.idle = True
            return
        self._called(t, now, desk, ticket)

    def _resume(self, t, now, counter):
        self.office.resume(counter=counter, now=now)
        self._free(t, now, counter)

    def _called(self, t, now, desk, ticket) -> None:
        shown = self.shown.get(ticket.number)
        if shown is not None and shown.called is None:
            shown.called = now
            self.history.last_wait[ticket.service] = now - ticket.issued_at
        desk.current = ticket.number
        if self.rng.random() < self.plan.no_show:
            self.at(t + 2 * MIN, "recall", desk.id)
            self.at(t + 4 * MIN, "noshow", desk.id)
        else:
            self.at(t + self.rng.lognormvariate(math.log(MIN), 0.5), "arrive", desk.id)

    def _recall(self, t, now, counter):
        self.office.recall(counter=counter, now=now)

    def _noshow(self, t, now, counter):
        self.office.noshow(counter=counter, now=now)
        self._after(t, counter)

    def _arrive(self, t, now, counter):
        _, ticket = self.office.start(counter=counter, now=now)
        mean = self.plan.site.service(ticket.service).typical_minutes * MIN * self.desks[counter].pace
        sigma = self.plan.sigma
        self.at(t + self.rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma), "done", counter, ticket.service)

    def _done(self, t, now, counter, service):
        ticket = self.office.tickets[self.desks[counter].current]
        self.history.visits.setdefault(service, deque(maxlen=20)).append(now - ticket.started_at)
        others = [s.id for s in self.plan.site.services if s.id != service]
        if ticket.transfers == 0 and self.rng.random() < self.plan.transfer:
            self.office.transfer(counter=counter, service=self.rng.choice(others), to_counter=None,
                                 front=self.rng.random() < 0.5, now=now)
            self._wake(now)
        else:
            self.office.finish(counter=counter, outcome="done", now=now)
        self._after(t, counter)

    def _after(self, t, counter) -> None:
        self.desks[counter].current = None
        self.at(t + self.rng.lognormvariate(math.log(0.5 * MIN), 0.5), "free", counter)

    def _stop(self, t, now):
        return "stop"


def simulate(scenario: str, days: int, seed: int, estimators: dict[str, Callable] = ESTIMATORS,
             days_per_office: int = DAYS_PER_OFFICE, plan: str = "") -> list[Shown]:
    """`days` consecutive days of `scenario`; the office changes every `DAYS_PER_OFFICE` days
    and keeps what it learned overnight in between, as a server does."""
    shown: list[Shown] = []
    for day in range(days):
        if day % days_per_office == 0:
            rng = random.Random(f"{scenario}-{seed}-{day}")
            office = layout(scenario, rng)
            core = Office(office.site, always_open=True)
        start = (FIRST_DAY + timedelta(days=day + 7 * (seed % 500))).timestamp()
        shown += Day(core, day_plan(scenario, rng, office, planned=bool(plan)), start, rng, scenario, estimators,
                     new_office=day % days_per_office == 0, tell=plan == "given").run()
    return shown


# ---- what knowing more would be worth -------------------------------------------------------

_TOLD: dict[str, dict[str, float]] = {"day": {}}  # the running day's counters: when each opens
TOLD = ("staffing", "absent", "timing", "calm")


@contextlib.contextmanager
def told(what: tuple[str, ...] = ()):
    """Measures what knowing more would be worth; not the product. With `staffing` the
    office's forecast is told the day's staffing (which clerks come, when each opens), with
    `absent` only who is off today, with `timing` only when those who come open; `calm` days
    have no breaks and no early closes. A forecast told nothing is the product."""
    original_opening, original_desk = simulation._opening, globals()["_desk"]

    def opening(office_forecast, counter, now, place):
        day = _TOLD["day"]
        if counter in day and ("staffing" in what or "timing" in what):
            return day[counter]
        if counter not in day and ("staffing" in what or "absent" in what):
            return None
        if counter in day and office_forecast.staffed is not None and counter not in office_forecast.staffed:
            return max(now, (office_forecast.first_opening or office_forecast.first_expected(now)) + 15 * MIN)
        return original_opening(office_forecast, counter, now, place)

    def calm_desk(*args):
        desk = original_desk(*args)
        desk.break_at, desk.closes, desk.announced_at = None, None, None
        return desk

    if {"staffing", "absent", "timing"} & set(what):
        simulation._opening = opening
    if "calm" in what:
        globals()["_desk"] = calm_desk
    try:
        yield
    finally:
        simulation._opening, globals()["_desk"] = original_opening, original_desk


def run(days: int = 8, seed: int = REPORT_SEEDS, scenarios=SCENARIOS,
        estimators: dict[str, Callable] = ESTIMATORS, days_per_office: int = DAYS_PER_OFFICE,
        with_profile: bool = False, plan: str = "") -> list[dict]:
    rows, everything = [], []
    for scenario in scenarios:
        started = time.perf_counter()
        shown = simulate(scenario, days, seed, estimators, days_per_office, plan)
        everything += shown
        for name in estimators:
            rows.append({"figure": "estimates", "scenario": scenario, "estimator": name, **score(shown, name),
                         "seconds": round(time.perf_counter() - started, 2)})
    for name in estimators:
        rows.append({"figure": "estimates", "scenario": "overall", "estimator": name, **score(everything, name)})
    first = [s for s in everything if s.first_hour]
    rows += [{"figure": "estimates", "scenario": "first_hour_new_office", "estimator": name, **score(first, name)}
             for name in estimators if first]
    return rows + (profile(everything) if with_profile else [])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.estimates")
    parser.add_argument("--days", type=int, default=8, help="days per scenario (default 8)")
    parser.add_argument("--seed", type=int, default=REPORT_SEEDS, help=f"first seed (default {REPORT_SEEDS})")
    parser.add_argument("--days-per-office", type=int, default=DAYS_PER_OFFICE,
                        help=f"days one office lives through, learning overnight (default {DAYS_PER_OFFICE}; 1: every day a new office)")
    parser.add_argument("--quick", action="store_true", help="one day per scenario (CI)")
    parser.add_argument("--profile", action="store_true", help="also where the office's own range misses (see `profile`)")
    parser.add_argument("--told", nargs="+", choices=TOLD, default=(),
                        help="what if the office knew more (see `told`): not the product, a measurement")
    parser.add_argument("--plan", choices=("given", "withheld"), default="",
                        help="days made as a manager plans them (bench/planned.py); the plan given to the office "
                             "through Office.set_plan, or withheld on the same days")
    args = parser.parse_args()
    with told(tuple(args.told)):
        rows = run(1 if args.quick else args.days, args.seed, days_per_office=args.days_per_office,
                   with_profile=args.profile, plan=args.plan)
    for row in rows:
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
