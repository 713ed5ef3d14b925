"""The demo office: simulated visitors and clerks driving the real server through the protocol.

Each kiosk terminal of the site draws tickets as visitors arrive (a Poisson stream that peaks
in the first simulated hours, as Monday mornings do), in a mix of languages like a Hessian
Ausländerbehörde's. Each counter terminal opens, calls the next visitor, waits for them to
walk up (some never come: recall, then no-show), serves them for a time around the service's
typical minutes, sometimes transfers them or refers them to a partner (a desk here or a card),
and finishes with an outcome. `speed` compresses
time: at 10, a 12-minute visit takes 72 seconds. The server is told (`paced`): it runs on the
wall clock like any office, so it sees the services' typical and maximum minutes divided by the
speed, and the waits it promises on the screen, the ticket and the phone are real minutes that
hold (undivided, its first estimates were ten times too long and a range printed as "120–300
min" was met by a call after five).

It speaks only `server.wire.protocol` through `ClientSession`, like any real terminal would, so the
demo also exercises the whole stack. It can be stopped and started again on its database at
any moment: a clerk who finds a visitor still at the desk (from the last run, or a reply lost
to a reconnect) sees them out first, one whose counter the night closed opens it again, and
each run's draws carry request keys of their own (a key of the last run would be answered
with the last run's ticket).

Visitors ask at the kiosk for an interpreter now and then, more often in the languages where
few newcomers speak German yet (`INTERPRETER_SHARE`), so the floor board and the statistics
have interpreters to show. Some visitors answer "How was your visit?" once their visit is
finished, on their phone's status page: `Phones` keeps each drawn ticket's status token (the
draw's reply carries it, as the printed QR code does) and sends the answer over the feedback
socket as the page does (`server/visitors/feedback.py`), scored by how long the visitor waited.

It also books a day of appointments through the site's admin terminal, at real times relative
to the moment it starts (the server stamps check-ins with the wall clock, whatever `speed`):
`TRY_CODES` are left for a person to check in at a kiosk (README, "Appointments"), the others
are checked in by the simulated visitors a few minutes before their time, and `CANCELLED` was
booked and cancelled again, so it checks in as unknown. Each start books the try codes for its
own start: a code a person checked in at an earlier run is a new appointment once that visit is
over (a finished visit no longer holds its code, `Office.book`), so it can be tried again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
import math
import time
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import websockets
from websockets.asyncio.client import connect

from config import Site

from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

log = logging.getLogger("willkommen.demo")
LANGUAGE_MIX = {"de": 18, "ar": 20, "uk": 15, "fa": 12, "tr": 10, "en": 10, "ru": 10, "fr": 5, "prs": 6, "ps": 4, "ti": 4}
SERVICE_MIX = {"residence": 20, "extension": 30, "settlement": 8, "passport": 12, "card-pickup": 20, "info": 10}
OUTCOMES = {"done": 80, "documents-missing": 10, "appointment": 7, "referred": 3}
ARRIVALS_PER_HOUR = 40.0
# the share of a language's visitors who ask at the kiosk for help with German: most newcomers
# from Eritrea and Afghanistan, few English or French speakers, German speakers never
INTERPRETER_SHARE = {"de": 0.0, "ar": 0.4, "fa": 0.35, "prs": 0.45, "ps": 0.5, "ti": 0.6, "uk": 0.25, "ru": 0.2,
                     "tr": 0.2, "en": 0.05, "fr": 0.05}
FEEDBACK_SHARE = 0.4  # of the finished visits, how many answer on the phone
# codes a person can try at a kiosk: minutes from the demo's start to the appointment, language
TRY_CODES = {"T-101": (60, "ar", "residence"), "T-102": (0, "de", "extension"), "T-103": (-45, "uk", "passport")}
CANCELLED = "T-104"
REBOOK_EVERY = 30.0  # seconds: a try code whose visit of the last run is still open is asked again
BOOKED_DAY = [(minutes, f"D-{201 + i}") for i, minutes in enumerate(range(-30, 240, 20))]  # checked in by the demo


def pick(rng: random.Random, weights: dict[str, float], allowed) -> str:
    """One of `allowed`, by `weights`; one the mix does not name (a language or service an
    office added to its site file) as often as the mix's rarest, never not at all."""
    choices, rarest = list(allowed), min(weights.values(), default=1)
    return rng.choices(choices, [weights.get(k, rarest) for k in choices])[0]


