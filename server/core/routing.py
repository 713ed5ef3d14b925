"""Which waiting ticket a counter calls next: one deterministic function.

Among the tickets a counter may call (its open services, plus tickets transferred to this
counter by name), the first by these rules wins:

0. an appointment that is due (checked in, its time reached): earliest appointment first;
1. sent to the front by a transfer: earliest sent first;
2. waiting longer than its service's max wait: longest waiting first;
3. the counter's preference order of services: the first service with anyone waiting;
4. oldest first within that service.

A visitor who checks in early for an appointment waits as a walk-in until the time comes.

Examples (counter 3 prefers passport, then card-pickup; both have max wait 60 min)::

    D004 issued 9:10, E001 issued 9:00, now 9:20       -> D004  "first_service"
    D004 issued 9:10, E001 issued 8:15, now 9:20       -> E001  "past_max_wait"
    D004 issued 9:10, E002 sent to the front 9:19      -> E002  "front"

The reason is a code the counter shows in the clerk's language (config/strings/staff), so
they can trust the choice: appointment_due, sent_here, front, past_max_wait, first_service,
longest_waiting (and by_number for a ticket called by its number).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .model import Desk, Ticket


def queue_key(ticket: Ticket) -> tuple:
    """A ticket's place within its service: front first, then by issue time."""
    return (0, ticket.placed_at, ticket.id) if ticket.front else (1, ticket.issued_at, ticket.id)


def choose_next(desk: Desk, waiting: Iterable[Ticket], *, now: float,
                max_wait: Mapping[str, float]) -> tuple[Ticket, str] | None:
    """The ticket `desk` should call and why, or None when nobody is waiting for it.

    `waiting` holds tickets in state waiting; `max_wait` maps service id to seconds.
    """
    candidates = [t for t in waiting if _may_call(desk, t)]
    if not candidates:
        return None
    ticket = min(candidates, key=lambda t: _rank(desk, t, now, max_wait))
    return ticket, _reason(desk, ticket, now, max_wait)


def _may_call(desk: Desk, ticket: Ticket) -> bool:
    if ticket.target is not None:
        return ticket.target == desk.id
    return ticket.service in desk.services


def _overdue(ticket: Ticket, now: float, max_wait: Mapping[str, float]) -> bool:
    return now - ticket.issued_at >= max_wait[ticket.service]


def _due(ticket: Ticket, now: float) -> bool:
    return ticket.appointment_at is not None and ticket.appointment_at <= now


def _rank(desk: Desk, ticket: Ticket, now: float, max_wait: Mapping[str, float]) -> tuple:
    if _due(ticket, now):
        return (-1, ticket.appointment_at, ticket.id)
    if ticket.front:
        return (0, ticket.placed_at, ticket.id)
    if _overdue(ticket, now, max_wait):
        return (1, ticket.issued_at, ticket.id)
    preference = desk.services.index(ticket.service) if ticket.service in desk.services else -1
    return (2, preference, ticket.issued_at, ticket.id)


def _reason(desk: Desk, ticket: Ticket, now: float, max_wait: Mapping[str, float]) -> str:
    if _due(ticket, now):
        return "appointment_due"
    if ticket.target == desk.id:
        return "sent_here"
    if ticket.front:
        return "front"
    if _overdue(ticket, now, max_wait):
        return "past_max_wait"
    if desk.services and ticket.service == desk.services[0]:
        return "first_service"
    return "longest_waiting"
