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
import time

from websockets.asyncio.client import connect

from .common import emit, process, willkommen_server

HELLO = {"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": "demo-kiosk-1"}
SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")


async def kiosk(url: str, n: int, deadline: float, counts: list[int]) -> None:
    async with connect(url, compression=None, max_size=None) as ws:
        await ws.send(json.dumps(HELLO))
        await ws.recv()  # welcome
        for i in itertools.count():
            if time.perf_counter() >= deadline:
                return
            await ws.send(json.dumps({"type": "draw", "id": i, "service": SERVICES[i % 6], "lang": "ar",
                                      "request": f"bench-{n}-{i}"}))
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


def run(clients: list[int], seconds: float, synchronous: list[str]) -> list[dict]:
    results = []
    with process(["-m", "bench.echo"], "serving") as (_, port):
        echo = {c: asyncio.run(load(port, c, seconds)) for c in clients}
    for sync in synchronous:
        with willkommen_server(synchronous=sync) as (_, port):
            for c in clients:
                rate = asyncio.run(load(port, c, seconds))
                results.append(emit("draws_per_s", clients=c, synchronous=sync, willkommen=round(rate),
                                    echo_baseline=round(echo[c]), ratio_to_echo=round(rate / echo[c], 2)))
    return results
