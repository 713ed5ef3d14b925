"""The asyncio server: one port for the websocket terminals and a few HTTP pages.

A terminal's first frame must be `hello` (`server.edge.hellos`: who it is, from the site
config, never from the client). Each later frame goes through the one frame loop
(`server.edge.frames`) to the request table (`server.edge.requests`), whose office calls run
on the `Writer`; the reply goes out after the commit, and committed events are pushed to
staff (`server.edge.pushes`); the waiting rooms' displays are shown a call as soon as it is
made, before its commit (they confirm nothing to anyone: `server.store.writer`).

Everything else on the port is in one route table (`server.edge.routes`): the manager's
pages and sockets (`server.manager`), visitor feedback (`server.visitors`), the public pages
(`server.edge.pages`). Each room is given the few things it needs (the office, the writer,
the fan-out, who is connected), never this class.

The booking system's `POST /appointments` listens on a port of its own (`server.booking.push`):
websockets' HTTP side parses GET requests only and reads no bodies.
"""

from __future__ import annotations

import asyncio
import errno
import os
import logging
import ssl
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.server import ServerConnection, serve

from config import Site

from server.access.room import Access
from server.booking import push
from server.core import Office
from server.edge import doorway, pages, routes
from server.edge.fanout import Fanout
from server.edge.held import Held
from server.edge.frames import serve_frames
from server.edge.health import Health
from server.edge.hellos import Closing, Hellos
from server.edge.limits import Gate, Limits
from server.edge.pushes import Pushes
from server.edge.requests import Requests
from server.edge.storage import Storage
from server.edge.terminals import Presence, Session
from server.edge.welcomes import AdoptedFiles, Welcomes
from server.manager.board import Board
from server.manager.pages import Manager
from server.manager.people import People
from server import messages
from server.manager.counter_screens import CounterScreens
from server.store import is_url
from server.visitors.feedback import Feedback
from server.visitors.register import RegisterPage
from server.visitors.speech import Speech
from server.wire import protocol as p

log = logging.getLogger("willkommen.server")
OPEN_TIMEOUT = 60.0  # seconds for a websocket handshake or an HTTP answer (a report PDF)


class CannotListen(Exception):
    """The port is taken (or the address is not this machine's): said in one line. `str()` is
    English for the log; `why` and `fields` name the staff catalogue's `[cli.file]` sentence the
    command line says (`config.command.file_sentence`; `server.hosting` names the office's
    `server.env` instead of `--port`)."""

    def __init__(self, message: str, *, why: str = "", **fields: object):
        super().__init__(message)
        self.why, self.fields = why, {key: str(value) for key, value in fields.items()}


