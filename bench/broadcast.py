"""The fan-out baseline: a bare websockets server that answers every request and, for each
`next`, broadcasts a `called` frame to every connection that said hello as a display — the
same frames and clients as Willkommen, no queue behind it. `python -m bench.broadcast`."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json

from websockets.asyncio.server import broadcast

from .common import serve_baseline

displays: set = set()
numbers = itertools.count(1)


async def handle(ws) -> None:
    async for frame in ws:
        message = json.loads(frame)
        if message["type"] == "hello":
            if message.get("role") == "display":
                displays.add(ws)
            await ws.send(json.dumps({"type": "welcome"}))
            continue
        reply = {"type": "reply", "re": message.get("id")}
        if message["type"] == "next":
            number = f"A{next(numbers):03d}"
            broadcast(displays, json.dumps({"type": "called", "ticket": {"number": number}, "counter": "1"}))
            reply["ticket"] = {"number": number}
        await ws.send(json.dumps(reply))
    displays.discard(ws)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve_baseline(handle, parser.parse_args().port))
