"""The asyncio server: one port for the websocket terminals and a few HTTP pages.

A connection's first frame must be `hello`; the terminal's token is compared in constant
time and its role comes from the site config, never from the client. Each later frame is
decoded by `server.wire.protocol`, checked against the role, and handed to the `Writer` as a
command on the in-memory `Office`; the reply goes out after the commit, and committed events
are pushed: every change to counters and admins; calls, and tickets that leave the "now" spot,
to displays (a finished visit is no news to a waiting room); queue lengths to everyone.

HTTP on the same port (websockets' `process_request`): `GET /healthz` (JSON), `GET /` (a
short index). Anything that asks for a websocket upgrade is a terminal.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import hmac
import logging
import secrets
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

import msgspec
import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from config import Site

from server.wire import protocol as p
from server.booking import appointments, push
from server.visitors import feedback
from server.edge import pages, views
from server.core import Event, Office, Ticket, local_day
from server.core import events as ev
from server.edge.limits import Gate, Limits
from server.visitors.feedback import Feedback
from server.manager.counter_page import BROWSER, Refused
from server.manager.pages import Manager
from server.wire.errors import CLOSE_CODES, BadRequest, NotAllowed, RateLimited, WillkommenError
from server.edge.fanout import Fanout
from server.edge.ratelimit import TokenBucket
from server.visitors.speech import Speech
from server.store.sqlite import Store
from server.store.writer import Writer

log = logging.getLogger("willkommen.server")
HELLO_TIMEOUT = 10.0
QUEUE_PUSH_DELAY = 0.25
OPEN_TIMEOUT = 60.0  # seconds for a websocket handshake or an HTTP answer (a report PDF)
ROLE_OF = {**{cls: "kiosk" for cls in p.KIOSK_REQUESTS}, **{cls: "counter" for cls in p.COUNTER_REQUESTS},
           **{cls: "admin" for cls in p.ADMIN_REQUESTS}}


@dataclass
class Session:
    """Who is on the other end of a connection, as the site config (not the client) says."""

    role: str
    terminal: str
    counter: str | None = None
    person: str = ""  # a counter in the browser: the signed-in person's session (server/manager/counter_page.py)


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
        self.site, self.db_path, self.clock, self.monotonic = site, Path(db_path), clock, monotonic
        self.gate = Gate(limits or site.limits, clock=monotonic)  # before hello, wrong tokens, log floods (server/edge/limits.py)
        self.office = Office(site, always_open=always_open)
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="willkommen-store")
        self.staff: set[ServerConnection] = set()      # counters and admins: every change
        self.displays: set[ServerConnection] = set()   # calls, and tickets leaving the "now" spot
        self.kiosks: set[ServerConnection] = set()     # queue lengths only
        self.sessions: dict[ServerConnection, Session] = {}
        self.printers: dict[str, dict[str, Any]] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self.failed = asyncio.Event()
        self.speech = Speech(site.languages, voices=site.voices)
        self.fanout = Fanout(cap=site.push_buffer_kib * 1024)  # a connection that stops reading: 4413
        self._queues_to_push: set[str] = set()
        self._queue_push: asyncio.TimerHandle | None = None
        self.started_at, self.started_monotonic = clock(), monotonic()
        self.manager = Manager(self)  # people who sign in: the floor board, statistics (server/manager/pages.py)
        self.push: push.PushListener | None = None  # the booking system's endpoint (server/booking/push.py)
        self.feedback = Feedback(self)  # "How was your visit?": phone page and exit terminal (server/visitors/feedback.py)

    # ---- life cycle ----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 8765) -> int:
        """Rebuild the day from the store, start serving, return the bound port."""
        loop = asyncio.get_running_loop()
        try:
            self.store = await loop.run_in_executor(self.executor, self._open_store)
        except BaseException:  # a locked or damaged file (store.StoreUnavailable): nothing to stop
            self.executor.shutdown()
            raise
        self.writer = Writer(self.office, self.store, on_committed=self._push,
                             on_failure=self.failed.set, clock=self.clock)
        self.writer_task = asyncio.create_task(self.writer.run(), name="willkommen-writer")
        try:
            self.server = await serve(self._connection, host, port, process_request=self._http, ssl=self._tls(),
                                      max_size=p.MAX_FRAME, ping_interval=20, ping_timeout=20,
                                      # an HTTP answer is inside the opening handshake: websockets'
                                      # 10 s cut off a monthly PDF on a loaded machine (the lobby
                                      # still caps connections that never say hello)
                                      open_timeout=OPEN_TIMEOUT,
                                      compression=None,  # small JSON frames: deflate costs ~30 KB a connection
                                      server_header="Willkommen", create_connection=self.gate.connection_class)
        except OSError as exc:
            await self._close_store()
            raise CannotListen(listen_error(host, port, exc)) from None
        self._loop_handler = loop.get_exception_handler()
        loop.set_exception_handler(self.gate.loop_exception(partial(loop.default_exception_handler)
                                                            if self._loop_handler is None else
                                                            partial(self._loop_handler, loop)))
        self.watch_task = asyncio.create_task(self.fanout.watch(lambda: self.sessions), name="willkommen-fanout")
        self.port = self.server.sockets[0].getsockname()[1]
        try:
            self.push = await push.start(self)
        except OSError as exc:
            await self.stop()
            rules = self.site.appointments
            raise CannotListen(listen_error(rules.push_host, rules.push_port, exc)) from None
        log.info("serving", extra={"fields": {"host": host, "port": self.port, "tls": self.site.tls_cert is not None,
                                              "db": str(self.db_path),
                                              "day": self.office.day, "tickets": len(self.office.tickets)}})
        return self.port

    def _tls(self) -> ssl.SSLContext | None:
        """TLS when the site names a certificate: wss:// and https:// on the same port."""
        if self.site.tls_cert is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.site.tls_cert, self.site.tls_key)
        return context

    def _open_store(self) -> Store:
        store = Store(self.db_path, timezone=self.site.timezone, synchronous=self.site.synchronous)
        try:
            self._replay(store)
        except BaseException:
            store.close()
            raise
        return store

    def _replay(self, store: Store) -> None:
        today = local_day(self.clock(), self.office.tz)
        store.purge(today, self.site.retention_days)
        self.office.last_id = store.last_ticket_id()
        events = store.events_since(today)
        for event in events:
            self.office.apply(event)
        self.manager.board.restore(events)  # since when counters are open or paused, from the log

    async def stop(self) -> None:
        """Close connections, let the writer finish what it holds, close the store."""
        self.watch_task.cancel()
        await self.fanout.stop()
        self.server.close()
        await self.fanout.closed_within(self.server.wait_closed(), self.sessions)
        self.manager.stop()
        if self.push is not None:
            await self.push.stop()
        if self._queue_push is not None:
            self._queue_push.cancel()
        while self.writer.busy and not self.failed.is_set():
            await asyncio.sleep(0.01)
        asyncio.get_running_loop().set_exception_handler(self._loop_handler)
        await self._close_store()

    async def _close_store(self) -> None:
        self.writer_task.cancel()
        await asyncio.gather(self.writer_task, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self.executor, self.store.close)
        self.executor.shutdown()

    # ---- connections ---------------------------------------------------------------------

    async def _connection(self, ws: ServerConnection) -> None:
        if self.manager.owns(ws):
            self.gate.welcomed(ws)  # signed in by cookie at the upgrade
            return await self.manager.connection(ws)
        if self.feedback.owns(ws):
            self.gate.welcomed(ws)  # every frame carries what entitles it: no hello
            return await self.feedback.connection(ws)
        try:
            session = await self._hello(ws)
        except Closing as exc:
            return await self._refuse(ws, exc)
        except websockets.ConnectionClosed:
            return
        self.gate.welcomed(ws)
        await self._serve(ws, session)

    async def _refuse(self, ws: ServerConnection, exc: Closing) -> None:
        if exc.reason == "bad_token":
            self.gate.wrong_token(peer(ws))
        left_out = self.gate.pressure.note(("refused", exc.code), self.gate.clock())
        if left_out is not None:  # one line a code and interval: a flood of bad hellos is no flood of lines
            log.info("refused", extra={"fields": {"code": exc.code, "why": exc.why, "peer": peer(ws),
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
        if wait := self.gate.hello_wait(peer(ws)):
            raise Closing("throttled", f"too many wrong tokens from this address: try again in {wait:.0f} s")
        return self._authenticate(hello, ws)

    def _authenticate(self, hello: p.Hello, ws: ServerConnection | None = None) -> Session:
        if ws is not None and self.manager.counter_page.owns(ws):  # a person's browser, by session cookie
            if hello.role != "counter":
                raise Closing("wrong_role", f"the counter page's socket is for a counter, not a {hello.role}")
            try:
                who = self.manager.counter_page.authorise(ws, hello.terminal, self.sessions.values())
            except Refused as exc:
                raise Closing("wrong_role", str(exc)) from None
            return Session(role="counter", terminal=BROWSER + who.name, counter=hello.terminal, person=who.id)
        if hello.role == "display" and not hello.terminal and self.site.anonymous_displays:
            return Session(role="display", terminal="")
        terminal = self.site.terminal(hello.terminal)
        expected = terminal.token if terminal else "\0" * 32  # compare anyway: no timing hint
        if not hmac.compare_digest(hello.token.encode(), expected.encode()) or terminal is None:
            raise Closing("bad_token", f"unknown terminal or wrong token for {hello.terminal!r}")
        if terminal.role != hello.role:
            raise Closing("wrong_role", f"terminal {terminal.id} is a {terminal.role}, not a {hello.role}")
        return Session(role=terminal.role, terminal=terminal.id, counter=terminal.counter)

    async def _serve(self, ws: ServerConnection, session: Session) -> None:
        group = {"kiosk": self.kiosks, "display": self.displays}.get(session.role, self.staff)
        self.sessions[ws] = session
        group.add(ws)
        self.manager.board.changed()
        log.info("connected", extra={"fields": {"role": session.role, "terminal": session.terminal}})
        try:
            welcome = p.encode(self._welcome(session))
            self.fanout.adopt(ws, len(welcome))
            await ws.send(welcome, text=True)
            self.fanout.welcomed(ws)
            async for frame in ws:
                await ws.send(p.encode(await self._answer(session, frame)), text=True)
        except websockets.ConnectionClosed:
            pass
        finally:
            group.discard(ws)
            self.fanout.welcomed(ws)
            del self.sessions[ws]
            self._forget_printer(session)
            self.manager.board.changed()
            log.info("disconnected", extra={"fields": {"role": session.role, "terminal": session.terminal}})

    def _forget_printer(self, session: Session) -> None:
        """A kiosk gone is a printer nobody watches: its last report says nothing any more
        (the board shows it unknown) until the kiosk reports again on reconnecting."""
        if session.role == "kiosk" and not any(s.terminal == session.terminal for s in self.sessions.values()):
            self.printers.pop(session.terminal, None)

    def _welcome(self, session: Session) -> p.Welcome:
        terminal = self.site.terminal(session.terminal)
        return p.Welcome(v=p.VERSION, role=session.role, terminal=session.terminal, counter=session.counter,
                         zones=list(terminal.zones) if terminal else [],
                         languages=list(terminal.languages) if terminal else [],
                         printer=terminal.printer if terminal else None,
                         strings={lang: feedback.terminal_catalogue(self.site.words(lang), role=session.role)
                                  for lang in self.site.languages}
                         if session.role in ("kiosk", "display") or (terminal and terminal.printer) else {},
                         site=views.site(self.site, partners=session.role in ("counter", "admin")),
                         snapshot=views.snapshot(self.office, self.clock(),
                                                 detail_for="*" if session.role == "admin" else session.counter))

    async def _answer(self, session: Session, frame: str | bytes) -> msgspec.Struct:
        try:
            message = p.decode_client(frame)
        except BadRequest as exc:
            return p.Error(re=exc.re, code=exc.code, message=exc.message)
        request_id = getattr(message, "id", None)
        try:
            return await self._dispatch(session, message)
        except WillkommenError as exc:
            return p.Error(re=request_id, code=exc.code, message=exc.message)
        except Exception:
            log.exception("request failed")
            return p.Error(re=request_id, code="internal", message="the server could not do this; it is logged")

    # ---- requests ------------------------------------------------------------------------

    async def _dispatch(self, session: Session, message: msgspec.Struct) -> msgspec.Struct:
        if isinstance(message, p.Hello):
            raise BadRequest("hello was already received on this connection")
        role = ROLE_OF[type(message)]
        if session.person and self.manager.people.session(session.person) is None:
            raise NotAllowed("your sign-in has expired: sign in again")
        if session.role not in (role, "admin"):
            raise NotAllowed(f"a {session.role} terminal may not send {type(message).__name__.lower()}")
        if role == "kiosk":
            return await self._kiosk(session, message)
        if role == "admin":
            return await self.writer.submit(partial(appointments.handle, self.office, message))
        counter = self._counter_of(session, message)
        return await self.writer.submit(partial(self._counter_action, message, counter))

    def _counter_action(self, message: p.CounterRequest, counter: str, now: float) -> p.Reply:
        """Run a counter message as the office method of the same name (`next` -> `next`)."""
        fields = {k: v for k, v in msgspec.structs.asdict(message).items() if k not in ("id", "counter")}
        _, subject = getattr(self.office, message.__struct_config__.tag)(counter=counter, now=now, **fields)
        desk = views.desk(self.office, self.office.desks[counter], detail=True)
        ticket = views.ticket(subject) if isinstance(subject, Ticket) else None
        return p.Reply(re=message.id, ticket=ticket, desk=desk)

    def _counter_of(self, session: Session, message: p.CounterRequest) -> str:
        if session.role == "admin":
            if message.counter is None:
                raise BadRequest("an admin names the counter it acts for (\"counter\")")
            return message.counter
        if message.counter not in (None, session.counter):
            raise NotAllowed(f"terminal {session.terminal} stands at counter {session.counter}, "
                             f"not {message.counter}")
        return session.counter

    async def _kiosk(self, session: Session, message: msgspec.Struct) -> p.Reply:
        if isinstance(message, p.Printer):
            before = self.printers.get(session.terminal, {}).get("state")
            self.printers[session.terminal] = {"state": message.state, "at": self.clock(),
                                               "detail": self.gate.printer_detail(message.detail)}
            if (left_out := self.gate.printer_logged(session.terminal, message.state, before)) is not None:
                log.info("printer", extra={"fields": {"kiosk": session.terminal, "state": message.state,
                                                      "changes_left_out": left_out}})
            self.manager.board.changed()
            return p.Reply(re=message.id)
        if isinstance(message, p.Cancel):
            return await self.writer.submit(partial(self._cancelled, session.terminal, message))
        self._take_token(session.terminal)
        return await self.writer.submit(partial(self._drawn, session.terminal, message))

    def _cancelled(self, kiosk: str, message: p.Cancel, now: float) -> p.Reply:
        _, ticket = self.office.cancel(kiosk=kiosk, ticket=message.ticket, reason=message.reason, now=now)
        return p.Reply(re=message.id, ticket=views.ticket(ticket))

    def _drawn(self, kiosk: str, message: p.Draw | p.Checkin, now: float) -> p.Reply:
        if isinstance(message, p.Checkin):
            return appointments.check_in(self.office, kiosk, message, new_token(), now)
        _, ticket = self.office.draw(kiosk=kiosk, service=message.service, lang=message.lang,
                                     request=message.request, token=new_token(), now=now,
                                     interpreter=message.interpreter)
        return p.Reply(re=message.id, ticket=views.ticket(ticket, with_token=True), ahead=self.office.ahead(ticket),
                       eta=views.printed_estimate(ticket))

    def _take_token(self, kiosk: str) -> None:
        per_minute = self.site.kiosk_draws_per_minute
        bucket = self.buckets.get(kiosk)
        if bucket is None:
            bucket = self.buckets[kiosk] = TokenBucket(rate=per_minute / 60, burst=min(per_minute, 10))
        if not bucket.take(self.monotonic()):
            raise RateLimited(f"kiosk {kiosk} draws faster than {per_minute} tickets a minute")

    # ---- pushes --------------------------------------------------------------------------

    def _push(self, events: list[Event]) -> None:
        """Tell everyone what the committed events changed: calls, tickets, desks, queues."""
        office = self.office
        for event in events:
            if isinstance(event, ev.DayStarted):  # a new day: forget what is past the retention
                self.store.purge(event.day, self.site.retention_days)
        everyone = self.staff | self.displays
        calls: list[msgspec.Struct] = []
        tickets: dict[str, Ticket] = {}
        desks: set[str] = set()
        services: set[str] = set()
        for event in events:
            ticket = office.tickets.get(event.number) if isinstance(event, ev.TicketEvent) else None
            if ticket is not None and isinstance(event, (ev.TicketCalled, ev.TicketRecalled)):
                if everyone:
                    calls.append(self._spoken(views.called(office, ticket)))
            elif ticket is not None:
                tickets[ticket.number] = ticket
            if ticket is not None and not isinstance(event, ev.TicketTransferred):
                services.add(ticket.service)
            else:  # a new day, a counter's change, a transfer: any queue's estimate may move
                services.update(office.waiting)
            if isinstance(event, ev.DayStarted):  # every desk starts the day closed: tell each,
                desks.update(office.desks)       # above all one whose visitor the night ended
            if isinstance(event, ev.CounterEvent) and event.counter in office.desks:
                desks.add(event.counter)
        for message in calls:
            self.fanout.push(everyone, p.encode(message).decode())
        # a message is built only for someone: before the first counter opens, draws cost no pushes
        for ticket in tickets.values():
            audience = everyone if ticket.state in p.OFF_THE_SCREEN else self.staff
            if audience:
                self.fanout.push(audience, p.encode(p.TicketChanged(ticket=views.ticket(ticket))).decode())
        for counter in desks if self.staff else ():
            self.fanout.push(self.staff, p.encode(p.DeskChanged(desk=views.desk(office, office.desks[counter]))).decode())
        self.manager.board.changed(events)
        self._queues_to_push |= services
        if self._queue_push is None:
            self._queue_push = asyncio.get_running_loop().call_later(QUEUE_PUSH_DELAY, self._push_queues)

    def _spoken(self, call: p.Called) -> p.Called:
        """Add the URLs of the server's recordings of the call. They are made when a display
        first asks (during its 2-second gong), not here: a busy morning's calls cost no CPU
        until a waiting room listens."""
        for lang, text in call.texts.items():
            key = self.speech.register(lang, text)
            if key is not None:
                call.audio[lang] = self.speech.url(key)
            elif self.speech.engine is not None:  # no voice for it: shown, not spoken
                call.silent.append(lang)
        return call

    def _push_queues(self) -> None:
        """Queue lengths and estimates, at most every QUEUE_PUSH_DELAY and all in one frame:
        on a busy morning a screen needs no more, a draw costs one frame to its kiosk, not one to
        all, and a broadcast to 520 connections took 11 ms here (`python -m bench --only fanout`):
        a frame per service held the calls behind six of them for ~70 ms."""
        now, services = self.clock(), sorted(self._queues_to_push)
        self._queues_to_push, self._queue_push = set(), None
        frame = p.QueuesChanged(queues=[views.queue(self.office, service, now) for service in services])
        self.fanout.push(self.staff | self.displays | self.kiosks, p.encode(frame).decode())

    # ---- HTTP ----------------------------------------------------------------------------

    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return self.manager.upgrade(request) or self.feedback.upgrade(request)
        if request.method not in pages.METHODS:
            return pages.method_not_allowed(request)
        response = (await self.manager.answer(request) or self.feedback.answer(request)
                    or await pages.answer(self, request))
        return pages.without_body(response) if request.method == "HEAD" else response

    def health(self) -> dict[str, Any]:
        now, office = self.clock(), self.office
        connected: dict[str, list[str]] = {}
        for session in self.sessions.values():
            connected.setdefault(session.role, []).append(session.terminal or "(anonymous)")
        return {
            "status": "failing" if self.failed.is_set() else "ok",
            "site": self.site.name,
            "day": office.day,
            "uptime_s": round(self.monotonic() - self.started_monotonic, 1),
            "open_counters": [d.id for d in office.desks.values() if d.state == "open"],
            "paused_counters": [d.id for d in office.desks.values() if d.state == "paused"],
            "waiting": {s: len(q) for s, q in office.waiting.items()},
            "queues": [msgspec.to_builtins(views.queue(office, s, now)) for s in office.waiting],
            "tickets_today": len(office.tickets),
            "commits": self.writer.commits,  # since the start; each holds a group of changes
            "connected": {role: sorted(ids) for role, ids in connected.items()},
            "closed_too_slow": self.fanout.closed,  # connections that stopped reading (4413)
            "printers": self.printers,
            "speech": self.speech.engine or "browser (no espeak-ng on the server)",
            "voices": self.speech.status(),  # spoken languages and their voice, silent ones, failed voices
        }


def peer(ws: ServerConnection) -> str:
    """The address a connection comes from (wrong tokens are counted per address)."""
    address = ws.remote_address
    return str(address[0]) if address else ""


def listen_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        why = "the port is already in use (another willkommen-server? choose one with --port)"
    else:
        why = exc.strerror or str(exc)
    return f"cannot listen on {host}:{port}: {why}"


_random = bytearray()


def new_token() -> str:
    """The ticket's status-page token: unguessable, unlike its number. The system's random
    source is read 4 KiB at a time (one call per draw cost 5 % of a busy server's time)."""
    global _random
    if len(_random) < 12:
        _random = bytearray(secrets.token_bytes(4096))
    chunk, _random[:12] = bytes(_random[:12]), b""
    return base64.urlsafe_b64encode(chunk).decode()
