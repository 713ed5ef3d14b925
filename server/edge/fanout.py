"""Pushes to many connections, where a connection that stops reading cannot grow the server.

websockets' `broadcast` writes every frame into every connection's buffer whether the other
end reads or not: five displays that said hello and never read took the server from 34 MiB to
343 MiB, and stayed. A frozen TV browser does this slowly all day; with anonymous displays
anyone on the network can. websockets' keepalive does not notice: its ping waits behind the
same blocked buffer, so its `ping_timeout` never starts.

So each connection's kernel send buffer is bounded (`adopt`), and `Fanout.push(connections,
frame)` first looks at each connection's write buffer
(`transport.get_write_buffer_size()`): past `cap` bytes the connection gets no more frames and
is closed with code 4413 (`too_slow`). `watch()` closes a connection whose buffer stays above
the transport's high-water mark for `stuck_after` seconds even while nothing is pushed: in that
state not even a ping goes out, so it has missed its pings.

Closing: the close frame goes out behind what the other end has not read yet — a display that
wakes up reads it, learns why and reconnects for a fresh snapshot. One that still does not read
within `close_timeout` is aborted, which frees its buffer. (websockets' own `close()` would wait
for the blocked buffer forever.) Connections that keep up cost one buffer-size look-up a push.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import Awaitable, Callable, Iterable

from websockets.asyncio.server import ServerConnection, broadcast
from websockets.protocol import State

from server.wire.errors import CLOSE_CODES

log = logging.getLogger("willkommen.server")

WRITE_BUFFER_CAP = 64 * 1024    # ~110 calls behind (site key push_buffer_kib): such a screen shows the past
STUCK_AFTER = 20.0              # seconds unable to send a ping: websockets' ping_timeout
WATCH_EVERY = 5.0
CLOSE_TIMEOUT = 5.0
TOO_SLOW = CLOSE_CODES["too_slow"]


class Fanout:
    def __init__(self, *, cap: int = WRITE_BUFFER_CAP, stuck_after: float = STUCK_AFTER,
                 close_timeout: float = CLOSE_TIMEOUT, clock: Callable[[], float] = time.monotonic):
        self.cap, self.stuck_after, self.close_timeout, self.clock = cap, stuck_after, close_timeout, clock
        self.closed = 0                                   # connections closed as too slow, for /healthz
        self._closing: dict[ServerConnection, asyncio.Task] = {}
        self._stuck_since: dict[ServerConnection, float] = {}
        self._welcome: dict[ServerConnection, int] = {}   # connections whose welcome is on its way

    def adopt(self, ws: ServerConnection, welcome: int) -> None:
        """Take on a connection about to be sent its `welcome` (that many bytes), which does not
        count against the cap: a display may get a call while the snapshot is still on its way.
        The kernel's half of the buffer is bounded too: on loopback and fast LANs Linux grows a
        socket's send buffer to ~4 MB, which a stuck display would fill before `cap` saw a byte
        (Linux doubles the value given; frames here are small, so throughput does not suffer)."""
        self._welcome[ws] = welcome
        sock = ws.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.cap)

    def welcomed(self, ws: ServerConnection) -> None:
        self._welcome.pop(ws, None)

    def push(self, connections: Iterable[ServerConnection], frame: str) -> None:
        """`frame` to every connection that keeps up; those that do not are closed."""
        broadcast([ws for ws in connections if self._keeps_up(ws)], frame)

    def _keeps_up(self, ws: ServerConnection) -> bool:
        unread = ws.transport.get_write_buffer_size()
        if unread <= self.cap + self._welcome.get(ws, 0):
            return True
        self.close(ws, f"too slow: {unread} bytes not read")
        return False

    def close(self, ws: ServerConnection, why: str) -> None:
        """Close `ws` as too slow (once), without waiting for it."""
        if ws in self._closing or ws.protocol.state is not State.OPEN:
            return
        self.closed += 1
        log.warning("too slow", extra={"fields": {"remote": _remote(ws), "why": why}})
        self._closing[ws] = asyncio.get_running_loop().create_task(self._close(ws, why))

    async def _close(self, ws: ServerConnection, why: str) -> None:
        try:
            async with asyncio.timeout(self.close_timeout):
                await ws.close(TOO_SLOW, why)
        except TimeoutError:
            ws.transport.abort()   # it did not even read the close frame: free its buffer now
        finally:
            self._closing.pop(ws, None)
            self._stuck_since.pop(ws, None)
            self._welcome.pop(ws, None)

    async def watch(self, connections: Callable[[], Iterable[ServerConnection]], *,
                    every: float = WATCH_EVERY) -> None:
        """Close connections that cannot be sent a ping for `stuck_after` seconds (run as a task)."""
        while True:
            await asyncio.sleep(every)
            self.check(set(connections()))

    def check(self, connections: set[ServerConnection]) -> None:
        now = self.clock()
        for ws in connections:
            _, high = ws.transport.get_write_buffer_limits()
            if ws.transport.get_write_buffer_size() <= high:
                self._stuck_since.pop(ws, None)
            elif now - self._stuck_since.setdefault(ws, now) >= self.stuck_after:
                self.close(ws, f"too slow: over {high} bytes unread for {self.stuck_after:.0f} s")
        for gone in self._stuck_since.keys() - connections:
            del self._stuck_since[gone]

    async def closed_within(self, closing: Awaitable[None], connections: Iterable[ServerConnection]) -> None:
        """Await `closing` (the server closing every connection); connections that have not
        closed within `close_timeout` read nothing, not even the close frame: abort them."""
        closing = asyncio.ensure_future(closing)
        try:
            await asyncio.wait_for(asyncio.shield(closing), self.close_timeout)
        except TimeoutError:
            for ws in list(connections):
                ws.transport.abort()
            await closing

    async def stop(self) -> None:
        """Abort the connections still being closed: the server is going away."""
        for ws in list(self._closing):
            ws.transport.abort()
        await asyncio.gather(*self._closing.values(), return_exceptions=True)


def _remote(ws: ServerConnection) -> str:
    address = ws.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"
