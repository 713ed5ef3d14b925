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
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from websockets.asyncio.client import connect

from .budget import floors, server_cpu, thread_cpu
from .common import emit, process, willkommen_server

HELLO = {"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": "demo-kiosk-1"}
SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")


class Start:
    """One moment every kiosk of a round starts drawing from, once all are connected and welcomed
    (`load(connected_first=True)`, `bench.paired`): the round's CPU and seconds then hold no
    handshakes. On a busy machine a round of 2 s drew a few hundred tickets at times, and its 50
    handshakes and welcomes took the CPU a draw from 100 to 600 us."""

    def __init__(self, clients: int, seconds: float):
        self.missing, self.seconds, self.deadline = clients, seconds, 0.0
        self.all_in, self.go = asyncio.Event(), asyncio.Event()

    async def ready(self) -> float:
        """Wait for the start; the round's deadline."""
        self.missing -= 1
        if not self.missing:
            self.all_in.set()
        await self.go.wait()
        return self.deadline

    def begin(self) -> None:
        self.deadline = time.perf_counter() + self.seconds
        self.go.set()


async def kiosk(url: str, n: int, deadline: float, counts: list[int], start: Start | None = None) -> None:
    run = uuid.uuid4().hex[:8]  # every draw is new: a repeated request id would be an idempotent replay
    async with connect(url, compression=None, max_size=None) as ws:
        await ws.send(json.dumps(HELLO))
        await ws.recv()  # welcome
        if start is not None:
            deadline = await start.ready()
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


async def load(port: int, clients: int, seconds: float, pid: int, threads: dict[str, float] | None = None, *,
               connected_first: bool = False) -> tuple[float, float, float | None]:
    """Draws per second, the server's CPU microseconds per draw, and draws per commit (None
    for a baseline, which does not commit); into `threads`, if given, the CPU microseconds per
    draw of the server's event loop and of its other threads (`thread_cpu`). With
    `connected_first` the round starts once every kiosk is connected (`Start`)."""
    url = f"ws://127.0.0.1:{port}/"
    counts = [0] * clients
    await asyncio.gather(*(kiosk(url, n, time.perf_counter() + 0.5, [0] * clients) for n in range(1)))  # warm up
    gate = Start(clients, seconds) if connected_first else None
    kiosks = [asyncio.ensure_future(kiosk(url, n, time.perf_counter() + seconds, counts, gate)) for n in range(clients)]
    if gate is not None:  # a kiosk that failed to connect ends the wait with its error
        all_in = asyncio.ensure_future(gate.all_in.wait())
        await asyncio.wait([all_in, *kiosks], return_when=asyncio.FIRST_COMPLETED)
        all_in.cancel()
        for failed in (k for k in kiosks if k.done() and k.exception() is not None):
            raise failed.exception()
    commits, cpu, split, start = server_commits(port), server_cpu(pid), thread_cpu(pid), time.perf_counter()
    if gate is not None:
        gate.begin()
    await asyncio.gather(*kiosks)
    elapsed, cpu, commits = time.perf_counter() - start, server_cpu(pid) - cpu, server_commits(port) - commits
    drawn = max(1, sum(counts))  # a machine so busy that no reply came in the round: a figure, not a crash
    if threads is not None:
        threads.update({name: (ran - split[name]) / drawn * 1e6 for name, ran in thread_cpu(pid).items()})
    return sum(counts) / elapsed, cpu / drawn * 1e6, (sum(counts) / commits if commits else None)


