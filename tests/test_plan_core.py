"""The day's plan in the core (`server.core.plan`, `Office.set_plan`): what a day's plan is,
what is refused, and that the plan is an event a replay rebuilds."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.core import Office
from server.core import events as ev
from server.core.plan import Plan, Window, seconds
from server.wire.errors import BadRequest
from server.wire.plan import Closure, Shift

from .conftest import make_site
from .test_core_office import MIN, T0

TUESDAY = date(2026, 11, 24)  # T0's day


def shift(counter="1", weekday=1, start="08:00", end="12:00", services=()):
    return Shift(counter=counter, weekday=weekday, start=start, end=end, services=list(services))


def test_a_weekday_plan_with_a_break_an_exception_and_another_weekday():
    plan = Plan([shift(end="10:00"), shift(start="10:30", end="14:00", services=["info"]), shift("2", weekday=2)],
                [Closure(day="2026-11-24", kind="training", start="12:00", end="13:00")])
    assert plan.day(TUESDAY) == {"1": [Window(8 * 3600, 10 * 3600), Window(int(10.5 * 3600), 12 * 3600, ("info",)),
                                       Window(13 * 3600, 14 * 3600, ("info",))]}
    assert plan.day(date(2026, 11, 25)) == {"2": [Window(8 * 3600, 12 * 3600)]}
    assert plan.day(date(2026, 11, 23)) == {}


def test_a_closed_day_and_a_counter_off():
    plan = Plan([shift("1"), shift("2")], [Closure(day="2026-11-24", kind="off", counter="2"),
                                           Closure(day="2026-12-01", kind="closed")])
    assert list(plan.day(TUESDAY)) == ["1"] and plan.planned_off(TUESDAY) == {"2"}
    assert plan.day(date(2026, 12, 1)) == {}


def test_set_plan_is_one_event_and_a_replay_rebuilds_it():
    office = Office(make_site(), always_open=True)
    events = office.set_plan(template=[shift()], closures=[Closure(day="2026-11-25", kind="closed")], by="anna", now=T0)
    changed = [e for e in events if isinstance(e, ev.PlanChanged)]
    assert len(changed) == 1 and changed[0].by == "anna"
    again = Office(make_site(), always_open=True)
    for e in events:
        again.apply(ev.decode(ev.encode(e)))
    assert again.plan.day(TUESDAY) == office.plan.day(TUESDAY) != {}
    assert again.plan.day(date(2026, 11, 25)) == {}


@pytest.mark.parametrize("template, closures, says", [
    ([shift("99")], [], "no counter '99'"),
    ([shift(start="12:00", end="08:00")], [], "end after it starts"),
    ([shift(services=["nope"])], [], "no service 'nope'"),
    ([shift(), shift(start="11:00", end="13:00")], [], "overlaps 08:00-12:00"),
    ([], [Closure(day="2026-13-01", kind="closed")], "not a date"),
    ([], [Closure(day="2026-12-01", kind="off", counter="99")], "no counter '99'"),
])
def test_what_cannot_be_a_plan_is_refused_and_changes_nothing(template, closures, says):
    office = Office(make_site(), always_open=True)
    office.set_plan(template=[shift("3")], closures=[], now=T0)
    with pytest.raises(BadRequest, match=says):
        office.set_plan(template=template, closures=closures, now=T0 + MIN)
    assert list(office.plan.day(TUESDAY)) == ["3"]


def test_exceptions_of_past_days_are_dropped():
    office = Office(make_site(), always_open=True)
    office.set_plan(template=[], closures=[Closure(day="2026-11-01", kind="closed"),
                                           Closure(day="2026-11-24", kind="closed")], now=T0)
    assert [c.day for c in office.plan.closures] == ["2026-11-24"]


clock = st.integers(0, 24 * 4).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")


@given(st.lists(st.tuples(clock, clock), max_size=4), st.lists(st.tuples(clock, clock), max_size=3))
def test_a_days_windows_are_the_shifts_minus_the_exceptions(shifts, cuts):
    """Every planned second is in a shift and in no exception; windows never overlap."""
    template, start_of = [], []
    for a, b in shifts:
        if seconds(a) < seconds(b) and all(seconds(a) >= e or seconds(b) <= s for s, e in start_of):
            template.append(shift(start=a, end=b))
            start_of.append((seconds(a), seconds(b)))
    closures = [Closure(day="2026-11-24", kind="training", start=a, end=b) for a, b in cuts if seconds(a) < seconds(b)]
    windows = Plan(template, closures).day(TUESDAY).get("1", [])
    for w in windows:
        assert w.start < w.end
        assert any(s <= w.start and w.end <= e for s, e in start_of)
        assert all(w.end <= seconds(c.start) or w.start >= seconds(c.end) for c in closures)
    ordered = sorted(windows, key=lambda w: w.start)
    assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:]))
    planned = sum(e - s for s, e in start_of)
    cut = sum(max(0, min(e, seconds(c.end)) - max(s, seconds(c.start))) for s, e in start_of for c in closures)
    assert sum(w.end - w.start for w in windows) >= planned - cut


def test_capacity_is_the_planned_time_over_the_time_per_call():
    office = Office(make_site(), always_open=True)
    assert office.capacity(T0) == {}  # no plan: no capacity to tell
    office.set_plan(template=[shift("mbe", start="08:00", end="10:00"), shift("mbe", start="10:30", end="11:30"),
                              shift("1", start="08:00", end="12:00", services=["card-pickup"])],
                    closures=[Closure(day="2026-11-24", kind="off", counter="1")], now=T0)
    assert office.capacity(T0) == {**dict.fromkeys(office.waiting, 0), "counselling": 9}  # 180 min ÷ 20


def test_capacity_follows_the_preference_order_and_the_measured_times():
    office = Office(make_site(), always_open=True)
    office.set_plan(template=[shift("1", start="08:00", end="09:00")], closures=[], now=T0 - 120 * MIN)
    capacity = office.capacity(T0 - 120 * MIN)
    assert capacity["card-pickup"] > capacity["info"] > 0  # its first service first, the other past max wait
    assert 4 * capacity["card-pickup"] + 5 * capacity["info"] == pytest.approx(60, abs=5)
    office.open(counter="1", services=["card-pickup"], now=T0 - 110 * MIN)
    for i in range(3):  # card pickups take 12 minutes today, not 4
        office.draw(kiosk="kiosk-1", service="card-pickup", lang="de", request=f"c{i}", token=f"c{i}", now=T0 - 110 * MIN)
    for i in range(3):
        office.next(counter="1", now=T0 - (110 - 12 * i) * MIN)
        office.finish(counter="1", outcome="done", now=T0 - (98 - 12 * i) * MIN)
    office.close(counter="1", now=T0 - 70 * MIN)
    mean = office.forecast.calls["card-pickup"].mean() * office.forecast.clerks["1"].pace()  # this clerk's pace too
    assert 5 * MIN < mean < 12 * MIN  # measured and prior together
    # today only card pickups were asked for (three, after a few visitors spread evenly over the
    # services: `capacity.MIX_PRIOR`): most of the hour goes to them, at the measured time, so fewer than before
    after = office.capacity(T0)
    assert after["card-pickup"] > after["info"] and after["card-pickup"] <= math.ceil(60 * MIN / mean)
    assert after["card-pickup"] < capacity["card-pickup"]


@given(st.text(st.sampled_from("tag;schalter;von;bis;dienste;art\nMoDi2026-12-01,:0813 x"), max_size=120))
def test_any_csv_is_read_or_refused_with_a_line_named(text):
    from server.manager.plan import read_csv

    try:
        template, closures = read_csv(text)
    except BadRequest as exc:
        assert str(exc)
    else:
        assert all(isinstance(s, Shift) for s in template) and all(isinstance(c, Closure) for c in closures)


def test_capacity_is_todays_by_the_clock_before_the_days_first_event():
    office = Office(make_site(), always_open=True)
    office.set_plan(template=[shift("mbe", weekday=2, start="08:00", end="10:00")], closures=[], now=T0)  # Tuesday
    assert office.capacity(T0) == {}  # nothing planned on Tuesday
    assert office.capacity(T0 + 86400)["counselling"] == 6  # Wednesday, though no event has come yet


def test_the_first_tickets_of_a_day_do_not_turn_its_capacity_over():
    """r-staff-2 finding 6: the board's figure swung 575 -> 482 -> 1,478 within minutes. One
    ticket of one service gave that service the whole planned day and every other 0, the next
    ticket halved it: the first draws now weigh as a few among visitors spread evenly."""
    office = Office(make_site(), always_open=True)
    office.set_plan(template=[shift("1", start="08:00", end="16:00"), shift("2", start="08:00", end="16:00")],
                    closures=[], now=T0 - 300 * MIN)
    before = office.capacity(T0 - 300 * MIN)
    office.draw(kiosk="kiosk-1", service="card-pickup", lang="de", request="a", token="a", now=T0 - 299 * MIN)
    after = office.capacity(T0 - 299 * MIN)
    served = [s for s, n in before.items() if n]
    assert len(served) >= 2 and all(after[s] > 0 for s in served)  # no service served before drops to 0
    assert all(before[s] / 2 <= after[s] <= 2 * before[s] for s in served)  # nor doubles or halves
