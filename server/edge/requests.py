"""What a terminal's message does: explicit tables from message type to the office call that
carries it out, and the role each type needs. A renamed `Office` method cannot change the
protocol, and a message type without a line here fails at import, not at a clerk's key press.

Everything here that changes the office runs on the writer (`Writer.submit`): the reply is
built after the commit of the group the command was in.
"""

from __future__ import annotations

import base64
import secrets
from functools import partial
from typing import Any, Callable, TypeVar

from config import Site

from server.booking import appointments
from server.core import Office, Ticket
from server.edge import views
from server.edge.ratelimit import TokenBucket
from server.edge.terminals import Session
from server.manager import plan
from server.manager.people import People
from server.store.writer import Writer
from server.wire import protocol as p
from server.wire.errors import BadRequest, Busy, NotAllowed, RateLimited

Done = tuple[list, Any]  # the events and the subject (a ticket, or the desk's state)
CounterCall = Callable[[Office, str, Any, float], Done]
Message = TypeVar("Message", bound=p.CounterRequest)


def entry(kind: type[Message], call: Callable[[Office, str, Message, float], Done]) -> tuple[type, CounterCall]:
    """One line of the table: the message type and the office call that carries it out, typed
    together, so mypy checks `call` against `Office`'s method and the message's fields (a renamed
    method or field fails `mypy`), and `_names_exist` checks the same at import."""
    return kind, call


def _names_exist(table: dict[type[p.CounterRequest], CounterCall]) -> None:
    """Each name a line of the table reads is a method of `Office`, a field of its message or a
    function of this module: a renamed `Office` method fails at import (ImportError naming the
    message and the name), not when a clerk presses its key."""
    for kind, call in table.items():
        known = set(dir(Office)) | set(kind.__struct_fields__) | set(globals())
        if missing := [name for name in call.__code__.co_names if name not in known]:
            raise ImportError(f"the counter table's line for {kind.__name__} reads {missing}: "
                              "no method of Office, no field of the message")


def refuse_identity(office: Office, counter: str, now: float) -> tuple[list, Ticket]:
    """"Not the registered person" (counted apart by the core as `identity_refused`): only for a
    ticket checked in with the code of a place won by lot, whose registration the clerk compared."""
    desk = office.desks.get(counter)
    current = office.tickets.get(desk.current) if desk is not None and desk.current else None
    if current is not None and office.registered_person(current) is None:
        raise NotAllowed(f"ticket {current.number} was not checked in with a place won by lot: "
                         "there is no registered person to compare")
    return office.refuse_identity(counter=counter, now=now)


COUNTER: dict[type[p.CounterRequest], CounterCall] = dict([
    entry(p.Open, lambda o, c, m, now: o.open(counter=c, services=m.services, now=now)),
    entry(p.Next, lambda o, c, m, now: o.next(counter=c, now=now)),
    entry(p.Call, lambda o, c, m, now: o.call(counter=c, ticket=m.ticket, now=now)),
    entry(p.Recall, lambda o, c, m, now: o.recall(counter=c, now=now)),
    entry(p.Start, lambda o, c, m, now: o.start(counter=c, now=now)),
    entry(p.NoShow, lambda o, c, m, now: o.noshow(counter=c, now=now)),
    entry(p.Park, lambda o, c, m, now: o.park(counter=c, now=now)),
    entry(p.Unpark, lambda o, c, m, now: o.unpark(counter=c, ticket=m.ticket, now=now)),
    entry(p.Transfer, lambda o, c, m, now: o.transfer(counter=c, service=m.service, to_counter=m.to_counter,
                                                      front=m.front, now=now)),
    entry(p.Refer, lambda o, c, m, now: o.refer(counter=c, partners=m.partners, front=m.front, now=now)),
    entry(p.Finish, lambda o, c, m, now: o.finish(counter=c, outcome=m.outcome, now=now)),
    entry(p.Pause, lambda o, c, m, now: o.pause(counter=c, reason=m.reason, now=now)),
    entry(p.Resume, lambda o, c, m, now: o.resume(counter=c, now=now)),
    entry(p.Close, lambda o, c, m, now: o.close(counter=c, now=now)),
    entry(p.CloseAt, lambda o, c, m, now: o.close_at(counter=c, at=m.at, now=now)),
    entry(p.RefuseIdentity, lambda o, c, m, now: refuse_identity(o, c, now)),
])
ROLE_OF: dict[type, str] = {**{cls: "kiosk" for cls in p.KIOSK_REQUESTS},
                          **{cls: "counter" for cls in p.COUNTER_REQUESTS},
                          **{cls: "admin" for cls in p.ADMIN_REQUESTS}}
if set(COUNTER) != set(p.COUNTER_REQUESTS):  # a counter message the table forgot, or one it invents
    raise ImportError(f"counter messages without a handler: {set(p.COUNTER_REQUESTS) ^ set(COUNTER)}")
_names_exist(COUNTER)


