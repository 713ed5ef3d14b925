"""One loop for every websocket endpoint (terminals, board, sign-in, feedback): read a frame,
decode it with the endpoint's decoder, hand the message to the endpoint's handler, and map
every error to a protocol `error` frame carrying the request's id. A bad frame loses nothing
and closes nothing; a bug is logged and answered `internal`, never allowed to end the
connection's task silently.

A connection whose reader renders errors in a person's language (the staff's pages, a
terminal whose hello says `explain`) is served with `explain`: its error frames then carry
the error's `fields` and the sentence `explain` makes of them (`text`); others get the frame
older clients know (code and English message)."""

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
Explain = Callable[[str, dict[str, str], str], str]   # (code, fields, message) -> the staff's sentence


async def serve_frames(ws: ServerConnection, decode: Decode, handle: Handle,
                       pace: Callable[[], Awaitable[None]] | None = None, explain: Explain | None = None) -> None:
    """Answer each frame in turn until the connection closes; with `pace`, each frame waits for
    it first (`server.edge.ratelimit.Pacer`: a flood is held in the sender's socket); with
    `explain`, errors carry their fields and the reader's sentence."""
    try:
        async for frame in ws:
            if pace is not None:
                await pace()
            # msgspec's UTF-8 bytes go out as the text frame they are: no str made and encoded again
            await ws.send(p.encode(await answer(frame, decode, handle, explain)), text=True)
    except websockets.ConnectionClosed:
        pass


async def answer(frame: str | bytes, decode: Decode, handle: Handle, explain: Explain | None = None) -> msgspec.Struct:
    """The handler's answer to one frame, or the `error` frame its failure stands for."""
    try:
        message = decode(frame)
    except BadRequest as exc:
        return error(exc.re, exc, explain)
    request_id = getattr(message, "id", None)
    try:
        return await handle(message)
    except WillkommenError as exc:
        return error(request_id, exc, explain)
    except websockets.ConnectionClosed:
        raise
    except Exception:
        log.exception("request failed", extra={"fields": {"type": type(message).__name__.lower()}})
        internal = WillkommenError("the server could not do this; it is logged")
        internal.code = "internal"
        return error(request_id, internal, explain)


def error(re: str | int | None, exc: WillkommenError, explain: Explain | None) -> p.Error:
    if explain is None:
        return p.Error(re=re, code=exc.code, message=exc.message)
    return p.Error(re=re, code=exc.code, message=exc.message, fields=exc.fields,
                   text=explain(exc.code, exc.fields, exc.message))
