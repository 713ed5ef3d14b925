"""Draw throughput: N kiosk clients drawing tickets as fast as replies come.

Each client sends a `draw`, waits for its reply (skipping pushed queue updates), and sends
the next. The same clients then load the bare echo server (`bench.echo`): the ratio says how
much of the transport's limit Willkommen reaches with the queue core, the JSON handling and
a committed SQLite transaction behind every reply.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from websockets.asyncio.client import connect

from .common import emit, process, willkommen_server

HELLO = {"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": "demo-kiosk-1"}
SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")


async def kiosk(url: str, n: int, deadline: float, counts: list[int]) -> None:
    run = uuid.uuid4().hex[:8]  # every draw is new: a repeated request id would be an idempotent replay
    async with connect(url, compression=None, max_size=None) as ws:
        await ws.send(json.dumps(HELLO))
        await ws.recv()  # welcome
        for i in itertools.count():
            if time.perf_counter() >= deadline:
                return
            await ws.send(json.dumps({"type": "draw", "id": i, "service": SERVICES[i % 6], "lang": "ar",
                                      "request": f"bench-{run}-{n}-{i}"}))
            while True:
                frame = await ws.recv()
                if frame.startswith('{"type":"reply"') or frame.startswith('{"type": "reply"'):
                    break
                if frame.startswith('{"type":"error"'):
                    raise RuntimeError(frame)
            counts[n] += 1


async def load(port: int, clients: int, seconds: float) -> float:
    url = f"ws://127.0.0.1:{port}/"
    counts = [0] * clients
    await asyncio.gather(*(kiosk(url, n, time.perf_counter() + 0.5, [0] * clients) for n in range(1)))  # warm up
    start = time.perf_counter()
    await asyncio.gather(*(kiosk(url, n, start + seconds, counts) for n in range(clients)))
    return sum(counts) / (time.perf_counter() - start)


def sqlite_commits(synchronous: str, seconds: float) -> float:
    """The storage's limit: one INSERT and one COMMIT per ticket, WAL, the same durability."""
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(Path(folder) / "raw.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        conn.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, number TEXT, data TEXT)")
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO tickets (number, data) VALUES (?, ?)", (f"A{count:03d}", "x" * 200))
            conn.execute("COMMIT")
            count += 1
        rate = count / (time.perf_counter() - start)
        conn.close()
    return rate


def run(clients: list[int], seconds: float, synchronous: list[str]) -> list[dict]:
    results = []
    with process(["-m", "bench.echo"], "serving") as (_, port):
        echo = {c: asyncio.run(load(port, c, seconds)) for c in clients}
    for sync in synchronous:
        raw = sqlite_commits(sync, seconds)
        with willkommen_server(synchronous=sync) as (_, port):
            for c in clients:
                rate = asyncio.run(load(port, c, seconds))
                results.append(emit("draws_per_s", clients=c, synchronous=sync, willkommen=round(rate),
                                    echo_baseline=round(echo[c]), ratio_to_echo=round(rate / echo[c], 2),
                                    sqlite_commit_baseline=round(raw), ratio_to_sqlite=round(rate / raw, 2)))
    return results
