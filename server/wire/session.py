"""The client session that kiosk, counter and display share: connect, hello, requests with
replies by id, pushed events, and reconnecting by itself with backoff.

    session = ClientSession(url, role="kiosk", terminal="kiosk-1", token="...")
    async with session:                              # connects in the background
        await session.ready()                        # the first welcome
        reply = await session.request(p.Draw(id=0, service="info", lang="ar", request="r1"),
                                      retry=True)    # id is filled in
        async for event in session.events():         # called, ticket, queue, desk ...
            ...

`request` raises `ServerError` (with the protocol's stable `code`) when the server refuses,
`ConnectionLost` when the connection dropped before the reply came and `retry` is false. A
request the server says is `held` (a counter's, waiting for the server's database) waits for
its answer without `timeout`; the `held` and a later `confirmed` come as events too.
Only idempotent requests may set `retry=True`: a draw carries its own `request` key, so the
server answers a resent draw with the same ticket. With `retry=True` a `busy` answer (the
server is reaching its database again after a failover; nothing was done) is sent again after a
pause growing from half a second to one (`BUSY_PAUSE`) for up to `timeout`, then raised for the
terminal to say. `Refused` ends the session for good (bad token, wrong role, unsupported
version): retrying would not help.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import ssl as ssl_module
from typing import Any, AsyncIterator, Callable

import msgspec
import websockets
from websockets.asyncio.client import ClientConnection, connect

from server.wire import protocol as p

log = logging.getLogger("willkommen.client")
FATAL_CLOSE = (4400, 4401, 4403)
# answered without being done (busy), or done but not yet confirmed by the database (unconfirmed: a
# draw sent again with its key gets that ticket): `retry=True` sends it again for up to `timeout`
RETRIED = ("busy", "unconfirmed")
# seconds between tries while the server answers busy: the first after half a second (a failover
# is often over by then), then every second, so a kiosk waiting for a database that stays away
# sends 11 draws in its 10 s, not 20. A longer pause can keep the first draw after the database
# is back waiting up to that long for nothing (README, "A failover": the bench's figures)
BUSY_PAUSE = (0.5, 1.0)


class ServerError(Exception):
    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None, text: str = ""):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message
        self.fields = fields or {}
        self.text = text  # the staff's sentence, from a server asked to `explain` (else "")


class ConnectionLost(Exception):
    pass


class Refused(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(f"{code} {reason}")
        self.code, self.reason = code, reason


class ClientSession:
    def __init__(self, url: str, *, role: p.Role, terminal: str = "", token: str = "", lang: str = "de",
                 timeout: float = 10.0, backoff: tuple[float, float] = (0.1, 5.0),
                 on_state: Callable[[bool], None] | None = None, ssl: "ssl_module.SSLContext | None" = None,
                 explain: bool = False):
        self.url, self.timeout, self.backoff, self.on_state = url, timeout, backoff, on_state
        self.ssl = ssl  # for wss:// with a site's own certificate authority
        # explain: errors come with their fields and the staff's sentence in `lang` (a server older
        # than that refuses the hello: update the server before the terminals)
        self.hello = p.Hello(role=role, terminal=terminal, token=token, lang=lang, explain=explain)
        self.welcome: p.Welcome | None = None
        self.refused: Refused | None = None
        self.tries = 0   # connection attempts so far
        self._ids = itertools.count(1)
        self._pending: dict[int | str | None, asyncio.Future] = {}
        self._limits: dict[int | str | None, asyncio.Timeout] = {}  # each pending request's `timeout`
        self._events: asyncio.Queue[msgspec.Struct] = asyncio.Queue()
        self._connected = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "ClientSession":
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"session-{self.hello.terminal or self.hello.role}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def ready(self, timeout: float | None = None) -> p.Welcome:
        """Wait until the server has welcomed this session (again, after a reconnect)."""
        waiter = asyncio.ensure_future(self._connected.wait())
        task = self._task
        done, _ = await asyncio.wait({waiter, task} if task else {waiter}, timeout=timeout or self.timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task in done:
            task.result()  # raises Refused
        if not self._connected.is_set():
            raise ConnectionLost(f"no connection to {self.url}")
        if self.welcome is None:  # connected means welcomed (`_read`)
            raise ConnectionLost(f"no welcome from {self.url}")
        return self.welcome

    async def events(self) -> AsyncIterator[msgspec.Struct]:
        while True:
            yield await self._events.get()

    async def next_event(self, kind: type | tuple[type, ...] = msgspec.Struct, timeout: float | None = None) -> Any:
        """The next pushed event of `kind`, skipping others (handy in tests and simulators)."""
        async with asyncio.timeout(timeout or self.timeout):
            while True:
                event = await self._events.get()
                if isinstance(event, kind):
                    return event

    async def request(self, message: p.Request, *, retry: bool = False) -> Any:
        busy_until, pause = None, BUSY_PAUSE[0]
        while True:
            await self.ready()
            try:
                return await self._request_once(message)
            except ConnectionLost:
                if not retry:
                    raise
            except ServerError as exc:  # `busy`: the server reaches its database again (a failover)
                now = asyncio.get_running_loop().time()
                busy_until = busy_until or now + self.timeout
                if not retry or exc.code not in RETRIED or now >= busy_until:
                    raise
                await asyncio.sleep(min(pause, busy_until - now))
                pause = min(pause * 2, BUSY_PAUSE[1])

    async def _request_once(self, message: p.Request) -> Any:
        request_id = next(self._ids)
        message = msgspec.structs.replace(message, id=request_id)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            if self._ws is None:
                raise ConnectionLost("not connected")
            await self._ws.send(p.encode(message), text=True)
            async with asyncio.timeout(self.timeout) as self._limits[request_id]:
                return await future
        except websockets.ConnectionClosed:
            raise ConnectionLost("the connection closed before the reply") from None
        except TimeoutError:
            raise ConnectionLost(f"no reply within {self.timeout} s") from None
        finally:
            self._pending.pop(request_id, None)
            self._limits.pop(request_id, None)

    # ---- the connection loop -------------------------------------------------------------

    async def _run(self) -> None:
        delay = self.backoff[0]
        while True:
            self.tries += 1
            try:
                tls: dict[str, Any] = {"ssl": self.ssl} if self.ssl is not None else {}
                async with connect(self.url, max_size=None, open_timeout=self.timeout, **tls) as ws:
                    self._ws = ws
                    await ws.send(p.encode(self.hello), text=True)
                    delay = self.backoff[0]
                    await self._read(ws)
            except websockets.ConnectionClosed as exc:
                self._check_refused(exc)
            except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
                log.debug("connect failed: %s", exc)
            except Exception as exc:  # what answers may speak garbage (a proxy, another service,
                # a newer server's frame): a terminal tries again, it never ends on a network fault
                log.warning("connection failed: %r", exc)
            finally:
                self._disconnected()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff[1])

    async def _read(self, ws: ClientConnection) -> None:
        async for frame in ws:
            message = p.decode_server(frame)
            if isinstance(message, p.Welcome):
                self.welcome = message
                self._set_state(True)
            elif isinstance(message, p.StringsChanged) and self.welcome is not None:
                # the welcome's catalogues as they are now (a reconnect brings the same), and the
                # app told through its events, to show the new words where no visitor is mid-way
                self.welcome = msgspec.structs.replace(self.welcome, strings=message.strings)
                self._events.put_nowait(message)
            elif isinstance(message, (p.Reply, p.Error, p.Registered)):  # registered: a kiosk's `register`
                self._answer(message)
            elif isinstance(message, p.Held):  # it waits for the server's database: no timeout, and told
                if (limit := self._limits.get(message.re)) is not None:
                    limit.reschedule(None)
                self._events.put_nowait(message)
            else:
                self._events.put_nowait(message)

    def _answer(self, message: p.Reply | p.Error | p.Registered) -> None:
        future = self._pending.get(message.re)
        if future is None or future.done():
            return
        if isinstance(message, p.Error):
            future.set_exception(ServerError(message.code, message.message, message.fields, message.text))
        else:
            future.set_result(message)

    def _check_refused(self, exc: websockets.ConnectionClosed) -> None:
        if exc.rcvd is not None and exc.rcvd.code in FATAL_CLOSE:
            self.refused = Refused(exc.rcvd.code, exc.rcvd.reason)
            raise self.refused

    def _disconnected(self) -> None:
        self._ws = None
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionLost("the connection closed before the reply"))
        self._set_state(False)

    def _set_state(self, connected: bool) -> None:
        if connected == self._connected.is_set():
            return
        (self._connected.set if connected else self._connected.clear)()
        if self.on_state is not None:
            try:
                self.on_state(connected)
            except Exception:  # a terminal's bug must not end its connection
                log.exception("on_state callback failed")
