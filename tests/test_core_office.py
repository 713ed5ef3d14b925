"""The queue core's rules, one example each, with explicit times (no clock, no I/O)."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.wire import errors
from server.core import Office
from server.core.events import DayStarted

from .conftest import make_site

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN).timestamp()  # a Tuesday, 9:00
MIN = 60.0
_requests = itertools.count()


@pytest.fixture
def office() -> Office:
    return Office(make_site(), always_open=True)


def draw(office: Office, service: str, at: float = T0, lang: str = "de", kiosk: str = "kiosk-1"):
    n = next(_requests)
    return office.draw(kiosk=kiosk, service=service, lang=lang, request=f"r{n}", token=f"t{n}", now=at)[1]


def opened(office: Office, counter: str, services=None, at: float = T0) -> Office:
    office.open(counter=counter, services=services, now=at)
    return office


def test_numbers_run_per_service_and_grow_past_999(office):
    assert [draw(office, "residence").number for _ in range(3)] == ["A001", "A002", "A003"]
    assert draw(office, "extension").number == "B001"
    office.numbers["residence"] = 998
    assert [draw(office, "residence").number for _ in range(3)] == ["A999", "A1000", "A1001"]


def test_a_new_day_restarts_numbers_and_expires_what_was_left(office):
    left = draw(office, "residence")
    tomorrow = T0 + 24 * 3600
    events, ticket = office.draw(kiosk="kiosk-1", service="residence", lang="de", request="x", token="y",
                                 now=tomorrow)
    assert events[0] == DayStarted(at=tomorrow, day="2026-11-25")
    assert office.tickets == {"A001": ticket} and ticket is not left
    assert office.queue_info("residence", tomorrow).waiting == 1


def test_the_day_follows_the_site_time_zone(office):
    late = datetime(2026, 11, 24, 23, 30, tzinfo=BERLIN).timestamp()  # 22:30 UTC
    draw(office, "info", at=late)
    assert office.day == "2026-11-24"
    draw(office, "info", at=late + 45 * MIN)  # 00:15 in Berlin, still 23:15 UTC
    assert office.day == "2026-11-25"


def test_a_retried_draw_returns_the_same_ticket_and_no_event(office):
    first = office.draw(kiosk="kiosk-1", service="info", lang="ar", request="same", token="a", now=T0)[1]
    events, again = office.draw(kiosk="kiosk-1", service="info", lang="ar", request="same", token="b", now=T0 + 5)
    assert again is first and events == [] and len(office.tickets) == 1
    other_kiosk = office.draw(kiosk="kiosk-2", service="info", lang="ar", request="same", token="c", now=T0)[1]
    assert other_kiosk.number == "F002"


def test_draw_refuses_unknown_services_languages_and_closed_hours():
    office = Office(make_site())
    with pytest.raises(errors.UnknownService, match=r"unknown service 'visa' \(expected one of residence, "):
        office.draw(kiosk="k", service="visa", lang="de", request="1", token="t", now=T0)
    with pytest.raises(errors.BadRequest, match="language 'xx' is not offered here"):
        office.draw(kiosk="k", service="info", lang="xx", request="1", token="t", now=T0)
    sunday = datetime(2026, 11, 29, 10, 0, tzinfo=BERLIN).timestamp()
    with pytest.raises(errors.ClosedForToday, match="the office is closed now"):
        office.draw(kiosk="k", service="info", lang="de", request="1", token="t", now=sunday)
    tuesday_lunch = datetime(2026, 11, 24, 13, 0, tzinfo=BERLIN).timestamp()
    with pytest.raises(errors.ClosedForToday):
        office.draw(kiosk="k", service="info", lang="de", request="2", token="t", now=tuesday_lunch)
    assert office.draw(kiosk="k", service="info", lang="de", request="3", token="t", now=T0)[1].number == "F001"


def test_next_follows_the_counter_preference_then_age(office):
    opened(office, "3")  # passport, card-pickup, extension
    e1 = draw(office, "card-pickup", T0)
    d1 = draw(office, "passport", T0 + 10 * MIN)
    d2 = draw(office, "passport", T0 + 11 * MIN)
    called = []
    for i in range(3):
        ticket = office.next(counter="3", now=T0 + 20 * MIN + i)[1]
        called.append((ticket.number, ticket.reason))
        office.finish(counter="3", outcome="done", now=T0 + 20 * MIN + i)
    assert called == [(d1.number, "first_service"), (d2.number, "first_service"),
                      (e1.number, "longest_waiting")]


def test_a_ticket_past_its_max_wait_goes_first(office):
    opened(office, "3")
    old = draw(office, "card-pickup", T0)  # max wait 30 min
    draw(office, "passport", T0 + 10 * MIN)
    ticket = office.next(counter="3", now=T0 + 31 * MIN)[1]
    assert ticket is old and ticket.reason == "past_max_wait"


def test_next_with_nobody_waiting_and_on_a_closed_counter(office):
    with pytest.raises(errors.CounterNotOpen, match="counter 3 is closed: open it first"):
        office.next(counter="3", now=T0)
    opened(office, "3")
    draw(office, "residence")  # counter 3 does not serve it
    with pytest.raises(errors.NothingWaiting, match="nobody is waiting for counter 3's services"):
        office.next(counter="3", now=T0)
    with pytest.raises(errors.UnknownCounter, match="unknown counter '99'"):
        office.next(counter="99", now=T0)


def test_a_counter_may_choose_some_of_its_services(office):
    opened(office, "3", ["card-pickup"])
    draw(office, "passport")
    with pytest.raises(errors.NothingWaiting):
        office.next(counter="3", now=T0)
    with pytest.raises(errors.NotAllowed, match="counter 3 does not serve 'residence'"):
        office.open(counter="3", services=["residence"], now=T0)
    with pytest.raises(errors.UnknownService):
        office.open(counter="3", services=["visa"], now=T0)


def test_one_visitor_at_a_time(office):
    opened(office, "5")
    draw(office, "residence"), draw(office, "residence")
    office.next(counter="5", now=T0)
    with pytest.raises(errors.VisitorAtCounter, match="ticket A001 is still at counter 5"):
        office.next(counter="5", now=T0)


def test_full_visit_records_its_times(office):
    opened(office, "5")
    ticket = draw(office, "residence", T0)
    office.next(counter="5", now=T0 + 10 * MIN)
    office.recall(counter="5", now=T0 + 11 * MIN)
    office.recall(counter="5", now=T0 + 12 * MIN)
    office.start(counter="5", now=T0 + 13 * MIN)
    office.finish(counter="5", outcome="documents-missing", now=T0 + 25 * MIN)
    assert (ticket.state, ticket.recalls, ticket.outcome) == ("done", 2, "documents-missing")
    assert ticket.called_at - ticket.issued_at == 10 * MIN
    assert ticket.finished_at - ticket.started_at == 12 * MIN
    assert office.desks["5"].current is None and office.desks["5"].handled == ["A001"]


def test_finish_without_start_counts_the_visitor_as_arrived(office):
    opened(office, "5")
    ticket = draw(office, "residence")
    office.next(counter="5", now=T0 + MIN)
    events, _ = office.finish(counter="5", outcome="done", now=T0 + 5 * MIN)
    assert [e.kind for e in events] == ["ticket_started", "ticket_finished"]
    assert ticket.started_at == ticket.called_at == T0 + MIN  # served from the call: 4 minutes
    office.close(counter="5", now=T0 + 6 * MIN)  # the estimates count the visit from the call
    call = office.forecast.calls["residence"]
    assert call.count == 1 and call.total == pytest.approx(4 * MIN, rel=0.05)  # within the clerk's pace


def test_invalid_transitions_name_the_ticket_and_its_state(office):
    opened(office, "5")
    draw(office, "residence")
    office.next(counter="5", now=T0)
    office.start(counter="5", now=T0)
    with pytest.raises(errors.InvalidTransition, match="ticket A001 is being served, it cannot be recalled"):
        office.recall(counter="5", now=T0)
    with pytest.raises(errors.InvalidTransition, match="ticket A001 is being served, it cannot be marked a no-show"):
        office.noshow(counter="5", now=T0)
    office.finish(counter="5", outcome="done", now=T0)
    with pytest.raises(errors.InvalidTransition, match="ticket A001 is done, it cannot be called"):
        office.call(counter="5", ticket="A001", now=T0)
    with pytest.raises(errors.NoCurrentTicket, match="no visitor is called at counter 5"):
        office.recall(counter="5", now=T0)
    with pytest.raises(errors.UnknownOutcome, match="unknown outcome 'lunch'"):
        office.finish(counter="5", outcome="lunch", now=T0)
    with pytest.raises(errors.UnknownTicket, match="there is no ticket Z999 today"):
        office.call(counter="5", ticket="Z999", now=T0)


def test_no_show_frees_the_counter(office):
    opened(office, "5")
    ticket = draw(office, "residence")
    office.next(counter="5", now=T0)
    office.noshow(counter="5", now=T0 + 3 * MIN)
    assert ticket.state == "no_show" and office.desks["5"].current is None


def test_transfer_keeps_the_number_and_the_place_by_issue_time(office):
    opened(office, "5"), opened(office, "4")  # 4: extension, passport
    moving = draw(office, "residence", T0)
    b1 = draw(office, "extension", T0 + 1 * MIN)
    office.next(counter="5", now=T0 + 2 * MIN)
    office.transfer(counter="5", service="extension", to_counter=None, front=False, now=T0 + 3 * MIN)
    assert (moving.number, moving.service, moving.state) == ("A001", "extension", "waiting")
    assert office.ahead(moving) == 0 and office.ahead(b1) == 1  # issued earlier: its old place
    assert office.next(counter="4", now=T0 + 4 * MIN)[1] is moving


def test_transfer_to_the_front(office):
    opened(office, "5"), opened(office, "4")
    b1 = draw(office, "extension", T0)
    moving = draw(office, "residence", T0 + MIN)
    office.next(counter="5", now=T0 + 2 * MIN)
    office.transfer(counter="5", service="extension", to_counter=None, front=True, now=T0 + 3 * MIN)
    ticket = office.next(counter="4", now=T0 + 4 * MIN)[1]
    assert ticket is moving and ticket.reason == "front" and office.ahead(b1) == 0


def test_transfer_to_a_named_counter_only_that_counter_calls_it(office):
    opened(office, "5"), opened(office, "8"), opened(office, "6")
    moving = draw(office, "residence")
    office.next(counter="5", now=T0)
    # counter 1 closed: nobody there would call the visitor, so the transfer is refused and
    # the visitor stays at counter 5
    with pytest.raises(errors.NotAllowed, match="counter 1 is closed") as refused:
        office.transfer(counter="5", service=None, to_counter="1", front=False, now=T0 + MIN)
    assert refused.value.fields == {"why": "target_closed", "counter": "1"}
    assert (moving.state, moving.counter, office.desks["5"].current) == ("called", "5", moving.number)
    opened(office, "1")  # card-pickup, info: not residence, but it is sent here by name
    office.pause(counter="1", reason="", now=T0 + MIN)  # a pause is no closed counter: it comes back
    office.transfer(counter="5", service=None, to_counter="1", front=False, now=T0 + MIN)
    with pytest.raises(errors.NothingWaiting):
        office.next(counter="6", now=T0 + 2 * MIN)
    ticket = office.next(counter="1", now=T0 + 3 * MIN)[1]
    assert ticket is moving and ticket.reason == "sent_here"
    with pytest.raises(errors.BadRequest, match="transfer needs a service or a counter"):
        office.transfer(counter="1", service=None, to_counter=None, front=False, now=T0)


def test_park_and_take_back(office):
    opened(office, "5")
    parked = draw(office, "residence", T0)
    other = draw(office, "residence", T0 + MIN)
    office.next(counter="5", now=T0 + 2 * MIN)
    office.park(counter="5", now=T0 + 3 * MIN)
    assert parked.state == "parked" and office.next(counter="5", now=T0 + 4 * MIN)[1] is other
    office.finish(counter="5", outcome="done", now=T0 + 5 * MIN)
    assert office.call(counter="5", ticket="a001", now=T0 + 6 * MIN)[1] is parked  # by number, any case
    assert parked.state == "called" and parked.reason == "by_number"
    office.park(counter="5", now=T0 + 7 * MIN)
    office.unpark(counter="5", ticket="A001", now=T0 + 8 * MIN)
    assert parked.state == "waiting" and parked.front


def test_pause_resume_and_next_resumes_by_itself(office):
    opened(office, "5")
    draw(office, "residence")
    office.pause(counter="5", reason="lunch", now=T0)
    assert office.desks["5"].state == "paused"
    events, ticket = office.next(counter="5", now=T0 + MIN)
    assert [e.kind for e in events] == ["counter_resumed", "ticket_called"]
    assert office.desks["5"].state == "open"


def test_closing_a_counter_leaves_nobody_behind(office):
    opened(office, "5"), opened(office, "8")
    oldest = draw(office, "residence", T0)            # ordinary, waits throughout
    at_desk, parked, sent_here, fronted = (draw(office, "residence", T0 + i) for i in range(1, 5))
    office.call(counter="5", ticket=parked.number, now=T0 + 1 * MIN)
    office.park(counter="5", now=T0 + 1 * MIN)
    office.call(counter="5", ticket=at_desk.number, now=T0 + 2 * MIN)
    office.call(counter="8", ticket=sent_here.number, now=T0 + 2 * MIN)   # counter 8 sends one to 5 by name
    office.transfer(counter="8", service=None, to_counter="5", front=False, now=T0 + 2 * MIN)
    office.call(counter="8", ticket=fronted.number, now=T0 + 2 * MIN)     # ... and one to the front
    office.transfer(counter="8", service="residence", to_counter=None, front=True, now=T0 + 2.5 * MIN)
    office.close(counter="5", now=T0 + 3 * MIN)
    assert office.desks["5"].state == "closed" and office.desks["5"].current is None
    assert [(t.state, t.target, t.front) for t in (at_desk, parked, sent_here)] == [
        ("waiting", None, True), ("waiting", None, True), ("waiting", None, False)]
    called = []
    for i in range(5):
        called.append(office.next(counter="8", now=T0 + (4 + i) * MIN)[1].number)
        office.finish(counter="8", outcome="done", now=T0 + (4 + i) * MIN)
    # the one sent to the front at 2:30 first; then the two placed at the close (the same
    # second: by number); then the ordinary ones by issue time
    assert called == [fronted.number, at_desk.number, parked.number, oldest.number, sent_here.number]


def test_cancel_only_by_the_kiosk_that_drew_it_and_only_while_waiting(office):
    ticket = draw(office, "info", kiosk="kiosk-1")
    with pytest.raises(errors.NotAllowed, match="drawn at another kiosk"):
        office.cancel(kiosk="kiosk-2", ticket=ticket.number, reason="printer_failed", now=T0)
    office.cancel(kiosk="kiosk-1", ticket=ticket.number, reason="printer_failed", now=T0)
    assert ticket.state == "cancelled" and office.queue_info("info", T0).waiting == 0
    with pytest.raises(errors.InvalidTransition, match="F001 was cancelled, it cannot be cancelled"):
        office.cancel(kiosk="kiosk-1", ticket=ticket.number, reason="x", now=T0)


def test_replaying_the_events_rebuilds_the_same_state(office):
    opened(office, "5")
    for i in range(5):
        office.draw(kiosk="kiosk-1", service="residence", lang="uk", request=f"q{i}", token=f"t{i}", now=T0 + i)
    office.next(counter="5", now=T0 + 60)
    office.start(counter="5", now=T0 + 60)
    office.transfer(counter="5", service="extension", to_counter=None, front=True, now=T0 + 90)
    office.next(counter="5", now=T0 + 100)
    office.park(counter="5", now=T0 + 110)
    replayed = Office(make_site(), always_open=True)
    for event in office.take_journal():
        replayed.apply(event)
    assert replayed.tickets == office.tickets and replayed.desks == office.desks
    assert replayed.requests.keys() == office.requests.keys() and len(replayed.tickets) == 5


def test_a_due_appointment_goes_first_and_an_early_one_waits_as_a_walk_in(office):
    opened(office, "5")
    office.book(booking="X1", service="residence", lang="fa", due_at=T0 + 30 * MIN, now=T0)
    walk_in = draw(office, "residence", T0)
    early = office.checkin(kiosk="kiosk-1", booking="x1", token="tx", now=T0 + 5 * MIN)[1]
    assert office.checkin(kiosk="kiosk-2", booking="X1", token="ty", now=T0 + 6 * MIN)[1] is early  # idempotent
    assert (early.number, early.lang, early.booking) == ("A002", "fa", "X1")
    assert office.next(counter="5", now=T0 + 10 * MIN)[1] is walk_in  # not due yet: in line
    office.finish(counter="5", outcome="done", now=T0 + 11 * MIN)
    later = draw(office, "residence", T0 + 12 * MIN)
    ticket = office.next(counter="5", now=T0 + 31 * MIN)[1]
    assert ticket is early and ticket.reason == "appointment_due" and later.state == "waiting"


def test_bookings_are_checked(office):
    with pytest.raises(errors.UnknownBooking, match="there is no appointment NOPE today"):
        office.checkin(kiosk="kiosk-1", booking="NOPE", token="t", now=T0)
    office.book(booking="TOMORROW", service="info", lang="de", due_at=T0 + 86400, now=T0)
    with pytest.raises(errors.UnknownBooking, match="there is no appointment TOMORROW today"):
        office.checkin(kiosk="kiosk-1", booking="TOMORROW", token="t", now=T0)
    with pytest.raises(errors.BadRequest, match="the appointment code is empty"):
        office.book(booking=" ", service="info", lang="de", due_at=T0 + 86400, now=T0)
    assert office.book(booking="tomorrow", service="info", lang="de", due_at=T0 + 86400, now=T0)[0] == []
    with pytest.raises(errors.BadRequest, match=r"appointment Y would be in the past \(2026-11-23\)"):
        office.book(booking="Y", service="info", lang="de", due_at=T0 - 86400, now=T0)
    assert office.checkin(kiosk="k", booking="tomorrow", token="t", now=T0 + 86400 - 3600)[1].number == "F001"


def test_a_booking_is_moved_or_cancelled_until_its_visitor_checks_in(office):
    office.book(booking="M1", service="info", lang="ar", due_at=T0 + 3600, now=T0)
    events, moved = office.book(booking="m1", service="info", lang="ar", due_at=T0 + 5400, now=T0)
    assert [e.kind for e in events] == ["appointment_booked"] and moved.due_at == T0 + 5400
    events, cancelled = office.unbook(booking="m1", now=T0)
    assert cancelled.code == "M1" and "M1" not in office.bookings
    assert office.unbook(booking="M1", now=T0) == ([], None)
    with pytest.raises(errors.UnknownBooking):
        office.checkin(kiosk="kiosk-1", booking="M1", token="t", now=T0)
    office.book(booking="M2", service="info", lang="ar", due_at=T0 + 3600, now=T0)
    office.checkin(kiosk="kiosk-1", booking="M2", token="t", now=T0)
    with pytest.raises(errors.BadRequest, match="appointment M2 has checked in already .* cannot be cancelled"):
        office.unbook(booking="M2", now=T0)
    with pytest.raises(errors.BadRequest, match="cannot be moved"):
        office.book(booking="M2", service="info", lang="ar", due_at=T0 + 60, now=T0)
