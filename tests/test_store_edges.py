"""The store's edges that a user would see: a ticket's status page is found by the office day
it was drawn on, even when the clock stepped back across midnight."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.core import Office
from server.store import Store

from .conftest import make_site
from .test_core_office import T0
from .test_store import store_all

MIDNIGHT = datetime(2026, 11, 25, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()  # T0 is on the 24th


def test_a_ticket_drawn_after_the_clock_stepped_back_across_midnight_keeps_the_office_day(tmp_path):
    office = Office(make_site(), always_open=True)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="a", token="after", now=MIDNIGHT + 60)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="b", token="back", now=MIDNIGHT - 30)
    store = Store(tmp_path / "o.sqlite3", timezone="Europe/Berlin")
    store_all(store, office)
    assert T0 < MIDNIGHT - 30  # the step back lands on the evening of the 24th by the clock
    row = store.ticket_row(day="2026-11-25", number="F002")  # the office was on the 25th
    assert row is not None and row["token"] == "back"
    store.close()