class Requests:
    """A welcomed terminal's requests: role check, then the kiosk's, counter's or admin's call."""

    def __init__(self, site: Site, office: Office, writer: Writer, people: People, *,
                 printer_reported: Callable[[str, p.Printer], None], monotonic: Callable[[], float],
                 register: Callable[..., Any] | None = None):
        self.site, self.office, self.writer, self.people, self.monotonic = site, office, writer, people, monotonic
        self.printer_reported = printer_reported
        self.register = register  # the lottery's registration (server.access): a kiosk's `register`
        self.buckets: dict[str, TokenBucket] = {}
        self.checked: dict[str, str] = {}  # kiosk -> the code its last `checkin {check}` found (it spent the draw)

    async def handle(self, session: Session, message: Any) -> Any:
        if isinstance(message, p.Hello):
            raise BadRequest("hello was already received on this connection")
        role = ROLE_OF[type(message)]
        if session.person and self.people.session(session.person) is None:  # a browser counter's person
            raise NotAllowed("your sign-in has expired: sign in again", why="expired")
        if session.role not in (role, "admin"):
            raise NotAllowed(f"a {session.role} terminal may not send {type(message).__name__.lower()}",
                             why="role")
        if role == "kiosk":
            return await self._kiosk(session, message)
        if isinstance(message, p.SetPlan):
            return await self.writer.submit(partial(plan.handle, self.office, message, session.terminal))
        if role == "admin":
            return await self.writer.submit(partial(appointments.handle, self.office, message))
        counter = self._counter_of(session, message)
        return await self.writer.submit(partial(self._counter, message, counter, session.role == "counter"))

    def _counter(self, message: p.CounterRequest, counter: str, own: bool, now: float) -> p.Reply:
        _, subject = COUNTER[type(message)](self.office, counter, message, now)
        # the registered name only to the counter's own clerk, never to an admin acting for it
        desk = views.desk(self.office, self.office.desks[counter], detail=True, person=own)
        ticket = views.ticket(subject) if isinstance(subject, Ticket) else None
        return p.Reply(re=message.id, ticket=ticket, desk=desk)

    def _counter_of(self, session: Session, message: p.CounterRequest) -> str:
        if session.role == "admin":
            if message.counter is None:
                raise BadRequest("an admin names the counter it acts for (\"counter\")")
            return message.counter
        if message.counter not in (None, session.counter):
            raise NotAllowed(f"terminal {session.terminal} stands at counter {session.counter}, "
                             f"not {message.counter}", why="other_counter", counter=session.counter)
        assert session.counter is not None  # a counter terminal's entry names its counter (config)
        return session.counter

    async def _kiosk(self, session: Session, message: Any) -> Any:
        if isinstance(message, p.Register):
            if self.register is None:
                raise NotAllowed("this office gives no places by lottery")
            return await self.register(message, via="kiosk", by=session.terminal)
        if isinstance(message, p.Printer):
            self.printer_reported(session.terminal, message)
            return p.Reply(re=message.id)
        if isinstance(message, p.Cancel):
            return await self.writer.submit(partial(self._cancelled, session.terminal, message))
        bucket = self._take_token(session.terminal, message)
        try:
            reply = await self.writer.submit(partial(self._drawn, session.terminal, message))
        except Busy:  # nothing was done (the database away): the kiosk's allowance is not spent
            if bucket is not None:
                bucket.give_back()
            raise
        if isinstance(message, p.Checkin) and message.check:
            self.checked[session.terminal] = message.booking.strip().upper()
        return reply

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

    def _take_token(self, kiosk: str, message: p.Draw | p.Checkin) -> TokenBucket | None:
        """A draw spends one of the kiosk's `kiosk_draws_per_minute`; one sent again with a key
        whose ticket stands (a lost or unconfirmed reply) gets that ticket and spends none. A
        kiosk retries while its database is away (`busy`: ~20 sends in 10 s), so when the
        retries spent the allowance the first visitors after the outage were refused.
        A check-in spends one per code as well: the check that found the code (or the check-in
        sent without one); the check-in after it, and one sent again while its ticket is open,
        spend none. Each code tried still costs one, so guessing codes stays as slow."""
        if self._spent_already(kiosk, message):
            return None
        per_minute = self.site.kiosk_draws_per_minute
        bucket = self.buckets.get(kiosk)
        if bucket is None:
            bucket = self.buckets[kiosk] = TokenBucket(rate=per_minute / 60, burst=min(per_minute, 10))
        if not bucket.take(self.monotonic()):
            raise RateLimited(f"kiosk {kiosk} draws faster than {per_minute} tickets a minute")
        return bucket

    def _spent_already(self, kiosk: str, message: p.Draw | p.Checkin) -> bool:
        if isinstance(message, p.Draw):
            return (kiosk, message.request) in self.office.requests
        code = message.booking.strip().upper()
        return self.checked.get(kiosk) == code or self.office.open_checkin(code) is not None


_random, _taken = b"", 0


def new_token() -> str:
    """The ticket's status-page token: unguessable, unlike its number. The system's random
    source is read 4 KiB at a time (one call per draw cost 5 % of a busy server's time), and
    each token takes the next 12 bytes of it, each byte once (cutting them off the front of
    the block cost 2.3 us a draw, reading them where they are 0.4)."""
    global _random, _taken
    if _taken + 12 > len(_random):
        _random, _taken = secrets.token_bytes(4092), 0
    _taken += 12
    return base64.urlsafe_b64encode(_random[_taken - 12:_taken]).decode()