def paced(site: Site, speed: float) -> Site:
    """`site` as the server of a demo `speed` times faster than real time must see it: every
    service's typical and maximum minutes divided by the speed (the maximum in whole minutes,
    at least one), so its estimates and its max-wait promotion keep pace with the clerks."""
    return replace(site, services=tuple(
        replace(s, typical_minutes=s.typical_minutes / speed,
                max_wait_minutes=max(1, math.ceil(s.max_wait_minutes / speed))) for s in site.services))


async def simulate(site: Site, url: str, *, speed: float = 10.0, seed: int = 7, humans: set[str] = frozenset(),
                   wall=time.time, rebook_every: float = REBOOK_EVERY) -> None:
    """Run every kiosk and counter of `site` (but the `humans`' terminals) against the server
    at `url` until cancelled."""
    rng = random.Random(seed)
    run = secrets.token_hex(4)  # the seed repeats the office's day, never its request keys
    kiosks = [t for t in site.terminals if t.role == "kiosk" and t.id not in humans]
    counters = [t for t in site.terminals if t.role == "counter" and t.id not in humans]
    sessions = [ClientSession(url, role=t.role, terminal=t.id, token=t.token) for t in kiosks + counters]
    clock = asyncio.get_running_loop().time
    started = clock()
    phones = Phones(site, url, speed)
    tasks = [visitor_stream(site, s, random.Random(rng.random()), speed, lambda: (clock() - started) * speed,
                            len(kiosks), run, phones) for s in sessions[:len(kiosks)]]
    tasks += [clerk(site, s, random.Random(rng.random()), speed, phones) for s in sessions[len(kiosks):]]
    admin = next((t for t in site.terminals if t.role == "admin"), None)
    if admin is not None and kiosks:
        sessions.append(ClientSession(url, role="admin", terminal=admin.id, token=admin.token))
        tasks.append(appointment_day(site, sessions[-1], sessions[0], random.Random(rng.random()), wall, rebook_every))
    phones.rng = random.Random(rng.random())
    tasks.append(phones.answer())
    for session in sessions:
        session.start()
    try:
        await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


async def appointment_day(site: Site, admin: ClientSession, kiosk: ClientSession, rng: random.Random,
                          wall, rebook_every: float = REBOOK_EVERY) -> None:
    """Book the demo's appointments around now, cancel one, then check the booked day's
    visitors in as their times come (a few minutes early, most of them). `TRY_CODES` are booked
    for this run's start whatever an earlier run did with them (`book_try_codes`)."""
    await admin.ready()
    start, services = wall(), [s.id for s in site.services]
    tries = [(code, start + minutes * 60, lang, service) for code, (minutes, lang, service) in TRY_CODES.items()
             if site.service(service) and lang in site.languages]
    day = [(code, start + minutes * 60, pick(rng, LANGUAGE_MIX, site.languages), pick(rng, SERVICE_MIX, services))
           for minutes, code in BOOKED_DAY]
    pending = [booked for booked in tries if not await _admin(admin, _book(booked))]
    for booked in [*day, (CANCELLED, start + 30 * 60, site.languages[0], services[0])]:
        await _admin(admin, _book(booked))
    await _admin(admin, p.Unbook(id=0, booking=CANCELLED))
    await asyncio.gather(book_try_codes(admin, pending, rebook_every), check_in_day(kiosk, day, rng, wall))


async def book_try_codes(admin: ClientSession, pending: list[tuple], every: float) -> None:
    """A try code checked in at an earlier run is booked anew once that visit is over (the
    core refuses to move an appointment whose visitor is still waiting or at a desk; the demo's
    clerks serve them soon): asked again every `every` seconds, for an hour at most."""
    for _ in range(int(3600 / every)):
        if not pending:
            return
        await asyncio.sleep(every)
        pending = [booked for booked in pending if not await _admin(admin, _book(booked), quiet=True)]
    log.info("appointment not booked", extra={"fields": {"bookings": [b[0] for b in pending]}})


