"""Tickets and counters as the queue core sees them, and the table of allowed changes.

A ticket lives one day::

    waiting ──call──> called ──start──> serving ──finish──> done
       │  ^             │ │ └─recall─┐     │
       │  │             │ └──no-show─┴──> no_show
       │  └─unpark── parked <─park──┴──────┘
       │  └───────transfer (called/serving go back to waiting, same number)
       └─cancel──> cancelled          (left open at the day's end: expired)

`TRANSITIONS` is the whole rule; `check_transition` raises `InvalidTransition` with a sentence
naming the ticket and its state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.wire.errors import InvalidTransition

WAITING, CALLED, SERVING, DONE = "waiting", "called", "serving", "done"
NO_SHOW, PARKED, CANCELLED, EXPIRED = "no_show", "parked", "cancelled", "expired"
OPEN_STATES = (WAITING, CALLED, SERVING, PARKED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "call": (WAITING, PARKED),
    "recall": (CALLED,),
    "start": (CALLED,),
    "noshow": (CALLED,),
    "park": (CALLED, SERVING),
    "unpark": (PARKED,),
    "transfer": (CALLED, SERVING),
    "finish": (CALLED, SERVING),
    "cancel": (WAITING,),
    "move": (WAITING,),
    "refer": (CALLED, SERVING),
}

STATE_WORDS = {
    WAITING: "is waiting", CALLED: "is called", SERVING: "is being served", DONE: "is done",
    NO_SHOW: "was a no-show", PARKED: "is parked", CANCELLED: "was cancelled", EXPIRED: "has expired",
}
ACTION_WORDS = {
    "call": "called", "recall": "recalled", "start": "started", "noshow": "marked a no-show",
    "park": "parked", "unpark": "taken back", "transfer": "transferred", "finish": "finished",
    "cancel": "cancelled", "move": "moved", "refer": "referred",
}


@dataclass(slots=True)
class Ticket:
    id: int
    number: str
    service: str
    lang: str
    kiosk: str
    token: str
    issued_at: float
    day: str = ""                # the office day it was drawn on (not always its issued_at's date:
                                 # a clock stepped back across midnight does not go back a day)
    state: str = WAITING
    front: bool = False          # sent to the front of its service's queue by a transfer
    placed_at: float = 0.0       # for front tickets: when they were put there
    target: str | None = None    # a counter it was transferred to; only that counter calls it
    counter: str | None = None   # the counter that called it last
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    recalls: int = 0
    transfers: int = 0
    outcome: str | None = None
    reason: str = ""             # why routing chose it, for the clerk
    booking: str | None = None   # the appointment it was checked in for
    appointment_at: float | None = None
    interpreter: bool = False    # the visitor asked at the kiosk for help with German (in `lang`)
    first_called_at: float | None = None  # its first call: what the printed estimate promised
    eta_low: int | None = None   # the range of minutes printed on the ticket (its draw's `eta`);
    eta_high: int | None = None  # None where no estimate was shown
    rated: bool = False          # the visitor answered "How was your visit?" (server.visitors.feedback)
    referrals: list[str] = field(default_factory=list)  # partner ids, in the order referred


@dataclass(slots=True)
class Booking:
    """An appointment made ahead (by an admin or a booking system) for one service."""

    code: str
    service: str
    lang: str
    due_at: float
    day: str
    ticket: str | None = None    # the number issued at check-in


@dataclass(slots=True)
class Announcement:
    """A short text per language for the waiting room, shown (and spoken) until `until`."""

    id: str
    texts: dict[str, str]
    until: float
    by: str = ""


@dataclass(slots=True)
class Desk:
    """A counter's state for the day: closed, open or paused, and who stands at it."""

    id: str
    state: str = "closed"        # closed | open | paused
    services: tuple[str, ...] = ()
    pause_reason: str = ""
    current: str | None = None   # number of the ticket called or served here
    closes_at: float | None = None  # the clerk's planned end of shift (the estimates honour it)
    handled: list[str] = field(default_factory=list)
    # how a handled ticket left this desk by a transfer, a referral or the counter's closing, as
    # this counter did it (another counter's later referral of it changes nothing here)
    left: dict[str, Left] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Left:
    """What a counter did with a visitor it sent on: `how` is "transferred" (to `service`, or
    to the counter `target` by name), "referred" (to `partners`) or "returned" (back to the
    queue because the counter closed)."""

    how: str
    at: float
    service: str = ""
    target: str | None = None
    partners: tuple[str, ...] = ()


def check_transition(ticket: Ticket, action: str) -> None:
    if ticket.state not in TRANSITIONS[action]:
        raise InvalidTransition(
            f"ticket {ticket.number} {STATE_WORDS[ticket.state]}, it cannot be {ACTION_WORDS[action]}",
            ticket=ticket.number, state=ticket.state, action=action)
