"""Reading a request with h11 for the two small POST ports (the booking system's push,
`server.booking.push`, and the network's endpoint, `server.network.httpd`): websockets parses
only GET, so these speak HTTP/1.1 through h11 themselves, and read a body the same careful way."""

from __future__ import annotations

import asyncio
from typing import Callable

import h11


async def next_event(connection: h11.Connection, reader: asyncio.StreamReader, kind: type):
    """The next h11 event of `kind` (`object`: any), reading from the socket as h11 needs."""
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await reader.read(65536))
            continue
        if isinstance(event, h11.ConnectionClosed):
            raise ConnectionError("the client went away")
        if isinstance(event, kind) or kind is object:
            return event


async def read_body(connection: h11.Connection, reader: asyncio.StreamReader, *, length: str | None, chunked: bool,
                    limit: int, too_big: str, refuse: Callable[[int, str], Exception]) -> bytes:
    """The body, never more than `limit` bytes however it is framed: a Content-Length beside a
    Transfer-Encoding (a request smuggler's trick, RFC 9112 6.3) is refused, and the bytes are
    counted as they arrive. `refuse(status, text)` makes the room's own refusal; `too_big` says
    what to do instead of an oversized send."""
    if length is None:
        raise refuse(411, "send the body with a Content-Length")
    if chunked:
        raise refuse(400, "send the body with a Content-Length and no Transfer-Encoding")
    if int(length) > limit:
        raise refuse(413, f"the body is over {limit} bytes: {too_big}")
    chunks, size = [], 0
    while not isinstance(event := await next_event(connection, reader, object), h11.EndOfMessage):
        size += len(event.data)
        if size > limit:
            raise refuse(413, f"the body is over {limit} bytes: {too_big}")
        chunks.append(bytes(event.data))
    return b"".join(chunks)
