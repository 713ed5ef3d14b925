"""Recovery: from process start to accepting connections with a store of N events — a year
of a large office, made by driving the queue core with the demo simulator's mix of services,
languages, service times and outcomes — next to the same start on an empty store."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from config import load_site
from server.core import Office
from server.core.events import TicketDrawn, TicketEvent
from server.demo.simulator import LANGUAGE_MIX, OUTCOMES, SERVICE_MIX, pick
from server.store.sqlite import Store

from .common import ROOT, bench_config, emit


def a_year_of_events(db: Path, events: int, *, seed: int = 11) -> int:
    """Fill `db` with about `events` events over past days, ending with today."""
    site, rng = load_site(), random.Random(seed)
    office, store = Office(site, always_open=True, printed_estimates=False), Store(db, timezone=site.timezone)
    per_day = 4000
    days = max(1, events // per_day)
    today = datetime.now(ZoneInfo(site.timezone)).replace(hour=7, minute=30, second=0, microsecond=0)
    written = 0
    for day in range(days - 1, -1, -1):
        start = (today - timedelta(days=day)).timestamp()
        written += one_day(office, store, rng, start, min(per_day, events - written))
    store.close()
    return written


def one_day(office: Office, store: Store, rng: random.Random, start: float, budget: int) -> int:
    site, now, written, n = office.site, start, 0, 0
    for counter in site.counters:
        office.open(counter=counter.id, services=None, now=now)
    while written + len(office.journal) < budget:
        now += rng.expovariate(1 / 20)
        n += 1
        ticket = office.draw(kiosk="kiosk-1", service=pick(rng, SERVICE_MIX, [s.id for s in site.services]),
                             lang=pick(rng, LANGUAGE_MIX, site.languages), request=f"r{start}-{n}",
                             token=f"{int(start)}-{n}", now=now)[1]
        printed(office, ticket)
        counter = rng.choice(site.counters).id
        if office.desks[counter].current is None and ticket.state == "waiting":
            try:
                office.next(counter=counter, now=now + 30)
                office.start(counter=counter, now=now + 60)
                office.finish(counter=counter, outcome=pick(rng, OUTCOMES, site.outcomes), now=now + 600)
            except Exception:
                pass
        if len(office.journal) >= 2000:
            written += flush(office, store)
    return written + flush(office, store)


def printed(office: Office, ticket) -> None:
    """A stand-in for the range a ticket prints (5 minutes a place ahead, 15 wide), recorded as
    the office records its own: the office's forecast simulates the queue at each draw, which
    made a year of draws ten times slower to generate."""
    drawn = office.journal[-1]
    if isinstance(drawn, TicketDrawn) and drawn.number == ticket.number:
        low = 5 * office.ahead(ticket)
        drawn.eta = [low, low + 15]
        ticket.eta_low, ticket.eta_high = low, low + 15


def flush(office: Office, store: Store) -> int:
    events = office.take_journal()
    numbers = {e.number for e in events if isinstance(e, TicketEvent)}
    store.append(events, [office.tickets[n] for n in numbers if n in office.tickets])
    return len(events)


def seconds_to_ready(config: Path, db: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "server", "--config", str(config), "--db", str(db),
                             "--port", "0"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if '"msg": "serving"' in line:
            ready = time.perf_counter() - started
            break
    proc.terminate()
    proc.communicate(timeout=10)
    return ready


def run(events: int = 1_000_000) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = bench_config(folder, retention_days=400)  # keep the year: no purge in the way
        made = time.perf_counter()
        written = a_year_of_events(folder / "year.sqlite3", events)
        made = time.perf_counter() - made
        empty = min(seconds_to_ready(config, folder / f"empty{i}.sqlite3") for i in range(3))
        full = min(seconds_to_ready(config, folder / "year.sqlite3") for _ in range(3))
    return [emit("seconds_to_ready", events=written, with_events=round(full, 3), empty_store=round(empty, 3),
                 replay_cost=round(full - empty, 3), generation_s=round(made, 1))]
