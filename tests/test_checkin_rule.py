"""The check-in rule in the core (early, on time, late; the site's choice for late visitors),
the scanner's keystrokes as codes, and the [appointments] settings: pure, no server."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import ConfigError, parse_site
from config.site import Appointments
from kiosk.appointment import SCAN_GAP, Scanner
from server.wire import errors
from server.core import Office
from server.core.checkin import EARLY, LATE, ON_TIME, arrival, arrival_of

from .conftest import demo_data, examples, make_site
from .test_core_office import T0

MIN = 60.0
times = st.floats(-86400, 86400, allow_nan=False)


@settings(max_examples=examples(300))
@given(due=times, offset=times, grace=st.integers(0, 240))
def test_early_before_the_time_on_time_within_the_grace_late_after(due, offset, grace):
    now = due + offset
    expected = EARLY if now < due else ON_TIME if now - due <= grace * 60 else LATE
    assert arrival(due, now, grace_minutes=grace) == expected


@settings(max_examples=examples(200))
@given(due=times, a=times, b=times, grace=st.integers(0, 240))
def test_arriving_later_is_never_more_punctual(due, a, b, grace):
    order = [EARLY, ON_TIME, LATE]
    first, second = sorted((a, b))
    assert order.index(arrival(due, first, grace_minutes=grace)) <= order.index(arrival(due, second,
                                                                                       grace_minutes=grace))


def test_the_boundaries():
    assert arrival(T0, T0 - 0.001, grace_minutes=15) == EARLY
    assert arrival(T0, T0, grace_minutes=15) == ON_TIME
    assert arrival(T0, T0 + 15 * MIN, grace_minutes=15) == ON_TIME
    assert arrival(T0, T0 + 15 * MIN + 0.001, grace_minutes=15) == LATE
    assert arrival(T0, T0 + 0.001, grace_minutes=0) == LATE
    assert arrival_of(due_at=T0, issued_at=T0 - MIN, appointment_at=T0, grace_minutes=15) == EARLY
    assert arrival_of(due_at=T0, issued_at=T0 + 99 * MIN, appointment_at=None, grace_minutes=15) == LATE


def office_with(late: str, grace: int = 15) -> Office:
    site = dataclasses.replace(make_site(), appointments=Appointments(grace_minutes=grace, late=late))
    office = Office(site, always_open=True)
    office.open(counter="5", services=None, now=T0)
    for code, due in (("EARLY", T0 + 30 * MIN), ("EDGE", T0 - 15 * MIN), ("LATE", T0 - 16 * MIN)):
        office.book(booking=code, service="residence", lang="ar", due_at=due, now=T0 - 60 * MIN)
    return office


def test_a_late_visitor_is_a_walk_in_where_the_site_takes_them():
    office = office_with("walk_in")
    walk_in = office.draw(kiosk="k", service="residence", lang="de", request="r", token="t", now=T0 - MIN)[1]
    late = office.checkin(kiosk="k", booking="late", token="t1", now=T0, lang="fa")[1]
    edge = office.checkin(kiosk="k", booking="edge", token="t2", now=T0)[1]
    assert (late.booking, late.appointment_at, late.lang) == ("LATE", None, "fa")
    assert (edge.appointment_at, edge.lang) == (T0 - 15 * MIN, "ar")
    assert office.checkin(kiosk="k", booking="LATE", token="t3", now=T0 + MIN)[1] is late  # idempotent
    assert office.next(counter="5", now=T0 + MIN)[1] is edge  # due: first
    office.finish(counter="5", outcome="done", now=T0 + 2 * MIN)
    assert office.next(counter="5", now=T0 + 3 * MIN)[1] is walk_in  # then by issue time ...
    office.finish(counter="5", outcome="done", now=T0 + 4 * MIN)
    assert office.next(counter="5", now=T0 + 5 * MIN)[1] is late  # ... the late one like any walk-in


def test_a_late_visitor_is_refused_where_the_site_says_so():
    office = office_with("refuse")
    with pytest.raises(errors.TooLate, match="appointment LATE was at 08:44: more than 15 minutes ago"):
        office.checkin(kiosk="k", booking="LATE", token="t", now=T0)
    assert not office.tickets and office.take_journal()[-1].kind != "ticket_drawn"
    assert office.checkin(kiosk="k", booking="EDGE", token="t", now=T0)[1].number == "A001"
    assert office.checkin(kiosk="k", booking="EARLY", token="t", now=T0)[1].appointment_at == T0 + 30 * MIN
    assert errors.TooLate.code == "too_late" and errors.ERRORS["too_late"] is errors.TooLate


def test_a_ticket_the_kiosk_cancelled_is_no_check_in():
    """The printer failed and the kiosk withdrew the ticket: the visitor can check in again."""
    office = office_with("walk_in")
    first = office.checkin(kiosk="k", booking="EARLY", token="t1", now=T0)[1]
    office.cancel(kiosk="k", ticket=first.number, reason="printer_failed", now=T0 + 1)
    again = office.checkin(kiosk="k", booking="EARLY", token="t2", now=T0 + 2)[1]
    assert (first.state, again.number, again.state) == ("cancelled", "A002", "waiting")
    assert office.checkin(kiosk="k", booking="EARLY", token="t3", now=T0 + 3)[1] is again
    with pytest.raises(errors.BadRequest, match="has checked in already"):
        office.unbook(booking="EARLY", now=T0 + 4)


# the counter's steps from a called visitor, and whether the visit is over after them
VISITS = {"called": ([], False), "serving": (["start"], False), "parked": (["park"], False),
          "done": (["start", "finish"], True), "no_show": (["noshow"], True)}


@pytest.mark.parametrize("state", VISITS)
def test_checking_in_again_returns_the_open_ticket_and_refuses_a_finished_visit(state):
    steps, over = VISITS[state]
    office = office_with("walk_in")
    first = office.checkin(kiosk="k", booking="EDGE", token="t1", now=T0)[1]
    office.next(counter="5", now=T0 + MIN)
    for step in steps:
        getattr(office, step)(counter="5", now=T0 + 2 * MIN, **({"outcome": "done"} if step == "finish" else {}))
    assert first.state == state
    if not over:
        assert office.checkin(kiosk="k", booking="edge", token="t2", now=T0 + 3 * MIN)[1] is first
        return
    with pytest.raises(errors.VisitFinished, match="appointment EDGE: ticket A001 .*, the visit is over"):
        office.checkin(kiosk="k", booking="edge", token="t2", now=T0 + 3 * MIN)
    assert list(office.tickets) == ["A001"] and office.take_journal()[-1].kind != "ticket_drawn"
    assert errors.ERRORS["visit_finished"] is errors.VisitFinished


def test_a_finished_visit_no_longer_holds_its_code():
    """Booked again after its visit is over, the code is a new appointment: it checks in anew.
    While the ticket is open, moving or cancelling it stays refused."""
    office = office_with("walk_in")
    first = office.checkin(kiosk="k", booking="EARLY", token="t1", now=T0)[1]
    with pytest.raises(errors.BadRequest, match="has checked in already"):
        office.book(booking="EARLY", service="residence", lang="ar", due_at=T0 + 90 * MIN, now=T0)
    office.next(counter="5", now=T0 + MIN)
    office.finish(counter="5", outcome="done", now=T0 + 2 * MIN)
    moved = office.book(booking="EARLY", service="residence", lang="ar", due_at=T0 + 90 * MIN, now=T0 + 3 * MIN)[1]
    assert (moved.due_at, moved.ticket) == (T0 + 90 * MIN, None)
    again = office.checkin(kiosk="k", booking="EARLY", token="t2", now=T0 + 4 * MIN)[1]
    assert (again.number, again.appointment_at, first.state) == ("A002", T0 + 90 * MIN, "done")


def test_a_language_not_offered_is_refused_at_check_in():
    office = office_with("walk_in")
    with pytest.raises(errors.BadRequest, match="language 'xx' is not offered here"):
        office.checkin(kiosk="k", booking="EARLY", token="t", now=T0, lang="xx")


# ---- the scanner ------------------------------------------------------------------------

codes = st.text(st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), min_size=1, max_size=40)


@settings(max_examples=examples(200))
@given(code=codes, step=st.floats(0.001, SCAN_GAP * 0.9), start=st.floats(0, 1e6))
def test_keystrokes_in_quick_succession_are_one_code(code, step, start):
    scanner = Scanner()
    for i, char in enumerate(code):
        scanner.key(char, start + i * step)
    assert scanner.enter(start + len(code) * step) == code.strip()
    assert scanner.enter(start + len(code) * step) == ""  # taken: a second Enter is nothing


@settings(max_examples=examples(100))
@given(first=codes, second=codes, pause=st.floats(SCAN_GAP * 1.01, 3600))
def test_a_pause_starts_a_new_code(first, second, pause):
    scanner, at = Scanner(), 0.0
    for char in first:
        at += 0.01
        scanner.key(char, at)
    at += pause
    for char in second:
        scanner.key(char, at)
        at += 0.01
    assert scanner.enter(at) == second.strip()


def test_enter_long_after_the_last_key_is_no_scan_and_a_code_is_capped():
    scanner = Scanner()
    scanner.key("A", 0.0)
    assert scanner.enter(SCAN_GAP * 3) == ""
    for i in range(1000):
        scanner.key("7", i * 0.001)
    assert len(scanner.enter(1.0)) == 256  # what the protocol's keys hold


# ---- the site's settings ----------------------------------------------------------------

def site_with(table: dict, environ: dict | None = None):
    data = demo_data()
    data["appointments"] = table
    return parse_site(data, file="office.toml", environ=environ or {})


def test_the_appointment_settings_and_their_defaults():
    assert make_site().appointments == Appointments(grace_minutes=15, late="walk_in", push_port=None)
    site = site_with({"grace_minutes": 0, "late": "refuse", "push_port": 8766, "push_token_env": "PUSH"},
                     {"PUSH": "s3cret-push-token"})
    assert site.appointments == Appointments(0, "refuse", "127.0.0.1", 8766, "s3cret-push-token")


@pytest.mark.parametrize("table, message", [
    ({"late": "later"}, 'appointments.late: "later" must be "walk_in" or "refuse"'),
    ({"grace_minutes": -1}, "appointments.grace_minutes: -1 must be at least 0"),
    ({"push_port": 8766}, "appointments.push_token: missing: the push endpoint needs a token"),
    ({"push_port": 70000, "push_token": "long-enough"}, "appointments.push_port: 70000 must be at most 65535"),
    ({"push_port": 8766, "push_token": "short"}, "appointments.push_token: must be at least 8 characters"),
    ({"grace": 5}, "appointments.grace: unknown key"),
])
def test_bad_appointment_settings_are_refused_naming_the_key(table, message):
    with pytest.raises(ConfigError) as info:
        site_with(table)
    assert message in str(info.value)
