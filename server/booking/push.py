"""Appointments pushed by the office's booking system: `POST /appointments`, JSON, a token.

The websocket port cannot take it: websockets' `process_request` sees a request's head only
(it parses GET requests and never reads a body), so this is a listener of its own, a small
HTTP/1.1 server over asyncio streams with h11 doing the protocol. It runs inside the server
process and books through the same writer as every terminal. It listens only when the site
sets `[appointments] push_port`, on `push_host` (default 127.0.0.1: put a TLS proxy in front
if the booking system is on another machine), and wants `Authorization: Bearer <push_token>`.

    POST /appointments HTTP/1.1
    Authorization: Bearer <push_token>
    Content-Type: application/json

    {"day": "2026-11-27",
     "appointments": [
       {"code": "HD-1", "time": "09:30", "service": "residence", "lang": "ar"},
       {"code": "HD-2", "time": "2026-11-27T10:30:00+01:00", "service": "passport"},
       {"code": "HD-3", "time": "11:00", "service": "info", "status": "cancelled"}]}

Each appointment is read as a row of the CSV import is (`server.booking.appointments`): `code`,
`time` (`HH:MM` on `day`, default today in the site's time zone, or an ISO 8601 date and time),
`service`, optional `lang` and `status`; other fields (a name, an e-mail address) are never
looked at and never stored. Posting the same appointments again changes nothing; a moved
time is an update; `"status": "cancelled"` withdraws one.

The office's plan (`server.wire.plan`: a weekly template and exceptions per date) is posted
whole to `POST /plan` with the same token, `{"template": [...], "exceptions": [...]}`; it
replaces the plan before, as the floor board's `set_plan` does (200 `{"shifts", "exceptions"}`,
422 `{"error"}` naming what is wrong and changing nothing, 400 a body that is not such an object).

Answers are JSON: 200 `{"booked", "cancelled", "unchanged", "problems": []}`; 422 the same
when some appointments were bad, each in `problems` as `{"index", "problem"}` (the others are
booked); 400 a body that is not such a JSON object; 401 no or a wrong token; 404 another path;
405 another method; 411 no Content-Length; 413 a body over `MAX_BODY` or more than
`MAX_APPOINTMENTS` appointments; 429 with `Retry-After` while the address that sent too many
wrong tokens waits out its back-off (the same per-address count and back-off as the terminals'
hellos, `[limits] hello_*`: guessing the token here is no easier than at the websocket port).
One request per connection.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
from datetime import date, datetime
from functools import partial
from http import HTTPStatus
from typing import Any, Callable
from zoneinfo import ZoneInfo

import h11
import msgspec

from config import Site

from server.booking import appointments
from server.core import Office
from server.edge import doorway
from server.edge.http11 import next_event, read_body
from server.edge.limits import Gate, HelloThrottle
from server.store.writer import Writer
from server.wire import protocol as p
from server.wire.errors import BadRequest, WillkommenError
from server.wire.plan import SetPlan

log = logging.getLogger("willkommen.push")
PATH = "/appointments"
PLAN_PATH = "/plan"      # the office's plan, whole (`server.wire.plan`), as the board sends it
MAX_BODY = 1024 * 1024          # bytes: a busy office's day is a few hundred appointments
MAX_APPOINTMENTS = 5000
READ_SECONDS = 10.0             # a client that sends its request slower is cut off (booking is not timed)
CONNECTIONS = 16                # at once on this port: a booking system needs one; more wait outside
FIELDS = ("code", "time", "service", "lang", "status")


class Refused(Exception):
    """The request cannot be answered with bookings: a status and why."""

    def __init__(self, status: int, why: str, headers: tuple[tuple[str, str], ...] = ()):
        super().__init__(why)
        self.status, self.why, self.headers = status, why, headers


class PushListener:
    """`await PushListener(...).start()` -> the bound port; `await .stop()`. It books through
    the writer; wrong tokens are counted per address with the terminals' (`gate`)."""

    def __init__(self, site: Site, office: Office, writer: Writer, gate: Gate, *, clock: Callable[[], float],
                 host: str, port: int, token: str):
        self.site, self.office, self.writer, self.gate, self.clock = site, office, writer, gate, clock
        self.host, self.port, self.token = host, port, token
        # wrong tokens here are counted apart from the terminals' hellos: a booking system's
        # mistakes must not turn away the kiosks that share its address, nor theirs it
        self.throttle = HelloThrottle(gate.limits)
        self.open = 0                      # connections on this port now (at most CONNECTIONS)
        self.booking = asyncio.Lock()      # one push books at a time, in batches the kiosks' draws fit between
        self.tcp: asyncio.Server | None = None

    async def start(self) -> int:
        # a few accepts a turn of the loop from a deep queue, as on the terminals' port: a flood of
        # connections here is not a hundred made at once while a kiosk's draw waits
        self.tcp = await asyncio.start_server(self._client, self.host, self.port, backlog=doorway.ACCEPTS_A_TURN)
        doorway.listen_deep(self.tcp.sockets)
        self.port = self.tcp.sockets[0].getsockname()[1]
        log.info("listening", extra={"fields": {"host": self.host, "port": self.port, "path": PATH}})
        return self.port

    async def stop(self) -> None:
        if self.tcp is not None:
            self.tcp.close()
            await self.tcp.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER)
        address = writer.get_extra_info("peername")
        if self.open >= CONNECTIONS:  # a flood of slow connections holds no more files than this
            self.gate.warn("push_full", "too many connections to the appointments port: new ones are turned away",
                           connections=self.open)
            writer.close()
            return
        self.open += 1
        try:
            status, answer, headers = await self._request(connection, reader, str(address[0]) if address else "")
            await self._respond(connection, writer, status, answer, headers)
        finally:
            self.open -= 1

    async def _request(self, connection: h11.Connection, reader: asyncio.StreamReader, peer: str):
        """Read the request within READ_SECONDS, then book it however long that takes: a push
        whose appointments were booked is never answered 408."""
        try:
            async with asyncio.timeout(READ_SECONDS):
                path, body = await self._read(connection, reader, peer)
            return await (self.plan(body) if path == PLAN_PATH else self.book(body))
        except TimeoutError:
            return 408, {"error": f"the request did not arrive within {READ_SECONDS:g} s"}, ()
        except h11.RemoteProtocolError as exc:
            return 400, {"error": f"not an HTTP/1.1 request: {exc}"}, ()
        except Refused as exc:
            return exc.status, {"error": exc.why}, exc.headers
        except ConnectionError:
            return 400, {"error": "the connection broke"}, ()
        except WillkommenError as exc:  # the store failed: nothing of this batch on is booked
            return 503, {"error": exc.message}, (("Retry-After", "10"),)

    async def _read(self, connection: h11.Connection, reader: asyncio.StreamReader, peer: str) -> tuple[str, bytes]:
        request = await next_event(connection, reader, h11.Request)
        path = self._check(request, peer)
        return path, await _body(connection, reader, request)

    def _check(self, request: h11.Request, peer: str) -> str:
        """Path, method and token, before a byte of the body is read."""
        path = request.target.split(b"?", 1)[0].decode("latin-1")
        if path not in (PATH, PLAN_PATH):
            raise Refused(404, f"there is nothing here: appointments are posted to {PATH}, the plan to {PLAN_PATH}")
        if request.method != b"POST":
            raise Refused(405, f"{path} takes POST", (("Allow", "POST"),))
        if wait := self.throttle.wait(peer, self.gate.clock()):
            seconds = str(math.ceil(wait))
            raise Refused(429, f"too many wrong tokens from this address: try again in {seconds} s",
                          (("Retry-After", seconds),))
        scheme, _, given = dict(request.headers).get(b"authorization", b"").strip().partition(b" ")
        # the scheme is case-insensitive (RFC 9110 11.1): "bearer" is "Bearer"
        if scheme.lower() != b"bearer" or not hmac.compare_digest(given.strip(), self.token.encode()):
            self.throttle.failed(peer, self.gate.clock())
            raise Refused(401, "no or a wrong token: send Authorization: Bearer <push_token>",
                          (("WWW-Authenticate", 'Bearer realm="appointments"'),))
        return path

    async def plan(self, body: bytes) -> tuple[int, dict[str, Any], tuple]:
        """The office's whole plan (`server.wire.plan`: `template` and `exceptions`), replacing
        the one before, as the floor board's `set_plan` does; 422 naming what is wrong, and then
        nothing changed."""
        try:
            fields = msgspec.json.decode(body)
            if not isinstance(fields, dict):
                raise Refused(400, "the body must be a JSON object with \"template\" and \"exceptions\"")
            message = msgspec.convert({**fields, "type": "set_plan", "id": 0}, SetPlan)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise Refused(400, f"not a plan: {exc}") from None
        try:
            await self.writer.submit(partial(self._set_plan, message))
        except BadRequest as exc:
            return 422, {"error": exc.message}, ()
        return 200, {"shifts": len(message.template), "exceptions": len(message.exceptions)}, ()

    def _set_plan(self, message: SetPlan, now: float) -> None:
        self.office.set_plan(template=message.template, closures=message.exceptions, by="booking system", now=now)

    async def book(self, body: bytes) -> tuple[int, dict[str, Any], tuple]:
        """Book every appointment of a JSON body; the ones that cannot be are reported by index.
        One push at a time, in `book_many` batches of at most `p.MAX_BATCH` (one commit each), so
        the kiosks' draws go on between two batches."""
        site = self.site
        tz = ZoneInfo(site.timezone)
        items, day = read(body, today=datetime.fromtimestamp(self.clock(), tz).date())
        outcome, problems, rows = appointments.Outcome(), [], []
        for index, item in enumerate(items):
            try:
                row = appointments.row(index, item, tz=tz, day=day, default_lang=site.languages[0])
                rows.append((index, row, request_for(row)))
            except ValueError as exc:
                problems.append({"index": index, "problem": str(exc)})
        async with self.booking:
            for start in range(0, len(rows), p.MAX_BATCH):
                batch = rows[start:start + p.MAX_BATCH]
                request = p.BookMany(id=0, appointments=[booking for _, _, booking in batch])
                reply = await self.writer.submit(partial(appointments.handle, self.office, request))
                for (index, row, _), result in zip(batch, reply.outcomes or ()):
                    if result.code is not None:
                        problems.append({"index": index, "problem": result.message})
                    else:
                        outcome.count(row, result)
                await asyncio.sleep(0)  # the draws that arrived meanwhile before the next batch
        problems.sort(key=lambda problem: problem["index"])
        answer = {"booked": outcome.booked, "cancelled": outcome.cancelled, "unchanged": outcome.unchanged,
                  "problems": problems}
        return (422 if problems else 200), answer, ()

    async def _respond(self, connection: h11.Connection, writer: asyncio.StreamWriter, status: int,
                       answer: dict[str, Any], headers: tuple) -> None:
        body = msgspec.json.encode(answer) + b"\n"
        head = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                ("Connection", "close"), ("Server", "Willkommen"), *headers]
        try:
            if connection.our_state in (h11.IDLE, h11.SEND_RESPONSE):  # IDLE: a request h11 could not read
                reason = HTTPStatus(status).phrase.encode()
                writer.write(connection.send(h11.Response(status_code=status, headers=head, reason=reason)))
                writer.write(connection.send(h11.Data(data=body)) + connection.send(h11.EndOfMessage()))
            await writer.drain()
        except (ConnectionError, h11.LocalProtocolError):
            pass
        finally:
            writer.close()


