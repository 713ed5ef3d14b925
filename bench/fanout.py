"""Call to screen under load: D display connections (spread over P processes, since one
Python load generator cannot keep up with the fan-out) and C counters calling in a loop; the
time from a counter sending `next` to each display receiving `called`: p50, p99, max. The same
clients against `bench.broadcast` (a bare websockets broadcast server) are the baseline.

Stuck rounds: the same, with S more displays that say hello and never read (frozen TVs). The
server closes them (4413, server/edge/fanout.py) once PUSH_BUFFER_KIB is left unread; the reading
displays' p99 against the rounds without them (same run) is the figure: it must not move.
The Willkommen server runs with that cap in both kinds of round, so they compare."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

from .common import ROOT, bench_config, emit, process

SERVICES = ["residence", "extension", "settlement", "passport", "card-pickup", "info"]
STUCK = 5              # frozen displays in a stuck round
PUSH_BUFFER_KIB = 16   # the site's cap: small enough that this run's calls reach it


def fanout_config(folder: Path, counters: int, *, push_buffer_kib: int | None = None) -> Path:
    """The demo office with counters 9… added, each serving every service."""
    path = bench_config(folder)
    if push_buffer_kib is not None:
        path.write_text(path.read_text(encoding="utf-8").replace(
            "[site]\n", f"[site]\npush_buffer_kib = {push_buffer_kib}\n", 1), encoding="utf-8")
    extra = "".join(f'\n[[counters]]\nid = "{i}"\nservices = {json.dumps(SERVICES)}\n'
                    f'\n[[terminals]]\nid = "counter-{i}"\nrole = "counter"\ncounter = "{i}"\ntoken = "bench-counter-{i}"\n'
                    for i in range(9, counters + 1))
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def stuck_display(port: int) -> socket.socket:
    """A display that says hello and then never reads (a frozen TV): a raw socket with a 4 KiB
    receive buffer that completes the websocket handshake, sends hello, and reads nothing more."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while not response.endswith(b"\r\n\r\n"):  # byte by byte: not one byte past the handshake
        response += sock.recv(1)
    if not response.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"no websocket: {response[:80]!r}")
    hello, mask = b'{"type": "hello", "role": "display"}', os.urandom(4)
    sock.sendall(bytes([0x81, 0x80 | len(hello)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(hello)))
    return sock


def closed_too_slow(port: int) -> int:
    from urllib.request import urlopen

    with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
        return json.loads(answer.read())["closed_too_slow"]


def token_of(counter: int) -> str:
    return f"demo-counter-{counter}" if counter <= 8 else f"bench-counter-{counter}"


async def counter_loop(url: str, counter: int, calls: int, sent: dict) -> None:
    async with connect(url, compression=None, max_size=None) as ws:
        async def ask(message: dict) -> dict:
            await ws.send(json.dumps(message))
            while True:
                answer = json.loads(await ws.recv())
                if answer["type"] in ("reply", "error"):
                    return answer
        await ws.send(json.dumps({"type": "hello", "role": "counter", "terminal": f"counter-{counter}",
                                  "token": token_of(counter)}))
        await ws.recv()
        await ask({"type": "open", "id": 0})
        for i in range(calls):
            start = time.time()
            reply = await ask({"type": "next", "id": i})
            if reply["type"] == "reply":
                sent[reply["ticket"]["number"]] = start
                await ask({"type": "finish", "id": i, "outcome": "done"})
            await asyncio.sleep(0.05)


async def fill(url: str, tickets: int) -> None:
    async with connect(url, compression=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": "demo-kiosk-1"}))
        await ws.recv()
        for i in range(tickets):
            await ws.send(json.dumps({"type": "draw", "id": i, "service": SERVICES[i % 6], "lang": "de",
                                      "request": f"fan-{time.time()}-{i}"}))
            while not (await ws.recv()).startswith('{"type":"reply"'):
                pass


def measure(port: int, displays: int, processes: int, counters: int, calls: int, *, tickets: bool,
            stuck: int = 0) -> list[float]:
    url = f"ws://127.0.0.1:{port}/"
    if tickets:
        asyncio.run(fill(url, counters * calls + 50))
    listeners = [subprocess.Popen([sys.executable, "-m", "bench.listeners", "--url", url,
                                   "--count", str(displays // processes)], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    for listener in listeners:
        json.loads(listener.stdout.readline())  # {"ready": n}
    frozen = [stuck_display(port) for _ in range(stuck)]
    sent: dict[str, float] = {}

    async def all_counters():
        await asyncio.gather(*(counter_loop(url, c, calls, sent) for c in range(1, counters + 1)))

    asyncio.run(all_counters())
    time.sleep(1.0)
    for sock in frozen:
        sock.close()
    latencies = []
    for listener in listeners:
        out, _ = listener.communicate("", timeout=60)
        for number, times in json.loads(out.strip().splitlines()[-1]).items():
            if number in sent:
                latencies += [(t - sent[number]) * 1000 for t in times]
    return latencies


def summary(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {"p50": round(statistics.median(ordered), 1), "p99": round(ordered[int(len(ordered) * 0.99) - 1], 1),
            "max": round(ordered[-1], 1), "deliveries": len(ordered)}


def median_of(runs: list[dict]) -> dict:
    """Per figure, the median over runs: a neighbour on this machine moves one run's p99 by a
    third (1.06 to 1.38 times the baseline in runs of the same code)."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def run(displays: int = 500, processes: int = 4, counters: int = 20, calls: int = 10, repeats: int = 5,
        stuck: int = STUCK) -> list[dict]:
    ours, jammed, base = [], [], []
    closed: dict[int, list[int]] = {0: [], stuck: []}   # connections closed as too slow, per round
    for _ in range(repeats):  # alternating, so a slow minute of the machine hits all three
        for frozen, rounds in ((0, ours), (stuck, jammed)):
            with tempfile.TemporaryDirectory() as folder:
                config = fanout_config(Path(folder), counters, push_buffer_kib=PUSH_BUFFER_KIB)
                with process(["-m", "server", "--config", str(config), "--db", str(Path(folder) / "fan.sqlite3"),
                              "--port", "0"], "serving") as (_, port):
                    rounds.append(summary(measure(port, displays, processes, counters, calls, tickets=True,
                                                  stuck=frozen)))
                    closed[frozen].append(closed_too_slow(port))
        with process(["-m", "bench.broadcast"], "serving") as (_, port):
            base.append(summary(measure(port, displays, processes, counters, calls, tickets=False)))
    ours, jammed, base = median_of(ours), median_of(jammed), median_of(base)
    return [emit("call_to_screen_under_load_ms", displays=displays, processes=processes, counters=counters,
                 willkommen_p50=ours["p50"], willkommen_p99=ours["p99"], willkommen_max=ours["max"],
                 broadcast_p50=base["p50"], broadcast_p99=base["p99"], broadcast_max=base["max"],
                 ratio_p50=round(ours["p50"] / base["p50"], 2), ratio_p99=round(ours["p99"] / base["p99"], 2),
                 deliveries=ours["deliveries"],
                 stuck_displays=stuck, push_buffer_kib=PUSH_BUFFER_KIB,
                 stuck_p50=jammed["p50"], stuck_p99=jammed["p99"], stuck_max=jammed["max"],
                 stuck_ratio_p99=round(jammed["p99"] / ours["p99"], 2), stuck_deliveries=jammed["deliveries"],
                 closed_in_stuck_rounds=closed[stuck], closed_in_plain_rounds=closed[0])]
