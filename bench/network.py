"""The network of offices at the scale of Hesse: thirty offices sending a year of office days
(21 a month, ~250 visitors a day), stored in the network's SQLite database over the real
endpoint (`POST /summaries`, one office's year a send), then the coordinator's page for a month
made from it (`Pages.compare` and `page`: twelve months of thirty offices, every figure and
chart) and an office's nightly send of 14 days through `willkommen-server network send`'s
function. Reports: days stored per second, the database's size per office-month, the page's
time (median of a few), a nightly send's time."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import msgspec

from server.network.listener import NetworkServer
from server.network.page import page
from server.network.settings import parse_network
from server.network.summary import Day, Sent

from .common import emit

LANGS = {"ar": 0.2, "de": 0.15, "uk": 0.12, "fa": 0.1, "ru": 0.09, "tr": 0.08, "en": 0.08, "prs": 0.07, "fr": 0.06,
         "ps": 0.03, "ti": 0.02}

def office_days(rng: random.Random, first: date, months: int) -> list[Day]:
    days, day = [], first
    while day < _add_months(first, months):
        if day.weekday() < 5:
            visitors = int(rng.gauss(250, 40))
            langs: dict[str, int] = {}
            for lang in rng.choices(list(LANGS), weights=list(LANGS.values()), k=visitors):
                langs[lang] = langs.get(lang, 0) + 1
            waits: dict[int, int] = {}
            for minute in (int(rng.expovariate(1 / 25)) for _ in range(visitors)):
                waits[minute] = waits.get(minute, 0) + 1
            days.append(Day(day=day.isoformat(), visitors=visitors, served=visitors - 10, no_shows=10, waits=waits,
                            held={"early": 10, "inside": visitors - 40, "late": 30}, languages=langs,
                            interpreters={k: n // 3 for k, n in langs.items() if k != "de"},
                            referrals={"jobcenter": rng.randint(0, 8), "mbe": rng.randint(0, 5)},
                            feedback={s: rng.randint(0, 20) for s in range(1, 6)}))
        day += timedelta(days=1)
    return days


def _add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


async def _run(offices: int, months: int) -> dict:
    rng = random.Random(7)
    ids = [f"office-{i:02}" for i in range(offices)]
    network = parse_network({"network": {"name": "Netzwerk"}, "people": [],
                             "offices": [{"id": o, "name": f"Amt {i}", "token": f"{o}-token-0123456789"}
                                         for i, o in enumerate(ids)]})
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "network.sqlite3"
        server = NetworkServer(network, db)
        port = await server.start("127.0.0.1", 0)
        first = date(2025, 12, 1)
        years = {o: office_days(rng, first, months) for o in ids}
        started, stored = time.perf_counter(), 0
        for o in ids:
            for start in range(0, len(years[o]), 100):
                body = msgspec.json.encode(Sent(office=o, days=years[o][start:start + 100]))
                await asyncio.to_thread(_post, f"http://127.0.0.1:{port}/summaries", body, f"{o}-token-0123456789")
                stored += len(years[o][start:start + 100])
        store_seconds = time.perf_counter() - started
        month = _add_months(first, months - 1).isoformat()[:7]
        times = []
        for _ in range(3):
            t = time.perf_counter()
            html = page(network.name, server.pages.compare(month), server.store.months(), "de")
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        nightly = msgspec.json.encode(Sent(office=ids[0], days=years[ids[0]][-10:]))
        await asyncio.to_thread(_post, f"http://127.0.0.1:{port}/summaries", nightly, f"{ids[0]}-token-0123456789")
        nightly_ms = (time.perf_counter() - t) * 1000
        await server.stop()
        size = db.stat().st_size + sum(p.stat().st_size for p in db.parent.glob("network.sqlite3-*"))
        return {"offices": offices, "months": months, "days": stored,
                "days_per_second": round(stored / store_seconds), "kib_per_office_month": round(size / 1024 / offices / months, 1),
                "page_seconds_median": round(statistics.median(times), 2), "page_kib": round(len(html) / 1024),
                "nightly_send_ms": round(nightly_ms, 1)}


def _post(url: str, body: bytes, token: str) -> dict:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def run(offices: int = 30, months: int = 12) -> list[dict]:
    row = asyncio.run(_run(offices, months))
    emit("network", **row)
    return [row]
