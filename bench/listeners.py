"""Display connections in a process of their own, for the fan-out benchmark: `count`
connections say hello as displays, then record when each `called` frame arrives (wall clock)
until stdin closes; then print {number: [arrival times]} as one JSON line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict

from websockets.asyncio.client import connect

arrivals: dict[str, list[float]] = defaultdict(list)


async def display(url: str, ready: asyncio.Event, opened: list) -> None:
    async with connect(url, compression=None, max_size=None) as ws:
        await ws.send('{"type": "hello", "role": "display"}')
        await ws.recv()
        opened.append(ws)
        ready.set()
        async for frame in ws:
            if frame.startswith('{"type":"called"') or frame.startswith('{"type": "called"'):
                at = time.time()
                arrivals[json.loads(frame)["ticket"]["number"]].append(at)


async def main(url: str, count: int) -> None:
    opened: list = []
    tasks = []
    for _ in range(count):
        ready = asyncio.Event()
        tasks.append(asyncio.create_task(display(url, ready, opened)))
        await ready.wait()
    print(json.dumps({"ready": len(opened)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the driver is done
    for task in tasks:
        task.cancel()
    print(json.dumps(arrivals), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=125)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.count))
