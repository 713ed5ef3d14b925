"""The fan-out baseline: a bare websockets server that answers every request and, for each
`next`, broadcasts a `called` frame to every connection that said hello as a display — the
same frames and clients as Willkommen, no queue behind it. `python -m bench.broadcast`."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import sys

from websockets.asyncio.server import broadcast, serve

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


async def main(port: int) -> None:
    async with serve(handle, "127.0.0.1", port, compression=None) as server:
        print(json.dumps({"msg": "serving", "port": server.sockets[0].getsockname()[1]}), file=sys.stderr, flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
