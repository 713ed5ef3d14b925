"""The transport's limit: a bare websockets server that answers every JSON request with a
fixed reply, with the same websockets settings as Willkommen's server. `python -m bench.echo`."""

from __future__ import annotations

import argparse
import asyncio
import json

from .common import serve_baseline

REPLY = json.dumps({"type": "reply", "re": 0, "ticket": {"number": "A001", "service": "info", "lang": "de",
                                                          "state": "waiting", "issued_at": 0.0}})


async def answer(ws) -> None:
    async for frame in ws:
        json.loads(frame)  # read the request as the real server does, answer without work
        await ws.send(REPLY)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--compression", choices=["none", "deflate"], default="none",
                        help="per-message compression: none (as Willkommen) or deflate (websockets' default)")
    args = parser.parse_args()
    asyncio.run(serve_baseline(answer, args.port, compression=None if args.compression == "none" else "deflate"))
