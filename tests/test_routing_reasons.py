"""The reason a clerk is shown for a pick is true of the queue it was picked from (issue 11, 16).

Each reason is checked against the tickets the counter may call, by rules written out here
again rather than taken from `server.core.routing`, so a reason that names the wrong rule
(the old "longest waiting" for any pick outside the first service) fails.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.core.model import Desk, Ticket
from server.core.routing import choose_next

SERVICES = ("a", "b", "c", "d")
DESK = "3"
NOW = 10_000.0
minute = st.integers(0, 120).map(lambda m: NOW - 60.0 * m)  # coarse times: ties happen


@st.composite
def tickets(draw, ticket_id: int) -> Ticket:
    issued = draw(minute)
    ticket = Ticket(id=ticket_id, number=f"X{ticket_id:03}", service=draw(st.sampled_from(SERVICES)),
                    lang="de", kiosk="k", token=f"t{ticket_id}", issued_at=issued)
    ticket.front = draw(st.booleans())
    ticket.placed_at = max(issued, draw(minute)) if ticket.front else 0.0
    ticket.target = draw(st.sampled_from([None, None, None, DESK, "7"]))
    ticket.appointment_at = draw(st.one_of(st.none(), minute, st.just(NOW + 600)))
    return ticket


queues = st.integers(1, 12).flatmap(lambda n: st.tuples(*(tickets(i) for i in range(n))))
desks = st.lists(st.sampled_from(SERVICES), min_size=1, max_size=4, unique=True).map(
    lambda services: Desk(id=DESK, state="open", services=tuple(services)))
max_waits = st.fixed_dictionaries({s: st.sampled_from([600.0, 1800.0, 3600.0, 7200.0]) for s in SERVICES})


def eligible(desk: Desk, queue) -> list[Ticket]:
    """The tickets this counter may call: its services' unaddressed ones and those sent to it."""
    return [t for t in queue if t.target == desk.id or (t.target is None and t.service in desk.services)]


def due(t: Ticket) -> bool:
    return t.appointment_at is not None and t.appointment_at <= NOW


def overdue(t: Ticket, max_wait) -> bool:
    return NOW - t.issued_at >= max_wait[t.service]


def plain(t: Ticket, max_wait) -> bool:
    """Neither due, nor sent to the front, nor past its max wait."""
    return not due(t) and not t.front and not overdue(t, max_wait)


def check(reason: str, pick: Ticket, desk: Desk, others: list[Ticket], max_wait) -> None:
    """Assert that `reason` is true of `pick` among `others` (the other eligible tickets)."""
    if reason == "appointment_due":
        assert due(pick)
        assert not any(due(t) and t.appointment_at < pick.appointment_at for t in others)
        return
    assert not due(pick) and not any(due(t) for t in others), "a due appointment was passed over"
    if reason == "front":
        assert pick.front and not any(t.front and t.placed_at < pick.placed_at for t in others)
        return
    assert not pick.front and not any(t.front for t in others), "a ticket sent to the front was passed over"
    if reason == "past_max_wait":
        assert overdue(pick, max_wait)
        assert not any(overdue(t, max_wait) and t.issued_at < pick.issued_at for t in others)
        return
    assert plain(pick, max_wait) and all(plain(t, max_wait) for t in others)
    if reason == "sent_here":
        assert pick.target == desk.id and pick.service not in desk.services
    elif reason == "first_service":
        assert pick.service == desk.services[0]
        assert not any(t.service == pick.service and t.issued_at < pick.issued_at for t in others)
    elif reason == "longest_waiting":
        assert not any(t.issued_at < pick.issued_at for t in others), "another ticket waited longer"
    elif reason == "next_service":
        earlier = desk.services[:desk.services.index(pick.service)]
        assert earlier and not any(t.service in earlier for t in others), "an earlier service had someone"
        assert not any(t.service == pick.service and t.issued_at < pick.issued_at for t in others)
        assert any(t.issued_at < pick.issued_at for t in others), "it waited longest: say so"
    else:
        raise AssertionError(f"unknown reason {reason!r}")


@settings(max_examples=600, deadline=None)
@given(desk=desks, queue=queues, max_wait=max_waits)
def test_every_reason_is_true_of_the_queue(desk, queue, max_wait):
    choice = choose_next(desk, queue, now=NOW, max_wait=max_wait)
    candidates = eligible(desk, queue)
    if choice is None:
        assert candidates == []
        return
    pick, reason = choice
    assert pick in candidates
    check(reason, pick, desk, [t for t in candidates if t is not pick], max_wait)


def test_a_later_service_is_not_called_longest_waiting():
    """The reported case: counter 3 called E004 (waited 3.5 s) while F tickets had waited 26 s."""
    desk = Desk(id=DESK, state="open", services=("d", "e", "f"))
    e004 = Ticket(id=1, number="E004", service="e", lang="de", kiosk="k", token="t1", issued_at=NOW - 3.5)
    f001 = Ticket(id=2, number="F001", service="f", lang="de", kiosk="k", token="t2", issued_at=NOW - 26)
    wait = {"d": 3600.0, "e": 3600.0, "f": 3600.0}
    assert choose_next(desk, [e004, f001], now=NOW, max_wait=wait) == (e004, "next_service")
    assert choose_next(desk, [f001], now=NOW, max_wait=wait) == (f001, "longest_waiting")
