"""Where a draw's server CPU goes, thread by thread: the event loop, the commit thread, the rest.

    python -m bench.threads [--synchronous full] [--clients 50] [--rounds 6] [--seconds 2]
                            [--folder /dev/shm] [--syscalls]

Starts the real server (as `bench.draws` does), connects the kiosks once and keeps them
drawing; after `--warm` seconds it reads, every `--seconds`, each of the server's threads' CPU
time from the scheduler (/proc/PID/task/*/schedstat) and prints per round and as medians: the
CPU microseconds a draw of the event loop (the main thread: it holds the GIL for nearly all it
does, so its CPU a draw bounds the draws a second on one core) and of each other thread by id
(under "full" the commit thread, whose COMMIT and fsync run in C beside the loop), the share of
the round the loop ran and waited for a core (`loop_busy`, `loop_waiting`: the neighbours'
load), its voluntary switches a draw (sleeps in epoll or on the GIL), and the kiosks' own CPU a
draw (`kiosks_us`: this process, which shares the machine's cores with the server). No
handshake falls in a round. `--folder /dev/shm` puts the database in memory, where an fsync
costs nothing: what "full" then still costs is the hand-over, not the disk. `--syscalls`
counts the loop's system calls a draw with `perf stat` (if installed).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from websockets.asyncio.client import connect

from .common import bench_config, emit, process
from .draws import HELLO, SERVICES, server_commits

SYSCALLS = ("epoll_wait", "sendto", "recvfrom", "futex")


def threads(pid: int) -> dict[int, tuple[int, int, int]]:
    """Each thread's (ns run, ns waited for a core, voluntary switches)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            ran, waited = map(int, (task / "schedstat").read_text().split()[:2])
            switches = int((task / "status").read_text().split("voluntary_ctxt_switches:")[1].split()[0])
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
            continue
        found[int(task.name)] = (ran, waited, switches)
    return found


async def kiosk(url: str, stop: asyncio.Event, drawn: list[int]) -> None:
    run = uuid.uuid4().hex[:8]
    async with connect(url, compression=None, max_size=None) as ws:
        await ws.send(json.dumps(HELLO))
        await ws.recv()  # welcome
        for i in itertools.count():
            if stop.is_set():
                return
            await ws.send(json.dumps({"type": "draw", "id": i, "service": SERVICES[i % 6], "lang": "ar",
                                      "request": f"threads-{run}-{i}"}))
            while not (frame := await ws.recv()).startswith('{"type":"reply"'):
                if frame.startswith('{"type":"error"'):
                    raise RuntimeError(frame)
            drawn[0] += 1


def one_round(pid: int, before: dict, after: dict, drawn: int, seconds: float, kiosks_s: float) -> dict:
    row: dict = {"draws_per_s": round(drawn / seconds), "loop_us": 0.0, "others_us": {}}
    for tid, (ran, waited, switches) in after.items():
        was = before.get(tid, (0, 0, 0))
        us = (ran - was[0]) / 1e3 / drawn
        if tid == pid:
            row.update(loop_us=round(us, 1), loop_busy=round((ran - was[0]) / 1e9 / seconds, 2),
                       loop_waiting=round((waited - was[1]) / 1e9 / seconds, 2),
                       loop_switches=round((switches - was[2]) / drawn, 3))
        elif us >= 0.05:
            row["others_us"][str(tid)] = round(us, 1)
    row["kiosks_us"] = round(kiosks_s / drawn * 1e6, 1)
    return row


def counted(pid: int, seconds: float) -> subprocess.Popen | None:
    events = ",".join(f"syscalls:sys_enter_{name}" for name in SYSCALLS)
    try:
        return subprocess.Popen(["perf", "stat", "-x", ",", "-e", events, "-t", str(pid), "--", "sleep", str(seconds)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        return None


async def measure(port: int, pid: int, args: argparse.Namespace) -> list[dict]:
    stop, drawn = asyncio.Event(), [0]
    kiosks = [asyncio.create_task(kiosk(f"ws://127.0.0.1:{port}/", stop, drawn)) for _ in range(args.clients)]
    await asyncio.sleep(args.warm)
    perf = counted(pid, args.rounds * args.seconds) if args.syscalls else None
    rows, first = [], drawn[0]
    for n in range(args.rounds):
        before, commits, count, cpu, start = threads(pid), server_commits(port), drawn[0], time.process_time(), time.perf_counter()
        await asyncio.sleep(args.seconds)
        after, now, elapsed = threads(pid), time.process_time(), time.perf_counter() - start
        done = max(1, drawn[0] - count)
        row = one_round(pid, before, after, done, elapsed, now - cpu)  # os.times' 10 ms ticks read 0 in a short busy round
        row["group"] = round(done / max(1, server_commits(port) - commits), 1)
        rows.append(emit("threads_round", round=n, synchronous=args.synchronous, clients=args.clients, **row,
                         load=round(os.getloadavg()[0], 1)))
    if perf is not None:
        _, said = await asyncio.to_thread(perf.communicate)
        calls = {line.split(",")[2].rpartition("sys_enter_")[2]: int(line.split(",")[0])
                 for line in said.splitlines() if line.split(",")[0].strip().isdigit()}
        emit("loop_syscalls_a_draw", **{name: round(n / max(1, drawn[0] - first), 3) for name, n in calls.items()})
    stop.set()
    await asyncio.gather(*kiosks, return_exceptions=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.threads", description=__doc__.split("\n\n")[0])
    parser.add_argument("--synchronous", choices=["normal", "full"], default="full")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--warm", type=float, default=2.0, help="seconds of drawing before the first round")
    parser.add_argument("--folder", default=None, help="where the database goes (default: the system's temp)")
    parser.add_argument("--syscalls", action="store_true", help="count the loop's system calls (perf stat)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        config = bench_config(Path(folder), synchronous=args.synchronous)
        with process(["-m", "server", "--config", str(config), "--db", str(Path(folder) / "threads.sqlite3"),
                      "--port", "0"], "serving") as (server, port):
            rows = asyncio.run(measure(port, server.pid, args))
    others = [sum(r["others_us"].values()) for r in rows]
    emit("threads", synchronous=args.synchronous, clients=args.clients, rounds=len(rows),
         **{key: round(statistics.median(r[key] for r in rows), 3) for key in
            ("draws_per_s", "group", "loop_us", "loop_busy", "loop_waiting", "loop_switches", "kiosks_us")},
         others_us=round(statistics.median(others), 1))


if __name__ == "__main__":
    main()
