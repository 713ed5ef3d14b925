"""What each command writes to the day's record (the events the store keeps and a restart
replays): every field, including when it happened, written out by hand."""

from __future__ import annotations

from datetime import datetime

from server.core import Office
from server.core.events import as_dict

from .conftest import make_site
from .test_core_office import BERLIN, T0


def recorded(office: Office) -> list[dict]:
    """The events since the last look, as the store writes them (`events.encode`)."""
    return [as_dict(e) for e in office.take_journal()]


def test_each_command_records_what_happened_and_when():
    office = Office(make_site(), always_open=True)
    office.open(counter="5", services=None, now=T0)
    office.open(counter="6", services=None, now=T0)
    office.book(booking="B1", service="residence", lang="fa", due_at=T0 + 600, now=T0)
    office.take_journal()

    def did(command, **args) -> list[dict]:
        getattr(office, command)(**args)
        return recorded(office)

    assert did("checkin", kiosk="kiosk-2", booking="b1", token="tb", now=T0 + 60) == [
        {"kind": "ticket_drawn", "at": T0 + 60, "id": 1, "number": "A001", "service": "residence", "lang": "fa",
         "kiosk": "kiosk-2", "request": "booking:B1", "token": "tb", "booking": "B1", "appointment_at": T0 + 600,
         "eta": [0, 10]}]  # the range the kiosk prints, recorded with the draw
    did("draw", kiosk="kiosk-1", service="residence", lang="de", request="r2", token="t2", now=T0 + 70)
    assert did("cancel", kiosk="kiosk-1", ticket="A002", reason="paper_out", now=T0 + 80) == [
        {"kind": "ticket_cancelled", "at": T0 + 80, "number": "A002", "reason": "paper_out"}]
    assert did("pause", counter="5", reason="lunch", now=T0 + 90) == [
        {"kind": "counter_paused", "at": T0 + 90, "counter": "5", "reason": "lunch"}]
    assert did("call", counter="5", ticket="a001", now=T0 + 100) == [
        {"kind": "counter_resumed", "at": T0 + 100, "counter": "5"},
        {"kind": "ticket_called", "at": T0 + 100, "number": "A001", "counter": "5", "reason": "by_number"}]
    assert office.desks["5"].pause_reason == ""
    did("park", counter="5", now=T0 + 110)
    assert did("unpark", counter="5", ticket="A001", now=T0 + 120) == [
        {"kind": "ticket_unparked", "at": T0 + 120, "number": "A001"}]
    did("pause", counter="5", reason="break", now=T0 + 130)
    assert did("resume", counter="5", now=T0 + 140) == [{"kind": "counter_resumed", "at": T0 + 140, "counter": "5"}]
    assert (office.desks["5"].state, office.desks["5"].pause_reason) == ("open", "")

    for n in (3, 4, 5):
        did("draw", kiosk="kiosk-1", service="residence", lang="de", request=f"r{n}", token=f"t{n}", now=T0 + 150)
    did("call", counter="6", ticket="A004", now=T0 + 155)
    did("park", counter="6", now=T0 + 155)                   # parked at counter 6: not 5's to release
    did("call", counter="6", ticket="A003", now=T0 + 160)
    did("transfer", counter="6", service=None, to_counter="5", front=False, now=T0 + 160)
    did("call", counter="5", ticket="A001", now=T0 + 165)
    did("park", counter="5", now=T0 + 166)
    did("call", counter="5", ticket="A005", now=T0 + 170)
    did("pause", counter="5", reason="sick", now=T0 + 175)
    assert did("close", counter="5", now=T0 + 180) == [
        {"kind": "ticket_transferred", "at": T0 + 180, "number": "A005", "service": "residence", "target": None,
         "front": True, "closing": True},   # back to the queue: the counter closed, no transfer of the clerk's
        {"kind": "ticket_unparked", "at": T0 + 180, "number": "A001"},
        {"kind": "ticket_transferred", "at": T0 + 180, "number": "A003", "service": "residence", "target": None,
         "front": False},
        {"kind": "counter_closed", "at": T0 + 180, "counter": "5"}]
    assert (office.desks["5"].state, office.desks["5"].pause_reason) == ("closed", "")
    assert office.tickets["A004"].state == "parked"
    # a visitor sent on from a desk counts one transfer; a waiting ticket released by the close, none
    assert [office.tickets[n].transfers for n in ("A003", "A005", "A001")] == [1, 1, 0]


