"""Live pages while the monthly report renders: `/healthz` and a kiosk's draw, each timed from
request to answer, in quiet rounds and in rounds during which a manager asks for a month's
report (`/report.pdf`) again and again, alternating in the same run. The figure is the ratio
of the loaded rounds' p99 to the quiet rounds' (goal: at most 1.5). The month is
`willkommen-server demo-month`'s (about 5,000 tickets, kept as a running office keeps them),
served by the real server in its own process, which makes reports in its worker process
(`server.manager.stats.worker`). Before the worker, the report rendered in a thread of the
server: `/healthz` went from 3-4 ms median (max 27-87 ms) to 16-17 ms (max 453-818 ms).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from websockets.asyncio.client import connect

from config import load_site
from server.demo.month import fill
from server.wire import protocol as p
from server.wire.session import ClientSession

from .common import bench_config, emit, process
from .manager import session_cookie, signin_cookie


async def healthz(port: int) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    await reader.read()
    writer.close()
    await writer.wait_closed()
    return time.perf_counter() - started


# `--quick` (the suite's smoke run) asks for the report's HTML, without WeasyPrint's layout: the
# PDF took past the server's 60 s answer limit on a test machine at a load of 20, and the smoke
# run proves the benchmark runs, not the PDF's speed (tests/test_stats_report.py proves the PDF)
DOCUMENT = {"report.pdf": b"%PDF", "report.html": b"<html"}


async def report(port: int, cookie: str, month: str, document: str = "report.pdf") -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /{document}?month={month} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                 "Connection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert answer.startswith(b"HTTP/1.1 200") and DOCUMENT[document] in answer, answer[:200]
    return time.perf_counter() - started


async def sign_in(port: int) -> str:
    browser = await asyncio.to_thread(signin_cookie, port)
    async with connect(f"ws://127.0.0.1:{port}/signin/ws", additional_headers={"Cookie": browser}) as ws:
        await ws.send(json.dumps({"type": "sign_in", "id": 1, "name": "manager", "password": "demo-manager"}))
        code = json.loads(await ws.recv())["code"]
    return await asyncio.to_thread(session_cookie, port, code, browser)


async def a_round(port: int, kiosk: ClientSession, seconds: float, n: list[int]) -> tuple[list[float], list[float]]:
    """`/healthz` and a draw, one after the other, every 20 ms for `seconds`."""
    health, draws, end = [], [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        health.append(await healthz(port))
        n[0] += 1
        started = time.perf_counter()
        await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"bench-{n[0]}"))
        draws.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return health, draws


async def measure(port: int, month: str, rounds: int, seconds: float, document: str) -> dict:
    cookie = await sign_in(port)
    first = await report(port, cookie, month, document)  # starts the worker process (spawn, imports)
    kiosk = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token="demo-kiosk-1")
    quiet: dict[str, list[float]] = {"healthz": [], "draw": []}
    loaded: dict[str, list[float]] = {"healthz": [], "draw": []}
    made: list[float] = []
    n = [0]
    async with kiosk:
        await kiosk.ready()
        for _ in range(rounds):
            for found, busy in ((quiet, False), (loaded, True)):
                stop = asyncio.Event()

                async def reports():
                    while not stop.is_set():
                        made.append(await report(port, cookie, month, document))
                worker = asyncio.create_task(reports()) if busy else None
                if busy:
                    await asyncio.sleep(0.5)  # the worker is at it
                health, draws = await a_round(port, kiosk, seconds, n)
                stop.set()
                if worker is not None:
                    await worker
                found["healthz"] += health
                found["draw"] += draws
    return {"quiet": quiet, "loaded": loaded, "reports": made, "first_report": first}


def ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)


def run(rounds: int = 3, seconds: float = 6.0, document: str = "report.pdf") -> list[dict]:
    """The worker process as the server runs it, then (`before_*`) the report in a thread of
    the server as before the worker (`WILLKOMMEN_REPORTS=thread`), on the same file."""
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # inside the retention
    with tempfile.TemporaryDirectory() as folder:
        config = bench_config(Path(folder))
        db = Path(folder) / "month.sqlite3"
        filled = fill(load_site(config), db, month)
        server = ["-m", "server", "--config", str(config), "--db", str(db), "--port", "0"]
        with process(server, "serving") as (_, port):
            found = asyncio.run(measure(port, month, rounds, seconds, document))
        with process(server, "serving", env={"WILLKOMMEN_REPORTS": "thread"}) as (_, port):
            before = asyncio.run(measure(port, month, rounds, seconds, document))
    row = {"month": month, "document": document, "tickets": filled.tickets, "rounds": rounds, "seconds": seconds,
           **figures(found), **{f"before_{k}": v for k, v in figures(before).items()}}
    return [emit("report_while_live_ms", **row)]


def figures(found: dict) -> dict:
    row = {"reports_rendered": len(found["reports"]), "report_median_s": round(statistics.median(found["reports"]), 2),
           "first_report_s": round(found["first_report"], 2)}
    for kind in ("healthz", "draw"):
        quiet, loaded = found["quiet"][kind], found["loaded"][kind]
        row |= {f"{kind}_quiet_p50": ms(quiet, 0.5), f"{kind}_quiet_p99": ms(quiet, 0.99),
                f"{kind}_quiet_max": ms(quiet, 1.0), f"{kind}_loaded_p50": ms(loaded, 0.5),
                f"{kind}_loaded_p99": ms(loaded, 0.99), f"{kind}_loaded_max": ms(loaded, 1.0),
                f"{kind}_samples": len(quiet) + len(loaded),
                f"{kind}_ratio_p99": round(ms(loaded, 0.99) / ms(quiet, 0.99), 2)}
    return row
