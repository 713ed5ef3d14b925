"""Fair access, the server's side: registration, the outcome, the window and the draw.

    WS   /register/ws        `register` -> `registered`, `outcome` -> `outcome_view` (server.wire.access)
    GET  /draw/<day>.json    the draw's public proof (server.access.proof)

The socket is public like the phone page: every frame carries what it needs, nothing is kept
per connection, only pages of this server may open it (Origin), and an address's frames wait
for its `[limits] register_per_second`, all addresses' together for `register_total_per_second`
(the connection loop's pacer: a flood waits in the senders' sockets, the kiosks go first). An address registers at
most `[access] entries_per_address` entries a day on it (`too_many`), counted by the address's
keyed hash, which is kept with the entry's personal data until the next day (a restart counts
on from there); a kiosk (its own socket, `via` "kiosk") and the info desk (the board's
socket, "desk") are not counted so.

Registration checks, in this order, and each refusal is an error with a code that changes
nothing: the window (`window_closed`), the service (`unknown_service`), the name and birth
date (`bad_name`, `bad_birth_date`), the contact (`bad_request`), the address's count
(`too_many`), then on the writer the person (`already_registered`: the identity hash) and the
contact (`contact_full`). The entry's key (`entry`) is 128 random bits: the visitor's page
keeps it to ask the outcome; asking with unknown keys counts against the address like a
wrong token.

The schedule (`server.access.schedule`, a look once a second): the window of the next lottery day opens (a seed is made
and kept in the store, its hash published), the draw is made at `draw_at` (from the kept seed:
a crash before its commit draws again the same), outcomes are posted to the outbox, and a
winner who has not checked in by the end of their window gives their place to the next on
the waiting list ("come now").
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import date, timedelta
from functools import partial
from typing import Any, Callable
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from config import Site

from server.access import proof
from server.access.calendar import Calendar
from server.access.schedule import Schedule
from server.core import Office, Ticket, lottery
from server.core import access_days
from server.core import events as ev
from server.core.access import NOT_DRAWN, OFFERED, WAITING, WON, AccessDay, Entrant, Person
from server.edge.frames import serve_frames
from server.edge.limits import Gate, HelloThrottle
from server.edge.replies import other_origin, respond
from server.edge.ratelimit import Pacer
from server.messages import Outbox
from server.store.writer import Writer
from server.wire import access as wire
from server.wire.errors import (BadBirthDate, BadName, BadRequest, RateLimited, TooMany, UnknownEntry,
                                UnknownService, WindowClosed)

log = logging.getLogger("willkommen.access")
SOCKET = "/register/ws"
PATHS = ("/draw/*",)  # in the edge's route table (`server.edge.routes`)
PUBLISHED_KEPT = 8  # earlier days' proofs kept made (`Access.published`)
KIOSK_ENTRIES_KEPT = 1000  # entries registered at a kiosk whose result page was not opened yet
TICK = 1.0            # seconds between two looks at the schedule
STORED = {ev.AccessOpened: access_days.opened, ev.EntryRegistered: access_days.registered,
          ev.AccessDrawn: access_days.drawn, ev.PlaceOffered: access_days.offered}


class Access:
    def __init__(self, office: Office, writer: Writer, store: Any, gate: Gate, outbox: Outbox,
                 clock: Callable[[], float], desks: tuple[Any, ...] = ()):
        """`desks`: the kiosks' request table and the board, whose `register` becomes this room's
        (None without a lottery). `clock` stamps and schedules; the gate's monotonic clock
        paces. Made on the running loop: the schedule starts at once."""
        self.site: Site = office.site
        self.rules, self.office, self.writer, self.store = self.site.access, office, writer, store
        self.gate, self.clock, self.monotonic, self.outbox = gate, clock, gate.clock, outbox
        self.calendar = Calendar(self.site, always_open=office.always_open)
        self.secret = self.rules.secret.encode()
        self.pacer = Pacer(rate=gate.limits.register_per_second, burst=gate.limits.register_burst,
                           peers=gate.limits.peers)
        # and all addresses together: 10,000 registrations in the window's last minutes leave
        # the loop to the kiosks (`python -m bench --only access`)
        self.everyone = Pacer(rate=gate.limits.register_total_per_second, burst=gate.limits.register_total_burst,
                              peers=1)
        self.unknown = HelloThrottle(gate.limits)   # addresses asking with unknown entry keys
        self.per_address: dict[tuple[str, str], int] = {}
        self.published: dict[str, bytes] = {}  # earlier days' proofs (final): asked for by anyone, made once
        self.live: dict[str, tuple[tuple, bytes]] = {}  # today's and tomorrow's, with their `proof.version`
        self.task: asyncio.Task | None = None
        # entry -> the kiosk that registered it, until its result page is first opened: the kiosk is
        # told (`seen`, set by the server) and takes the QR code off its screen (kiosk/register.py)
        self.from_kiosks: dict[str, str] = {}
        self.seen: Callable[[str, str], None] | None = None
        self.schedule = Schedule(office, writer, store, outbox, self.calendar, self.secret, clock)
        self.restore()
        for desk in desks:
            desk.register = self.registrar
        if getattr(outbox, "near_call", None) is not None:  # "your call is near" to those who left a contact
            outbox.near_call.contact_of = self.contact_of  # type: ignore[attr-defined]
        self.start()

    @property
    def registrar(self) -> Callable[..., Any] | None:
        """`register` for the kiosk's and the board's sockets; None when the site has no lottery."""
        return self.register if self.rules.enabled else None

    # ---- life cycle ------------------------------------------------------------------------------

    def restore(self) -> None:
        """After the replay: the personal data of today's and tomorrow's entries, from the store."""
        if not self.rules.enabled:
            return
        since = self.office.day or "0000"
        for entry, day, name, born, contact in self.store.access_people(since):
            found = self.office.access_days.get(day)
            if found is not None:
                found.people[entry] = Person(name, born, contact)
        today = self.office.local_day(self.clock())  # the windows open now are for today or later
        for day, address, entries in self.store.access_addresses(today):  # a restart gives no one more entries
            self.per_address[(day, address)] = entries

    def start(self) -> None:
        if self.rules.enabled:
            self.task = asyncio.create_task(self._run(), name="willkommen-access")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the schedule goes on; the next tick tries again
                log.exception("the lottery's schedule failed")
            await asyncio.sleep(TICK)

    # ---- the socket ------------------------------------------------------------------------------

    def upgrade(self, request: Request) -> Response | None:
        return other_origin(request)

    async def connection(self, ws: ServerConnection) -> None:
        peer = self.gate.peer(ws)
        await serve_frames(ws, wire.decode_access, partial(self.handle, peer), pace=partial(self._pace, peer))

    async def _pace(self, peer: str) -> None:
        await self.pacer.pace(peer)
        await self.everyone.pace("")

    async def handle(self, peer: str, message: wire.Register | wire.Outcome) -> Any:
        if isinstance(message, wire.Register):
            return await self.register(message, via="web", peer=peer)
        return self.outcome(message, peer)

    # ---- registering -----------------------------------------------------------------------------

    async def register(self, message: wire.Register, *, via: str, peer: str = "", by: str = "") -> wire.Registered:
        """One entry, from the web page, a kiosk or the info desk (`via`, set by the server)."""
        if not self.rules.enabled:
            raise UnknownService("this office gives no places by lottery")
        day = self.calendar.window_day(self.clock())
        if day is None:
            raise WindowClosed(f"registration is closed now; the next opens {self._next_opening()}")
        if message.service not in self.rules.services:
            raise UnknownService(f"no places by lottery for service {message.service!r} "
                                 f"(offered: {', '.join(self.rules.services)})")
        if not lottery.has_name(message.name):
            raise BadName("the name as in the passport is needed (at least two letters)")
        born = lottery.birth_date(message.birth_date, day)
        if born is None:
            raise BadBirthDate(f"{message.birth_date[:32]!r} is not a date of birth YYYY-MM-DD")
        contact = lottery.plain_contact(message.contact)
        if contact and not lottery.channel(contact):
            raise BadRequest("the contact is neither a mobile number nor an e-mail address")
        urgent = self._urgent(message.urgent_until, day)
        address = lottery.address_key(self.secret, peer) if via == "web" else ""
        counted = (day, address) if via == "web" else None
        if counted is not None and self.per_address.get(counted, 0) >= self.rules.entries_per_address:
            raise TooMany(f"this address registered {self.rules.entries_per_address} entries for {day}: no more")
        identity = lottery.identity(self.secret, message.name, born)
        weight = 1 + await self.store.aside(self.store.unlucky, identity)
        entry = secrets.token_urlsafe(16)
        person = Person(" ".join(message.name.split()), born, contact)
        contact_key = lottery.contact_key(self.secret, contact) if contact else ""
        if counted is not None:  # counted before the commit: the address's other sockets see it at once
            self._count(counted)
        try:
            await self.writer.submit(partial(self._registered, day, entry, identity, message, urgent, person,
                                             contact_key, via, weight, by, address))
        except BaseException:
            if counted is not None and counted in self.per_address:
                self.per_address[counted] -= 1  # refused (already registered, contact full): not an entry
            raise
        if via == "kiosk" and by:
            self.from_kiosks[entry] = by
            while len(self.from_kiosks) > KIOSK_ENTRIES_KEPT:  # never opened (a slip kept for later): the oldest go
                del self.from_kiosks[next(iter(self.from_kiosks))]
        return wire.Registered(re=message.id, entry=entry, day=day, draw_at=self.calendar.draw_at(day), weight=weight)

    def _registered(self, day: str, entry: str, identity: str, message: wire.Register, urgent: bool, person: Person,
                    contact_key: str, via: str, weight: int, by: str, address: str, now: float) -> None:
        events, _ = self.office.register(day=day, entry=entry, identity=identity, service=message.service,
                                         lang=message.lang, urgent=urgent, person=person, contact_key=contact_key,
                                         via=via, weight=weight, services=self.rules.services,
                                         per_contact=self.rules.entries_per_contact, now=now, address=address)
        for event in events:
            event.by = by

    def _urgent(self, until: str, day: str) -> bool:
        """A permit expiring within `urgent_days` of the day (or expired) is urgent."""
        if not until.strip():
            return False
        try:
            expires = date.fromisoformat(until.strip())
        except ValueError:
            raise BadRequest(f"urgent_until {until[:32]!r} is not a date YYYY-MM-DD") from None
        return expires <= date.fromisoformat(day) + timedelta(days=self.rules.urgent_days)

    def _count(self, key: tuple[str, str]) -> None:
        self.per_address[key] = self.per_address.get(key, 0) + 1
        if len(self.per_address) > self.gate.limits.peers:  # old days and addresses go first
            for old in [k for k in self.per_address if k[0] < key[0]][:1000] or [next(iter(self.per_address))]:
                del self.per_address[old]

    def registration_day(self) -> tuple[str, bool]:
        """The lottery day a registration now is for, and whether its window is open now (if
        not, the day whose window opens next): what the registration page names."""
        now = self.clock()
        day = self.calendar.window_day(now)
        return (day, True) if day is not None else (self.calendar.next_window(now), False)

    def _next_opening(self) -> str:
        day = self.calendar.next_window(self.clock())
        eve = " the day before" if self.rules.days_before else ""
        return f"for {day} at {self.rules.opens:%H:%M}{eve}"

    def contact_of(self, ticket: Ticket) -> tuple[str, str] | None:
        """(address, channel) a ticket's visitor registered with, for the near-call notice;
        None for a ticket not checked in with a won place, or without a contact."""
        person = self.office.registered_person(ticket)
        if person is None or not person.contact:
            return None
        return person.contact, lottery.channel(person.contact)

    # ---- the outcome -----------------------------------------------------------------------------

    def outcome(self, message: wire.Outcome, peer: str = "") -> wire.OutcomeView:
        if self.unknown.wait(peer, self.monotonic()):
            raise RateLimited("too many unknown entries from this address: wait a little")
        found = self.office.entrant(message.entry)
        if found is None:
            self.unknown.failed(peer, self.monotonic())
            raise UnknownEntry("there is no such entry (or its day is long over)")
        day, entrant = found
        kiosk = self.from_kiosks.pop(message.entry, None)
        if kiosk is not None and self.seen is not None:  # scanned off the kiosk (or its slip): done there
            self.seen(kiosk, message.entry)
        return self.view(day, entrant, re=message.id)

    def view(self, day: AccessDay, entrant: Entrant, re: str | int | None = None) -> wire.OutcomeView:
        state = self._state(day, entrant)
        weight = entrant.weight + 1 if state == NOT_DRAWN else entrant.weight
        window = entrant.window or (None, None)
        shows_code = state in (WON, OFFERED, "checked_in")
        return wire.OutcomeView(re=re, state=state, day=day.day, service=entrant.service, weight=weight,  # type: ignore[arg-type]
                                draw_at=day.draw_at, seed_hash=day.seed_hash, code=entrant.code if shows_code else "",
                                window_start=window[0] if shows_code else None,
                                window_end=window[1] if shows_code else None,
                                may_be_offered=state == NOT_DRAWN and bool(entrant.contact or entrant.via == "web")
                                and self.schedule.may_offer(day, entrant.service, self.clock()))

    def _state(self, day: AccessDay, entrant: Entrant) -> str:
        if day.day < max(self.office.day, self.office.local_day(self.clock())):
            return "gone"  # the day is over (its names and contacts are deleted as the next starts)
        if entrant.state in (WON, OFFERED):
            booking = self.office.bookings.get(entrant.code)
            if booking is not None and booking.ticket is not None:
                return "checked_in"
        return entrant.state if entrant.state in (WAITING, WON, NOT_DRAWN, OFFERED) else WAITING

    # ---- the schedule (server.access.schedule) ------------------------------------------------

    async def tick(self) -> None:
        """Open the coming day's window, draw what is due, offer the places of no-shows."""
        await self.schedule.tick()

    # ---- the public proof ----------------------------------------------------------------------

    async def _stored_day(self, day: str) -> AccessDay | None:
        """An earlier lottery day, from its stored events (kept as long as the site's retention):
        only the lottery's own, through their index (a request must not cost the loop a read of
        every event the store holds)."""
        try:
            date.fromisoformat(day)
        except ValueError:
            return None
        days: dict[str, AccessDay] = {}
        for event in await self.store.aside(self.store.lottery_events_of, day):
            apply = STORED.get(type(event))
            if apply is not None:
                apply(days, event)
        return days.get(day)

    async def answer(self, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if not path.startswith("/draw/") or not path.endswith(".json"):
            return None
        body = await self._published(path.removeprefix("/draw/").removesuffix(".json"))
        if body is None:
            return respond(404, "no lottery for this day (GET /draw/YYYY-MM-DD.json)\n")
        return respond(200, body, "application/json; charset=utf-8")

    async def _published(self, day: str) -> bytes | None:
        """A day's proof, made again only when what it says has changed (`proof.version`): anyone
        may ask for it, and on a draw's morning everyone does. An earlier day's no longer
        changes: made once, the last `PUBLISHED_KEPT` kept."""
        now, live = self.clock(), self.office.access_days.get(day)
        if live is not None:
            made = self.live.get(day)
            if made is None or made[0] != proof.version(live, now):
                made = self.live[day] = (proof.version(live, now), proof.encoded(live, self.calendar.tz, now))
                self.live = {d: m for d, m in self.live.items() if d in self.office.access_days}
            return made[1]
        if (body := self.published.get(day)) is None and (stored := await self._stored_day(day)) is not None:
            body = proof.encoded(stored, self.calendar.tz, now)
            self.published = dict(list(self.published.items())[-(PUBLISHED_KEPT - 1):]) | {day: body}
        return body


