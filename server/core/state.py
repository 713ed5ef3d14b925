"""The state of one office's day and the one place it changes: `OfficeState.apply(event)`.

Tickets by number, token and request; each service's waiting tickets; the desks; the day's
appointments and announcements. Rebuilding from the store is replaying the day's events
through `apply`, which looks up the event's handler in `HANDLERS` (event type -> handler): an
event type without a handler fails at import, not at replay.

The commands that make events live in `server.core.commands` and the rooms beside it
(`kiosk`, `counter`, `supervisor`); `server.core.office.Office` puts them together.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from config import Site

from server.core import access_days as access
from server.core import events as ev
from server.core.plan import Plan
from server.core.model import (CALLED, CANCELLED, DONE, NO_SHOW, PARKED, SERVING, WAITING, Announcement, Booking, Desk,
                               Left, Ticket)
from server.core.routing import queue_key
from server.wire import errors

LAST_CALLS = 10


def local_day(now: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(now, tz).date().isoformat()


class LocalDays:
    """`local_day` for a stream of times that mostly share their second: a busy server asks
    for every command and every stored event, and the time zone arithmetic cost 4 % of a draw."""

    def __init__(self, tz: ZoneInfo):
        self.tz, self.second, self.day = tz, -1, ""

    def __call__(self, now: float) -> str:
        second = int(now)
        if second != self.second:
            self.second, self.day = second, local_day(now, self.tz)
        return self.day


class OfficeState:
    """One office's day as the events so far made it. Read freely; change only by `apply`."""

    def __init__(self, site: Site):
        self.site = site
        self.tz = ZoneInfo(site.timezone)
        self.max_wait = {s.id: s.max_wait_minutes * 60.0 for s in site.services}
        self.day = ""
        self.last_id = 0
        self.bookings: dict[str, Booking] = {}  # today's and future appointments, by code
        self.plan = Plan()  # who staffs which counter when (`server.core.plan`): kept across days
        self.access_days: dict[str, access.AccessDay] = {}  # lottery days by day (`server.core.access`)
        self.kiosks_offline: dict[str, float] = {}  # kiosk -> since when it is offline (kept across days)
        self._start_day("")

    def _start_day(self, day: str) -> None:
        self.day = day
        self.bookings = {code: b for code, b in self.bookings.items() if b.day >= day}
        self.access_days = access.kept(self.access_days, day)
        self.tickets: dict[str, Ticket] = {}
        self.by_token: dict[str, Ticket] = {}
        self.waiting: dict[str, dict[str, Ticket]] = {s.id: {} for s in self.site.services}
        self.directed: dict[str, Ticket] = {}
        self._oldest: dict[str, float | None] = {}  # per service, the first issue time still waiting
        self._interpreters: dict[str, dict[str, int]] = {s.id: {} for s in self.site.services}
        self._arrivals: dict[str, dict[str, int]] = {s.id: {} for s in self.site.services}  # service -> hour -> tickets
        self.requests: dict[tuple[str, str], Ticket] = {}
        self.numbers = {s.id: 0 for s in self.site.services}
        self.desks = {c.id: Desk(c.id) for c in self.site.counters}
        self.calls: deque[str] = deque(maxlen=LAST_CALLS)
        self.latest_issue = 0.0
        self.announcements: dict[str, Announcement] = {}
        self.identity_refusals = 0  # today's tickets ended "not the registered person" (the board's lottery panel)

    # ---- reading -------------------------------------------------------------------------

    def ticket(self, number: str) -> Ticket:
        ticket = self.tickets.get(number.strip().upper())
        if ticket is None:
            raise errors.UnknownTicket(f"there is no ticket {number} today", ticket=number.strip().upper())
        return ticket

    def ahead(self, ticket: Ticket) -> int:
        """People before `ticket` in its service's queue (0 when it is not waiting)."""
        if ticket.state != WAITING:
            return 0
        if not ticket.front and ticket.issued_at >= self.latest_issue:  # just drawn: all are ahead
            return len(self.waiting[ticket.service]) - 1
        key = queue_key(ticket)
        return sum(1 for t in self.waiting[ticket.service].values() if queue_key(t) < key)

    def oldest_waiting(self, service: str) -> float | None:
        """When the first in line of `service` was drawn (None: nobody waits)."""
        waiting = self.waiting[service]
        if service not in self._oldest:  # recomputed only after the oldest left the queue
            self._oldest[service] = min((t.issued_at for t in waiting.values()), default=None)
        return self._oldest[service] if waiting else None

    def interpreters(self, service: str) -> dict[str, int]:
        """Of the tickets waiting for `service`, how many need an interpreter, per language.
        Counted as tickets join and leave the queue: the queue push asks for every service
        four times a second, and counting a long queue each time cost more than its draws."""
        return dict(self._interpreters[service])

    def arrivals_by_hour(self, service: str) -> dict[str, int]:
        """Today's tickets now for `service` (a transferred one counts where it went) by the
        local hour they were drawn in ("09": 14), hours in order: the board's trend. Counted as
        tickets are drawn and transferred: the board asks for every service on each push, and
        walking the day's tickets each time was most of a busy office's push."""
        return dict(sorted(self._arrivals.get(service, {}).items()))

    def last_calls(self) -> list[Ticket]:
        return [self.tickets[n] for n in reversed(self.calls)]

    def current_announcements(self, now: float) -> list[Announcement]:
        return [a for a in self.announcements.values() if a.until > now]

    # ---- applying events: the only place state changes -----------------------------------

    def apply(self, event: ev.Event) -> None:
        HANDLERS[type(event)](self, event)

    def _day_started(self, e: ev.DayStarted) -> None:
        self._start_day(e.day)

    def _ticket_drawn(self, e: ev.TicketDrawn) -> None:
        t = Ticket(id=e.id, number=e.number, service=e.service, lang=e.lang, kiosk=e.kiosk,
                   token=e.token, issued_at=e.at, day=self.day, booking=e.booking,
                   appointment_at=e.appointment_at, interpreter=e.interpreter)
        if e.eta:
            t.eta_low, t.eta_high = e.eta
        if t.booking is not None and t.booking in self.bookings:
            self.bookings[t.booking].ticket = t.number
        self.last_id, self.latest_issue = t.id, max(self.latest_issue, t.issued_at)
        self.numbers[t.service] += 1
        self.tickets[t.number] = self.by_token[t.token] = self.requests[(t.kiosk, e.request)] = t
        self._count_arrival(t, 1)
        self._enqueue(t)

    def _appointment_booked(self, e: ev.AppointmentBooked) -> None:
        if e.cancelled:
            self.bookings.pop(e.booking, None)
            return
        self.bookings[e.booking] = Booking(code=e.booking, service=e.service, lang=e.lang, due_at=e.due_at, day=e.day)

    def _ticket_called(self, e: ev.TicketCalled) -> None:
        t, desk = self.tickets[e.number], self.desks[e.counter]
        self._dequeue(t)
        t.state, t.counter, t.called_at, t.reason, t.recalls = CALLED, desk.id, e.at, e.reason, 0
        if t.first_called_at is None:
            t.first_called_at = t.called_at
        desk.current = t.number
        self.calls.append(t.number)

    def _ticket_recalled(self, e: ev.TicketRecalled) -> None:
        self.tickets[e.number].recalls += 1

    def _ticket_started(self, e: ev.TicketStarted) -> None:
        t = self.tickets[e.number]
        t.state, t.started_at = SERVING, e.at if e.since is None else e.since

    def _ticket_no_show(self, e: ev.TicketNoShow) -> None:
        t = self.tickets[e.number]
        t.state = NO_SHOW
        self._leave_desk(t)

    def _ticket_parked(self, e: ev.TicketParked) -> None:
        t = self.tickets[e.number]
        t.state = PARKED
        self._leave_desk(t)

    def _ticket_unparked(self, e: ev.TicketUnparked) -> None:
        t = self.tickets[e.number]
        t.state, t.front, t.placed_at = WAITING, True, e.at
        self._enqueue(t)

    def _ticket_transferred(self, e: ev.TicketTransferred) -> None:
        t = self.tickets[e.number]
        self._dequeue(t)
        if t.state in (CALLED, SERVING):
            self._leave_desk(t, self._left_by(t, e))
            t.transfers += 1
        self._count_arrival(t, -1)
        t.state, t.service, t.target, t.front = WAITING, e.service, e.target, e.front
        self._count_arrival(t, 1)
        t.placed_at = e.at if e.front else 0.0
        self._enqueue(t)

    def _ticket_referred(self, e: ev.TicketReferred) -> None:
        t = self.tickets[e.number]
        if e.partner not in t.referrals:
            t.referrals.append(e.partner)
        desk = self.desks.get(e.counter)
        if desk is not None:  # noted while the visitor is still at the desk; the desk partner's transfer keeps it
            noted = desk.left.get(t.number)
            partners = noted.partners if noted and noted.how == "referred" and noted.at == e.at else ()
            desk.left[t.number] = Left("referred", e.at, partners=(*partners, e.partner))

    def _ticket_finished(self, e: ev.TicketFinished) -> None:
        t = self.tickets[e.number]
        t.state, t.finished_at = DONE, e.at
        self._set_outcome(t, e.outcome)
        self._leave_desk(t)

    def _ticket_cancelled(self, e: ev.TicketCancelled) -> None:
        t = self.tickets[e.number]
        self._dequeue(t)
        t.state = CANCELLED

    def _counter_opened(self, e: ev.CounterOpened) -> None:
        desk = self.desks[e.counter]
        desk.state, desk.services, desk.pause_reason = "open", tuple(e.services), ""

    def _counter_paused(self, e: ev.CounterPaused) -> None:
        desk = self.desks[e.counter]
        desk.state, desk.pause_reason = "paused", e.reason

    def _counter_resumed(self, e: ev.CounterResumed) -> None:
        desk = self.desks[e.counter]
        desk.state, desk.pause_reason = "open", ""

    def _counter_closed(self, e: ev.CounterClosed) -> None:
        desk = self.desks[e.counter]
        desk.state, desk.services, desk.pause_reason, desk.closes_at = "closed", (), "", None

    def _counter_close_planned(self, e: ev.CounterClosePlanned) -> None:
        self.desks[e.counter].closes_at = e.until

    def _announcement_made(self, e: ev.AnnouncementMade) -> None:
        self.announcements[e.announcement] = Announcement(e.announcement, e.texts, e.until, e.by)

    def _announcement_ended(self, e: ev.AnnouncementEnded) -> None:
        self.announcements.pop(e.announcement, None)

    def _ticket_rated(self, e: ev.TicketRated) -> None:
        self.tickets[e.number].rated = True

    def _plan_changed(self, e: ev.PlanChanged) -> None:
        self.plan = Plan(e.template, e.exceptions, by=e.by, at=e.at)

    def _kiosk_offline(self, e: ev.KioskOffline) -> None:
        self.kiosks_offline.setdefault(e.kiosk, e.at)

    def _kiosk_online(self, e: ev.KioskOnline) -> None:
        self.kiosks_offline.pop(e.kiosk, None)

    def _feedback_given(self, e: ev.FeedbackGiven) -> None:
        pass  # an answer changes no queue: it is for the statistics (server.manager.stats)

    def _access_opened(self, e: ev.AccessOpened) -> None:
        access.opened(self.access_days, e)

    def _entry_registered(self, e: ev.EntryRegistered) -> None:
        access.registered(self.access_days, e)

    def _draw_witnessed(self, e: ev.DrawWitnessed) -> None:
        access.witnessed(self.access_days, e)

    def _access_drawn(self, e: ev.AccessDrawn) -> None:
        access.drawn(self.access_days, e)

    def _place_offered(self, e: ev.PlaceOffered) -> None:
        access.offered(self.access_days, e)

    def _identity_refused(self, e: ev.IdentityRefused) -> None:
        t = self.tickets[e.number]
        t.state, t.finished_at = DONE, e.at
        self._set_outcome(t, access.REFUSED_OUTCOME)
        self._leave_desk(t)

    def _set_outcome(self, t: Ticket, outcome: str | None) -> None:
        self.identity_refusals += (outcome == access.REFUSED_OUTCOME) - (t.outcome == access.REFUSED_OUTCOME)
        t.outcome = outcome

    def _enqueue(self, t: Ticket) -> None:
        self.waiting[t.service][t.number] = t
        if t.interpreter:
            needed = self._interpreters[t.service]
            needed[t.lang] = needed.get(t.lang, 0) + 1
        oldest = self._oldest.get(t.service, 0.0)
        if oldest is None or oldest > t.issued_at:
            self._oldest[t.service] = t.issued_at
        if t.target is not None:
            self.directed[t.number] = t

    def _dequeue(self, t: Ticket) -> None:
        self.directed.pop(t.number, None)
        if self.waiting[t.service].pop(t.number, None) is None:
            return
        if self._oldest.get(t.service) == t.issued_at:
            del self._oldest[t.service]
        if t.interpreter:
            needed = self._interpreters[t.service]
            needed[t.lang] -= 1
            if not needed[t.lang]:
                del needed[t.lang]

    def _count_arrival(self, t: Ticket, change: int) -> None:
        # the hour in the site's time zone, as the ticket's clock time reads (an autumn night's
        # two 02:00 hours are one "02"); an hour with no ticket left is no key, not a 0
        hours = self._arrivals.setdefault(t.service, {})
        hour = f"{datetime.fromtimestamp(t.issued_at, self.tz).hour:02d}"
        if count := hours.get(hour, 0) + change:
            hours[hour] = count
        else:
            hours.pop(hour, None)

    def _left_by(self, t: Ticket, e: ev.TicketTransferred) -> Left:
        """How the transfer `e` takes `t` from its desk, in this desk's history: the referral
        just made (its desk partner's queue), the counter's closing, or the transfer itself."""
        noted = self.desks[t.counter].left.get(t.number) if t.counter in self.desks else None
        if noted is not None and noted.how == "referred" and noted.at == e.at:
            return noted
        if e.closing:
            return Left("returned", e.at, service=e.service)
        return Left("transferred", e.at, service=e.service, target=e.target)

    def _leave_desk(self, t: Ticket, left: Left | None = None) -> None:
        """`t` leaves its desk; `left` says how when it goes on elsewhere (a finished, no-show
        or parked one says it by its state, which no other counter changes)."""
        desk = self.desks[t.counter] if t.counter is not None else None
        if desk is None:
            return
        if desk.current == t.number:
            desk.current = None
        if t.number not in desk.handled:
            desk.handled.append(t.number)
        if left is None:
            desk.left.pop(t.number, None)
        else:
            desk.left[t.number] = left


