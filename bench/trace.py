"""Where a call's time goes on its way to the screen (`bench.offices`): timestamps on the
machine's CLOCK_MONOTONIC (`time.monotonic`, `time.perf_counter` alike here), which every
process on one machine shares, taken along the call's path and put together afterwards.

The path, and the part each step's time goes to:

    counter sends `next` ─ server_busy ─ server_wake ─ server_turn ─ server_task ─ server_work ─┐
    ┌─ display_busy ─ display_wake ─ display_turn ─ display_task ─ the display has `called` ◀──┘

- **server_busy**: the server's event loop was still in an earlier turn when the frame came
  (queueing behind other work of the loop: other terminals, another office in a host process);
- **server_wake**: the loop slept in epoll and the kernel had it runnable, but it got a core
  only then (the scheduler: other processes on the cores);
- **server_turn**: callbacks of the same turn before the connection's bytes were read;
- **server_task**: from the bytes read until the connection's task handled the frame (the
  next turn, after what else was ready);
- **server_work**: the office's own work until the `called` frame goes to the display's socket
  (the queue's rules, the event, the frame; no database on this path: the displays are told
  before the commit);
- **display_busy / display_wake / display_turn / display_task**: the same four in the load
  generator's process that plays the display (its own kiosks' and counters' work, the
  scheduler's delay in waking it); the wake includes the server's `send` itself.

On a loaded machine a process can also lose its core anywhere in between, so a part's time is
where the call was when it waited, not always what it waited for: "task" or "work" of tens of
ms is the process preempted, not work. So each side also says how long its loop's thread was
runnable but waiting for a core (the kernel's run-queue delay, /proc/…/schedstat) from the
epoll wait that got the frame until the push (`queued_server`) or the frame in hand
(`queued_display`): the scheduler's share, apart from the processes' own work.

Each process records, per loop, when it last entered and left epoll (`watch_loop`), when each
connection last received bytes (`watch_connections`) and its garbage collector's pauses
(`watch_gc`). The servers run under `python -m bench.traced` (these patches, then the real
CLI) and write their calls when they stop; the terminals' process (`bench.office_clients`) adds
its half to each call. `parts` joins both halves and says, for a round's calls at and above
the p99, how much of their time each part took, with the GC pauses inside and how late the
counter sent. Every round (thirty offices, one office on SQLite) is traced the same way.
"""

from __future__ import annotations

import bisect
import gc
import json
import selectors
import os
import statistics
import threading
import time
from pathlib import Path

from websockets.asyncio.connection import Connection

PARTS = ("server_busy", "server_wake", "server_turn", "server_task", "server_work",
         "display_busy", "display_wake", "display_turn", "display_task")
GC_PAUSES: list[tuple[float, float]] = []  # (start, seconds) of this process's collections
SCHEDSTAT: list[int] = []  # the main thread's /proc/…/schedstat, open


def waited() -> float:
    """Seconds this process's main thread has waited for a core so far (runnable, not running:
    the scheduler's run-queue delay, /proc/…/schedstat); 0 before `watch`."""
    return int(os.pread(SCHEDSTAT[0], 64, 0).split()[1]) / 1e9 if SCHEDSTAT else 0.0


def watch_loop() -> None:
    """Every epoll selector notes when it was entered and left (the loop asleep in between), and
    how long the thread had waited for a core by then."""
    select = selectors.EpollSelector.select
    SCHEDSTAT.append(os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY))

    def watched(self, timeout=None):
        self.bench_waited = waited()
        self.bench_entered = time.monotonic()
        try:
            return select(self, timeout)
        finally:
            self.bench_left = time.monotonic()
    selectors.EpollSelector.select = watched


def watch_connections() -> None:
    """Every websocket connection notes when it last received bytes, and its loop's epoll times
    then: (received, entered, left, waited for a core by `entered`)."""
    received = Connection.data_received

    def noted(self, data: bytes) -> None:
        selector = getattr(self.loop, "_selector", None)
        self.bench_received = (time.monotonic(), getattr(selector, "bench_entered", 0.0),
                               getattr(selector, "bench_left", 0.0), getattr(selector, "bench_waited", 0.0))
        received(self, data)
    Connection.data_received = noted


