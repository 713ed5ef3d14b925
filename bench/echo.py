"""The transport's limit: a bare websockets server that answers every JSON request with a
fixed reply, with the same websockets settings as Willkommen's server. `python -m bench.echo`."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from websockets.asyncio.server import serve

REPLY = json.dumps({"type": "reply", "re": 0, "ticket": {"number": "A001", "service": "info", "lang": "de",
                                                          "state": "waiting", "issued_at": 0.0}})


async def answer(ws) -> None:
    async for frame in ws:
        json.loads(frame)  # read the request as the real server does, answer without work
        await ws.send(REPLY)


async def main(port: int, compression: str | None) -> None:
    async with serve(answer, "127.0.0.1", port, compression=compression, max_size=64 * 1024) as server:
        bound = server.sockets[0].getsockname()[1]
        print(json.dumps({"msg": "serving", "port": bound}), file=sys.stderr, flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--compression", choices=["none", "deflate"], default="none",
                        help="per-message compression: none (as Willkommen) or deflate (websockets' default)")
    args = parser.parse_args()
    asyncio.run(main(args.port, None if args.compression == "none" else "deflate"))