Handler = Callable[[OfficeState, Any], None]
HANDLERS: dict[type[ev.BaseEvent], Handler] = {
    ev.DayStarted: OfficeState._day_started,
    ev.TicketDrawn: OfficeState._ticket_drawn,
    ev.AppointmentBooked: OfficeState._appointment_booked,
    ev.TicketCancelled: OfficeState._ticket_cancelled,
    ev.TicketCalled: OfficeState._ticket_called,
    ev.TicketRecalled: OfficeState._ticket_recalled,
    ev.TicketStarted: OfficeState._ticket_started,
    ev.TicketNoShow: OfficeState._ticket_no_show,
    ev.TicketParked: OfficeState._ticket_parked,
    ev.TicketUnparked: OfficeState._ticket_unparked,
    ev.TicketTransferred: OfficeState._ticket_transferred,
    ev.TicketReferred: OfficeState._ticket_referred,
    ev.TicketFinished: OfficeState._ticket_finished,
    ev.CounterOpened: OfficeState._counter_opened,
    ev.CounterPaused: OfficeState._counter_paused,
    ev.CounterResumed: OfficeState._counter_resumed,
    ev.CounterClosed: OfficeState._counter_closed,
    ev.CounterClosePlanned: OfficeState._counter_close_planned,
    ev.AnnouncementMade: OfficeState._announcement_made,
    ev.AnnouncementEnded: OfficeState._announcement_ended,
    ev.TicketRated: OfficeState._ticket_rated,
    ev.FeedbackGiven: OfficeState._feedback_given,
    ev.PlanChanged: OfficeState._plan_changed,
    ev.AccessOpened: OfficeState._access_opened,
    ev.EntryRegistered: OfficeState._entry_registered,
    ev.DrawWitnessed: OfficeState._draw_witnessed,
    ev.AccessDrawn: OfficeState._access_drawn,
    ev.PlaceOffered: OfficeState._place_offered,
    ev.IdentityRefused: OfficeState._identity_refused,
    ev.KioskOffline: OfficeState._kiosk_offline,
    ev.KioskOnline: OfficeState._kiosk_online,
}
if _missing := [str(t.__struct_config__.tag) for t in ev.EVENT_TYPES if t not in HANDLERS]:
    raise TypeError(f"no handler in OfficeState for the event kinds {', '.join(_missing)}")
