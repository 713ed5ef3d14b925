"""The asyncio server: one port for the websocket terminals and a few HTTP pages.

A terminal's first frame must be `hello`; its token is compared in constant time and its
role comes from the site config, never from the client. Each later frame goes through the one
frame loop (`server.edge.frames`) to the request table (`server.edge.requests`), whose office
calls run on the `Writer`; the reply goes out after the commit, and committed events are
pushed to staff (`server.edge.pushes`); the waiting rooms' displays are shown a call as soon
as it is made, before its commit (they confirm nothing to anyone: `server.store.writer`).

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
import hmac
import logging
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import msgspec
import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from config import Site

from server.access import room as access_room
from server.access.room import Access
from server.booking import push
from server.core import Office, local_day
from server.edge import doorway, pages, views
from server.edge.fanout import Fanout
from server.edge.frames import serve_frames
from server.edge.limits import Gate, Limits
from server.edge.pushes import Pushes
from server.edge.requests import Requests
from server.edge.routes import Page, Routes, Socket
from server.edge.terminals import Presence, Session
from server.edge.welcomes import AdoptedFiles, Welcomes
from server.manager.board import Board
from server.manager import counter_page
from server.manager import pages as manager_pages
from server.manager.counter_page import BROWSER, Refused
from server.manager.pages import Manager
from server.manager.people import People
from server import messages
from server.messages import reports
from server.manager.counter_screens import CounterScreens
from server.store import is_url, open_store
from server.store.projection import Projection
from server.store import liveness
from server.store.writer import Writer
from server.visitors import feedback, register
from server.visitors.feedback import Feedback
from server.visitors.register import RegisterPage
from server.visitors.speech import Speech
from server.wire import protocol as p
from server.wire.errors import CLOSE_CODES, BadRequest

log = logging.getLogger("willkommen.server")
HELLO_TIMEOUT = 10.0
OPEN_TIMEOUT = 60.0  # seconds for a websocket handshake or an HTTP answer (a report PDF)


class Closing(Exception):
    def __init__(self, reason: str, why: str):
        super().__init__(why)
        self.reason, self.code, self.why = reason, CLOSE_CODES[reason], why


class CannotListen(Exception):
    """The port is taken (or the address is not this machine's): said in one line."""


class Server:
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
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="willkommen-store")
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
            self.executor.shutdown()
            raise
        try:
            self.store = await loop.run_in_executor(self.executor, self._open_store)
        except BaseException:  # a locked or damaged file (store.StoreUnavailable): nothing to stop
            self.executor.shutdown()
            raise
        self.writer = Writer(self.office, self.store, on_committed=lambda events: self.pushes.committed(events),
                             on_applied=lambda events: self.pushes.applied(events),
                             on_failure=self.failed.set, clock=self.clock, on_new_day=self._new_day,
                             commit_wait=self.gate.limits.commit_wait_seconds, others_may_join=self.gate.others_woke)
        self.writer_task = liveness.run(self.writer, every=self.gate.limits.idle_check_seconds, check=is_url(self.db_path))
        self.outbox = messages.build(self.site, self.db_path, port=lambda: self.port, office=self.office, clock=self.clock)
        await self.outbox.start()  # SMS and e-mail to visitors (server/messages): today's waiting ones go out
        self._rooms()
        try:
            self.server = await serve(self._connection, host, port, process_request=pages.once_each(self._http), ssl=tls,
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
            raise CannotListen(listen_error(host, port, exc)) from None
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
            raise CannotListen(listen_error(rules.push_host, rules.push_port, exc)) from None
        log.info("serving", extra={"fields": {"host": host, "port": self.port, "tls": self.site.tls_cert is not None,
                                              "db": str(self.store.path),  # no password
                                              "day": self.office.day, "tickets": len(self.office.tickets)}})
        return self.port

    def _rooms(self) -> None:
        """Each room with what it needs, and the route table that leads to them."""
        site, office, clock = self.site, self.office, self.clock
        people = People(site, clock=self.monotonic, wall=clock, signed_out=self._signed_out)  # monotonic: intervals
        self.board = Board(site, office, self.terminals, self.fanout, self.writer, people, clock=clock,
                           monotonic=self.monotonic, started_at=self.started_at)
        self.board.restore(self._replayed)  # since when counters are open or paused, from the log
        self.adopted = AdoptedFiles(site, self.welcomes, self.terminals, self.fanout)  # by the board or `network adopt`
        self.board.catalogues_changed = self.adopted.reload
        self._replayed = []
        self.manager = Manager(site, office, people, self.board, self.terminals, self.speech, self.gate, self.writer,
                               db_path=self.db_path, clock=clock, monotonic=self.monotonic)
        self.feedback = Feedback(site, office, self.writer, self.gate, monotonic=self.monotonic)
        self.requests = Requests(site, office, self.writer, people, printer_reported=self._printer_reported,
                                 monotonic=self.monotonic)
        self.access = Access(office, self.writer, self.store, self.gate, self.outbox, clock, (self.board, self.requests))
        self.screens = CounterScreens(site, self.fanout, clock)  # the browser counters' sentences (counter.screen)
        self.pushes = Pushes(office, self.terminals, self.fanout, self.speech, clock=clock,
                             board_changed=self.board.changed, staff_pushed=self.screens.pushed, access=self.access)
        self.routes = routes(self.manager, self.feedback, self.access, RegisterPage(site, self.access.registration_day),
                             pages.Sources(site, office, self.speech, self.feedback, clock, self.health), self.outbox)
        self.gate.turn_away(self.routes.public(), pages.busy().serialize())  # past an address's share, at the door

    def _open_store(self) -> Projection:
        store = open_store(self.db_path, timezone=self.site.timezone, synchronous=self.site.synchronous)
        try:
            self._replay(store)
        except BaseException:
            store.close()
            raise
        return store

    def _replay(self, store: Projection) -> None:
        today = local_day(self.clock(), self.office.tz)
        store.purge(today, self.site.retention_days, personal=self.site.manager.personal_statistics)
        self.office.last_id = store.last_ticket_id()
        events = store.events_since(today)
        for event in events:
            self.office.apply(event)
        self._replayed = events  # the board reads them once it exists (`_rooms`)
        self._signed_out = store.signed_out(self.clock())  # sign-outs before this start (`People`)

    def _new_day(self, day: str) -> None:
        self.store.start_day(day, retention_days=self.site.retention_days,
                             personal=self.site.manager.personal_statistics)

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
        self.writer_task.cancel()
        await asyncio.gather(self.writer_task, return_exceptions=True)
        try:
            await self.store.aclose()  # PostgreSQL's writing connection, on the loop it lives on
        except Exception:
            log.exception("closing the store's connection failed")
        await asyncio.get_running_loop().run_in_executor(self.executor, self.store.close)
        self.executor.shutdown()

    # ---- connections ---------------------------------------------------------------------

    async def _connection(self, ws: ServerConnection) -> None:
        socket = self.routes.socket(urlsplit(ws.request.path).path)
        if socket is not None and socket.serve is not None:
            self.gate.welcomed(ws)  # signed in by cookie at the upgrade, or entitled frame by frame
            return await self._public(ws, socket.serve) if socket.public else await socket.serve(ws)
        try:
            session = await self._hello(ws)
        except Closing as exc:
            return await self._refuse(ws, exc)
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

    async def _refuse(self, ws: ServerConnection, exc: Closing) -> None:
        if exc.reason == "bad_token":
            self.gate.wrong_token(self.gate.peer(ws))
        left_out = self.gate.pressure.note(("refused", exc.code), self.gate.clock())
        if left_out is not None:  # one line a code and interval: a flood of bad hellos is no flood of lines
            log.info("refused", extra={"fields": {"code": exc.code, "why": exc.why, "peer": self.gate.peer(ws),
                                                  "left_out": left_out}})
        await ws.close(exc.code, p.close_reason(exc.why))

    async def _hello(self, ws: ServerConnection) -> Session:
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
        return self._authenticate(hello, ws)

    def _authenticate(self, hello: p.Hello, ws: ServerConnection | None = None) -> Session:
        if ws is not None and self.manager.counter_page.owns(ws):  # a person's browser, by session cookie
            if hello.role != "counter":
                raise Closing("wrong_role", f"the counter page's socket is for a counter, not a {hello.role}")
            try:
                who = self.manager.counter_page.authorise(ws, hello.terminal, self.terminals.sessions.values())
            except Refused as exc:
                raise Closing("wrong_role", str(exc)) from None
            return Session("counter", BROWSER + who.name, hello.terminal, person=who.id, lang=who.lang, explain=True)
        if hello.role == "display" and not hello.terminal and self.site.anonymous_displays:
            return Session(role="display", terminal="")
        terminal = self.site.terminal(hello.terminal)
        expected = terminal.token if terminal else "\0" * 32  # compare anyway: no timing hint
        if not hmac.compare_digest(hello.token.encode(), expected.encode()) or terminal is None:
            raise Closing("bad_token", f"unknown terminal or wrong token for {hello.terminal!r}")
        if terminal.role != hello.role:
            raise Closing("wrong_role", f"terminal {terminal.id} is a {terminal.role}, not a {hello.role}")
        return Session(terminal.role, terminal.id, terminal.counter, lang=hello.lang, explain=hello.explain)

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

    # ---- HTTP ----------------------------------------------------------------------------

    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if request.headers.get("Upgrade", "").lower() == "websocket":
            socket = self.routes.socket(path)
            if socket is not None and socket.public and self.gate.public_full(self.gate.peer(connection)):
                return pages.busy()  # before the handshake: no 101, no connection to close later
            return socket.refuse(request) if socket is not None else None
        if request.method not in pages.METHODS:
            return pages.method_not_allowed(request)
        page = self.routes.page(path.rstrip("/") or "/") or self.routes.page(path)
        response = await page.answer(request) if page is not None else None
        if response is None:
            response = pages.respond(404, "not found\n")
        return pages.without_body(response) if request.method == "HEAD" else response

    def health(self) -> dict[str, Any]:
        now, office = self.clock(), self.office
        return {
            "status": "failing" if self.failed.is_set() else self.writer.state, "database": self.writer.health(),
            "site": self.site.name,
            "day": office.day,
            "uptime_s": round(self.monotonic() - self.started_monotonic, 1),
            "open_counters": [d.id for d in office.desks.values() if d.state == "open"],
            "paused_counters": [d.id for d in office.desks.values() if d.state == "paused"],
            "waiting": {s: len(q) for s, q in office.waiting.items()},
            "queues": [msgspec.to_builtins(views.queue(office, s, now)) for s in office.waiting],
            "tickets_today": len(office.tickets),
            "commits": self.writer.commits,  # since the start; each holds a group of changes
            "connected": self.terminals.by_role(),
            "closed_too_slow": self.fanout.closed,  # connections that stopped reading (4413)
            "printers": self.terminals.printers,
            "speech": self.speech.engine or "browser (no espeak-ng on the server)",
            "voices": self.speech.status(),  # spoken languages and their voice, silent ones, failed voices
            "messages": self.outbox.status(),  # SMS and e-mail to visitors: gateway on, today's by state
        }


def routes(manager: Manager, answers: Feedback, access: Access, registration: RegisterPage, public: pages.Sources,
           outbox: messages.Outbox) -> Routes:
    """The route table: every HTTP path and websocket endpoint of the port, and its room."""
    async def sync(answer: Callable[[Request], Response | None], request: Request) -> Response | None:
        return answer(request)

    public_page = partial(pages.answer, public)
    return Routes(
        [*(Page(path, "manager", manager.answer) for path in manager_pages.PATHS),
         *(Page(path, "visitors", partial(sync, answers.answer)) for path in feedback.PATHS),
         *(Page(path, "access", access.answer) for path in access_room.PATHS),
         *(Page(path, "edge", public_page) for path in pages.PATHS),
         *(Page(path, "visitors", partial(sync, registration.answer)) for path in register.PATHS),
         *(Page(path, "messages", partial(sync, partial(reports.answer, outbox))) for path in messages.PATHS)],
        [Socket("/signin/ws", "manager", manager.upgrade, manager.connection, public=True),
         Socket("/board/ws", "manager", manager.upgrade, manager.connection),
         Socket(counter_page.SOCKET, "manager", manager.upgrade, None),  # a counter terminal in the browser
         Socket(feedback.SOCKET, "visitors", answers.upgrade, answers.connection, public=True),
         Socket(access_room.SOCKET, "access", access.upgrade, access.connection, public=True)])


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


def listen_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        why = "the port is already in use (another willkommen-server? choose one with --port)"
    else:
        why = exc.strerror or str(exc)
    return f"cannot listen on {host}:{port}: {why}"