def test_a_ticket_sent_back_to_the_front_has_nobody_ahead_though_it_was_drawn_last():
    office = Office(make_site(), always_open=True)
    office.open(counter="5", services=None, now=T0)
    for n in (1, 2):
        office.draw(kiosk="k", service="residence", lang="de", request=f"r{n}", token=f"t{n}", now=T0 + n)
    office.call(counter="5", ticket="A002", now=T0 + 10)
    _, last = office.transfer(counter="5", service="residence", to_counter=None, front=True, now=T0 + 20)
    assert office.ahead(last) == 0 and office.ahead(office.tickets["A001"]) == 1


def test_the_queue_reports_its_own_service():
    office = Office(make_site(), always_open=True)
    office.open(counter="5", services=None, now=T0)
    office.draw(kiosk="k", service="residence", lang="de", request="r1", token="t1", now=T0)
    office.draw(kiosk="k", service="residence", lang="de", request="r2", token="t2", now=T0 + 60)
    info = office.queue_info("residence", T0 + 300)
    assert (info.service, info.waiting, info.longest_wait) == ("residence", 2, 300.0)
    assert info.eta is not None  # counter 5 serves residence: there is an estimate


def test_a_site_without_opening_hours_is_always_open():
    site = make_site(opening_hours={})
    sunday_night = datetime(2026, 11, 29, 3, 0, tzinfo=BERLIN).timestamp()
    office = Office(site)  # hours are not switched off: the site simply has none
    assert office.draw(kiosk="k", service="info", lang="de", request="r", token="t", now=sunday_night)[1].number == "F001"


def test_booking_finishing_without_start_and_refusals_record_and_say_exactly_this():
    import pytest

    from server.wire import errors

    office = Office(make_site(), always_open=True)
    office.open(counter="5", services=None, now=T0)
    office.take_journal()
    due = datetime(2026, 11, 25, 0, 30, tzinfo=BERLIN).timestamp()  # still Tuesday in UTC: the site's day counts
    office.book(booking="n1", service="info", lang="de", due_at=due, now=T0)
    assert recorded(office) == [{"kind": "appointment_booked", "at": T0, "booking": "N1", "service": "info",
                                      "lang": "de", "due_at": due, "day": "2026-11-25"}]
    office.draw(kiosk="k", service="residence", lang="de", request="r1", token="t1", now=T0)
    office.next(counter="5", now=T0 + 60)
    office.take_journal()
    with pytest.raises(errors.UnknownOutcome) as info:
        office.finish(counter="5", outcome="vanished", now=T0 + 90)
    assert info.value.message == ("unknown outcome 'vanished' "
                                  "(expected one of done, documents-missing, appointment, referred)")
    with pytest.raises(errors.BadRequest) as info:
        office.transfer(counter="5", service=None, to_counter=None, front=False, now=T0 + 90)
    assert info.value.message == "transfer needs a service or a counter to send the visitor to"
    office.finish(counter="5", outcome="done", now=T0 + 120)  # the clerk never pressed start
    assert recorded(office) == [
        {"kind": "ticket_started", "at": T0 + 120, "number": "A001", "since": T0 + 60},
        {"kind": "ticket_finished", "at": T0 + 120, "number": "A001", "outcome": "done"}]
    assert [t.number for t in office.last_calls()] == ["A001"]
