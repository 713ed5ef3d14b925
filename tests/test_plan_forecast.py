"""The forecast with a plan (`server.core.simulation._planned`): counters expected at their
planned times, planned-off counters not expected, a gap as a break; where the day departs
from the plan the forecast follows the day (`server.core.plan.departures` names it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.core import Office
from server.core.forecast import DEFAULT_BREAK
from server.core.plan import departures
from server.wire.plan import Closure, Shift

from .conftest import make_site
from .test_core_office import MIN, T0
from .test_forecast import draw, projected_minutes

TUESDAY = 1
SERVICES = [s.id for s in make_site().services]


def plan(office: Office, *shifts: tuple[str, str, str], closures=()) -> None:
    office.set_plan(template=[Shift(counter=c, weekday=TUESDAY, start=a, end=b) for c, a, b in shifts],
                    closures=list(closures), now=T0 - 60 * MIN)


@pytest.fixture
def office() -> Office:
    return Office(make_site(), always_open=True)


def test_a_planned_counter_is_expected_at_its_time_and_others_not(office):
    plan(office, ("6", "09:30", "12:00"))  # T0 is 9:00; 5, 7 and 8 also serve residence but are not planned
    ticket = draw(office, "residence", T0)
    assert projected_minutes(office, ticket, T0) == pytest.approx(30)
    office.set_plan(template=[], closures=[], now=T0 + 1)  # no plan: the forecast guesses (all counters, spread)
    assert projected_minutes(office, ticket, T0 + 1) != pytest.approx(30)


def test_a_counter_planned_off_today_is_not_expected(office):
    plan(office, ("6", "09:30", "12:00"), ("5", "09:00", "12:00"),
         closures=[Closure(day="2026-11-24", kind="off", counter="5")])
    ticket = draw(office, "residence", T0)
    assert projected_minutes(office, ticket, T0) == pytest.approx(30)


def test_a_gap_between_two_windows_is_a_break(office):
    plan(office, ("6", "08:00", "09:00"), ("6", "09:40", "12:00"))
    office.open(counter="6", services=["settlement"], now=T0 - 50 * MIN)
    office.pause(counter="6", reason="", now=T0)
    ticket = draw(office, "settlement", T0 + MIN)
    assert projected_minutes(office, ticket, T0 + MIN) == pytest.approx(39)  # back at 9:40, not after a typical break


def test_a_planned_counter_ten_minutes_late_is_no_longer_expected_and_named(office):
    plan(office, ("6", "09:00", "12:00"), ("7", "10:00", "12:00"))
    ticket = draw(office, "settlement", T0)
    assert projected_minutes(office, ticket, T0 + 5 * MIN) == pytest.approx(0)  # 6 is expected now
    assert projected_minutes(office, ticket, T0 + 11 * MIN) == pytest.approx(49)  # 6 is late: 7 at 10:00
    windows = office.plan.times(office.day, office.tz)
    states = {d.id: d.state for d in office.desks.values()}
    assert departures(windows, states, T0 + 11 * MIN) == {"6": ("late", T0 + 10 * MIN)}
    office.open(counter="6", services=None, now=T0 + 12 * MIN)
    assert projected_minutes(office, ticket, T0 + 12 * MIN) == pytest.approx(0)  # the forecast follows the day


def test_an_unplanned_counter_that_opens_is_used_and_named(office):
    plan(office, ("6", "10:00", "12:00"))
    ticket = draw(office, "settlement", T0)
    assert projected_minutes(office, ticket, T0) == pytest.approx(60)
    office.open(counter="8", services=None, now=T0 + MIN)
    assert projected_minutes(office, ticket, T0 + MIN) == pytest.approx(0)
    states = {d.id: d.state for d in office.desks.values()}
    assert departures(office.plan.times(office.day, office.tz), states, T0 + MIN) == {"8": ("unplanned", T0 + MIN)}


def test_a_counter_stops_at_its_planned_end(office):
    plan(office, ("4", "08:00", "09:30"))
    office.open(counter="4", services=["passport"], now=T0 - 60 * MIN)
    tickets = [draw(office, "passport", T0) for _ in range(4)]  # 12 min each: the fourth would be at 9:36
    assert projected_minutes(office, tickets[2], T0) == pytest.approx(24)
    assert projected_minutes(office, tickets[3], T0 + 2) is None  # a run made after the draws


def test_an_appointment_due_hours_later_does_not_stretch_a_walk_ins_range(office):
    """The demo's "150–375 Min." for the one visitor waiting for a 5-minute information: the
    line's pace was taken from all its projected calls, an appointment due six hours later
    among them, so the next walk-in was placed hours behind the last one."""
    office.open(counter="2", services=None, now=T0 - 50 * MIN)
    office.book(booking="late", service="info", lang="de", due_at=T0 + 6 * 60 * MIN, now=T0 - 60 * MIN)
    ticket = draw(office, "info", T0)
    assert projected_minutes(office, ticket, T0) == pytest.approx(0)
    low, high = office.queue_info("info", T0 + 1).eta
    assert high <= 20  # one in line for a 5-minute service, a counter open for it
    later = draw(office, "info", T0 + 2)
    assert office.estimate(later.number, T0 + 2)[1] <= 20


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SERVICES), st.integers(0, 3), st.lists(st.tuples(st.sampled_from(SERVICES), st.integers(1, 8)),
                                                               max_size=4))
def test_cold_start_one_waiting_gets_a_range_a_person_believes(service, ahead, bookings):
    """Nothing learned yet, every counter open and idle, `ahead` people in line: the top of the
    range for the next to draw stays within twice the service's typical time per person in
    line, plus the starting slack, whatever appointments are booked later in the day."""
    office = Office(make_site(), always_open=True)
    for counter in office.desks:
        office.open(counter=counter, services=None, now=T0 - 60 * MIN)
    for i, (booked, hours) in enumerate(bookings):
        office.book(booking=f"b{i}", service=booked, lang="de", due_at=T0 + hours * 60 * MIN, now=T0 - 60 * MIN)
    for _ in range(ahead):
        draw(office, service, T0)
    typical = office.site.service(service).typical_minutes
    low, high = office.queue_info(service, T0 + 2).eta
    assert high <= 2 * typical * (ahead + 1) + 15, (low, high)


def test_counters_that_open_late_are_expected_as_late_as_they_usually_are(office):
    plan(office, ("5", "08:00", "12:00"), ("6", "08:00", "12:00"), ("7", "09:30", "12:00"))
    office.open(counter="5", services=None, now=T0 - 54 * MIN)  # 6 and 4 minutes after 8:00
    office.open(counter="6", services=None, now=T0 - 56 * MIN)
    office.close(counter="5", now=T0 - MIN)
    office.close(counter="6", now=T0 - MIN)
    ticket = draw(office, "settlement", T0)  # 7 is planned at 9:30: expected the usual 5 minutes later
    assert projected_minutes(office, ticket, T0) == pytest.approx(35)


def test_a_pause_in_the_middle_of_a_shift_is_a_usual_break_not_until_the_next_shift(office):
    plan(office, ("6", "08:00", "12:00"), ("6", "14:00", "16:00"))
    office.open(counter="6", services=["settlement"], now=T0 - 50 * MIN)
    office.pause(counter="6", reason="", now=T0)  # 9:00, three hours before the shift ends
    ticket = draw(office, "settlement", T0 + MIN)
    assert projected_minutes(office, ticket, T0 + MIN) == pytest.approx(DEFAULT_BREAK / MIN - 1)


def test_closing_a_few_minutes_before_a_planned_break_is_no_departure(office):
    plan(office, ("6", "08:00", "09:10"), ("6", "09:30", "12:00"))
    office.open(counter="6", services=None, now=T0 - 60 * MIN)
    office.close(counter="6", now=T0)  # 9:00, ten minutes before the break
    states = {d.id: d.state for d in office.desks.values()}
    assert departures(office.plan.times(office.day, office.tz), states, T0 + MIN) == {}
    assert departures(office.plan.times(office.day, office.tz), states, T0 + 41 * MIN) == {"6": ("late", T0 + 40 * MIN)}
