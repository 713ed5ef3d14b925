"""The manager's side: statistics over a year of a large office, and the floor board's
update latency while counters call.

Statistics: the store the recovery bench makes (about a million events, 250 days), a month's
every table (`server.manager.stats.tables.Statistics.tables`) computed live from the tickets, and again from
the kept per-day histograms after `keep_days`; a year from the histograms. Baseline in the
same run: one plain SQL pass over the month's tickets (count and summed waits), the least any
report must read. Each is the best wall-clock time and, apart (`cpu_*`), the best CPU time:
on a machine that others load the wall clock mostly measures the wait for a core.

Board: the real server in its own process, a signed-in board socket, 8 counters calling at
once; per call the time from `next` sent to the first `board` frame that shows the ticket at
that counter, beside the counter's own round trip (`next` to its reply).

Board in Chromium: the board page signed in, in headless Debian chromium, and a counter
calling; per call the time from `next` sent to the page's counters table showing the visitor,
beside the waiting-room display page's call-to-screen time for the same call in the same
browser (the baseline: the display is pushed each call at once, the board at most every
`server.manager.board.PUSH_DELAY`). Both clocks are this machine's wall clock (Date.now, time.time).
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
from server.wire import protocol as p
from server.wire.session import ClientSession
from server.manager.stats.tables import Period, Statistics, keep_days

from .common import emit, willkommen_server
from .recovery import a_year_of_events


def best(seconds: list[float]) -> float:
    return round(min(seconds) * 1000, 1)


def timed(fn, repeats: int = 3) -> float:
    return timed_cpu(fn, repeats)[0]


def timed_cpu(fn, repeats: int = 3) -> tuple[float, float]:
    """Best wall-clock and best CPU milliseconds of `repeats` runs. On a machine others load,
    the wall clock mostly measures the wait for a core; CPU time is what the work costs."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, used = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return best(wall), best(cpu)


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
        baseline, baseline_cpu = timed_cpu(lambda: conn.execute(
            "SELECT count(*), sum(called_at - issued_at) FROM tickets WHERE day >= ? AND day <= ?",
            [period.first, period.last]).fetchall(), repeats=5)
        live, live_cpu = timed_cpu(lambda: report.tables(period))
        started = time.perf_counter()
        kept = keep_days(conn, before=today.isoformat(), tz=tz)
        conn.commit()
        keeping = round(time.perf_counter() - started, 2)
        from_histograms, from_histograms_cpu = timed_cpu(lambda: report.tables(period), repeats=5)
        year = Period((date.fromisoformat(kept[0])).isoformat(), kept[-1])
        a_year = timed(lambda: report.tables(year), repeats=1)
        conn.close()
    return [emit("statistics_ms", events=written, month=last_month, month_tickets=tickets,
                 baseline_month_scan=baseline, month_live=live, month_from_histograms=from_histograms,
                 year_from_histograms=a_year, days_kept=len(kept), keeping_all_days_s=keeping,
                 ratio_live=round(live / baseline, 1), ratio_histograms=round(from_histograms / baseline, 1),
                 cpu_baseline_month_scan=baseline_cpu, cpu_month_live=live_cpu,
                 cpu_month_from_histograms=from_histograms_cpu,
                 cpu_ratio_live=round(live_cpu / baseline_cpu, 1) if baseline_cpu else None,
                 cpu_ratio_histograms=round(from_histograms_cpu / baseline_cpu, 1) if baseline_cpu else None)]


async def board_latency(port: int, rounds: int, counters: int) -> tuple[list[float], list[float]]:
    url = f"ws://127.0.0.1:{port}"
    browser = await asyncio.to_thread(signin_cookie, port)
    async with connect(f"{url}/signin/ws", additional_headers={"Cookie": browser}) as ws:
        await ws.send(json.dumps({"type": "sign_in", "id": 1, "name": "manager", "password": "demo-manager"}))
        code = json.loads(await ws.recv())["code"]
    cookie = await asyncio.to_thread(session_cookie, port, code, browser)
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


