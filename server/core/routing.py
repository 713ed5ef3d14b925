"""Which waiting ticket a counter calls next: one deterministic function.

Among the tickets a counter may call (its open services, plus tickets transferred to this
counter by name), the first by these rules wins:

0. an appointment that is due (checked in, its time reached): earliest appointment first;
1. sent to the front by a transfer: earliest sent first;
2. waiting longer than its service's max wait: longest waiting first;
3. the counter's preference order of services: the first service with anyone waiting;
4. oldest first within that service.

A visitor who checks in early for an appointment waits as a walk-in until the time comes.

Examples (counter 3 serves D, then E, then F; each has max wait 60 min)::

    D004 issued 9:10, E001 issued 9:00, now 9:20       -> D004  "first_service"
    E004 issued 9:00, F001 issued 9:10, no D, now 9:20 -> E004  "longest_waiting"
    E004 issued 9:10, F001 issued 9:00, no D, now 9:20 -> E004  "next_service"
    D004 issued 9:10, E001 issued 8:15, now 9:20       -> E001  "past_max_wait"
    D004 issued 9:10, E002 sent to the front 9:19      -> E002  "front"

The reason is a code the counter shows in the clerk's language (config/strings/staff), so
they can trust the choice. It names the rule that decided the pick and is true of the queue:

- appointment_due: rule 0 (the pick's appointment is due, no due one is earlier);
- front: rule 1; past_max_wait: rule 2;
- sent_here: sent to this counter by name for a service it does not serve (ranks before them);
- first_service: from the counter's first service (where it waited longest);
- longest_waiting: from a later service, its earlier services have nobody waiting, and no
  ticket this counter may call waited longer;
- next_service: from a later service because its earlier services have nobody waiting,
  though a ticket of a service further down the counter's order waited longer;
- by_number: called by its number (not chosen here).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from server.core.model import Desk, Ticket


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
    return ticket, _reason(desk, ticket, candidates, now, max_wait)


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


RULE_REASONS = ("appointment_due", "front", "past_max_wait")


def _reason(desk: Desk, ticket: Ticket, candidates: list[Ticket], now: float,
            max_wait: Mapping[str, float]) -> str:
    """Why `ticket` won: read off the part of its rank that beat the others."""
    rule = _rank(desk, ticket, now, max_wait)[0]
    if rule < 2:
        return RULE_REASONS[rule + 1]
    if ticket.service not in desk.services:
        return "sent_here"
    if ticket.service == desk.services[0]:
        return "first_service"
    if all(ticket.issued_at <= other.issued_at for other in candidates):
        return "longest_waiting"  # the counter's order did not matter: nobody waited longer
    return "next_service"
