"""Limits that keep an office's terminals served when something on its network misbehaves.

    Lobby          connections that have not said hello: at most `Limits.lobby` of them. A new one
                   lets the oldest go (one that has sent nothing yet first), so a flood of silent
                   sockets can neither run the server out of file descriptors nor keep a terminal
                   from getting in (its client session retries); terminals past hello are never
                   counted. One that has sent nothing is still a `Doorway` (server/edge/doorway.py),
                   no websockets connection, and is let go after `first_bytes_seconds`.
    Public         sockets anyone may open without a secret (visitor feedback, the sign-in page,
                   anonymous displays): at most `Limits.public`. When full, a new one lets go the
                   oldest socket of the address that holds the most, so one address (or a few)
                   flooding the office cannot push out a waiting room's screen or a visitor's phone.
                   One address holding `public_per_address` of them is refused more before the
                   opening handshake (503; an anonymous display at its hello, 1013, before its
                   welcome): a flood from one address costs a short answer per socket, not a
                   handshake, a welcome and a closing handshake.
    HelloThrottle  wrong tokens per peer address: `hello_free_failures` are free, then each one
                   costs a wait that doubles (1 s, 2 s ... 60 s) during which that address's hellos
                   are refused unchecked with 4429; quiet for `hello_forget` seconds, it starts over.
    Pressure       a log line per kind of trouble at most once per `log_interval`, carrying how
                   many were left out since the previous line: a flood never floods the log.

These three are pure (the caller passes `now`, a monotonic clock). `Gate` ties them to the
server: the websockets connection class that counts the lobby, the loop's exception handler
that turns "Too many open files" on accept() into one line per interval, and the log lines.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import resource
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Generic, Hashable, TypeVar

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

from config.limits import Limits  # the site file's `[limits]`, checked when it loads
from server.edge.backpressure import BackPressure
from server.edge.doorway import door

__all__ = ["Gate", "HelloThrottle", "Limits", "Lobby", "Pressure", "Public", "default_lobby", "default_public",
           "requested_path"]

log = logging.getLogger("willkommen.limits")
T = TypeVar("T", bound=Hashable)
OUT_OF_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def default_lobby() -> int:
    """From the process's open-files limit: room for the lobby plus two of asyncio's accept
    batches (up to 100 sockets each, taken before the lobby sees them) and the server's own
    files; at most 256. With 1,024 files: 256; with 512: 131."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 256
    return max(8, min(256, (soft - 250) // 2))


def default_public() -> int:
    """Half the lobby's share of the open-files limit: with 1,024 files 128, with 512 65."""
    return max(8, default_lobby() // 2)


def requested_path(first: bytes) -> str | None:
    """The path (without its query) a request's first bytes ask for with GET, from the request
    line alone; None when they are not a whole `GET <target> HTTP/…` line (anything else is for
    websockets' parser to judge)."""
    line, ended, _ = first.partition(b"\r\n")
    words = line.split(b" ")
    if not ended or len(words) != 3 or words[0] != b"GET" or not words[2].startswith(b"HTTP/"):
        return None
    return words[1].split(b"?", 1)[0].decode("latin-1")


class Public(Generic[T]):
    """Sockets open to anyone, by the address they come from, oldest first."""

    def __init__(self, cap: int):
        self.cap = cap
        self.by_address: dict[str, dict[T, None]] = {}
        self.address: dict[T, str] = {}

    def enter(self, connection: T, address: str) -> T | None:
        """Admit `connection`; return the one to let go if the pool was full: the oldest of the
        address holding the most (the newcomer's own address first among equals)."""
        victim = None
        if len(self.address) >= self.cap:
            most = max(self.by_address.values(), key=len)
            own = self.by_address.get(address)
            held = own if own is not None and len(own) == len(most) else most
            victim = next(iter(held))
            self.leave(victim)
        self.by_address.setdefault(address, {})[connection] = None
        self.address[connection] = address
        return victim

    def leave(self, connection: T) -> None:
        address = self.address.pop(connection, None)
        if address is not None:
            held = self.by_address[address]
            held.pop(connection, None)
            if not held:
                del self.by_address[address]

    def __len__(self) -> int:
        return len(self.address)


class Lobby(Generic[T]):
    """Connections waiting for their hello, oldest first; those that have not sent a byte yet
    are let go before those that have (a terminal is usually mid-handshake, a flood silent)."""

    def __init__(self, cap: int):
        self.cap = cap
        self.silent: dict[T, float] = {}   # insertion-ordered: the first is the oldest; when it came
        self.spoken: dict[T, None] = {}

    @property
    def waiting(self) -> list[T]:
        return [*self.silent, *self.spoken]

    def enter(self, connection: T, now: float = 0.0) -> T | None:
        """Admit `connection`; return the one to let go if the lobby was full."""
        oldest = None
        if len(self.silent) + len(self.spoken) >= self.cap:
            queue: dict[T, Any] = self.silent or self.spoken
            oldest = next(iter(queue))
            del queue[oldest]
        self.silent[connection] = now
        return oldest

    def spoke(self, connection: T) -> None:
        if self.silent.pop(connection, None) is not None:
            self.spoken[connection] = None

    def silent_since(self, before: float) -> list[T]:
        """Take out and return those silent since before `before` (the oldest are first)."""
        late = []
        for connection, came in self.silent.items():
            if came >= before:
                break
            late.append(connection)
        for connection in late:
            del self.silent[connection]
        return late

    def leave(self, connection: T) -> None:
        self.silent.pop(connection, None)
        self.spoken.pop(connection, None)


@dataclass
class _Peer:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0


class HelloThrottle:
    """Back-off per peer address for hellos with an unknown terminal or a wrong token."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.peers: dict[str, _Peer] = {}

    def wait(self, peer: str, now: float) -> float:
        """Seconds until `peer` may try a token again (0: now)."""
        record = self.peers.get(peer)
        return max(0.0, record.until - now) if record else 0.0

    def failed(self, peer: str, now: float) -> float:
        """Count a wrong token; return the wait it costs (0 while failures are still free)."""
        record = self.peers.pop(peer, None) or _Peer()
        if now - record.last > self.limits.hello_forget:
            record = _Peer()
        record.failures, record.last = record.failures + 1, now
        over = record.failures - self.limits.hello_free_failures
        first, longest = self.limits.hello_backoff
        wait = min(longest, first * 2 ** (over - 1)) if over > 0 else 0.0
        record.until = now + wait
        self.peers[peer] = record  # re-inserted: the dict's order is the order of last failure
        while len(self.peers) > self.limits.peers:
            del self.peers[next(iter(self.peers))]
        return wait


class Pressure:
    """One log line per key and interval; the rest are counted into the next line."""

    def __init__(self, interval: float):
        self.interval = interval
        self.last: dict[Hashable, float] = {}
        self.left_out: dict[Hashable, int] = {}

    def note(self, key: Hashable, now: float) -> int | None:
        """None: leave this one out of the log. A number: log it now, with that many left out
        since the previous line."""
        if key in self.last and now - self.last[key] < self.interval:
            self.left_out[key] = self.left_out.get(key, 0) + 1
            return None
        self.last[key] = now
        return self.left_out.pop(key, 0)


class LobbyConnection(BackPressure):  # stops reading a peer that does not read (server/edge/backpressure.py)
    """A websockets connection, made once its socket's first bytes came through the door
    (`server.edge.doorway`); in the gate's lobby, by its transport, until hello."""

    def __init__(self, *args: Any, gate: "Gate", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.gate = gate

    def data_received(self, data: bytes) -> None:
        self.gate.heard()  # counted before websockets parses it and wakes the connection's task
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.gate.left(self.transport)
        super().connection_lost(exc)
        # websockets keeps its parser (a generator whose frame holds the protocol) and the errors
        # that ended it (whose tracebacks hold the frames): cycles, ~25 objects a connection, that
        # only a full collection frees, and a stranger's thousands made collections that stopped
        # the loop for tens of ms. The connection is closed (its EOF received): nothing reads them.
        protocol = self.protocol
        protocol.parser.close()
        protocol.parser_exc = protocol.handshake_exc = None


class Gate:
    """The limits as the server applies them; `clock` is monotonic (a stepped wall clock must
    not lift or lengthen a back-off)."""

    def __init__(self, limits: Limits | None = None, *, clock: Callable[[], float] = time.monotonic):
        self.limits = limits or Limits()
        self.clock = clock
        self.lobby: Lobby[Any] = Lobby(self.limits.lobby or default_lobby())  # by transport
        self.public: Public[ServerConnection] = Public(self.limits.public or default_public())
        self.per_address = self.limits.public_per_address or max(1, self.public.cap // 2)
        self.throttle = HelloThrottle(self.limits)
        self.pressure = Pressure(self.limits.log_interval)
        self.connection_class = door(self, partial(LobbyConnection, gate=self))  # serve(create_connection=...)
        self._sweeping: asyncio.Task | None = None
        self.public_paths: frozenset[str] = frozenset()  # `turn_away`
        self.busy = b""
        self._heard = 0       # connections' bytes received in this turn of the event loop (`alone`)
        self._turn_heard = 0  # ... in the last turn that received any: the requests it woke run now

    def heard(self) -> None:
        """A connection received bytes. The first in a turn of the event loop has that turn's
        count taken at the start of the next, before the requests the bytes woke run."""
        if not self._heard:
            asyncio.get_running_loop().call_soon(self._turn_over)
        self._heard += 1

    def _turn_over(self) -> None:
        self._turn_heard, self._heard = self._heard, 0

    def others_woke(self) -> bool:
        """More than one connection received bytes in the turn whose requests run now: another
        request may have woken with this one to join its commit. If not, a lone kiosk's draw
        commits at once instead of waiting a turn for them (`Writer._alone`)."""
        return self._turn_heard > 1

    def peer(self, connection: ServerConnection) -> str:
        """The address a connection comes from, as every per-address limit counts it: from a
        reverse proxy of `[limits] proxies`, the last address its X-Forwarded-For names (the
        one that proxy saw; earlier ones are whatever the client wrote)."""
        address = str(connection.remote_address[0]) if connection.remote_address else ""
        if address not in self.limits.proxies or connection.request is None:
            return address
        forwarded = connection.request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:  # no header, or not an address: the proxy's own
            return address

    # ---- the lobby -------------------------------------------------------------------------

    def arrived(self, transport: Any) -> None:
        """A socket accepted (still a doorway): into the lobby, the oldest let go if it is full."""
        oldest = self.lobby.enter(transport, self.clock())
        if oldest is not None:
            oldest.abort()
            self.warn("lobby_full", "too many connections without hello: the oldest are let go",
                      lobby=self.lobby.cap)

    def spoke(self, transport: Any) -> None:
        self.lobby.spoke(transport)

    def left(self, transport: Any) -> None:
        self.lobby.leave(transport)

    def welcomed(self, connection: ServerConnection) -> None:
        self.lobby.leave(connection.transport)

    def start(self) -> None:
        """Let go, about once a second, the sockets that said nothing for `first_bytes_seconds`."""
        self._sweeping = asyncio.create_task(self._sweep(), name="willkommen-doorways")

    async def _sweep(self) -> None:
        limit = self.limits.first_bytes_seconds
        while True:
            await asyncio.sleep(min(1.0, limit / 2))
            late = self.lobby.silent_since(self.clock() - limit)
            for transport in late:
                transport.abort()
            if late:
                self.warn("silent", "sockets that sent nothing were let go", first_bytes_seconds=limit,
                          count=len(late))

    def stop(self) -> None:
        """The port closes: the doorways (websockets knows nothing of them) are let go."""
        if self._sweeping is not None:
            self._sweeping.cancel()
        for transport in list(self.lobby.silent):
            transport.abort()

    # ---- sockets open to anyone ------------------------------------------------------------

    def opened(self, connection: ServerConnection, address: str) -> None:
        """A socket that needs no secret: counted, and if the pool is full another let go
        (closed 1013 "try again later": a phone page or a display reconnects by itself)."""
        victim = self.public.enter(connection, address)
        if victim is None:
            return
        if victim.protocol.state is State.OPEN:
            asyncio.ensure_future(victim.close(1013, "too many open sockets: try again later"))
        else:
            victim.transport.abort()
        self.warn("public_full", "too many sockets open to anyone: the oldest of the busiest address let go",
                      public=self.public.cap)

    def closed(self, connection: ServerConnection) -> None:
        self.public.leave(connection)

    def turn_away(self, paths: frozenset[str], answer: bytes) -> None:
        """At the door, an upgrade to one of `paths` from an address holding its share of public
        sockets gets `answer` (a 503) before websockets makes a connection for it."""
        self.public_paths, self.busy = paths, answer

    def turned_away(self, transport: Any, first: bytes) -> bool:
        """Whether the socket's first bytes ask for a public socket its address may not have now;
        if so it is answered and closed. Only the request line is read (`GET <path> HTTP/1.1`):
        anything else, a reverse proxy's connection (the address is in its X-Forwarded-For) and
        TLS (the answer would want HSTS) go on to websockets, whose upgrade check is the same."""
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else ""
        if (len(self.public.by_address.get(address, ())) < self.per_address or address in self.limits.proxies
                or transport.get_extra_info("sslcontext") is not None):
            return False
        if requested_path(first) not in self.public_paths:
            return False
        self.public_full(address)  # the log line
        self.lobby.leave(transport)
        transport.write(self.busy)
        transport.close()
        return True

    def public_full(self, address: str) -> bool:
        """Whether `address` holds its share of the public pool (`public_per_address`): its next
        public socket is refused before the handshake, warned once an interval."""
        if len(self.public.by_address.get(address, ())) < self.per_address:
            return False
        self.warn("public_per_address", "an address holds its share of the sockets open to anyone: more refused",
                  peer=address, public_per_address=self.per_address)
        return True

    # ---- hellos ----------------------------------------------------------------------------

    def hello_wait(self, peer: str) -> float:
        """Seconds `peer` must wait before its hello is checked; counted into the log if > 0."""
        wait = self.throttle.wait(peer, self.clock())
        if wait:
            self.warn("hello_throttled", "hellos refused unchecked: too many wrong tokens from this address",
                      peer=peer, wait_s=round(wait, 1))
        return wait

    def wrong_token(self, peer: str) -> None:
        self.throttle.failed(peer, self.clock())

    # ---- printers --------------------------------------------------------------------------

    def printer_detail(self, detail: str) -> str:
        """A printer's detail as kept and shown on /healthz: its start, never kilobytes."""
        cut = self.limits.printer_detail
        return detail if len(detail) <= cut else detail[:cut - 1] + "…"

    def printer_logged(self, kiosk: str, state: str, previous: str | None) -> int | None:
        """Whether a printer report gets a log line: a change of state, at most one a kiosk per
        interval (a kiosk sending thousands of reports a second costs no log lines)."""
        if state == previous:
            return None
        return self.pressure.note(("printer", kiosk), self.clock())

    # ---- the event loop --------------------------------------------------------------------

    def loop_exception(self, previous: Callable[[dict], None]) -> Callable[[Any, dict], None]:
        """An exception handler for the server's loop: accept() failing for lack of file
        descriptors (asyncio retries every second and logs a traceback each time) becomes one
        line per interval; anything else goes to `previous`."""
        def handler(loop: Any, context: dict) -> None:
            exc = context.get("exception")
            if isinstance(exc, OSError) and exc.errno in OUT_OF_RESOURCES and "accept" in context.get("message", ""):
                self.warn("out_of_files", "cannot accept connections: out of file descriptors",
                          error=exc.strerror, lobby=len(self.lobby.waiting))
                return
            previous(context)
        return handler

    def warn(self, key: str, message: str, **fields: Any) -> None:
        left_out = self.pressure.note(key, self.clock())
        if left_out is not None:
            log.warning(message, extra={"fields": {**fields, "left_out": left_out,
                                                   "interval_s": self.limits.log_interval}})