async def check_in_day(kiosk: ClientSession, day: list[tuple], rng: random.Random, wall) -> None:
    for code, due_at, _, _ in sorted(day, key=lambda booked: booked[1]):
        await asyncio.sleep(max(0.0, due_at - rng.uniform(-5, 15) * 60 - wall()))
        try:
            reply = await kiosk.request(p.Checkin(id=0, booking=code), retry=True)
            log.info("checked in", extra={"fields": {"booking": code, "ticket": reply.ticket.number,
                                                     "arrival": reply.arrival}})
        except ServerError as exc:
            log.info("check-in refused", extra={"fields": {"booking": code, "code": exc.code}})


def _book(booked: tuple) -> p.Book:
    code, due_at, lang, service = booked
    return p.Book(id=0, booking=code, service=service, lang=lang, due_at=due_at)


async def _admin(admin: ClientSession, request: p.Book | p.Unbook, *, quiet: bool = False) -> bool:
    """Send a booking; False (logged) when refused: a restarted demo's code whose visitor is
    still waiting from the last run, or a time in the past after midnight."""
    try:
        await admin.request(request, retry=True)
        return True
    except ServerError as exc:
        if not quiet:
            log.info("appointment not booked", extra={"fields": {"booking": request.booking, "code": exc.code}})
        return False


async def visitor_stream(site: Site, kiosk: ClientSession, rng: random.Random, speed: float,
                         sim_seconds, kiosks: int, run: str = "", phones: "Phones | None" = None) -> None:
    services, languages = [s.id for s in site.services], site.languages
    await kiosk.ready()
    n = 0
    while True:
        hour = sim_seconds() / 3600 % 8  # an eight-hour office day, repeated
        rate = ARRIVALS_PER_HOUR * (1.6 if hour < 2 else 0.8) / kiosks
        await asyncio.sleep(rng.expovariate(rate / 3600) / speed)
        n += 1
        lang = pick(rng, LANGUAGE_MIX, languages)
        draw = p.Draw(id=0, service=pick(rng, SERVICE_MIX, services), lang=lang,
                      request=f"demo-{kiosk.hello.terminal}-{run}-{rng.getrandbits(48):x}-{n}",
                      interpreter=rng.random() < INTERPRETER_SHARE.get(lang, 0.2))
        try:
            reply = await kiosk.request(draw, retry=True)
            log.info("drawn", extra={"fields": {"ticket": reply.ticket.number, "lang": draw.lang,
                                                "interpreter": draw.interpreter, "ahead": reply.ahead,
                                                "eta": reply.eta}})
            if phones is not None:
                phones.drawn(reply.ticket)
        except ServerError as exc:
            log.info("draw refused", extra={"fields": {"code": exc.code}})


async def clerk(site: Site, session: ClientSession, rng: random.Random, speed: float,
                phones: "Phones | None" = None) -> None:
    welcome = await session.ready()
    await session.request(p.Open(id=0))
    desk = next((d for d in welcome.snapshot.desks if d.counter == welcome.counter), None)
    if desk is not None and desk.current is not None:  # left here when the demo last stopped
        await recover(site, session, welcome.counter, "visitor_at_counter")
    while True:
        try:
            await serve_one(site, session, rng, speed, phones)
        except ServerError as exc:
            if exc.code != "nothing_waiting":
                log.info("clerk", extra={"fields": {"counter": welcome.counter, "code": exc.code}})
                await recover(site, session, welcome.counter, exc.code)
            await asyncio.sleep(rng.uniform(20, 60) / speed)


async def recover(site: Site, session: ClientSession, counter: str | None, code: str) -> None:
    """Put the desk right after a refusal that waiting would not cure: a visitor still at the
    desk is seen out, a counter closed (by the day's change) is opened again."""
    try:
        if code == "visitor_at_counter":
            done = await session.request(p.Finish(id=0, outcome=next(iter(site.outcomes))))
            log.info("clerk resumed", extra={"fields": {"counter": counter, "finished": done.ticket.number}})
        elif code == "counter_not_open":
            await session.request(p.Open(id=0))
            log.info("clerk reopened", extra={"fields": {"counter": counter}})
    except ServerError as exc:
        log.info("clerk", extra={"fields": {"counter": counter, "code": exc.code}})


