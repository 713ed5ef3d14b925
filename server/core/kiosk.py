"""The kiosk's commands: draw a ticket, check in for an appointment, withdraw an unprinted
ticket, a kiosk gone offline and back; and the appointments a booking system or an admin
registers for the check-in."""

from __future__ import annotations

from datetime import datetime

from server.core import events as ev
from server.core.checkin import LATE, REFUSE, arrival
from server.core.commands import Commands
from server.core.forecast import Forecast
from server.core.model import CANCELLED, OPEN_STATES, STATE_WORDS, Booking, Ticket, check_transition
from server.core.state import local_day
from server.wire import errors


class KioskCommands(Commands):
    forecast: Forecast        # made by `Office`, which feeds it every event
    printed_estimates = True  # False: draws record no range (a simulation each): for synthetic
    # histories (`bench/recovery.py`), which print no ticket

    def draw(self, *, kiosk: str, service: str, lang: str, request: str, token: str,
             now: float, interpreter: bool = False) -> tuple[list[ev.Event], Ticket]:
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
        drawn = ev.TicketDrawn(at=now, id=self.last_id + 1, number=self._number(service), service=service,
                               lang=lang, kiosk=kiosk, request=request, token=token, interpreter=interpreter)
        self._emit(events, drawn)
        return events, self._printed_estimate(drawn, now)

    def checkin(self, *, kiosk: str, booking: str, token: str, now: float, lang: str | None = None,
                interpreter: bool = False, check: bool = False) -> tuple[list[ev.Event], Ticket | None]:
        """A visitor with an appointment checks in; checking in twice returns the same ticket while
        it is open, and `VisitFinished` once its visit is over (done, no-show). Early, on time or
        late: `checkin.arrival`; late beyond the grace minutes is a walk-in ticket or `TooLate`,
        as the site says. `lang` is the language the visitor chose at the kiosk (the ticket
        carries it); without one, the booking's. `interpreter` as for `draw` (a second
        check-in returns the first ticket as it was). With `check` nothing is issued: the same
        errors, the open ticket of a code checked in already, else None (the kiosk asks its
        interpreter question only for a code that gives a ticket)."""
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
        if check:
            return events, None
        drawn = ev.TicketDrawn(at=now, id=self.last_id + 1, number=self._number(found.service), service=found.service,
                               lang=lang or found.lang, kiosk=kiosk, request=f"booking:{found.code}", token=token,
                               booking=found.code, interpreter=interpreter,
                               appointment_at=None if late else found.due_at)  # late: a walk-in, no precedence
        self._emit(events, drawn)
        return events, self._printed_estimate(drawn, now)

    def cancel(self, *, kiosk: str, ticket: str, reason: str, now: float) -> tuple[list[ev.Event], Ticket]:
        """A kiosk withdraws a ticket it could not hand out (the printer failed)."""
        events, found = self._begin(now), self.ticket(ticket)
        if found.kiosk != kiosk:
            raise errors.NotAllowed(f"ticket {found.number} was drawn at another kiosk")
        check_transition(found, "cancel")
        self._emit(events, ev.TicketCancelled(at=now, number=found.number, reason=reason))
        return events, found

    def kiosk_offline(self, *, kiosk: str, now: float) -> list[ev.Event]:
        """A kiosk's last connection ended: recorded once, until it is back."""
        events = self._begin(now)
        if kiosk not in self.kiosks_offline:
            self._emit(events, ev.KioskOffline(at=now, kiosk=kiosk))
        return events

    def kiosk_online(self, *, kiosk: str, now: float) -> list[ev.Event]:
        """A kiosk connected: back, if it was recorded offline (a kiosk that was connected when
        the server stopped was never recorded offline: nothing to end, and no day started)."""
        if kiosk not in self.kiosks_offline:
            return []
        events = self._begin(now)
        self._emit(events, ev.KioskOnline(at=now, kiosk=kiosk))
        return events

    def book(self, *, booking: str, service: str, lang: str, due_at: float,
             now: float) -> tuple[list[ev.Event], Booking]:
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
        self._emit(events, ev.AppointmentBooked(at=now, booking=code, service=service, lang=lang, due_at=due_at,
                                                day=day))
        return events, self.bookings[code]

    def unbook(self, *, booking: str, now: float) -> tuple[list[ev.Event], Booking | None]:
        """The booking system cancelled an appointment: its code no longer checks in. A code
        that is not booked (cancelled before, or never imported) is no error: nothing changes.
        The event is an `appointment_booked` with `cancelled`, so that it is kept and replayed
        with the bookings made ahead (`Store.events_since`)."""
        events = self._begin(now)
        found = self.bookings.get(booking.strip().upper())
        if found is None:
            return events, None
        self._not_checked_in(found, "cancelled")
        self._emit(events, ev.AppointmentBooked(at=now, booking=found.code, service=found.service, lang=found.lang,
                                                due_at=found.due_at, day=found.day, cancelled=True))
        return events, found

    def open_checkin(self, booking: str) -> Ticket | None:
        """The open ticket an appointment's code was checked in for today, or None: checking in
        with it again returns that ticket and makes nothing (the kiosk spends none of its draws)."""
        found = self.bookings.get(booking.strip().upper())
        ticket = self._checked_in(found) if found is not None and found.day == self.day else None
        return ticket if ticket is not None and ticket.state in OPEN_STATES else None

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
        if found is not None and ticket is not None and ticket.state in OPEN_STATES:
            raise errors.BadRequest(f"appointment {found.code} has checked in already (ticket {found.ticket}); "
                                    f"it cannot be {action}")

    def _printed_estimate(self, drawn: ev.TicketDrawn, now: float) -> Ticket:
        """Record in the draw's event the range the visitor is shown (printed on the ticket,
        said by the kiosk): statistics later tell how often it held. The range needs the
        ticket in its queue, so it is made after the event is applied and written into that
        same event before anything stores it; a replay reads it back (`OfficeState._ticket_drawn`)."""
        ticket = self.tickets[drawn.number]
        if not self.printed_estimates:
            return ticket
        eta = self.forecast.range(self, ticket, now)
        if eta is not None:
            drawn.eta = list(eta)
            ticket.eta_low, ticket.eta_high = eta
        return ticket
