"""Days only move forward, whatever the clock does (hypothesis): a `now` that steps back
across midnight, by seconds or minutes, never starts a day again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from server.core import Office

from .conftest import make_site

SITE = make_site()
MIDNIGHT = datetime(2026, 11, 25, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
steps = st.lists(st.floats(min_value=-600, max_value=900, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(start=st.floats(min_value=-1800, max_value=0), steps=steps)
def test_day_never_goes_back_and_every_ticket_of_the_day_stays(start, steps):
    office, now, drawn_today, replayed = Office(SITE, always_open=True), MIDNIGHT + start, [], []
    for n, step in enumerate(steps):
        now += step
        day_before = office.day
        events, ticket = office.draw(kiosk="kiosk-1", service="info", lang="de", request=str(n), token=f"t{n}",
                                     now=now)
        replayed += events
        assert office.day >= day_before
        if office.day != day_before:
            drawn_today = []
        drawn_today.append(ticket.number)
        assert ticket.day == office.day
        assert sorted(office.tickets) == sorted(drawn_today) and len(set(drawn_today)) == len(drawn_today)
    again = Office(SITE, always_open=True)  # a restart replays the same events to the same day
    for event in replayed:
        again.apply(event)
    assert (again.day, sorted(again.tickets)) == (office.day, sorted(office.tickets))