async def serve_one(site: Site, session: ClientSession, rng: random.Random, speed: float,
                    phones: "Phones | None" = None) -> None:
    """One visitor at one counter, from the call to the outcome."""
    reply = await session.request(p.Next(id=0))
    await asyncio.sleep(rng.uniform(20, 90) / speed)  # the visitor walks up
    if rng.random() < 0.08:
        await session.request(p.Recall(id=0))
        await asyncio.sleep(60 / speed)
        await session.request(p.NoShow(id=0))
        return
    await session.request(p.Start(id=0))
    service = site.service(reply.ticket.service)
    await asyncio.sleep(rng.lognormvariate(0, 0.4) * service.typical_minutes * 60 / speed)
    if rng.random() < 0.03 and service.id != "info":  # sent on for general advice
        await session.request(p.Transfer(id=0, service="info") if site.service("info") else p.Start(id=0))
        return
    desks = [x.id for x in site.partners if x.has_desk and x.service != service.id]
    if desks and rng.random() < 0.03:  # to a partner's desk in the building: same number, its queue
        await session.request(p.Refer(id=0, partners=[rng.choice(desks)]))
        return
    outcome = pick(rng, OUTCOMES, site.outcomes)
    outside = [x.id for x in site.partners if not x.has_desk]
    if outcome == "referred" and outside:  # a card on the visitor's phone (README "Referrals")
        await session.request(p.Refer(id=0, partners=[rng.choice(outside)]))
    done = await session.request(p.Finish(id=0, outcome=outcome))
    if phones is not None and done.ticket is not None:
        phones.finished(done.ticket)


class Phones:
    """The visitors' phones, each on its ticket's status page: once a visit is finished, some
    answer "How was your visit?" a little later, over the feedback socket as the page does
    (one `rate` frame on a connection of its own). A visitor who waited past the service's
    max wait, or was sent home for documents, rates lower."""

    def __init__(self, site: Site, url: str, speed: float, rng: random.Random | None = None):
        scheme, netloc, *_ = urlsplit(url)
        self.site, self.speed, self.rng = site, speed, rng or random.Random()
        self.socket = urlunsplit((scheme, netloc, "/feedback/ws", "", ""))
        self.tokens: dict[str, str] = {}   # ticket number -> its status page's token
        self.finished_visits: asyncio.Queue[tuple[str, int, list[str]]] = asyncio.Queue()

    def drawn(self, ticket: p.TicketView) -> None:
        if ticket.token:
            self.tokens[ticket.number] = ticket.token

    def finished(self, ticket: p.TicketView) -> None:
        token = self.tokens.pop(ticket.number, None)
        if token and self.site.feedback.phone and self.rng.random() < FEEDBACK_SHARE:
            self.finished_visits.put_nowait((token, *self.opinion(ticket)))

    def opinion(self, ticket: p.TicketView) -> tuple[int, list[str]]:
        """A score and reasons from the visit's wait (in simulated time) and outcome."""
        service = self.site.service(ticket.service)
        limit = (service.max_wait_minutes if service else 60) * 60
        waited = ((ticket.called_at or ticket.issued_at) - ticket.issued_at) * self.speed
        score, reasons = (5, ["quick", "friendly"]) if waited < limit / 2 else \
            (4, ["friendly"]) if waited <= limit else (2, ["waited_too_long"])
        if ticket.outcome == "documents-missing":
            score, reasons = score - 1, [*reasons, "not_solved"]
        if ticket.interpreter and self.rng.random() < 0.3:
            score, reasons = score - 1, [*reasons, "did_not_understand"]
        score = min(5, max(1, score + self.rng.choice((-1, 0, 0, 0, 1))))
        return score, self.rng.sample(reasons, k=self.rng.randint(0, len(reasons)))

    async def answer(self) -> None:
        while True:
            token, score, reasons = await self.finished_visits.get()
            await asyncio.sleep(self.rng.uniform(10, 120) / self.speed)  # the visitor leaves, then answers
            frame = {"type": "rate", "id": 1, "ticket": token, "score": score, "reasons": reasons}
            try:
                async with connect(self.socket, open_timeout=10) as ws:
                    await ws.send(json.dumps(frame))
                    answer = json.loads(await ws.recv())
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as exc:
                log.info("feedback not sent", extra={"fields": {"error": str(exc)}})
                continue
            log.info("feedback", extra={"fields": {"score": score, "answer": answer.get("type"),
                                                   "code": answer.get("code")}})