class Server:
    """One office's server: the composition of its parts, and its terminals' connections.

    `start()` opens the store and replays the day (`server.edge.storage`), builds each room
    with the few things it needs and the route table to them (`_rooms`), then listens;
    `stop()` undoes it in order. A terminal's socket is served here from its hello
    (`server.edge.hellos`) to its close, through the one frame loop; an HTTP request or an
    upgrade is answered from the route table inside the handshake (`server.edge.routes.answer`);
    `/healthz` is `server.edge.health`. Tests and the command line read the parts as
    attributes (`office`, `store`, `writer`, `board`, `manager`, `access`, `outbox`, `port`, ...).
    """

    def __init__(self, site: Site, db_path: str | Path, *, always_open: bool = False,
                 clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic,
                 limits: Limits | None = None):
        # `clock` stamps events (and may step, as NTP corrects it); intervals such as the kiosk
        # rate limit and the uptime run on `monotonic`, which never steps back
        # `db_path`: the office's SQLite file, or a postgresql:// URL (`server.store.open_store`)
        self.site, self.clock, self.monotonic = site, clock, monotonic
        self.db_path: str | Path = db_path if is_url(db_path) else Path(db_path)
        self.gate = Gate(limits or site.limits, clock=monotonic)  # before hello, wrong tokens, log floods (server/edge/limits.py)
        self.office = Office(site, always_open=always_open)
        self.storage = Storage(lambda: self.site, self.office, self.db_path, clock)
        self.terminals = Presence(office=self.office, writer=lambda: self.writer, serving=lambda: self.server.is_serving())
        self.failed = asyncio.Event()
        self.speech = Speech(site.languages, voices=site.voices)
        self.fanout = Fanout(cap=site.push_buffer_kib * 1024)  # a connection that stops reading: 4413
        self.started_at, self.started_monotonic = clock(), monotonic()
        self.push: push.PushListener | None = None  # the booking system's endpoint (server/booking/push.py)
        self.welcomes = Welcomes(lambda: self.site, self.office, clock)  # the site's part made once (welcomes.py)

    # ---- life cycle ----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 8765) -> int:
        """Rebuild the day from the store, start serving, return the bound port."""
        loop = asyncio.get_running_loop()
        try:
            tls = tls_context(self.site)  # a missing or wrong certificate is said before anything is opened
        except CannotListen:
            self.storage.let_go()
            raise
        self.store = await self.storage.open()
        self.writer = self.storage.run_writer(
            on_committed=lambda events: self.pushes.committed(events),
            on_applied=lambda events: self.pushes.applied(events),
            on_failure=self.failed.set, commit_wait=self.gate.limits.commit_wait_seconds,
            others_may_join=self.gate.others_woke, idle_check=self.gate.limits.idle_check_seconds)
        self.outbox = messages.build(self.site, self.db_path, port=lambda: self.port, office=self.office, clock=self.clock)
        await self.outbox.start()  # SMS and e-mail to visitors (server/messages): today's waiting ones go out
        self._rooms()
        try:
            self.server = await serve(self._connection, host, port, ssl=tls,
                                      process_request=pages.once_each(partial(routes.answer, self.routes, self.gate)),
                                      max_size=p.MAX_FRAME, ping_interval=20, ping_timeout=20,
                                      # an HTTP answer is inside the opening handshake: websockets'
                                      # 10 s cut off a monthly PDF on a loaded machine (the lobby
                                      # still caps connections that never say hello)
                                      open_timeout=OPEN_TIMEOUT,
                                      compression=None,  # small JSON frames: deflate costs ~30 KB a connection
                                      server_header="Willkommen", **doorway.options(self.gate, tls),
                                      process_response=pages.strict_transport if tls is not None else None)
        except OSError as exc:
            await self._close_store()
            raise listen_error(host, port, exc) from None
        doorway.listen_deep(self.server.sockets)
        self.gate.start()  # sockets that say nothing are let go (server/edge/doorway.py)
        self._loop_handler = loop.get_exception_handler()
        loop.set_exception_handler(self.gate.loop_exception(partial(loop.default_exception_handler)
                                                            if self._loop_handler is None else
                                                            partial(self._loop_handler, loop)))
        self.watch_task = asyncio.create_task(self.fanout.watch(lambda: self.terminals.sessions), name="willkommen-fanout")
        self.port = self.server.sockets[0].getsockname()[1]
        try:
            self.push = await push.start(self.site, self.office, self.writer, self.gate, clock=self.clock)
        except OSError as exc:
            await self.stop()
            rules = self.site.appointments
            raise listen_error(rules.push_host, rules.push_port, exc, push=True) from None
        log.info("serving", extra={"fields": {"host": host, "port": self.port, "tls": self.site.tls_cert is not None,
                                              "db": str(self.store.path),  # no password
                                              "day": self.office.day, "tickets": len(self.office.tickets)}})
        return self.port

    def _rooms(self) -> None:
        """Each room with what it needs, and the route table that leads to them."""
        site, office, clock = self.site, self.office, self.clock
        # `clock` for intervals is the monotonic one; the wall clock stamps
        people = People(site, clock=self.monotonic, wall=clock, signed_out=self.storage.signed_out)
        self.board = Board(site, office, self.terminals, self.fanout, self.writer, people, clock=clock,
                           monotonic=self.monotonic, started_at=self.started_at)
        self.board.restore(self.storage.replayed)  # since when counters are open or paused, from the log
        self.storage.replayed = []
        self.adopted = AdoptedFiles(site, self.welcomes, self.terminals, self.fanout)  # by the board or `network adopt`
        self.board.catalogues_changed = self.adopted.reload
        self.manager = Manager(site, office, people, self.board, self.terminals, self.speech, self.gate, self.writer,
                               db_path=self.db_path, clock=clock, monotonic=self.monotonic)
        self.hellos = Hellos(lambda: self.site, self.gate, self.manager.counter_page, self.terminals)
        self.feedback = Feedback(site, office, self.writer, self.gate, monotonic=self.monotonic)
        self.requests = Requests(site, office, self.writer, people, printer_reported=self._printer_reported,
                                 monotonic=self.monotonic)
        self.access = Access(office, self.writer, self.store, self.gate, self.outbox, clock, (self.board, self.requests))
        self.screens = CounterScreens(site, self.fanout, clock,  # the browser counters' sentences (counter.screen)
                                      Held(office, self.writer, self.fanout).serve)  # actions waiting on the database
        self.pushes = Pushes(office, self.terminals, self.fanout, self.speech, clock=clock,
                             board_changed=self.board.changed, staff_pushed=self.screens.pushed, access=self.access)
        self.checkup = Health(lambda: self.site, office, self.writer, self.failed, self.terminals, self.fanout,
                              self.speech, self.outbox, clock, lambda: self.monotonic() - self.started_monotonic)
        self.routes = routes.office_routes(self.manager, self.feedback, self.access,
                                           RegisterPage(site, self.access.registration_day),
                                           pages.Sources(site, office, self.speech, self.feedback, clock, self.health),
                                           self.outbox)
        self.gate.turn_away(self.routes.public(), pages.busy().serialize())  # past an address's share, at the door

    async def stop(self) -> None:
        """Close connections, let the writer finish what it holds, close the store."""
        self.writer.give_up()  # a database that is away: what the writer holds is answered not done
        self.watch_task.cancel()
        await self.fanout.stop()
        self.server.close()
        self.gate.stop()
        await self.fanout.closed_within(self.server.wait_closed(), self.terminals.sessions)
        self.manager.stop()
        if self.push is not None:
            await self.push.stop()
        self.pushes.stop()
        while self.writer.busy and not self.failed.is_set() and not self.writer.away:
            await asyncio.sleep(0.01)  # (a database that is away keeps what it holds: not done)
        asyncio.get_running_loop().set_exception_handler(self._loop_handler)
        await self._close_store()

    async def _close_store(self) -> None:
        self.adopted.stop()  # (here: a start that fails after the rooms were made comes here, not to stop)
        await asyncio.gather(self.access.stop(), self.outbox.stop())  # the lottery's schedule ends; unsaved messages saved
        await self.storage.close()

    # ---- connections ---------------------------------------------------------------------

    async def _connection(self, ws: ServerConnection) -> None:
        socket = self.routes.socket(urlsplit(ws.request.path).path)
        if socket is not None and socket.serve is not None:
            self.gate.welcomed(ws)  # signed in by cookie at the upgrade, or entitled frame by frame
            return await self._public(ws, socket.serve) if socket.public else await socket.serve(ws)
        try:
            session = await self.hellos.read(ws)
        except Closing as exc:
            return await self.hellos.refuse(ws, exc)
        except websockets.ConnectionClosed:
            return
        self.gate.welcomed(ws)
        if session.role == "display" and not session.terminal:  # an anonymous display: no secret
            if self.gate.public_full(self.gate.peer(ws)):  # refused before its welcome is made and sent
                return await ws.close(1013, "too many open sockets from this address: try again later")
            return await self._public(ws, partial(self._serve, session=session))
        await self._serve(ws, session)

    async def _public(self, ws: ServerConnection, serve: Callable[[ServerConnection], Any]) -> None:
        """A socket anyone may open, while the gate's public pool holds it."""
        self.gate.opened(ws, self.gate.peer(ws))
        try:
            await serve(ws)
        finally:
            self.gate.closed(ws)

    async def _serve(self, ws: ServerConnection, session: Session) -> None:
        await self.terminals.arrive(ws, session)  # a kiosk back is recorded (server/edge/terminals.py)
        self._presence("connected", session)
        try:
            hello = self.welcomes.welcome(session.role, session.terminal, session.counter)
            welcome = self.welcomes.encode(hello)
            self.fanout.adopt(ws, len(welcome))
            await ws.send(welcome, text=True)
            self.fanout.welcomed(ws)
            # a counter in the browser gets its screen; errors in words for whoever asks
            handle, explain = self.screens.serve(ws, session, hello, partial(self.requests.handle, session))
            await serve_frames(ws, p.decode_client, handle, explain=explain)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.fanout.welcomed(ws)
            self.screens.leave(ws)
            await self.terminals.depart(ws)  # and a kiosk gone
            self._presence("disconnected", session)

    def _presence(self, what: str, session: Session) -> None:
        """A terminal's coming and going, on the board at once and a log line; an anonymous display's
        (anyone may open them, by the hundred) with the board's tick, a line an interval (left_out)."""
        fields: dict[str, Any] = {"role": session.role, "terminal": session.terminal}
        if session.terminal:
            self.board.changed()
        else:
            left_out = self.gate.pressure.note((what, "anonymous"), self.gate.clock())
            if left_out is None:
                return
            fields["left_out"] = left_out
        log.info(what, extra={"fields": fields})

    def _printer_reported(self, kiosk: str, message: p.Printer) -> None:
        before = self.terminals.printers.get(kiosk, {}).get("state")
        self.terminals.printers[kiosk] = {"state": message.state, "at": self.clock(),
                                          "detail": self.gate.printer_detail(message.detail)}
        if (left_out := self.gate.printer_logged(kiosk, message.state, before)) is not None:
            log.info("printer", extra={"fields": {"kiosk": kiosk, "state": message.state,
                                                  "changes_left_out": left_out}})
        self.board.changed()

    def health(self) -> dict[str, Any]:
        """What /healthz says (`server.edge.health`)."""
        return self.checkup()


