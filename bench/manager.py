"""The manager's side: statistics over a year of a large office, and the floor board's
update latency while counters call.

Statistics: the store the recovery bench makes (about a million events, 250 days), a month's
every table (`server.stats.Statistics.tables`) computed live from the tickets, and again from
the kept per-day histograms after `keep_days`; a year from the histograms. Baseline in the
same run: one plain SQL pass over the month's tickets (count and summed waits), the least any
report must read.

Board: the real server in its own process, a signed-in board socket, 8 counters calling at
once; per call the time from `next` sent to the first `board` frame that shows the ticket at
that counter, beside the counter's own round trip (`next` to its reply).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from websockets.asyncio.client import connect

from config import load_site
from server import protocol as p
from server.client import ClientSession
from server.stats import Period, Statistics, keep_days

from .common import emit, willkommen_server
from .recovery import a_year_of_events


def best(seconds: list[float]) -> float:
    return round(min(seconds) * 1000, 1)


def timed(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return best(times)


def run_statistics(events: int = 1_000_000) -> list[dict]:
    site = load_site()
    tz = ZoneInfo(site.timezone)
    today = datetime.now(tz).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "year.sqlite3"
        written = a_year_of_events(db, events)
        conn = sqlite3.connect(db)
        period = Period.parse("month", last_month, today=today.isoformat())
        tickets = conn.execute("SELECT count(*) FROM tickets WHERE day >= ? AND day <= ?",
                               [period.first, period.last]).fetchone()[0]
        report = Statistics(conn, site, today=today.isoformat(), now=time.time())
        baseline = timed(lambda: conn.execute(
            "SELECT count(*), sum(called_at - issued_at) FROM tickets WHERE day >= ? AND day <= ?",
            [period.first, period.last]).fetchall())
        live = timed(lambda: report.tables(period))
        started = time.perf_counter()
        kept = keep_days(conn, before=today.isoformat(), tz=tz)
        conn.commit()
        keeping = round(time.perf_counter() - started, 2)
        from_histograms = timed(lambda: report.tables(period))
        year = Period((date.fromisoformat(kept[0])).isoformat(), kept[-1])
        a_year = timed(lambda: report.tables(year), repeats=1)
        conn.close()
    return [emit("statistics_ms", events=written, month=last_month, month_tickets=tickets,
                 baseline_month_scan=baseline, month_live=live, month_from_histograms=from_histograms,
                 year_from_histograms=a_year, days_kept=len(kept), keeping_all_days_s=keeping,
                 ratio_live=round(live / baseline, 1), ratio_histograms=round(from_histograms / baseline, 1))]


async def board_latency(port: int, rounds: int, counters: int) -> tuple[list[float], list[float]]:
    url = f"ws://127.0.0.1:{port}"
    async with connect(f"{url}/signin/ws") as ws:
        await ws.send(json.dumps({"type": "sign_in", "id": 1, "name": "manager", "password": "demo-manager"}))
        code = json.loads(await ws.recv())["code"]
    cookie = await asyncio.to_thread(session_cookie, port, code)
    desks = [ClientSession(f"{url}/", role="counter", terminal=f"counter-{i}", token=f"demo-counter-{i}")
             for i in range(1, counters + 1)]
    kiosk = ClientSession(f"{url}/", role="kiosk", terminal="kiosk-1", token="demo-kiosk-1")
    seen: dict[tuple[str, str], float] = {}
    async with connect(f"{url}/board/ws", additional_headers={"Cookie": cookie}) as board, kiosk:
        for desk in desks:
            desk.start()
            await desk.ready()
        await kiosk.ready()

        async def watch():
            async for frame in board:
                at = time.perf_counter()
                for c in json.loads(frame).get("floor", {}).get("counters", []):
                    if c["visitor"]:
                        seen.setdefault((c["id"], c["visitor"]["number"]), at)

        watcher = asyncio.create_task(watch())
        for desk in desks:
            await desk.request(p.Open(id=0))
        site = load_site()
        to_board, round_trip = [], []
        for r in range(rounds):
            for i, desk in enumerate(desks):
                await kiosk.request(p.Draw(id=0, service=site.counter(str(i + 1)).services[0], lang="de",
                                           request=f"b-{r}-{i}"))

            async def call(desk, i):
                sent = time.perf_counter()
                reply = await desk.request(p.Next(id=0))
                round_trip.append(time.perf_counter() - sent)
                return sent, str(i + 1), reply.ticket.number

            calls = await asyncio.gather(*(call(d, i) for i, d in enumerate(desks)))
            for _ in range(200):
                if all((c, n) in seen for _, c, n in calls):
                    break
                await asyncio.sleep(0.01)
            to_board += [seen[(c, n)] - sent for sent, c, n in calls if (c, n) in seen]
            for desk in desks:
                await desk.request(p.Finish(id=0, outcome="done"))
            await asyncio.sleep(0.2)
        watcher.cancel()
        for desk in desks:
            await desk.close()
    return to_board, round_trip


def session_cookie(port: int, code: str) -> str:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", f"/signin/done?code={code}")
    cookie = conn.getresponse().getheader("Set-Cookie").split(";")[0]
    conn.close()
    return cookie


def run_board(rounds: int = 20, counters: int = 8) -> list[dict]:
    with willkommen_server() as (_, port):
        to_board, round_trip = asyncio.run(board_latency(port, rounds, counters))
    ms = sorted(t * 1000 for t in to_board)
    return [emit("board_latency_ms", counters=counters, calls=len(ms), median=round(statistics.median(ms), 1),
                 p99=round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 1), max=round(ms[-1], 1),
                 counter_round_trip_median=round(statistics.median(round_trip) * 1000, 1))]


def run(events: int = 1_000_000, rounds: int = 20) -> list[dict]:
    return run_statistics(events) + run_board(rounds)