def signin_cookie(port: int) -> str:
    """The sign-in form's cookie: the one-time code is traded only in the browser that holds it."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/signin")
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.getheader("Set-Cookie").split(";")[0]


def session_cookie(port: int, code: str, browser: str) -> str:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", f"/signin/done?code={code}", headers={"Cookie": browser})
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


# Records in the board page when each (counter, number) first appears in its counters table,
# as the display page records its calls (`window.willkommen.shown`): Date.now() right after the
# DOM holds it (the board re-renders the whole table on each frame: a MutationObserver sees it).
BOARD_SEEN = """() => {
  window.boardSeen = {};
  const look = () => document.querySelectorAll("#counters tr[data-counter]").forEach((row) => {
    const number = row.querySelector("td strong");
    const key = `${row.dataset.counter}:${number ? number.textContent : ""}`;
    if (number && !(key in window.boardSeen)) window.boardSeen[key] = Date.now();
  });
  new MutationObserver(look).observe(document.getElementById("counters"), {childList: true, subtree: true});
}"""


async def board_in_chromium(port: int, calls: int) -> tuple[list[float], list[float]]:
    """Per call: `next` sent -> the board page in Chromium shows the visitor at the counter,
    and -> the waiting-room display page (same browser, same call) shows the call."""
    from playwright.async_api import async_playwright

    from .call_to_screen import CHROMIUM

    url = f"ws://127.0.0.1:{port}/"
    desk = ClientSession(url, role="counter", terminal="counter-1", token="demo-counter-1")
    kiosk = ClientSession(url, role="kiosk", terminal="kiosk-1", token="demo-kiosk-1")
    async with desk, kiosk, async_playwright() as playwright:
        await desk.ready(), await kiosk.ready()
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        board = await browser.new_page(viewport={"width": 1600, "height": 1000})
        await board.goto(f"http://127.0.0.1:{port}/signin")
        await board.fill("#name", "manager")
        await board.fill("#password", "demo-manager")
        await board.click("button[type=submit]")
        await board.wait_for_selector("#status[data-state=online]")
        await board.wait_for_selector("#counters tr[data-counter='1']")
        await board.evaluate(BOARD_SEEN)
        display = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await display.goto(f"http://127.0.0.1:{port}/display")
        await display.wait_for_selector("body[data-state=online]")
        await desk.request(p.Open(id=0))
        service = load_site().counter("1").services[0]
        for i in range(calls):
            await kiosk.request(p.Draw(id=0, service=service, lang="ar", request=f"bc-{i}"))
        to_board, to_display = [], []
        for _ in range(calls):
            sent = time.time() * 1000
            number = (await desk.request(p.Next(id=0))).ticket.number
            shown = await board.wait_for_function(f"window.boardSeen['1:{number}']")
            on_display = await display.wait_for_function(
                f"window.willkommen.shown.find(s => s.number === '{number}')?.at")
            to_board.append(await shown.json_value() - sent)
            to_display.append(await on_display.json_value() - sent)
            await desk.request(p.Finish(id=0, outcome="done"))
            await asyncio.sleep(0.2)  # calls minutes apart in life; here far enough not to queue
        await browser.close()
    return to_board, to_display


def run_board_in_chromium(calls: int = 20) -> list[dict]:
    with willkommen_server() as (_, port):
        to_board, to_display = asyncio.run(board_in_chromium(port, calls))
    board, display = statistics.median(to_board), statistics.median(to_display)
    return [emit("board_in_chromium_ms", calls=calls, board_median=round(board, 1), board_max=round(max(to_board), 1),
                 display_median=round(display, 1), display_max=round(max(to_display), 1),
                 ratio_median=round(board / display, 1) if display > 0 else None)]


def run(events: int = 1_000_000, rounds: int = 20) -> list[dict]:
    return run_statistics(events) + run_board(rounds) + run_board_in_chromium(rounds)