def server_commits(port: int) -> int:
    """Willkommen's commits since its start (/healthz); 0 from a baseline without the page."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as page:
            return json.load(page)["commits"]
    except (OSError, ValueError, KeyError):
        return 0


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


def run(clients: list[int], seconds: float, synchronous: list[str], repeats: int = 3) -> list[dict]:
    """Each figure is the median of `repeats` rounds, and a round measures Willkommen, the echo
    and raw SQLite one right after another: this machine's neighbours move a run by ±15 % from
    one minute to the next (1 client drew 2,760-3,720/s), so a ratio compares runs made
    together, not minutes apart."""
    results = []
    with process(["-m", "bench.echo"], "serving") as (echo_server, echo_port):
        for sync in synchronous:
            with willkommen_server(synchronous=sync) as (server, port):
                rounds = [one_round(port, server.pid, echo_port, echo_server.pid, clients, seconds, sync)
                          for _ in range(repeats)]
            raw = statistics.median(r["sqlite"] for r in rounds)
            for c in clients:
                rate, cpu, group = median(r[c] for r in rounds)
                echo = median(r[("echo", c)] for r in rounds)
                results.append(emit("draws_per_s", clients=c, synchronous=sync, willkommen=round(rate),
                                    echo_baseline=round(echo[0]), ratio_to_echo=round(rate / echo[0], 2),
                                    sqlite_commit_baseline=round(raw), ratio_to_sqlite=round(rate / raw, 2),
                                    server_cpu_us=round(cpu, 1), echo_server_cpu_us=round(echo[1], 1),
                                    draws_per_commit=round(group or 0, 1)))
    return results


def one_round(port: int, pid: int, echo_port: int, echo_pid: int, clients: list[int], seconds: float,
              sync: str) -> dict:
    measured: dict = {"sqlite": sqlite_commits(sync, seconds)}
    for c in clients:
        measured[c] = asyncio.run(load(port, c, seconds, pid))
        measured[("echo", c)] = asyncio.run(load(echo_port, c, seconds, echo_pid))
    return measured


def median(runs) -> tuple:
    """The run with the median rate."""
    ordered = sorted(runs, key=lambda r: r[0])
    return ordered[len(ordered) // 2]


def budget(row: dict, target: float = 0.7) -> dict:
    """Split a run's server CPU per draw into the transport (the echo server's cost), the queue
    core and the store (their floors, measured here at the run's group size) and the rest, and
    say what a `target` ratio to the echo would leave for everything but the transport."""
    floor = floors(max(1, round(row["draws_per_commit"])))
    transport, total = row["echo_server_cpu_us"], row["server_cpu_us"]
    allowed = transport * (1 / target - 1)
    return emit("draw_budget_us", clients=row["clients"], synchronous=row["synchronous"],
                draws_per_commit=row["draws_per_commit"], willkommen=total, transport=transport, **floor,
                rest=round(total - transport - floor["core_us"] - floor["store_us"], 1),
                target_ratio=target, allowed_beyond_transport=round(allowed, 1),
                floors_fit_target=floor["core_us"] + floor["store_us"] <= allowed)


def report(rows: list[dict]) -> None:
    """The table of a run, and the budget of its busiest synchronous=normal row."""
    print(f"\n{'clients':>7} {'sync':>6} {'draws/s':>8} {'echo/s':>8} {'×echo':>6} {'sqlite/s':>8} {'×sqlite':>7} "
          f"{'cpu µs':>7} {'echo µs':>7} {'group':>6}")
    for r in rows:
        print(f"{r['clients']:>7} {r['synchronous']:>6} {r['willkommen']:>8} {r['echo_baseline']:>8} "
              f"{r['ratio_to_echo']:>6} {r['sqlite_commit_baseline']:>8} {r['ratio_to_sqlite']:>7} "
              f"{r['server_cpu_us']:>7} {r['echo_server_cpu_us']:>7} {r['draws_per_commit']:>6}")
    b = budget(max(rows, key=lambda r: (r["synchronous"] == "normal", r["clients"])))
    print(f"\nserver CPU per draw at {b['clients']} clients: {b['willkommen']} us = transport {b['transport']} "
          f"(the echo server's) + queue core {b['core_us']} + store {b['store_us']} (floors, {b['draws_per_commit']} "
          f"draws a commit) + the rest {b['rest']}; {b['target_ratio']}x the echo leaves "
          f"{b['allowed_beyond_transport']} us beyond the transport")
