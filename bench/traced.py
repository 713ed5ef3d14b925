"""The real server's CLI with the call's path timed (`bench.trace`): `python -m bench.traced
ARGS…` runs `willkommen-server ARGS…` (one office, or `host` for several) and, when it stops,
writes every call it showed the displays to `$BENCH_TRACE/server-<pid>.json`: per call its
office's port, the ticket's number, when the counter's frame was received (and the loop's
epoll times then), when its handler began and when the `called` frame went to the displays' sockets
(websockets' `broadcast` writes at once, before the commit; taken as the push began); with the process's GC
pauses. Nothing in the server changes: the patches wrap its frame loop and its fan-out from
outside, the same in every round of the bench."""

from __future__ import annotations

import atexit
import contextvars
import json
import os
import sys
import time
from pathlib import Path

from bench import trace

CALLS: dict[tuple[int, str], dict] = {}  # (port, ticket) -> its call's times, as the displays got it
FRAME = contextvars.ContextVar("frame", default=None)  # (connection, handler began) of the frame in hand


def patch() -> None:
    from server.edge import frames  # before the rooms import its serve_frames by name
    from server.edge.fanout import Fanout

    serve = frames.serve_frames

    async def serve_frames(ws, decode, handle, *args, **kwargs):
        async def timed(message):
            token = FRAME.set((ws, time.monotonic()))
            try:
                return await handle(message)
            finally:
                FRAME.reset(token)
        return await serve(ws, decode, timed, *args, **kwargs)
    frames.serve_frames = serve_frames

    push = Fanout.push

    def pushed(self, connections, frame: str) -> None:
        pushing, waited = time.monotonic(), trace.waited()  # the display may wake before `send` returns here
        push(self, connections, frame)
        if not frame.startswith('{"type":"called"') or (handling := FRAME.get()) is None:
            return
        connections = list(connections)
        if connections:  # the displays first, before the commit (`Pushes.applied`); staff's later push is not kept
            key = (connections[0].local_address[1], json.loads(frame)["ticket"]["number"])
            CALLS.setdefault(key, {"port": key[0], "number": key[1], "received": trace.received(handling[0]),
                                   "handled": handling[1], "pushed": pushing, "waited": waited})
    Fanout.push = pushed


def write(folder: Path) -> None:
    (folder / f"server-{os.getpid()}.json").write_text(json.dumps({"calls": list(CALLS.values()), "gc": trace.GC_PAUSES}),
                                                        encoding="utf-8")


def main() -> int:
    trace.watch()
    patch()
    atexit.register(write, Path(os.environ["BENCH_TRACE"]))
    from server.cli import main as server

    return server(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
