"""A small HTTP/1.1 server over asyncio streams, h11 doing the protocol: the network's port.

One request per connection (`Connection: close`), the request read within `READ_SECONDS`, a body
of at most `MAX_BODY` bytes however it is framed (a `Content-Length` beside a
`Transfer-Encoding` is refused, bytes are counted as they arrive: the rules of the booking
system's endpoint, `server.booking.push`), at most `CONNECTIONS` at once. The handler gets a
`Request` and returns a `Reply`; everything else (timeouts, bad HTTP, oversize) is answered
here with a clear JSON error, in the staff's words (`server.network.said`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import h11
import msgspec

from server.edge.http11 import next_event, read_body
from server.network.said import lang_of, said

log = logging.getLogger("willkommen.network")
MAX_BODY = 1024 * 1024      # a year of an office's days is ~150 KB
READ_SECONDS = 10.0
CONNECTIONS = 64


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    peer: str


@dataclass
class Reply:
    status: int
    body: bytes | str = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, answer: object, *headers: tuple[str, str]) -> "Reply":
        return cls(status, msgspec.json.encode(answer) + b"\n", "application/json", list(headers))

    @classmethod
    def error(cls, status: int, lang: str, why: str, /, *headers: tuple[str, str], **fields) -> "Reply":
        """A refusal: the catalogue's sentence `[network.answer] why` in `lang`, and `why` itself."""
        return cls.json(status, {"error": said(lang, why, **fields), "why": why}, *headers)

    @classmethod
    def text(cls, status: int, lang: str, why: str, /, *headers: tuple[str, str], **fields) -> "Reply":
        """The same sentence as a plain page (a browser's)."""
        return cls(status, said(lang, why, **fields) + "\n", "text/plain; charset=utf-8", list(headers))


class Refused(Exception):
    def __init__(self, reply: Reply):
        super().__init__(reply.body)
        self.reply = reply


Handler = Callable[[Request], Awaitable[Reply]]


class Listener:
    def __init__(self, handler: Handler, *, host: str, port: int, proxies: tuple[str, ...] = ()):
        self.handler, self.host, self.port = handler, host, port
        self.proxies = proxies  # `[limits] proxies`: their X-Forwarded-For names the peer
        self.open = 0
        self.tcp: asyncio.Server | None = None

    async def start(self) -> int:
        self.tcp = await asyncio.start_server(self._client, self.host, self.port)
        self.port = self.tcp.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self.tcp is not None:
            self.tcp.close()
            await self.tcp.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.open >= CONNECTIONS:
            writer.close()
            return
        self.open += 1
        connection = h11.Connection(h11.SERVER)
        address = writer.get_extra_info("peername")
        try:
            reply = await self._answer(connection, reader, str(address[0]) if address else "")
            await _respond(connection, writer, reply)
        finally:
            self.open -= 1

    async def _answer(self, connection: h11.Connection, reader: asyncio.StreamReader, peer: str) -> Reply:
        try:
            async with asyncio.timeout(READ_SECONDS):
                request = await _read(connection, reader, peer, self.proxies)
        except TimeoutError:
            return Reply.error(408, "de", "timeout", seconds=f"{READ_SECONDS:g}")  # German: no headers yet
        except h11.RemoteProtocolError as exc:
            return Reply.error(400, "de", "not_http", detail=str(exc))
        except Refused as exc:
            return exc.reply
        except ConnectionError:
            return Reply.error(400, "de", "broke")
        try:
            return await self.handler(request)
        except Refused as exc:
            return exc.reply
        except Exception:
            log.exception("the network's answer failed", extra={"fields": {"path": request.path}})
            return Reply.error(500, lang_of(request.headers), "internal")


def _forwarded(header: str, proxy: str) -> str:
    """The last address of a proxy's X-Forwarded-For (the one it saw; earlier ones are whatever
    the client wrote), as `server.edge.limits` reads it; without one, the proxy's own."""
    try:
        return str(ipaddress.ip_address(header.rsplit(",", 1)[-1].strip()))
    except ValueError:
        return proxy


async def _read(connection: h11.Connection, reader: asyncio.StreamReader, peer: str,
                proxies: tuple[str, ...] = ()) -> Request:
    head = await next_event(connection, reader, h11.Request)
    parts = urlsplit(head.target.decode("latin-1"))
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in head.headers}
    if peer in proxies:  # behind a TLS proxy every request is the proxy's: the throttles count the sender
        peer = _forwarded(headers.get("x-forwarded-for", ""), peer)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    body = await _body(connection, reader, headers) if head.method == b"POST" else b""
    return Request(head.method.decode("latin-1"), parts.path, query, headers, body, peer)


BODY_REFUSALS = {411: "no_length", 400: "length_and_chunked", 413: "too_big"}  # read_body's, by status


async def _body(connection: h11.Connection, reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    lang = lang_of(headers)
    return await read_body(connection, reader, length=headers.get("content-length"),
                           chunked="transfer-encoding" in headers, limit=MAX_BODY, too_big="",
                           refuse=lambda status, _: Refused(Reply.error(status, lang, BODY_REFUSALS[status],
                                                                        limit=MAX_BODY)))


async def _respond(connection: h11.Connection, writer: asyncio.StreamWriter, reply: Reply) -> None:
    body = reply.body.encode() if isinstance(reply.body, str) else reply.body
    head = [("Content-Type", reply.content_type), ("Content-Length", str(len(body))), ("Connection", "close"),
            ("Server", "Willkommen"), ("X-Content-Type-Options", "nosniff"), *reply.headers]
    try:
        if connection.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            reason = HTTPStatus(reply.status).phrase.encode()
            writer.write(connection.send(h11.Response(status_code=reply.status, headers=head, reason=reason)))
            writer.write(connection.send(h11.Data(data=body)) + connection.send(h11.EndOfMessage()))
        await writer.drain()
    except (ConnectionError, h11.LocalProtocolError):
        pass
    finally:
        writer.close()