async def start(site: Site, office: Office, writer: Writer, gate: Gate, *,
                clock: Callable[[], float]) -> PushListener | None:
    """The listener the site asks for (`[appointments] push_port`), started; None if none."""
    rules = site.appointments
    if rules.push_port is None:
        return None
    listener = PushListener(site, office, writer, gate, clock=clock, host=rules.push_host, port=rules.push_port,
                            token=rules.push_token)
    await listener.start()
    return listener


async def _body(connection: h11.Connection, reader: asyncio.StreamReader, request: h11.Request) -> bytes:
    headers = dict(request.headers)
    length = headers.get(b"content-length")
    return await read_body(connection, reader, length=length.decode("latin-1") if length is not None else None,
                           chunked=b"transfer-encoding" in headers, limit=MAX_BODY, too_big="send the day in parts",
                           refuse=Refused)


def read(body: bytes, *, today: date) -> tuple[list[Any], date]:
    """The appointments of a body and the day their `HH:MM` times are on; `Refused` (400, 413)
    when the body is not `{"appointments": [...], "day"?: "YYYY-MM-DD"}`."""
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise Refused(400, f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("appointments"), list):
        raise Refused(400, 'the body must be a JSON object with a list "appointments"')
    unknown = sorted(set(data) - {"appointments", "day"})
    if unknown:
        raise Refused(400, f"unknown field {unknown[0]!r} (expected appointments and optionally day)")
    if len(data["appointments"]) > MAX_APPOINTMENTS:
        raise Refused(413, f"more than {MAX_APPOINTMENTS} appointments: send the day in parts")
    day = data.get("day", today.isoformat())
    try:
        return data["appointments"], date.fromisoformat(day) if isinstance(day, str) else date.fromisoformat("")
    except ValueError:
        raise Refused(400, f'"day" {str(day)[:40]!r} is not a date YYYY-MM-DD') from None


def request_for(row: appointments.Row) -> p.Book | p.Unbook:
    """The admin request a row is, validated as a terminal's would be (lengths, time range)."""
    if row.cancelled:
        fields = {"type": "unbook", "id": 0, "booking": row.code}
    else:
        fields = {"type": "book", "id": 0, "booking": row.code, "service": row.service, "lang": row.lang,
                  "due_at": row.due_at}
    try:
        return msgspec.convert(fields, p.Unbook if row.cancelled else p.Book)
    except msgspec.ValidationError as exc:
        raise ValueError(f"appointment {row.code[:40]}: {exc}") from None
