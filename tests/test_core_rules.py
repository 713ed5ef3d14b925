"""The routing rules at their edges, one example each, expected orders worked out by hand from
the rules in `server/core/routing.py`'s docstring (never by asking the router)."""

from __future__ import annotations

import pytest

from server.wire import errors
from server.core import Office

from .conftest import make_site
from .test_core_office import MIN, T0, draw, opened


@pytest.fixture
def office() -> Office:
    return Office(make_site(), always_open=True)


def serve_all(office: Office, counter: str, at: float) -> list[tuple[str, str]]:
    """Call and finish until nobody is left for `counter`: the numbers and reasons in order."""
    called = []
    while True:
        try:
            ticket = office.next(counter=counter, now=at)[1]
        except errors.NothingWaiting:
            return called
        called.append((ticket.number, ticket.reason))
        office.finish(counter=counter, outcome="done", now=at)


def test_max_wait_is_reached_at_the_minute_not_after_it(office):
    opened(office, "3")  # passport first, then card-pickup (max wait 30 min)
    card = draw(office, "card-pickup", T0)
    draw(office, "passport", T0 + 1)
    assert office.next(counter="3", now=T0 + 30 * MIN - 1)[1].service == "passport"  # 29:59: not yet
    office.finish(counter="3", outcome="done", now=T0 + 30 * MIN - 1)
    draw(office, "passport", T0 + 2)
    ticket = office.next(counter="3", now=T0 + 30 * MIN)[1]  # 30:00 exactly: past its max wait
    assert (ticket.number, ticket.reason) == (card.number, "past_max_wait")


def test_overdue_tickets_go_longest_waiting_first_whatever_the_preference(office):
    opened(office, "8")  # extension, residence, settlement; max waits 60, 60, 75 min
    settlement = draw(office, "settlement", T0)          # waits 90 min at the call: overdue
    residence = draw(office, "residence", T0 + 5 * MIN)   # 85 min: overdue
    extension = draw(office, "extension", T0 + 20 * MIN)  # 70 min: overdue, but the youngest
    fresh = draw(office, "extension", T0 + 80 * MIN)      # 10 min: not overdue, preferred service
    assert serve_all(office, "8", T0 + 90 * MIN) == [
        (settlement.number, "past_max_wait"), (residence.number, "past_max_wait"),
        (extension.number, "past_max_wait"), (fresh.number, "first_service")]


def test_the_counters_preference_decides_between_services_then_age_within_one(office):
    opened(office, "8")  # extension, residence, settlement
    r1 = draw(office, "residence", T0)
    s1 = draw(office, "settlement", T0 + 1)
    e1 = draw(office, "extension", T0 + 2)
    e2 = draw(office, "extension", T0 + 3)
    r2 = draw(office, "residence", T0 + 4)
    assert serve_all(office, "8", T0 + 10 * MIN) == [
        (e1.number, "first_service"), (e2.number, "first_service"),
        (r1.number, "longest_waiting"),  # nobody left waited longer: the order did not matter
        (r2.number, "next_service"),     # s1 waited longer: the counter's order chose residence
        (s1.number, "longest_waiting")]


def test_front_tickets_go_by_when_they_were_sent_not_by_number(office):
    opened(office, "5"), opened(office, "6")
    old = draw(office, "residence", T0)                # ordinary, oldest of all
    second = draw(office, "residence", T0 + 1 * MIN)    # sent to the front second
    first = draw(office, "residence", T0 + 2 * MIN)     # drawn later, sent to the front first
    for ticket, at in ((first, T0 + 5 * MIN), (second, T0 + 6 * MIN)):
        office.call(counter="6", ticket=ticket.number, now=at)
        office.transfer(counter="6", service="residence", to_counter=None, front=True, now=at)
    assert (first.front, second.front) == (True, True)
    assert serve_all(office, "5", T0 + 10 * MIN) == [
        (first.number, "front"), (second.number, "front"), (old.number, "first_service")]


def test_a_front_ticket_goes_before_an_overdue_one_and_a_due_appointment_before_both(office):
    opened(office, "5"), opened(office, "6")
    overdue = draw(office, "residence", T0)             # 90 min at the call: overdue
    front = draw(office, "residence", T0 + 50 * MIN)
    office.call(counter="6", ticket=front.number, now=T0 + 60 * MIN)
    office.transfer(counter="6", service="residence", to_counter=None, front=True, now=T0 + 60 * MIN)
    office.book(booking="LATE", service="residence", lang="de", due_at=T0 + 80 * MIN, now=T0)
    office.book(booking="SOON", service="residence", lang="de", due_at=T0 + 70 * MIN, now=T0)
    late = office.checkin(kiosk="kiosk-1", booking="LATE", token="tl", now=T0 + 65 * MIN)[1]
    soon = office.checkin(kiosk="kiosk-1", booking="SOON", token="ts", now=T0 + 66 * MIN)[1]
    assert serve_all(office, "5", T0 + 90 * MIN) == [
        (soon.number, "appointment_due"), (late.number, "appointment_due"),  # by appointment time
        (front.number, "front"), (overdue.number, "past_max_wait")]


def test_a_ticket_sent_to_a_counter_by_name_is_called_there_first_and_nowhere_else(office):
    opened(office, "5"), opened(office, "3")  # 5: residence, extension; 3: passport ...
    waiting = draw(office, "residence", T0)
    sent = draw(office, "passport", T0 + 1 * MIN)
    office.next(counter="3", now=T0 + 2 * MIN)
    office.transfer(counter="3", service=None, to_counter="5", front=False, now=T0 + 3 * MIN)
    assert (sent.state, sent.target, sent.service) == ("waiting", "5", "passport")
    with pytest.raises(errors.NothingWaiting):
        office.next(counter="3", now=T0 + 4 * MIN)  # its own service, but sent to counter 5
    assert serve_all(office, "5", T0 + 5 * MIN) == [(sent.number, "sent_here"), (waiting.number, "first_service")]


def test_an_appointment_due_at_the_second_is_due(office):
    opened(office, "5")
    walk_in = draw(office, "residence", T0)
    office.book(booking="B1", service="residence", lang="de", due_at=T0 + 20 * MIN, now=T0)
    booked = office.checkin(kiosk="kiosk-1", booking="B1", token="tb", now=T0 + 10 * MIN)[1]
    assert office.next(counter="5", now=T0 + 20 * MIN)[1] is booked
    assert walk_in.state == "waiting"


def test_ahead_counts_front_tickets_by_when_they_were_sent(office):
    opened(office, "6")
    t1, t2, t3 = (draw(office, "residence", T0 + i) for i in range(3))
    t4 = draw(office, "residence", T0 + 3)  # the last drawn: everyone else is ahead of it
    for ticket, at in ((t3, T0 + 5 * MIN), (t2, T0 + 6 * MIN)):  # t3 is sent to the front before t2
        office.call(counter="6", ticket=ticket.number, now=at)
        office.transfer(counter="6", service="residence", to_counter=None, front=True, now=at)
    assert [office.ahead(t) for t in (t3, t2, t1, t4)] == [0, 1, 2, 3]
    office.call(counter="6", ticket=t1.number, now=T0 + 7 * MIN)
    assert [office.ahead(t) for t in (t3, t2, t1, t4)] == [0, 1, 0, 2]  # a called ticket waits for nobody
