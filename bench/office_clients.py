"""One office's terminals for `bench.offices`, in a process of their own (`python -m
bench.office_clients --port P ...`), each at a steady pace: `kiosks` kiosks drawing (one draw
every `interval` seconds each), counters calling (`next`, then `finish`, every
`call_interval` seconds each) and a display recording when each call reaches it. Measured:
the time from a draw sent to its reply, and call to screen, from a counter sending `next`
until the display has the `called` frame (the same process's clock for both). Also how late
this load generator woke for its sends and the CPU it used (a busy client loop adds its own
delay to every figure).

A process per office by default (`bench.offices.terminals`, `per_process`): the terminals of
thirty offices are thirty offices' machines, and each office's figures then come as the
single-office rounds' do, with no other office's frames ahead of its replies in the same loop.
One process for all thirty costs less CPU a draw (384-713 µs against 893-983 µs: fewer
wake-ups); which gives the lower p99 could not be told on the loaded machine (two paired runs
said opposite things). It runs a round for each line `{"seconds": s}` read from stdin and
prints its offices' figures as one JSON line, until stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field

from websockets.asyncio.client import connect

from bench import trace

SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")
COUNTERS = ("1", "2")  # the demo's counters 1 and 2 call info, card-pickup and passport: half of what is drawn


@dataclass
class Measured:
    draws: list[float] = field(default_factory=list)  # seconds, draw sent to its reply
    calls: list[float] = field(default_factory=list)  # seconds, `next` sent to the display's `called`
    late: list[float] = field(default_factory=list)   # seconds the client woke after a send was due
    cpu: float = 0.0  # seconds of CPU this process used in the round
    traced: list[dict] = field(default_factory=list)  # each call's half of its path (`bench.trace`)
    gc: list[tuple[float, float]] = field(default_factory=list)  # this process's GC pauses in the round


async def hello(ws, role: str, terminal: str, token: str) -> None:
    await ws.send(json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": token}))
    await ws.recv()  # welcome


async def answer(ws) -> dict:
    """The reply (or error) to the request just sent, skipping pushes meanwhile."""
    while True:
        frame = await ws.recv()
        if frame.startswith(('{"type":"reply"', '{"type": "reply"', '{"type":"error"', '{"type": "error"')):
            return json.loads(frame)


async def paced(interval: float, seconds: float, late: list[float], after: float = 0.0):
    """Yield each step's number at a steady pace from a random phase (thirty offices' terminals
    do not act in step) `after` seconds on, until `seconds` are over."""
    start = time.monotonic()
    due = start + after + random.uniform(0, interval)
    step = 0
    while due < start + seconds:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        late.append(max(0.0, time.monotonic() - due))
        yield step
        step, due = step + 1, due + interval


async def kiosk(url: str, n: int, interval: float, seconds: float, measured: Measured) -> None:
    run, terminal = uuid.uuid4().hex[:8], f"kiosk-{n % 2 + 1}"
    async with connect(url, compression=None, max_size=None) as ws:
        await hello(ws, "kiosk", terminal, f"demo-{terminal}")
        async for i in paced(interval, seconds, measured.late):
            sent = time.monotonic()
            await ws.send(json.dumps({"type": "draw", "id": i, "service": SERVICES[(i + 3 * n) % 6], "lang": "ar",
                                      "request": f"bench-{run}-{n}-{i}"}))
            if (reply := await answer(ws))["type"] == "error":
                raise RuntimeError(reply)
            measured.draws.append(time.monotonic() - sent)


async def counter(url: str, desk: str, interval: float, seconds: float, sent: dict[str, tuple[float, float]],
                  late: list[float], *, after: float) -> None:
    """Call the next visitor every `interval` seconds from `after` seconds on (the kiosks' first
    draws in) and finish them at once; `sent` gets when each call's `next` went out and how
    late that was. Nobody
    waiting (an error) is a call not made."""
    async with connect(url, compression=None, max_size=None) as ws:
        await hello(ws, "counter", f"counter-{desk}", f"demo-counter-{desk}")
        await ws.send(json.dumps({"type": "open", "id": 0}))
        await answer(ws)
        async for i in paced(interval, seconds, late, after):
            at = time.monotonic()
            await ws.send(json.dumps({"type": "next", "id": i}))
            if (reply := await answer(ws))["type"] == "reply":
                sent[reply["ticket"]["number"]] = at, late[-1]  # its own: no await since `paced` noted it
                await ws.send(json.dumps({"type": "finish", "id": i, "outcome": "done"}))
                await answer(ws)


async def display(url: str, shown: dict[str, tuple[float, tuple, float]], ready: asyncio.Event) -> None:
    """The waiting room's screen: when each call arrived (and when its bytes did, `bench.trace`)."""
    async with connect(url, compression=None, max_size=None) as ws:
        await ws.send('{"type": "hello", "role": "display"}')
        await ws.recv()
        ready.set()
        async for frame in ws:
            if frame.startswith(('{"type":"called"', '{"type": "called"')):
                shown.setdefault(json.loads(frame)["ticket"]["number"],
                                 (time.monotonic(), trace.received(ws), trace.waited()))


async def office(port: int, kiosks: int, interval: float, call_interval: float, seconds: float) -> Measured:
    url, measured = f"ws://127.0.0.1:{port}/", Measured()
    sent: dict[str, tuple[float, float]] = {}
    shown: dict[str, tuple[float, tuple, float]] = {}
    ready = asyncio.Event()
    screen = asyncio.create_task(display(url, shown, ready))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        await asyncio.gather(*(counter(url, desk, call_interval, seconds, sent, measured.late, after=interval)
                               for desk in COUNTERS),
                             *(kiosk(url, n, interval, seconds, measured) for n in range(kiosks)))
        until = time.monotonic() + 5  # the last call's frame on its way
        while set(sent) - set(shown) and time.monotonic() < until:
            await asyncio.sleep(0.01)
    finally:
        screen.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await screen
    missing = set(sent) - set(shown)
    if missing:
        raise RuntimeError(f"calls never shown on the display: {sorted(missing)[:5]}")
    measured.calls = [shown[number][0] - at for number, (at, _) in sent.items()]
    measured.traced = [{"port": port, "number": number, "sent": at, "late": late, "shown": shown[number][0],
                        "received": shown[number][1], "waited": shown[number][2]} for number, (at, late) in sent.items()]
    return measured


async def offices(ports: list[int], kiosks: int, interval: float, call_interval: float,
                  seconds: float) -> list[Measured]:
    """The offices' terminals at once in this process; its CPU shared out among them."""
    cpu, collected = time.process_time(), len(trace.GC_PAUSES)
    measured = await asyncio.gather(*(office(port, kiosks, interval, call_interval, seconds) for port in ports))
    for each in measured:
        each.cpu = (time.process_time() - cpu) / len(measured)
        each.gc = trace.GC_PAUSES[collected:]
    return list(measured)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.office_clients")
    parser.add_argument("--port", type=int, nargs="+", required=True, help="an office's server (several: one loop)")
    parser.add_argument("--kiosks", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--call-interval", type=float, default=2.0)
    parser.add_argument("--cpu", type=int, default=None, help="run on this core only (the terminals apart)")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    trace.watch()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        seconds = json.loads(line)["seconds"]
        measured = asyncio.run(offices(args.port, args.kiosks, args.interval, args.call_interval, seconds))
        print(json.dumps([asdict(each) for each in measured]), flush=True)


if __name__ == "__main__":
    main()
