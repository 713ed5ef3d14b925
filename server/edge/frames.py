"""One loop for every websocket endpoint (terminals, board, sign-in, feedback): read a frame,
decode it with the endpoint's decoder, hand the message to the endpoint's handler, and map
every error to a protocol `error` frame carrying the request's id. A bad frame loses nothing
and closes nothing; a bug is logged and answered `internal`, never allowed to end the
connection's task silently."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import msgspec
import websockets
from websockets.asyncio.server import ServerConnection

from server.wire import protocol as p
from server.wire.errors import BadRequest, WillkommenError

log = logging.getLogger("willkommen.server")
Decode = Callable[[str | bytes], Any]
Handle = Callable[[Any], Awaitable[msgspec.Struct]]


async def serve_frames(ws: ServerConnection, decode: Decode, handle: Handle,
                       pace: Callable[[], Awaitable[None]] | None = None) -> None:
    """Answer each frame in turn until the connection closes; with `pace`, each frame waits for
    it first (`server.edge.ratelimit.Pacer`: a flood is held in the sender's socket)."""
    try:
        async for frame in ws:
            if pace is not None:
                await pace()
            await ws.send(p.encode(await answer(frame, decode, handle)).decode())
    except websockets.ConnectionClosed:
        pass


async def answer(frame: str | bytes, decode: Decode, handle: Handle) -> msgspec.Struct:
    """The handler's answer to one frame, or the `error` frame its failure stands for."""
    try:
        message = decode(frame)
    except BadRequest as exc:
        return p.Error(re=exc.re, code=exc.code, message=exc.message)
    request_id = getattr(message, "id", None)
    try:
        return await handle(message)
    except WillkommenError as exc:
        return p.Error(re=request_id, code=exc.code, message=exc.message)
    except websockets.ConnectionClosed:
        raise
    except Exception:
        log.exception("request failed", extra={"fields": {"type": type(message).__name__.lower()}})
        return p.Error(re=request_id, code="internal", message="the server could not do this; it is logged")
