"""What every command of the office shares: the day's start, the checks, and making events.

A command checks what it is asked against the state and raises a `WillkommenError` naming
the problem, or makes events with `_emit`: each is applied at once (`OfficeState.apply`) and
kept in the journal until the writer takes it (`take_changes`) and stores it.
"""

from __future__ import annotations

from datetime import datetime

from config import Site

from server.core import events as ev
from server.core.model import Desk, Ticket, check_transition
from server.core.state import LocalDays, OfficeState
from server.wire import errors


class Commands(OfficeState):
    def __init__(self, site: Site, *, always_open: bool = False):
        super().__init__(site)
        self.local_day = LocalDays(self.tz)
        self.prefixes = {s.id: s.prefix for s in site.services}
        self.always_open = always_open
        self.journal: list[ev.Event] = []  # every event since the last take_journal()
        self.changed: dict[int, Ticket] = {}  # the tickets those events changed, by id

    # ---- making events -------------------------------------------------------------------

    def _begin(self, now: float) -> list[ev.Event]:
        events: list[ev.Event] = []
        day = self.local_day(now)
        if day > self.day:  # days only move forward: a clock stepped back across midnight (an
            # NTP correction of a few seconds) stays on today instead of starting yesterday anew
            self._emit(events, ev.DayStarted(at=now, day=day))
        return events

    def _emit(self, events: list[ev.Event], event: ev.Event) -> None:
        self.apply(event)
        events.append(event)
        self.journal.append(event)
        if isinstance(event, ev.TicketEvent):
            ticket = self.tickets[event.number]
            self.changed[ticket.id] = ticket

    def take_journal(self) -> list[ev.Event]:
        """Events to store since the last call, including any a failed command emitted
        before its check failed (a new day starts even if the first draw is refused)."""
        return self.take_changes()[0]

    def take_changes(self) -> tuple[list[ev.Event], list[Ticket]]:
        """`take_journal` and the tickets its events changed, as they are now. Kept as the
        events are made: a ticket drawn just before a new day started in the same group of
        commands is no longer among `tickets`, yet it was confirmed and must be stored."""
        journal, self.journal = self.journal, []
        changed, self.changed = self.changed, {}
        return journal, list(changed.values())

    # ---- checks --------------------------------------------------------------------------

    def _open_at(self, now: float) -> bool:
        if not self.site.opening_hours:
            return True  # no hours configured: always open (and no time zone arithmetic per draw)
        local = datetime.fromtimestamp(now, self.tz)
        return self.site.is_open(local.weekday(), local.time())

    def _service(self, service: str) -> None:
        if service not in self.waiting:
            raise errors.UnknownService(f"unknown service {service!r} "
                                        f"(expected one of {', '.join(self.waiting)})", service=service)

    def _language(self, lang: str) -> None:
        if lang not in self.site.languages:
            raise errors.BadRequest(f"language {lang!r} is not offered here "
                                    f"(offered: {', '.join(self.site.languages)})")

    def _desk(self, counter: str) -> Desk:
        desk = self.desks.get(counter)
        if desk is None:
            raise errors.UnknownCounter(f"unknown counter {counter!r}", counter=counter)
        return desk

    def _open_desk(self, counter: str) -> Desk:
        desk = self._desk(counter)
        if desk.state == "closed":
            raise errors.CounterNotOpen(f"counter {counter} is closed: open it first", counter=counter)
        return desk

    def _working_desk(self, counter: str) -> Desk:
        desk = self._open_desk(counter)
        if desk.current is not None:
            raise errors.VisitorAtCounter(
                f"ticket {desk.current} is still at counter {counter}: finish, transfer, park it "
                "or mark it a no-show first", ticket=desk.current, counter=counter)
        return desk

    def _current(self, counter: str, now: float) -> tuple[list[ev.Event], Ticket]:
        events, desk = self._begin(now), self._open_desk(counter)
        if desk.current is None:
            raise errors.NoCurrentTicket(f"no visitor is called at counter {counter}", counter=counter)
        return events, self.tickets[desk.current]

    def _act_on_current(self, counter: str, now: float, action: str,
                        kind: type[ev.TicketRecalled | ev.TicketStarted | ev.TicketNoShow | ev.TicketParked]
                        ) -> tuple[list[ev.Event], Ticket]:
        events, ticket = self._current(counter, now)
        check_transition(ticket, action)
        self._emit(events, kind(at=now, number=ticket.number))
        return events, ticket

    def _resume_if_paused(self, events: list[ev.Event], desk: Desk, now: float) -> None:
        if desk.state == "paused":
            self._emit(events, ev.CounterResumed(at=now, counter=desk.id))

    def _number(self, service: str) -> str:
        return f"{self.prefixes[service]}{self.numbers[service] + 1:03d}"
