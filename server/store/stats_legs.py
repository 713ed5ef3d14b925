"""The legs of each visit, replayed from a day's ticket events (pure: no I/O, no clock).

A visitor draws a ticket once, at one service. Each queue the ticket then waits in is a
**leg**: from entering the queue (the draw, or a transfer into it) to how the leg ended — the
visit served there (`done`), a no-show, the ticket cancelled, sent on to another queue
(`transferred`), or still open when the day ended. So a visitor sent from residence to the
migration counselling desk counts as drawn, called and transferred out at residence, and as
transferred in, called and served at the desk, each with the wait in its own queue.

What is a new leg: a transfer of a ticket that a counter had called (or served, or parked),
and a supervisor's move of a waiting ticket to another service. A move to the front of the
same queue, or a closing counter's tickets sent back to its service's queue while they were
still waiting, is the same leg (the visitor never left that queue). A parked ticket taken back
stays in its leg: its wait is to the leg's first call, the time it was parked is the
visitor's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from server.core import events as ev

TICKET_EVENTS = ev.kinds(ev.TicketDrawn, ev.TicketCalled, ev.TicketStarted, ev.TicketFinished, ev.TicketNoShow,
                         ev.TicketParked, ev.TicketUnparked, ev.TicketTransferred, ev.TicketCancelled)
AT_A_COUNTER = ("called", "serving", "parked")
Step = Callable[["Visit", "Leg", dict], None]  # what one stored event of a visit does to it


@dataclass
class Leg:
    service: str
    entered: float            # when the ticket joined this queue
    drawn: bool               # the leg the visitor drew at the kiosk (else: transferred in)
    counter: str = ""         # the counter of the leg's last call
    first_called: float | None = None
    called: float | None = None
    walk: float | None = None  # seconds from the call to the start, at the leg's first start
    started: float | None = None
    finished: float | None = None
    end: str = ""             # done, no_show, cancelled, transferred; "" while it goes on
    outcome: str = ""


@dataclass
class Visit:
    day: str
    number: str
    lang: str
    channel: str              # "walk-in" or "appointment"
    interpreter: bool
    issued: float
    eta: tuple[int, int] | None
    legs: list[Leg] = field(default_factory=list)
    state: str = "waiting"    # the ticket's state now
    first_called: float | None = None


def visits(events: Iterable[tuple[str, dict]]) -> list[Visit]:
    """Every visit drawn in `events` ((office day, event) in the order they happened), with
    its legs. Events of tickets not drawn among them are left out."""
    found: dict[tuple[str, str], Visit] = {}
    for day, e in events:
        kind = e["kind"]
        if kind == ev.TicketDrawn.kind:
            eta = e.get("eta")
            found[(day, e["number"])] = Visit(day, e["number"], e["lang"], "appointment" if e.get("booking") else "walk-in",
                                              bool(e.get("interpreter")), e["at"], tuple(eta) if eta else None,
                                              [Leg(e["service"], e["at"], True)])
        elif (visit := found.get((day, e.get("number", "")))) is not None:
            STEPS[kind](visit, visit.legs[-1], e)
    return list(found.values())


def _called(visit: Visit, leg: Leg, e: dict) -> None:
    leg.end, leg.counter, leg.called = "", e["counter"], e["at"]
    if leg.first_called is None:
        leg.first_called = e["at"]
    if visit.first_called is None:
        visit.first_called = e["at"]
    visit.state = "called"


def _started(visit: Visit, leg: Leg, e: dict) -> None:
    since = e.get("since", e["at"])
    if leg.started is None and leg.called is not None:
        leg.walk = max(0.0, since - leg.called)
    leg.started, visit.state = since, "serving"


def _ended(end: str) -> Step:
    def step(visit: Visit, leg: Leg, e: dict) -> None:
        leg.end, visit.state = end, end
        if end == "done":
            leg.finished, leg.outcome = e["at"], e.get("outcome") or ""
    return step


def _state(state: str) -> Step:
    def step(visit: Visit, leg: Leg, e: dict) -> None:
        visit.state = state
    return step


def _transferred(visit: Visit, leg: Leg, e: dict) -> None:
    if visit.state in AT_A_COUNTER or e["service"] != leg.service:
        leg.end = "transferred"
        visit.legs.append(Leg(e["service"], e["at"], False))
    visit.state = "waiting"


STEPS: dict[str, Step] = {
    ev.TicketCalled.kind: _called, ev.TicketStarted.kind: _started, ev.TicketFinished.kind: _ended("done"),
    ev.TicketNoShow.kind: _ended("no_show"), ev.TicketCancelled.kind: _ended("cancelled"),
    ev.TicketParked.kind: _state("parked"), ev.TicketUnparked.kind: _state("waiting"),
    ev.TicketTransferred.kind: _transferred,
}
