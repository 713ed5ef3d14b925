"""A terminal's first frame: who it is, or why its socket is closed.

The first frame must be `hello`, within `HELLO_TIMEOUT`. Its token is compared in constant
time (an unknown terminal's too: no timing hint) and its role comes from the site config,
never from the client. A counter in a person's browser is known by its session cookie instead
(`server.manager.counter_page`); an anonymous display needs no token when the site allows it.
A refusal (`Closing`) closes the socket with its reason's stable close code
(`server.wire.errors.CLOSE_CODES`) and one log line a code and interval, and a wrong token
counts against its address (`server.edge.limits.Gate`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Callable

from websockets.asyncio.server import ServerConnection

from config import Site

from server.edge.limits import Gate
from server.edge.terminals import Presence, Session
from server.manager.counter_page import BROWSER, CounterPage, Refused
from server.wire import protocol as p
from server.wire.errors import CLOSE_CODES, BadRequest

log = logging.getLogger("willkommen.server")
HELLO_TIMEOUT = 10.0  # seconds; read as each connection opens (a test shortens it)


class Closing(Exception):
    """A terminal refused at hello: the close code of `reason` and the sentence `why`."""

    def __init__(self, reason: str, why: str):
        super().__init__(why)
        self.reason, self.code, self.why = reason, CLOSE_CODES[reason], why


class Hellos:
    """Reads a terminal's hello and says who it is (a `Session`), or refuses the socket."""

    def __init__(self, site: Callable[[], Site], gate: Gate, counter_page: CounterPage, terminals: Presence):
        self.site, self.gate, self.counter_page, self.terminals = site, gate, counter_page, terminals

    async def read(self, ws: ServerConnection) -> Session:
        """The session of the terminal whose first frame this is; `Closing` if it is none."""
        try:
            frame = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT)
            hello = p.decode_client(frame)
        except (TimeoutError, BadRequest) as exc:
            raise Closing("hello_expected", f"the first message must be hello ({str(exc) or 'timed out'})") from None
        if not isinstance(hello, p.Hello):
            raise Closing("hello_expected", f"the first message must be hello, not {type(hello).__name__.lower()}")
        if hello.v != p.VERSION:
            raise Closing("unsupported_version", f"protocol version {hello.v} is not supported; "
                                                 f"this server speaks {p.VERSION}")
        if wait := self.gate.hello_wait(self.gate.peer(ws)):
            raise Closing("throttled", f"too many wrong tokens from this address: try again in {wait:.0f} s")
        return self.authenticate(hello, ws)

    def authenticate(self, hello: p.Hello, ws: ServerConnection | None = None) -> Session:
        if ws is not None and self.counter_page.owns(ws):  # a person's browser, by session cookie
            if hello.role != "counter":
                raise Closing("wrong_role", f"the counter page's socket is for a counter, not a {hello.role}")
            try:
                who = self.counter_page.authorise(ws, hello.terminal, self.terminals.sessions.values())
            except Refused as exc:
                raise Closing("wrong_role", str(exc)) from None
            return Session("counter", BROWSER + who.name, hello.terminal, person=who.id, lang=who.lang, explain=True)
        site = self.site()
        if hello.role == "display" and not hello.terminal and site.anonymous_displays:
            return Session(role="display", terminal="")
        terminal = site.terminal(hello.terminal)
        expected = terminal.token if terminal else "\0" * 32  # compare anyway: no timing hint
        if not hmac.compare_digest(hello.token.encode(), expected.encode()) or terminal is None:
            raise Closing("bad_token", f"unknown terminal or wrong token for {hello.terminal!r}")
        if terminal.role != hello.role:
            raise Closing("wrong_role", f"terminal {terminal.id} is a {terminal.role}, not a {hello.role}")
        return Session(terminal.role, terminal.id, terminal.counter, lang=hello.lang, explain=hello.explain)

    async def refuse(self, ws: ServerConnection, exc: Closing) -> None:
        if exc.reason == "bad_token":
            self.gate.wrong_token(self.gate.peer(ws))
        left_out = self.gate.pressure.note(("refused", exc.code), self.gate.clock())
        if left_out is not None:  # one line a code and interval: a flood of bad hellos is no flood of lines
            log.info("refused", extra={"fields": {"code": exc.code, "why": exc.why, "peer": self.gate.peer(ws),
                                                  "left_out": left_out}})
        await ws.close(exc.code, p.close_reason(exc.why))