def tls_context(site: Site) -> ssl.SSLContext | None:
    """TLS when the site names a certificate: wss:// and https:// on the same port."""
    if site.tls_cert is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(site.tls_cert, site.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise CannotListen(f"site.tls_cert {site.tls_cert!r} and site.tls_key {site.tls_key!r}: "
                           f"{getattr(exc, 'strerror', None) or exc} (PEM files the server can read)") from None
    return context


def listen_error(host: str, port: int, exc: OSError, *, push: bool = False) -> CannotListen:
    """The port taken (by another Willkommen server or another program: `ss -ltnp` names it),
    or another reason the system gave (a port below 1024, an address not this machine's);
    `push`: the booking system's port (`[appointments] push_port`), not `--port`."""
    taken = exc.errno == errno.EADDRINUSE
    why = "the port is already in use (another willkommen-server? choose one with --port)" if taken else \
        exc.strerror or str(exc)
    return CannotListen(f"cannot listen on {host}:{port}: {why}", why=("push_" if push else "") +
                        ("port_taken" if taken else "cannot_listen"), host=host, port=port,
                        error=errno.errorcode.get(exc.errno or 0, exc.errno),
                        detail=os.strerror(exc.errno) if exc.errno else str(exc))  # (asyncio's strerror names the address again)
