"""The wait estimate (`server.core.forecast`, `Office.estimate`): one example per rule, and
properties under random days of commands (hypothesis)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from server.core import Office
from server.core.forecast import DEFAULT_BREAK, PRIOR_CALLS, SLACK, CallTime, Forecast, usual_staffing
from server.core.routing import queue_key
from server.wire.errors import WillkommenError

from .conftest import make_site
from .test_core_office import MIN, T0
from .test_core_properties import SITE, days, run

_requests = itertools.count()


def draw(office: Office, service: str, at: float):
    n = next(_requests)
    return office.draw(kiosk="kiosk-1", service=service, lang="de", request=f"f{n}", token=f"f{n}", now=at)[1]


def projected_minutes(office: Office, ticket, now: float) -> float | None:
    at = office.forecast.projected(office, ticket.number, now)
    return None if at is None else (at - now) / MIN


@pytest.fixture
def office() -> Office:
    return Office(make_site(), always_open=True)


def alone(office: Office, counter: str, services=None) -> None:
    """Open `counter` long enough ago that no other counter is still expected today."""
    office.open(counter=counter, services=services, now=T0 - 50 * MIN)


def test_an_idle_office_with_an_open_counter_estimates_about_nothing(office):
    office.open(counter="5", services=None, now=T0)
    ticket = draw(office, "residence", T0 + MIN)
    assert projected_minutes(office, ticket, T0 + MIN) == 0  # called at once
    low, high = office.estimate(ticket.number, T0 + MIN)
    assert low == 0 and high <= 10  # the top: no errors seen yet, so the starting spread of a wait
    assert office.queue_info("extension", T0 + MIN).eta == (low, high)  # counter 5 serves it too


def test_no_estimate_for_a_ticket_that_is_not_waiting_or_unknown(office):
    office.open(counter="5", services=None, now=T0)
    ticket = draw(office, "residence", T0)
    office.next(counter="5", now=T0 + MIN)
    assert office.estimate(ticket.number, T0 + MIN) is None
    assert office.estimate("Z999", T0) is None


def test_counters_not_yet_open_are_expected_and_closed_ones_are_gone(office):
    ticket = draw(office, "passport", T0)  # before any counter opened today: they open soon
    assert 10 <= projected_minutes(office, ticket, T0) <= 10 + 45  # the first in 10 minutes, all within 45 more
    for counter in ("2", "3", "4"):  # every counter serving passports opens and closes again
        office.open(counter=counter, services=None, now=T0 + MIN)
        office.close(counter=counter, now=T0 + 2 * MIN)
    assert office.estimate(ticket.number, T0 + 2 * MIN) is None


def test_a_paused_counter_comes_back_after_a_typical_break(office):
    alone(office, "5", ["residence"])
    office.pause(counter="5", reason="break", now=T0)
    ticket = draw(office, "residence", T0 + MIN)
    assert projected_minutes(office, ticket, T0 + MIN) == pytest.approx(DEFAULT_BREAK / MIN - 1)
    office.resume(counter="5", now=T0 + 12 * MIN)  # breaks seen are what "typical" means
    office.pause(counter="5", reason="break", now=T0 + 13 * MIN)
    assert projected_minutes(office, ticket, T0 + 13 * MIN) == pytest.approx(12)


def test_the_time_a_visit_has_had_counts(office):
    alone(office, "5", ["residence"])
    draw(office, "residence", T0)
    office.next(counter="5", now=T0)
    second = draw(office, "residence", T0 + MIN)
    # 15 typical minutes (as 4 calls), and 10 had: the mean grows to (4 x 15 + 10) / 4 = 17.5, 7.5 are left
    assert projected_minutes(office, second, T0 + 10 * MIN) == pytest.approx(7.5)
    # past its mean a visit is not about to end: 30 % of a call (mean (60 + 40) / 4 = 25) is left
    assert projected_minutes(office, second, T0 + 40 * MIN) == pytest.approx(0.3 * 25)


def test_a_planned_end_of_shift_is_honoured(office):
    alone(office, "5", ["residence"])
    first, second, third = (draw(office, "residence", T0 + i) for i in range(3))
    assert office.estimate(third.number, T0 + 3) is not None
    events, _ = office.close_at(counter="5", at=T0 + 20 * MIN, now=T0 + 3)  # two visits of 15 minutes fit, not three
    assert (events[-1].kind, events[-1].at, events[-1].until) == ("counter_close_planned", T0 + 3, T0 + 20 * MIN)
    assert office.desks["5"].closes_at == T0 + 20 * MIN
    assert projected_minutes(office, second, T0 + 3) is not None
    assert office.estimate(third.number, T0 + 3) is None
    with pytest.raises(WillkommenError, match="later than now"):
        office.close_at(counter="5", at=T0, now=T0 + 3)
    office.close_at(counter="5", at=None, now=T0 + 4)
    assert office.estimate(third.number, T0 + 4) is not None


def test_an_appointment_is_estimated_from_its_due_time(office):
    alone(office, "5", ["residence"])
    for i in range(6):  # a long walk-in queue: the appointment does not wait behind it
        draw(office, "residence", T0 + i)
    office.book(booking="T1", service="residence", lang="ar", due_at=T0 + 30 * MIN, now=T0)
    _, ticket = office.checkin(kiosk="kiosk-1", booking="T1", token="t1", now=T0 + 10 * MIN)
    low, high = office.estimate(ticket.number, T0 + 10 * MIN)
    assert 20 <= projected_minutes(office, ticket, T0 + 10 * MIN) <= 35 and low <= 20 < 35 <= high


def test_time_per_call_starts_at_typical_and_moves_to_what_is_measured():
    call = CallTime(typical=15 * MIN)
    assert call.mean() == 15 * MIN
    for _ in range(PRIOR_CALLS):  # the first visits to finish are the short ones: they do not rule alone
        call.add(5 * MIN)
    assert call.mean() == 10 * MIN
    assert call.mean(running=40 * MIN) == 15 * MIN  # a visit that has lasted 40 minutes says more
    for _ in range(200):
        call.add(5 * MIN)
    call.carry_over()  # overnight it is kept, weighing as many calls as CARRIED_CALLS
    assert call.mean() == pytest.approx(5 * MIN + PRIOR_CALLS * 10 * MIN / (PRIOR_CALLS + 20))


def test_the_range_comes_from_the_errors_seen_and_is_wider_at_the_top():
    forecast = Forecast(SITE.services)
    starting = forecast.spread(60 * MIN)
    assert starting[0] < 60 < starting[1] and starting[1] - 60 >= 60 - starting[0]
    for ratio in [0.9, 1.0, 1.1, 1.2] * 10:  # waits came out 0.9-1.2 times the prediction
        forecast.ratios[(False, False)].append(ratio)
        forecast._quantiles[(False, False)] = None
    low, high = forecast.spread(60 * MIN)
    assert (low, high) == (50, 75)  # (60 + 10) x 0.9 - 10 = 53 -> 50, (60 + 10) x 1.2 - 10 = 74 -> 75
    assert forecast.spread(0) == (0, 5)


def test_errors_are_learned_when_tickets_are_called(office):
    alone(office, "5", ["residence"])
    tickets = [draw(office, "residence", T0) for i in range(3)]
    assert all(office.estimate(t.number, T0) for t in tickets)  # the third: in 2 x 15 minutes
    for i in range(3):  # ... but visits take 30
        office.next(counter="5", now=T0 + 30 * MIN * i)
        office.finish(counter="5", outcome="done", now=T0 + 30 * MIN * i + 29 * MIN)
    ratios = office.forecast.ratios[(False, False)]
    assert list(ratios) == pytest.approx([1, (30 * MIN + SLACK) / (15 * MIN + SLACK), (60 * MIN + SLACK) / (30 * MIN + SLACK)])


def test_a_burst_of_draws_is_placed_behind_the_last_run_in_order(office):
    alone(office, "5", ["residence"])
    placed = []
    for i in range(5):  # each estimated as it is drawn: one run, the others placed behind it
        ticket = draw(office, "residence", T0 + i * 0.01)
        placed.append(office.forecast.projected(office, ticket.number, T0 + i * 0.01))
    assert sum(1 for t in office.tickets if t in office.forecast.run.calls) == 1
    office.forecast.changed = True  # a whole run now
    assert placed == pytest.approx([office.forecast.projected(office, t, T0 + 0.05) for t in office.tickets], abs=1)


def test_lottery_registrations_leave_the_kiosks_forecast_as_it_is(office):
    """10,000 registrations in the window's last minutes must not make every kiosk draw run the
    forecast again: an entry changes no queue, counter or booking (the draw's places do)."""
    from server.core.access import Person

    alone(office, "5", ["residence"])
    draw(office, "residence", T0)
    office.forecast.projected(office, "A001", T0)  # the run the next draws are placed behind
    run = office.forecast.run
    office.open_access(day="2026-12-08", seed_hash="0" * 64, contingent={"residence": 30}, closes_at=T0 + 3600,
                       draw_at=T0 + 3900, now=T0 + 0.1)
    for i in range(3):
        office.register(day="2026-12-08", entry=f"e{i}", identity=f"i{i}", service="residence", lang="ar",
                        urgent=False, person=Person(f"Load Person {i}", "1990-01-02", ""), contact_key="", via="web",
                        weight=1, services=("residence",), per_contact=4, now=T0 + 0.2)
    ticket = draw(office, "residence", T0 + 0.3)
    assert office.forecast.projected(office, ticket.number, T0 + 0.3) is not None
    assert office.forecast.run is run  # placed behind the run, not a new one
    office.cancel(kiosk="kiosk-1", ticket=ticket.number, reason="printer_failed", now=T0 + 0.4)
    office.forecast.projected(office, "A001", T0 + 0.5)
    assert office.forecast.run is not run  # a change to the queue still makes a new run


def test_a_kiosk_going_and_coming_back_leaves_the_forecast_as_it_is(office):
    """A kiosk offline and back, or an announcement, changes no queue, counter or booking: the
    tickets drawn after it are placed behind the last run, as a whole new run would place them
    (the draws benchmark connects its kiosks anew each round: each made a run of every waiting ticket)."""
    alone(office, "5", ["residence"])
    draw(office, "residence", T0)
    office.forecast.projected(office, "A001", T0)
    run = office.forecast.run
    office.kiosk_offline(kiosk="kiosk-1", now=T0 + 0.1)
    office.kiosk_online(kiosk="kiosk-1", now=T0 + 0.2)
    office.announce(announcement="a1", texts={"de": "Heute bis 12 Uhr"}, until=T0 + 3600, now=T0 + 0.25)
    tickets = [draw(office, "residence", T0 + 0.3 + i * 0.01) for i in range(3)]
    placed = [office.forecast.projected(office, t.number, T0 + 0.35) for t in tickets]
    assert office.forecast.run is run and None not in placed  # placed behind the run, not a new one
    office.forecast.changed = True  # a whole run now
    assert placed == pytest.approx([office.forecast.projected(office, t.number, T0 + 0.35) for t in tickets], abs=1)
    assert office.forecast.run is not run


def test_the_usual_staffing_is_learned_from_the_last_days():
    days = [{"1": 0.0, "2": 300.0, "3": 600.0}, {"1": 0.0, "2": 900.0}, {"1": 60.0, "2": 300.0, "4": 0.0}]
    assert usual_staffing(days) == {"1": 0.0, "2": 300.0, "3": 600.0}  # three a day, the most frequent


def test_yesterdays_counters_are_expected_this_morning(office):
    office.open(counter="5", services=None, now=T0)
    office.open(counter="6", services=None, now=T0 + 10 * MIN)
    tomorrow = T0 + 24 * 3600
    office.open(counter="5", services=["residence"], now=tomorrow)
    ticket = draw(office, "settlement", tomorrow)  # only counters 6, 7, 8 serve settlements
    assert projected_minutes(office, ticket, tomorrow) == pytest.approx(10)  # counter 6, as yesterday


def test_replaying_the_events_projects_the_same_calls(office):
    office.open(counter="5", services=None, now=T0)
    office.open(counter="6", services=None, now=T0 + MIN)
    for i in range(8):
        draw(office, ["residence", "extension", "settlement"][i % 3], T0 + i * MIN)
    office.next(counter="5", now=T0 + 9 * MIN)
    replayed = Office(make_site(), always_open=True)
    for event in office.take_journal():
        replayed.apply(event)
    now = T0 + 10 * MIN
    assert ({n: office.forecast.projected(office, n, now) for n in office.tickets}
            == {n: replayed.forecast.projected(replayed, n, now) for n in replayed.tickets})


def check_nobody_ahead_is_called_later(office: Office, now: float) -> None:
    """A ticket certainly ahead of another (the same service's queue, earlier in it, neither
    an appointment nor sent to one counter) is never projected later, nor shown a later range."""
    for waiting in office.waiting.values():
        line = sorted((t for t in waiting.values() if t.target is None and t.appointment_at is None), key=queue_key)
        at = [office.forecast.projected(office, t.number, now) for t in line]
        shown = [office.estimate(t.number, now) for t in line]
        for (a, b), (x, y) in zip(zip(at, at[1:]), zip(shown, shown[1:])):
            assert b is None if a is None else b is None or a <= b
            assert y is None if x is None else y is None or (x[0] <= y[0] and x[1] <= y[1])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                   HealthCheck.large_base_example])
@given(days)
def test_random_days_never_promise_a_time_before_someone_ahead(ops):
    office = Office(SITE, always_open=True)
    now = T0
    for n, (op, dt) in enumerate(ops):
        now += dt
        try:
            run(office, op, now, n)
        except WillkommenError:
            continue
        if n % 5 == 0:
            check_nobody_ahead_is_called_later(office, now)
    check_nobody_ahead_is_called_later(office, now)
