"""The port's door: an accepted socket stays a small `Doorway` until its first bytes arrive, and
only then becomes a websockets connection.

Why: a stranger's silent socket cost the server websockets' whole connection (its protocol,
the connection with its logger, a handler task, the opening handshake's timer, a future per
socket) although it never sends a request; a flood of them kept the loop busy building and
tearing those down while the kiosks waited to draw. A doorway is one small object beside
asyncio's transport, counted in the gate's lobby from the moment of accept (a silent socket
holds a file descriptor too); the gate closes it if it says nothing for `[limits]
first_bytes_seconds` or when the lobby is full (`server.edge.limits.Gate`). A terminal, a
browser or a phone sends its request at once, so it passes the door within a round trip and
websockets sees every one of its bytes.

It is websockets' own hook (`serve(create_connection=...)`): websockets builds its sans-I/O
`ServerProtocol` (a generator and a reader, ~2 KB, no task, no timer) and asks for the
connection; the doorway keeps the protocol and makes the connection when it is needed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from websockets.asyncio.server import ServerConnection
from websockets.server import ServerProtocol

if TYPE_CHECKING:
    from server.edge.limits import Gate

__all__ = ["ACCEPTS_A_TURN", "Doorway", "door", "listen_deep", "options"]

ACCEPTS_A_TURN = 8       # sockets asyncio accepts in one turn of the loop (its `backlog`, see `listen_deep`)
LISTEN_BACKLOG = 1024    # connections the kernel holds for the server to accept (Linux caps it at somaxconn)


class Doorway(asyncio.Protocol):
    """A socket accepted but not yet heard from."""

    __slots__ = ("gate", "protocol", "make", "transport")

    def __init__(self, gate: "Gate", protocol: ServerProtocol, make: Callable[[ServerProtocol], ServerConnection]):
        self.gate, self.protocol, self.make = gate, protocol, make
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.gate.arrived(transport)

    def data_received(self, data: bytes) -> None:
        """The first bytes: from here on the socket is websockets' (and still in the lobby
        until its hello or its upgrade to a socket with a room of its own)."""
        transport, self.transport = self.transport, None
        self.gate.spoke(transport)
        if self.gate.turned_away(transport, data):  # a socket anyone may open, past its address's share
            return  # answered and closing: `connection_lost` closes the parser
        connection = self.make(self.protocol)
        transport.set_protocol(connection)
        connection.connection_made(transport)
        connection.data_received(data)

    def eof_received(self) -> bool:
        return False  # nothing said and done: the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        """Gone before a byte (let go by the gate, or the client gave up): websockets never
        heard of it. Its parser is closed now (a generator holding its protocol: a cycle only
        a full collection would free)."""
        if self.transport is not None:
            self.gate.left(self.transport)
            self.transport = None
        self.protocol.parser.close()


def door(gate: "Gate", connection_class: Callable[..., ServerConnection]) -> Callable[..., Doorway]:
    """For `serve(create_connection=...)`: websockets calls it with its protocol and the
    connection's options at each accept; the connection itself is made at the first bytes."""
    def create(protocol: ServerProtocol, server: Any, **options: Any) -> Doorway:
        return Doorway(gate, protocol, lambda p: connection_class(p, server, **options))
    return create


def options(gate: "Gate", tls: Any) -> dict[str, Any]:
    """websockets' `serve` options for the door: the doorway for each accepted socket, a few
    accepts a turn (`listen_deep`) and, under TLS, the first-bytes time for the TLS handshake
    (asyncio's own default is a minute; the doorway only sees the socket once it is done)."""
    door_options: dict[str, Any] = {"create_connection": gate.connection_class, "backlog": ACCEPTS_A_TURN}
    if tls is not None:
        door_options["ssl_handshake_timeout"] = gate.limits.first_bytes_seconds
    return door_options


def listen_deep(sockets: Any) -> None:
    """asyncio accepts up to `backlog` waiting sockets in one turn of the loop, and `backlog` is
    also the listening socket's queue. A flood of a hundred connections was a hundred accepts,
    transports and connections made before a kiosk's draw could be answered. The server is
    started with `backlog=ACCEPTS_A_TURN` (a few a turn, the draws answered between) and its
    sockets listen again with the deep queue (Linux takes a second `listen` as the new length),
    so a kiosk's connect waits its turn instead of being dropped."""
    for listening in sockets:
        with listening.dup() as same:
            same.listen(LISTEN_BACKLOG)
