"""The queue of one office for one day: every command and every rule, no I/O.

Each command method checks what it is asked against the state, raises a `WillkommenError`
naming the problem, or returns the events it caused (plain dicts, already applied) and the
ticket or counter it concerns. `apply(event)` is the only place state changes, so rebuilding
from the store is replaying the day's events through `apply`::

    office = Office(site)
    events, ticket = office.draw(kiosk="kiosk-1", service="residence", lang="ar",
                                 request="r1", token="k3y", now=now)
    events, ticket = office.next(counter="5", now=now + 60)      # ticket A001 called at 5

Time is always passed in (`now`, seconds since the epoch); the day and the opening hours
follow the site's time zone. Tickets still open when a new day starts are expired. Days only
move forward: a `now` that steps back across midnight is a moment of the current day, and a
ticket belongs to the office day it was drawn on (`Ticket.day`), whatever its clock time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from config import Site

from server.wire import errors
from server.core import feedback
from server.core.checkin import LATE, REFUSE, arrival
from server.core.forecast import Forecast
from server.core.model import (CALLED, CANCELLED, DONE, NO_SHOW, OPEN_STATES, PARKED, SERVING, STATE_WORDS, WAITING,
                    Announcement, Booking, Desk, Ticket, check_transition)
from server.core.referrals import plan as referral_plan
from server.core.routing import choose_next, queue_key

Event = dict[str, Any]
LAST_CALLS = 10


def local_day(now: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(now, tz).date().isoformat()


class LocalDays:
    """`local_day` for a stream of times that mostly share their second: a busy server asks
    for every command and every stored event, and the time zone arithmetic cost 4 % of a draw."""

    def __init__(self, tz: ZoneInfo):
        self.tz, self.second, self.day = tz, None, ""

    def __call__(self, now: float) -> str:
        second = int(now)
        if second != self.second:
            self.second, self.day = second, local_day(now, self.tz)
        return self.day


@dataclass(frozen=True, slots=True)
class QueueInfo:
    service: str
    waiting: int
    longest_wait: float          # seconds the first in line has waited
    eta: tuple[int, int] | None  # minutes for someone drawing now


class Office:
    def __init__(self, site: Site, *, always_open: bool = False, printed_estimates: bool = True):
        # printed_estimates=False: draws record no range (a simulation each): for synthetic
        # histories (`bench/recovery.py`), which print no ticket
        self.site, self.printed_estimates = site, printed_estimates
        self.tz = ZoneInfo(site.timezone)
        self.local_day = LocalDays(self.tz)
        self.prefixes = {s.id: s.prefix for s in site.services}
        self.always_open = always_open
        self.max_wait = {s.id: s.max_wait_minutes * 60.0 for s in site.services}
        self.day = ""
        self.last_id = 0
        self.journal: list[Event] = []  # every event since the last take_journal()
        self.changed: dict[int, Ticket] = {}  # the tickets those events changed, by id
        self.bookings: dict[str, Booking] = {}  # today's and future appointments, by code
        self.forecast = Forecast(site.services)  # learns from every event; kept overnight
        self._start_day("")

    def _start_day(self, day: str) -> None:
        self.day = day
        self.bookings = {code: b for code, b in self.bookings.items() if b.day >= day}
        self.tickets: dict[str, Ticket] = {}
        self.by_token: dict[str, Ticket] = {}
        self.waiting: dict[str, dict[str, Ticket]] = {s.id: {} for s in self.site.services}
        self.directed: dict[str, Ticket] = {}
        self._oldest: dict[str, float | None] = {}  # per service, the first issue time still waiting
        self.requests: dict[tuple[str, str], Ticket] = {}
        self.numbers = {s.id: 0 for s in self.site.services}
        self.desks = {c.id: Desk(c.id) for c in self.site.counters}
        self.calls: deque[str] = deque(maxlen=LAST_CALLS)
        self.latest_issue = 0.0
        self.announcements: dict[str, Announcement] = {}

    # ---- reading -------------------------------------------------------------------------

    def ticket(self, number: str) -> Ticket:
        ticket = self.tickets.get(number.strip().upper())
        if ticket is None:
            raise errors.UnknownTicket(f"there is no ticket {number} today")
        return ticket

    def ahead(self, ticket: Ticket) -> int:
        """People before `ticket` in its service's queue (0 when it is not waiting)."""
        if ticket.state != WAITING:
            return 0
        if not ticket.front and ticket.issued_at >= self.latest_issue:  # just drawn: all are ahead
            return len(self.waiting[ticket.service]) - 1
        key = queue_key(ticket)
        return sum(1 for t in self.waiting[ticket.service].values() if queue_key(t) < key)

    def queue_info(self, service: str, now: float) -> QueueInfo:
        waiting = self.waiting[service]
        if service not in self._oldest:  # recomputed only after the oldest left the queue
            self._oldest[service] = min((t.issued_at for t in waiting.values()), default=None)
        oldest = self._oldest[service] if waiting else now
        return QueueInfo(service, len(waiting), now - oldest, self.service_estimate(service, now))

    def interpreters(self, service: str) -> dict[str, int]:
        """Of the tickets waiting for `service`, how many need an interpreter, per language."""
        needed: dict[str, int] = {}
        for t in self.waiting[service].values():
            if t.interpreter:
                needed[t.lang] = needed.get(t.lang, 0) + 1
        return needed

    def estimate(self, number: str, now: float) -> tuple[int, int] | None:
        """Minutes (low, high) until ticket `number` is called, as every visitor-facing place
        shows it (the ticket, the kiosk, the phone page, the screens); None when it is not
        waiting or nobody is expected to call it. See `forecast` for how it is made."""
        ticket = self.tickets.get(number.strip().upper())
        return self.forecast.range(self, ticket, now) if ticket is not None else None

    def service_estimate(self, service: str, now: float) -> tuple[int, int] | None:
        """What `estimate` would say for a walk-in drawing a ticket for `service` now."""
        at = self.forecast.next_slot(self, service, now)
        if at is None:
            return None
        return self.forecast.spread(max(0.0, at - now), (False, self.forecast.run.opening))

    def last_calls(self) -> list[Ticket]:
        return [self.tickets[n] for n in reversed(self.calls)]

    # ---- kiosk ---------------------------------------------------------------------------

    def draw(self, *, kiosk: str, service: str, lang: str, request: str, token: str,
             now: float, interpreter: bool = False) -> tuple[list[Event], Ticket]:
        """A visitor draws a ticket. A repeated (kiosk, request) returns the first ticket.
        `interpreter`: the visitor needs help with German, in `lang` (the event carries it
        only when true: older days' events read as false)."""
        events = self._begin(now)
        known = self.requests.get((kiosk, request))
        if known is not None:
            return events, known
        self._service(service)
        self._language(lang)
        if not self.always_open and not self._open_at(now):
            raise errors.ClosedForToday("the office is closed now: no tickets are issued")
        number = self._number(service)
        self._emit(events, now, "ticket_drawn", id=self.last_id + 1, number=number, service=service,
                   lang=lang, kiosk=kiosk, request=request, token=token, **({"interpreter": True} if interpreter else {}))
        return events, self._printed_estimate(events[-1], now)

    def checkin(self, *, kiosk: str, booking: str, token: str, now: float,
                lang: str | None = None, interpreter: bool = False) -> tuple[list[Event], Ticket]:
        """A visitor with an appointment checks in; checking in twice returns the same ticket while
        it is open, and `VisitFinished` once its visit is over (done, no-show). Early, on time or late: `checkin.arrival`; late beyond the grace minutes is a walk-in
        ticket or `TooLate`, as the site says. `lang` is the language the visitor chose at the
        kiosk (the ticket carries it); without one, the booking's. `interpreter` as for `draw`
        (a second check-in returns the first ticket as it was)."""
        events = self._begin(now)
        if lang is not None:
            self._language(lang)
        found = self.bookings.get(booking.strip().upper())
        if found is None or found.day != self.day:
            raise errors.UnknownBooking(f"there is no appointment {booking} today")
        if (checked_in := self._checked_in(found)) is not None:
            if checked_in.state not in OPEN_STATES:  # a second ticket would promise a visit again
                raise errors.VisitFinished(f"appointment {found.code}: ticket {checked_in.number} "
                                           f"{STATE_WORDS[checked_in.state]}, the visit is over")
            return events, checked_in
        rules = self.site.appointments
        late = arrival(found.due_at, now, grace_minutes=rules.grace_minutes) == LATE
        if late and rules.late == REFUSE:
            due = datetime.fromtimestamp(found.due_at, self.tz).strftime("%H:%M")
            raise errors.TooLate(f"appointment {found.code} was at {due}: more than {rules.grace_minutes} minutes ago")
        timing = {} if late else {"appointment_at": found.due_at}  # late: a walk-in, without precedence
        self._emit(events, now, "ticket_drawn", id=self.last_id + 1, number=self._number(found.service),
                   service=found.service, lang=lang or found.lang, kiosk=kiosk, request=f"booking:{found.code}",
                   token=token, booking=found.code, **timing, **({"interpreter": True} if interpreter else {}))
        return events, self._printed_estimate(events[-1], now)

    def book(self, *, booking: str, service: str, lang: str, due_at: float, now: float) -> tuple[list[Event], Booking]:
        """Register an appointment (from an admin or a booking system) for today or later.
        Booking the same code again with the same service, language and time changes nothing
        (a booking system's export is imported again and again); with other ones it moves the
        appointment, unless the visitor has checked in and their ticket is still open."""
        events = self._begin(now)
        self._service(service)
        self._language(lang)
        code = booking.strip().upper()
        if not code:
            raise errors.BadRequest("the appointment code is empty")
        day = local_day(due_at, self.tz)
        if day < self.day:
            raise errors.BadRequest(f"appointment {code} would be in the past ({day})")
        found = self.bookings.get(code)
        if found is not None and (found.service, found.lang, found.due_at) == (service, lang, due_at):
            return events, found
        self._not_checked_in(found, "moved")
        self._emit(events, now, "appointment_booked", booking=code, service=service, lang=lang, due_at=due_at, day=day)
        return events, self.bookings[code]

    def unbook(self, *, booking: str, now: float) -> tuple[list[Event], Booking | None]:
        """The booking system cancelled an appointment: its code no longer checks in. A code
        that is not booked (cancelled before, or never imported) is no error: nothing changes.
        The event is an `appointment_booked` with `cancelled`, so that it is kept and replayed
        with the bookings made ahead (`Store.events_since`)."""
        events = self._begin(now)
        found = self.bookings.get(booking.strip().upper())
        if found is None:
            return events, None
        self._not_checked_in(found, "cancelled")
        self._emit(events, now, "appointment_booked", booking=found.code, service=found.service, lang=found.lang,
                   due_at=found.due_at, day=found.day, cancelled=True)
        return events, found

    def _checked_in(self, found: Booking | None) -> Ticket | None:
        """The ticket a booking was checked in for, unless the kiosk cancelled it (its printer
        failed): then checking in again gives a new one, and the booking may change."""
        ticket = self.tickets.get(found.ticket) if found is not None and found.ticket is not None else None
        return ticket if ticket is not None and ticket.state != CANCELLED else None

    def _not_checked_in(self, found: Booking | None, action: str) -> None:
        """Refuse to move or cancel an appointment whose visitor has a ticket still open. A visit
        that is over (done, no-show) holds its code no more: booked again, the code is a new
        appointment and checks in anew (the demo's try codes after a restart, `server/demo/simulator.py`)."""
        ticket = self._checked_in(found)
        if ticket is not None and ticket.state in OPEN_STATES:
            raise errors.BadRequest(f"appointment {found.code} has checked in already (ticket {found.ticket}); "
                                    f"it cannot be {action}")

    def cancel(self, *, kiosk: str, ticket: str, reason: str, now: float) -> tuple[list[Event], Ticket]:
        """A kiosk withdraws a ticket it could not hand out (the printer failed)."""
        events, found = self._begin(now), self.ticket(ticket)
        if found.kiosk != kiosk:
            raise errors.NotAllowed(f"ticket {found.number} was drawn at another kiosk")
        check_transition(found, "cancel")
        self._emit(events, now, "ticket_cancelled", number=found.number, reason=reason)
        return events, found

    # ---- counter -------------------------------------------------------------------------

    def open(self, *, counter: str, services: Iterable[str] | None, now: float) -> tuple[list[Event], Desk]:
        events, desk = self._begin(now), self._desk(counter)
        configured = self.site.counter(counter).services
        chosen = tuple(services) if services else configured
        for service in chosen:
            self._service(service)
            if service not in configured:
                raise errors.NotAllowed(f"counter {counter} does not serve {service!r} "
                                        f"(it serves {', '.join(configured)})")
        self._emit(events, now, "counter_opened", counter=counter, services=list(chosen))
        return events, desk

    def next(self, *, counter: str, now: float) -> tuple[list[Event], Ticket]:
        events, desk = self._begin(now), self._working_desk(counter)
        pool = chain(*(self.waiting[s].values() for s in desk.services), self.directed.values())
        choice = choose_next(desk, pool, now=now, max_wait=self.max_wait)
        if choice is None:
            raise errors.NothingWaiting(f"nobody is waiting for counter {counter}'s services")
        ticket, reason = choice
        self._resume_if_paused(events, desk, now)
        self._emit(events, now, "ticket_called", number=ticket.number, counter=counter, reason=reason)
        return events, ticket

    def call(self, *, counter: str, ticket: str, now: float) -> tuple[list[Event], Ticket]:
        """Call a ticket by its number (or take back a parked one)."""
        events, desk = self._begin(now), self._working_desk(counter)
        found = self.ticket(ticket)
        check_transition(found, "call")
        self._resume_if_paused(events, desk, now)
        self._emit(events, now, "ticket_called", number=found.number, counter=counter, reason="by_number")
        return events, found

    def recall(self, *, counter: str, now: float) -> tuple[list[Event], Ticket]:
        return self._act_on_current(counter, now, "recall", "ticket_recalled")

    def start(self, *, counter: str, now: float) -> tuple[list[Event], Ticket]:
        return self._act_on_current(counter, now, "start", "ticket_started")

    def noshow(self, *, counter: str, now: float) -> tuple[list[Event], Ticket]:
        return self._act_on_current(counter, now, "noshow", "ticket_no_show")

    def park(self, *, counter: str, now: float) -> tuple[list[Event], Ticket]:
        return self._act_on_current(counter, now, "park", "ticket_parked")

    def unpark(self, *, counter: str, ticket: str, now: float) -> tuple[list[Event], Ticket]:
        """A parked ticket goes back to the front of its service's queue."""
        events, found = self._begin(now), self.ticket(ticket)
        self._desk(counter)
        check_transition(found, "unpark")
        self._emit(events, now, "ticket_unparked", number=found.number)
        return events, found

    def finish(self, *, counter: str, outcome: str, now: float) -> tuple[list[Event], Ticket]:
        if outcome not in self.site.outcomes:
            raise errors.UnknownOutcome(f"unknown outcome {outcome!r} "
                                        f"(expected one of {', '.join(self.site.outcomes)})")
        events, ticket = self._current(counter, now)
        check_transition(ticket, "finish")
        if ticket.state == CALLED:  # the clerk skipped "start": count the visit from the call, so
            # service times (and so estimates) stay true for clerks who never press it
            self._emit(events, now, "ticket_started", number=ticket.number, since=ticket.called_at)
        self._emit(events, now, "ticket_finished", number=ticket.number, outcome=outcome)
        return events, ticket

    def transfer(self, *, counter: str, service: str | None, to_counter: str | None, front: bool,
                 now: float) -> tuple[list[Event], Ticket]:
        if service is None and to_counter is None:
            raise errors.BadRequest("transfer needs a service or a counter to send the visitor to")
        if service is not None:
            self._service(service)
        if to_counter is not None:
            self._desk(to_counter)
        events, ticket = self._current(counter, now)
        check_transition(ticket, "transfer")
        self._emit(events, now, "ticket_transferred", number=ticket.number, service=service or ticket.service,
                   target=to_counter, front=front)
        return events, ticket

    def refer(self, *, counter: str, partners: list[str], front: bool, now: float) -> tuple[list[Event], Ticket]:
        """Refer the visitor at `counter` to partners (`core.referrals`): a `ticket_referred`
        per partner, then, for a partner with a desk here, a transfer into its queue."""
        plan = referral_plan(self.site, partners)
        events, ticket = self._current(counter, now)
        check_transition(ticket, "refer")
        for partner in plan.partners:
            self._emit(events, now, "ticket_referred", number=ticket.number, partner=partner.id,
                       service=ticket.service, lang=ticket.lang, desk=partner.has_desk, counter=counter)
        if plan.desk is not None:
            self._emit(events, now, "ticket_transferred", number=ticket.number, service=plan.desk.service,
                       target=None, front=front)
        return events, ticket

    def pause(self, *, counter: str, reason: str, now: float) -> tuple[list[Event], Desk]:
        events, desk = self._begin(now), self._open_desk(counter)
        self._emit(events, now, "counter_paused", counter=counter, reason=reason)
        return events, desk

    def resume(self, *, counter: str, now: float) -> tuple[list[Event], Desk]:
        events, desk = self._begin(now), self._open_desk(counter)
        self._resume_if_paused(events, desk, now)
        return events, desk

    def close_at(self, *, counter: str, at: float | None, now: float) -> tuple[list[Event], Desk]:
        """The clerk plans to close the counter at `at` (None: no plan). Estimates stop
        counting on the counter from then; the counter closes only when the clerk closes it."""
        events, desk = self._begin(now), self._desk(counter)
        if at is not None and not at > now:
            raise errors.BadRequest("the planned end of shift must be later than now")
        self._emit(events, now, "counter_close_planned", counter=counter, until=at)
        return events, desk

    def close(self, *, counter: str, now: float) -> tuple[list[Event], Desk]:
        """Close a counter. Nobody is left behind: its visitor, its parked tickets and the
        tickets sent to it by name go back to the queue."""
        events, desk = self._begin(now), self._desk(counter)
        if desk.current is not None:
            self._emit(events, now, "ticket_transferred", number=desk.current,
                       service=self.tickets[desk.current].service, target=None, front=True)
        for ticket in [t for t in self.tickets.values() if t.state == PARKED and t.counter == counter]:
            self._emit(events, now, "ticket_unparked", number=ticket.number)
        for ticket in [t for t in self.directed.values() if t.target == counter]:
            self._emit(events, now, "ticket_transferred", number=ticket.number, service=ticket.service,
                       target=None, front=ticket.front)
        self._emit(events, now, "counter_closed", counter=counter)
        return events, desk

    # ---- supervisor (server.manager.board) --------------------------------------------------------

    def move(self, *, ticket: str, service: str | None, front: bool, now: float) -> tuple[list[Event], Ticket]:
        """Move a waiting ticket to another service's queue (at its place by issue time) and/or
        to the front. The same number; the visitor keeps waiting."""
        events, found = self._begin(now), self.ticket(ticket)
        if service is not None:
            self._service(service)
        check_transition(found, "move")
        self._emit(events, now, "ticket_transferred", number=found.number, service=service or found.service,
                   target=None, front=front)
        return events, found

    def announce(self, *, announcement: str, texts: dict[str, str], until: float, by: str = "",
                 now: float) -> tuple[list[Event], Announcement]:
        """A text per language for the waiting room, shown until `until` (today)."""
        events = self._begin(now)
        for lang in texts:
            self._language(lang)
        if not texts.get("de", "").strip():
            raise errors.BadRequest("an announcement needs a German text (\"de\")")
        if any(len(text) > 300 for text in texts.values()):
            raise errors.BadRequest("an announcement is a short text: 300 characters at most per language")
        if until <= now or local_day(until, self.tz) != self.day:
            raise errors.BadRequest("an announcement ends later today")
        self._emit(events, now, "announcement_made", announcement=announcement,
                   texts={k: v.strip() for k, v in texts.items() if v.strip()}, until=until, by=by)
        return events, self.announcements[announcement]

    def end_announcement(self, *, announcement: str, now: float) -> tuple[list[Event], Announcement]:
        events = self._begin(now)
        found = self.announcements.get(announcement)
        if found is None:
            raise errors.BadRequest(f"there is no announcement {announcement!r} today")
        self._emit(events, now, "announcement_ended", announcement=announcement)
        return events, found

    def current_announcements(self, now: float) -> list[Announcement]:
        return [a for a in self.announcements.values() if a.until > now]

    # ---- visitor feedback (server.visitors.feedback) -----------------------------------------------

    def rate(self, *, token: str, score: int, reasons: Iterable[str], now: float) -> tuple[list[Event], Ticket]:
        """A visitor answers "How was your visit?" on the status page of a finished ticket,
        once. Two events: `ticket_rated` (this ticket has answered) and `feedback_given` (the
        answer, with the service and language but no ticket, counter or clerk)."""
        events = self._begin(now)
        found = self.by_token.get(token)
        if found is None:
            raise errors.UnknownTicket("this ticket is not (or no longer) valid")
        if found.state != DONE:
            raise errors.NotFinished(f"ticket {found.number} {STATE_WORDS[found.state]}: "
                                     "feedback comes when the visit is finished")
        if found.rated:
            raise errors.AlreadyAnswered(f"ticket {found.number} has given its feedback already")
        score, reasons = feedback.answer(score, reasons)
        self._emit(events, now, "ticket_rated", number=found.number)
        self._emit(events, now, "feedback_given", service=found.service, lang=found.lang, score=score,
                   reasons=reasons, source="phone")
        return events, found

    def tap(self, *, score: int, now: float) -> list[Event]:
        """A visitor taps a face at the exit terminal: a score, no service, language or reasons."""
        events = self._begin(now)
        score, _ = feedback.answer(score)
        self._emit(events, now, "feedback_given", service="", lang="", score=score, reasons=[], source="terminal")
        return events

    # ---- checks --------------------------------------------------------------------------

    def _begin(self, now: float) -> list[Event]:
        events: list[Event] = []
        day = self.local_day(now)
        if day > self.day:  # days only move forward: a clock stepped back across midnight (an
            # NTP correction of a few seconds) stays on today instead of starting yesterday anew
            self._emit(events, now, "day_started", day=day)
        return events

    def _open_at(self, now: float) -> bool:
        if not self.site.opening_hours:
            return True  # no hours configured: always open (and no time zone arithmetic per draw)
        local = datetime.fromtimestamp(now, self.tz)
        return self.site.is_open(local.weekday(), local.time())

    def _service(self, service: str) -> None:
        if service not in self.waiting:
            raise errors.UnknownService(f"unknown service {service!r} "
                                        f"(expected one of {', '.join(self.waiting)})")

    def _language(self, lang: str) -> None:
        if lang not in self.site.languages:
            raise errors.BadRequest(f"language {lang!r} is not offered here "
                                    f"(offered: {', '.join(self.site.languages)})")

    def _desk(self, counter: str) -> Desk:
        desk = self.desks.get(counter)
        if desk is None:
            raise errors.UnknownCounter(f"unknown counter {counter!r}")
        return desk

    def _open_desk(self, counter: str) -> Desk:
        desk = self._desk(counter)
        if desk.state == "closed":
            raise errors.CounterNotOpen(f"counter {counter} is closed: open it first")
        return desk

    def _working_desk(self, counter: str) -> Desk:
        desk = self._open_desk(counter)
        if desk.current is not None:
            raise errors.VisitorAtCounter(
                f"ticket {desk.current} is still at counter {counter}: finish, transfer, park it "
                "or mark it a no-show first")
        return desk

    def _current(self, counter: str, now: float) -> tuple[list[Event], Ticket]:
        events, desk = self._begin(now), self._open_desk(counter)
        if desk.current is None:
            raise errors.NoCurrentTicket(f"no visitor is called at counter {counter}")
        return events, self.tickets[desk.current]

    def _act_on_current(self, counter: str, now: float, action: str, kind: str) -> tuple[list[Event], Ticket]:
        events, ticket = self._current(counter, now)
        check_transition(ticket, action)
        self._emit(events, now, kind, number=ticket.number)
        return events, ticket

    def _resume_if_paused(self, events: list[Event], desk: Desk, now: float) -> None:
        if desk.state == "paused":
            self._emit(events, now, "counter_resumed", counter=desk.id)

    def _printed_estimate(self, drawn: Event, now: float) -> Ticket:
        """Record in the draw's event the range the visitor is shown (printed on the ticket,
        said by the kiosk): statistics later tell how often it held. The range needs the
        ticket in its queue, so it is made after the event is applied and written into that
        same event before anything stores it; a replay reads it back (`_on_ticket_drawn`)."""
        ticket = self.tickets[drawn["number"]]
        if not self.printed_estimates:
            return ticket
        eta = self.forecast.range(self, ticket, now)
        if eta is not None:
            drawn["eta"] = list(eta)
            ticket.eta_low, ticket.eta_high = eta
        return ticket

    def _number(self, service: str) -> str:
        return f"{self.prefixes[service]}{self.numbers[service] + 1:03d}"

    def _emit(self, events: list[Event], now: float, kind: str, **data: Any) -> None:
        event = {"kind": kind, "at": now, **data}
        self.apply(event)
        events.append(event)
        self.journal.append(event)
        if "number" in data:
            ticket = self.tickets[data["number"]]
            self.changed[ticket.id] = ticket

    def take_journal(self) -> list[Event]:
        """Events to store since the last call, including any a failed command emitted
        before its check failed (a new day starts even if the first draw is refused)."""
        return self.take_changes()[0]

    def take_changes(self) -> tuple[list[Event], list[Ticket]]:
        """`take_journal` and the tickets its events changed, as they are now. Kept as the
        events are made: a ticket drawn just before a new day started in the same group of
        commands is no longer among `tickets`, yet it was confirmed and must be stored."""
        journal, self.journal = self.journal, []
        changed, self.changed = self.changed, {}
        return journal, list(changed.values())

    # ---- applying events: the only place state changes -----------------------------------

    def apply(self, event: Event) -> None:
        getattr(self, "_on_" + event["kind"])(event)
        self.forecast.observe(event, self)

    def _on_day_started(self, e: Event) -> None:
        self._start_day(e["day"])

    def _on_ticket_drawn(self, e: Event) -> None:
        t = Ticket(id=e["id"], number=e["number"], service=e["service"], lang=e["lang"], kiosk=e["kiosk"],
                   token=e["token"], issued_at=e["at"], day=self.day, booking=e.get("booking"),
                   appointment_at=e.get("appointment_at"), interpreter=e.get("interpreter", False))
        if e.get("eta"):
            t.eta_low, t.eta_high = e["eta"]
        if t.booking in self.bookings:
            self.bookings[t.booking].ticket = t.number
        self.last_id, self.latest_issue = t.id, max(self.latest_issue, t.issued_at)
        self.numbers[t.service] += 1
        self.tickets[t.number] = self.by_token[t.token] = self.requests[(t.kiosk, e["request"])] = t
        self._enqueue(t)

    def _on_appointment_booked(self, e: Event) -> None:
        if e.get("cancelled"):
            self.bookings.pop(e["booking"], None)
            return
        self.bookings[e["booking"]] = Booking(code=e["booking"], service=e["service"], lang=e["lang"],
                                              due_at=e["due_at"], day=e["day"])

    def _on_ticket_called(self, e: Event) -> None:
        t, desk = self.tickets[e["number"]], self.desks[e["counter"]]
        self._dequeue(t)
        t.state, t.counter, t.called_at, t.reason, t.recalls = CALLED, desk.id, e["at"], e["reason"], 0
        if t.first_called_at is None:
            t.first_called_at = t.called_at
        desk.current = t.number
        self.calls.append(t.number)

    def _on_ticket_recalled(self, e: Event) -> None:
        self.tickets[e["number"]].recalls += 1

    def _on_ticket_started(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        t.state, t.started_at = SERVING, e.get("since", e["at"])

    def _on_ticket_no_show(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        t.state = NO_SHOW
        self._leave_desk(t)

    def _on_ticket_parked(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        t.state = PARKED
        self._leave_desk(t)

    def _on_ticket_unparked(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        t.state, t.front, t.placed_at = WAITING, True, e["at"]
        self._enqueue(t)

    def _on_ticket_transferred(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        self._dequeue(t)
        if t.state in (CALLED, SERVING):
            self._leave_desk(t)
            t.transfers += 1
        t.state, t.service, t.target, t.front = WAITING, e["service"], e["target"], e["front"]
        t.placed_at = e["at"] if e["front"] else 0.0
        self._enqueue(t)

    def _on_ticket_referred(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        if e["partner"] not in t.referrals:
            t.referrals.append(e["partner"])

    def _on_ticket_finished(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        t.state, t.finished_at, t.outcome = DONE, e["at"], e["outcome"]
        self._leave_desk(t)

    def _on_ticket_cancelled(self, e: Event) -> None:
        t = self.tickets[e["number"]]
        self._dequeue(t)
        t.state = CANCELLED

    def _on_counter_opened(self, e: Event) -> None:
        desk = self.desks[e["counter"]]
        desk.state, desk.services, desk.pause_reason = "open", tuple(e["services"]), ""

    def _on_counter_paused(self, e: Event) -> None:
        desk = self.desks[e["counter"]]
        desk.state, desk.pause_reason = "paused", e["reason"]

    def _on_counter_resumed(self, e: Event) -> None:
        desk = self.desks[e["counter"]]
        desk.state, desk.pause_reason = "open", ""

    def _on_counter_closed(self, e: Event) -> None:
        desk = self.desks[e["counter"]]
        desk.state, desk.services, desk.pause_reason, desk.closes_at = "closed", (), "", None

    def _on_counter_close_planned(self, e: Event) -> None:
        self.desks[e["counter"]].closes_at = e["until"]

    def _on_announcement_made(self, e: Event) -> None:
        self.announcements[e["announcement"]] = Announcement(e["announcement"], e["texts"], e["until"], e.get("by", ""))

    def _on_announcement_ended(self, e: Event) -> None:
        self.announcements.pop(e["announcement"], None)

    def _on_ticket_rated(self, e: Event) -> None:
        self.tickets[e["number"]].rated = True

    def _on_feedback_given(self, e: Event) -> None:
        pass  # an answer changes no queue: it is for the statistics (server.manager.stats)

    def _enqueue(self, t: Ticket) -> None:
        self.waiting[t.service][t.number] = t
        oldest = self._oldest.get(t.service, 0.0)
        if oldest is None or oldest > t.issued_at:
            self._oldest[t.service] = t.issued_at
        if t.target is not None:
            self.directed[t.number] = t

    def _dequeue(self, t: Ticket) -> None:
        if self.waiting[t.service].pop(t.number, None) is not None and self._oldest.get(t.service) == t.issued_at:
            del self._oldest[t.service]
        self.directed.pop(t.number, None)

    def _leave_desk(self, t: Ticket) -> None:
        desk = self.desks[t.counter]
        if desk.current == t.number:
            desk.current = None
        if t.number not in desk.handled:
            desk.handled.append(t.number)
