"""The counter's commands: open, call the next visitor (or one by number), recall, start,
no-show, park and take back, finish, transfer, refer, pause, resume, plan the end of shift, close."""

from __future__ import annotations

from itertools import chain
from typing import Iterable

from server.core import events as ev
from server.core.commands import Commands
from server.core.model import CALLED, PARKED, Desk, Ticket, check_transition
from server.core.referrals import plan as referral_plan
from server.core.routing import choose_next
from server.wire import errors


class CounterCommands(Commands):
    def open(self, *, counter: str, services: Iterable[str] | None, now: float) -> tuple[list[ev.Event], Desk]:
        events, desk = self._begin(now), self._desk(counter)
        found = self.site.counter(counter)
        configured = found.services if found is not None else ()
        chosen = tuple(services) if services else configured
        for service in chosen:
            self._service(service)
            if service not in configured:
                raise errors.NotAllowed(f"counter {counter} does not serve {service!r} "
                                        f"(it serves {', '.join(configured)})",
                                        why="not_serving", counter=counter, service=service)
        self._emit(events, ev.CounterOpened(at=now, counter=counter, services=list(chosen)))
        return events, desk

    def next(self, *, counter: str, now: float) -> tuple[list[ev.Event], Ticket]:
        events, desk = self._begin(now), self._working_desk(counter)
        pool = chain(*(self.waiting[s].values() for s in desk.services), self.directed.values())
        choice = choose_next(desk, pool, now=now, max_wait=self.max_wait)
        if choice is None:
            raise errors.NothingWaiting(f"nobody is waiting for counter {counter}'s services", counter=counter)
        ticket, reason = choice
        self._resume_if_paused(events, desk, now)
        self._emit(events, ev.TicketCalled(at=now, number=ticket.number, counter=counter, reason=reason))
        return events, ticket

    def call(self, *, counter: str, ticket: str, now: float) -> tuple[list[ev.Event], Ticket]:
        """Call a ticket by its number (or take back a parked one)."""
        events, desk = self._begin(now), self._working_desk(counter)
        found = self.ticket(ticket)
        check_transition(found, "call")
        self._resume_if_paused(events, desk, now)
        self._emit(events, ev.TicketCalled(at=now, number=found.number, counter=counter, reason="by_number"))
        return events, found

    def recall(self, *, counter: str, now: float) -> tuple[list[ev.Event], Ticket]:
        return self._act_on_current(counter, now, "recall", ev.TicketRecalled)

    def start(self, *, counter: str, now: float) -> tuple[list[ev.Event], Ticket]:
        return self._act_on_current(counter, now, "start", ev.TicketStarted)

    def noshow(self, *, counter: str, now: float) -> tuple[list[ev.Event], Ticket]:
        return self._act_on_current(counter, now, "noshow", ev.TicketNoShow)

    def park(self, *, counter: str, now: float) -> tuple[list[ev.Event], Ticket]:
        return self._act_on_current(counter, now, "park", ev.TicketParked)

    def unpark(self, *, counter: str, ticket: str, now: float) -> tuple[list[ev.Event], Ticket]:
        """A parked ticket goes back to the front of its service's queue."""
        events, found = self._begin(now), self.ticket(ticket)
        self._desk(counter)
        check_transition(found, "unpark")
        self._emit(events, ev.TicketUnparked(at=now, number=found.number))
        return events, found

    def finish(self, *, counter: str, outcome: str, now: float) -> tuple[list[ev.Event], Ticket]:
        if outcome not in self.site.outcomes:
            raise errors.UnknownOutcome(f"unknown outcome {outcome!r} "
                                        f"(expected one of {', '.join(self.site.outcomes)})", outcome=outcome)
        events, ticket = self._current(counter, now)
        check_transition(ticket, "finish")
        if ticket.state == CALLED:  # the clerk skipped "start": count the visit from the call, so
            # service times (and so estimates) stay true for clerks who never press it
            self._emit(events, ev.TicketStarted(at=now, number=ticket.number, since=ticket.called_at))
        self._emit(events, ev.TicketFinished(at=now, number=ticket.number, outcome=outcome))
        return events, ticket

    def transfer(self, *, counter: str, service: str | None, to_counter: str | None, front: bool,
                 now: float) -> tuple[list[ev.Event], Ticket]:
        if service is None and to_counter is None:
            raise errors.BadRequest("transfer needs a service or a counter to send the visitor to",
                                    why="transfer_target")
        if service is not None:
            self._service(service)
        if to_counter is not None and self._desk(to_counter).state == "closed":
            # only that counter calls a ticket sent to it by name: at a closed one it would wait
            # unseen until someone opened it (a review's visitor waited so the whole evening)
            raise errors.NotAllowed(f"counter {to_counter} is closed: nobody there would call the visitor",
                                    why="target_closed", counter=to_counter)
        events, ticket = self._current(counter, now)
        check_transition(ticket, "transfer")
        self._emit(events, ev.TicketTransferred(at=now, number=ticket.number, service=service or ticket.service,
                                                target=to_counter, front=front))
        return events, ticket

    def refer(self, *, counter: str, partners: list[str], front: bool, now: float) -> tuple[list[ev.Event], Ticket]:
        """Refer the visitor at `counter` to partners (`core.referrals`): a `ticket_referred`
        per partner, then, for a partner with a desk here, a transfer into its queue."""
        plan = referral_plan(self.site, partners)
        events, ticket = self._current(counter, now)
        check_transition(ticket, "refer")
        for partner in plan.partners:
            self._emit(events, ev.TicketReferred(at=now, number=ticket.number, partner=partner.id,
                                                 service=ticket.service, lang=ticket.lang, desk=partner.has_desk,
                                                 counter=counter))
        if plan.desk is not None and plan.desk.service is not None:  # a desk partner has its service
            self._emit(events, ev.TicketTransferred(at=now, number=ticket.number, service=plan.desk.service,
                                                    target=None, front=front))
        return events, ticket

    def pause(self, *, counter: str, reason: str, now: float) -> tuple[list[ev.Event], Desk]:
        events, desk = self._begin(now), self._open_desk(counter)
        self._emit(events, ev.CounterPaused(at=now, counter=counter, reason=reason))
        return events, desk

    def resume(self, *, counter: str, now: float) -> tuple[list[ev.Event], Desk]:
        events, desk = self._begin(now), self._open_desk(counter)
        self._resume_if_paused(events, desk, now)
        return events, desk

    def close_at(self, *, counter: str, at: float | None, now: float) -> tuple[list[ev.Event], Desk]:
        """The clerk plans to close the counter at `at` (None: no plan). Estimates stop
        counting on the counter from then; the counter closes only when the clerk closes it."""
        events, desk = self._begin(now), self._desk(counter)
        if at is not None and not at > now:
            raise errors.BadRequest("the planned end of shift must be later than now", why="end_in_past")
        self._emit(events, ev.CounterClosePlanned(at=now, counter=counter, until=at))
        return events, desk

    def close(self, *, counter: str, now: float) -> tuple[list[ev.Event], Desk]:
        """Close a counter. Nobody is left behind: its visitor, its parked tickets and the
        tickets sent to it by name go back to the queue."""
        events, desk = self._begin(now), self._desk(counter)
        if desk.current is not None:
            self._emit(events, ev.TicketTransferred(at=now, number=desk.current,
                                                    service=self.tickets[desk.current].service, target=None,
                                                    front=True, closing=True))
        for ticket in [t for t in self.tickets.values() if t.state == PARKED and t.counter == counter]:
            self._emit(events, ev.TicketUnparked(at=now, number=ticket.number))
        for ticket in [t for t in self.directed.values() if t.target == counter]:
            self._emit(events, ev.TicketTransferred(at=now, number=ticket.number, service=ticket.service,
                                                    target=None, front=ticket.front))
        self._emit(events, ev.CounterClosed(at=now, counter=counter))
        return events, desk