def watch_gc() -> None:
    began = [0.0]

    def collection(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.monotonic()
        else:
            GC_PAUSES.append((began[0], time.monotonic() - began[0]))
    gc.callbacks.append(collection)


def watch() -> None:
    watch_loop()
    watch_connections()
    watch_gc()


def received(ws) -> tuple[float, float, float, float]:
    return getattr(ws, "bench_received", (0.0, 0.0, 0.0, 0.0))


def split(sent: float, at: list[float], handled: float, side: str) -> dict[str, float]:
    """The four parts from `sent` (the peer's send) to `handled` on one side: busy, wake, turn, task."""
    got, entered, left, _ = at
    busy = max(0.0, entered - sent)
    return {f"{side}_busy": busy, f"{side}_wake": left - max(entered, sent), f"{side}_turn": got - left,
            f"{side}_task": handled - got}


def gc_within(pauses: list, start: float, end: float) -> float:
    """Seconds of the GC `pauses` (in time order) that fall between `start` and `end`."""
    first = bisect.bisect_left(pauses, (start - 1.0,))  # no collection takes a second
    return sum(min(end, at + took) - max(start, at) for at, took in pauses[first:bisect.bisect_right(pauses, (end,))]
               if at + took > start)


def load_servers(folder: Path) -> dict[tuple[int, str], dict]:
    """Every traced server's calls by (port, ticket number), each with its process's GC pauses."""
    calls = {}
    for path in folder.glob("server-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        pauses = [tuple(pause) for pause in data["gc"]]
        calls.update({(c["port"], c["number"]): {**c, "gc": pauses} for c in data["calls"]})
    return calls


def parts(offices: list, servers: dict[tuple[int, str], dict]) -> dict:
    """For a round's calls (each office's terminals' half: port, number, sent, shown, received,
    late; with its process's GC pauses), the calls at and above the p99: each part's mean in ms,
    the GC pauses within them on either side, how late their counters sent, and in how many of
    them the server's loop was busy; beside it the same means over all calls."""
    whole = []
    for office in offices:
        paused = [tuple(pause) for pause in office.gc]
        for c in office.traced:
            if (s := servers.get((c["port"], c["number"]))) is None:
                continue
            row = {**split(c["sent"], s["received"], s["handled"], "server"), "server_work": s["pushed"] - s["handled"],
                   **split(s["pushed"], c["received"], c["shown"], "display")}
            row.update(total=c["shown"] - c["sent"], late=c["late"],
                       queued_server=s["waited"] - s["received"][3], queued_display=c["waited"] - c["received"][3],
                       gc_server=gc_within(s["gc"], c["sent"], s["pushed"]),
                       gc_display=gc_within(paused, s["pushed"], c["shown"]))
            whole.append(row)
    calls = sum(len(office.traced) for office in offices)
    if calls and not whole:
        raise RuntimeError(f"none of {calls} calls found in the servers' traces: `bench.traced` did not write")
    if len(whole) < 2:
        return {"traced": len(whole), "of": calls}
    totals = [r["total"] for r in whole]
    cut = min(statistics.quantiles(totals, n=100)[98], max(totals))  # few calls: the exclusive p99 is above all
    tail = [r for r in whole if r["total"] >= cut]
    keys = ("total", *PARTS, "queued_server", "queued_display", "gc_server", "gc_display", "late")
    return {"traced": len(whole), "of": calls, "tail_calls": len(tail),
            "tail_ms": {k: round(statistics.mean(r[k] for r in tail) * 1000, 2) for k in keys},
            "tail_server_busy_calls": sum(r["server_busy"] > 0.0005 for r in tail),
            "mean_ms": {k: round(statistics.mean(r[k] for r in whole) * 1000, 3) for k in keys}}


def said(found: dict) -> str:
    """A round's `parts` in a line: where its p99 calls spent their time, on average."""
    if "tail_ms" not in found:
        return f"{found['traced']} of {found['of']} calls traced"
    tail = found["tail_ms"]
    return (f"its {found['tail_calls']} calls at the p99 took {tail['total']} ms: server busy "
            f"{tail['server_busy']}, wake {tail['server_wake']}, turn {tail['server_turn']}, task {tail['server_task']}, "
            f"work {tail['server_work']}; display busy {tail['display_busy']}, wake {tail['display_wake']}, turn "
            f"{tail['display_turn']}, task {tail['display_task']}; waiting for a core {tail['queued_server']} / "
            f"{tail['queued_display']}; GC {tail['gc_server']} / {tail['gc_display']}; "
            f"counter late {tail['late']} (server busy in {found['tail_server_busy_calls']})")
