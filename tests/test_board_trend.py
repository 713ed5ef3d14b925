"""The floor board's trend: each service's tickets of the day by the local hour they were drawn.

The office counts them as tickets are drawn and transferred (`OfficeState.arrivals_by_hour`);
the board used to walk every ticket of the day on each push. Under random days of commands
(draws, calls, transfers and supervisor moves to other services, cancels, nights and day changes,
across the hours a DST change doubles or skips, in a zone whose DST moves by half an hour)
the counts are at every step exactly what that walk gives, and replaying the events (a
restart) counts the same. The plan's "drawn" beside the capacity is the sum of these hours
(`server.manager.plan.floor`), so it is held here too.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.core import Office
from server.wire.errors import WillkommenError

from .conftest import examples, make_site

SITES = {tz: make_site(timezone=tz) for tz in ("Europe/Berlin", "Australia/Lord_Howe")}
SERVICES = ["residence", "extension", "settlement"]
COUNTERS = ["5", "6", "8"]
# late evenings before a DST change: a day's random run crosses midnight and the doubled or skipped hour
STARTS = [("Europe/Berlin", datetime(2026, 10, 24, 22)), ("Europe/Berlin", datetime(2026, 3, 28, 22)),
          ("Australia/Lord_Howe", datetime(2026, 4, 4, 22)), ("Australia/Lord_Howe", datetime(2026, 10, 3, 22)),
          ("Europe/Berlin", datetime(2026, 11, 24, 7, 45))]  # an ordinary morning: the day's first hour

step = st.one_of(
    st.tuples(st.just("draw"), st.sampled_from(SERVICES)),
    st.tuples(st.just("draw"), st.sampled_from(SERVICES)),
    st.tuples(st.just("open"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("next"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("finish"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("transfer"), st.sampled_from(COUNTERS), st.sampled_from(SERVICES)),
    st.tuples(st.just("move"), st.integers(0, 60), st.sampled_from(SERVICES)),
    st.tuples(st.just("cancel"), st.integers(0, 60)),
)
# seconds between commands: mostly within an hour, now and then a night (a new day)
gap = st.one_of(st.floats(0, 1200), st.floats(0, 1200), st.floats(0, 40_000))


def walk(office: Office, service: str) -> dict[str, int]:
    """What the board showed before: every ticket of the day, by its local hour drawn."""
    hours: dict[str, int] = {}
    for ticket in office.tickets.values():
        if ticket.service == service:
            hour = f"{datetime.fromtimestamp(ticket.issued_at, office.tz).hour:02d}"
            hours[hour] = hours.get(hour, 0) + 1
    return dict(sorted(hours.items()))


def run(office: Office, op: tuple, now: float, n: int):
    kind, *args = op
    numbers = list(office.tickets)
    if kind == "draw":
        return office.draw(kiosk="kiosk-1", service=args[0], lang="de", request=f"r{n}", token=f"t{n}", now=now)
    if kind == "open":
        return office.open(counter=args[0], services=None, now=now)
    if kind == "finish":
        return office.finish(counter=args[0], outcome=next(iter(office.site.outcomes)), now=now)
    if kind == "transfer":
        return office.transfer(counter=args[0], service=args[1], to_counter=None, front=False, now=now)
    if kind == "move":
        return office.move(ticket=numbers[args[0] % len(numbers)] if numbers else "X1", service=args[1],
                           front=False, now=now)
    if kind == "cancel":
        return office.cancel(kiosk="kiosk-1", ticket=numbers[args[0] % len(numbers)] if numbers else "X1",
                             reason="printer", now=now)
    return office.next(counter=args[0], now=now)


def trends(office: Office) -> dict[str, dict[str, int]]:
    return {s.id: office.arrivals_by_hour(s.id) for s in office.site.services}


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(STARTS), st.lists(st.tuples(step, gap), min_size=10, max_size=120))
def test_the_counted_trend_is_the_walk_over_the_days_tickets_at_every_step_and_after_a_replay(start, ops):
    tz, local = start
    site = SITES[tz]
    office, now = Office(site, always_open=True), local.replace(tzinfo=ZoneInfo(tz)).timestamp()
    for n, (op, pause) in enumerate(ops):
        now += pause
        try:
            run(office, op, now, n)
        except WillkommenError:
            pass  # a refused command may still have started a new day
        assert trends(office) == {s.id: walk(office, s.id) for s in site.services}, (op, now)
    restarted = Office(site, always_open=True)
    for event in office.take_journal():  # what the writer stores, refused commands' new days too
        restarted.apply(event)
    assert trends(restarted) == trends(office)


def test_a_ticket_counts_in_the_hour_it_was_drawn_and_goes_with_a_transfer():
    """A worked case: drawn at 8:59:59 and 9:00:00 in Berlin, one moved to another service."""
    site = SITES["Europe/Berlin"]
    office = Office(site, always_open=True)
    nine = datetime(2026, 11, 24, 9, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
    _, first = office.draw(kiosk="kiosk-1", service="residence", lang="de", request="a", token="a", now=nine - 1)
    office.draw(kiosk="kiosk-1", service="residence", lang="de", request="b", token="b", now=nine)
    assert office.arrivals_by_hour("residence") == {"08": 1, "09": 1}
    office.move(ticket=first.number, service="extension", front=False, now=nine + 60)
    assert office.arrivals_by_hour("residence") == {"09": 1}
    assert office.arrivals_by_hour("extension") == {"08": 1}
    office.draw(kiosk="kiosk-1", service="residence", lang="de", request="c", token="c", now=nine + 86_400)
    assert trends(office) == {**{s.id: {} for s in site.services}, "residence": {"09": 1}}  # a new day
