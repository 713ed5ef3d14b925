"""The smaller per-day roll-ups (`server.manager.stats.tables.ROLL_UPS`) answer exactly what the full per-day
tables answer, for every grouping, and a file whose days were kept before the roll-ups
existed gets them when a store opens it."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from server.manager.stats.tables import DIMENSIONS, ROLL_UPS, Period, Statistics, keep_days
from server.store.sqlite import Store

from .conftest import make_site
from .test_stats import MONDAY, THURSDAY, TZ, at, scripted_days

MONTH = Period("2026-11-01", "2026-11-30")


def every_table(path, site) -> dict:
    conn = sqlite3.connect(path)
    try:
        report = Statistics(conn, site, today=THURSDAY, now=at(THURSDAY, "10:00:00"))
        return {by: [(t.name, t.columns, t.rows) for t in report.tables(MONTH, by)]
                for by in DIMENSIONS if by != "counter"}
    finally:
        conn.close()


@pytest.fixture
def kept(tmp_path):
    site = make_site()
    path = tmp_path / "office.sqlite3"
    scripted_days(path, site)
    live = every_table(path, site)
    conn = sqlite3.connect(path)
    assert keep_days(conn, before=THURSDAY, tz=TZ) == [MONDAY, "2026-11-24"]
    conn.commit()
    conn.close()
    return site, path, live


def test_every_grouping_reads_the_same_figures_from_the_roll_ups_as_from_the_tickets(kept):
    site, path, live = kept
    conn = sqlite3.connect(path)
    for table in ROLL_UPS:  # each holds the kept days
        assert conn.execute(f"SELECT count(DISTINCT day) FROM {table.name}").fetchone()[0] == 2
    conn.close()
    assert every_table(path, site) == live


def test_a_file_kept_before_the_roll_ups_existed_gets_them_when_a_store_opens_it(kept):
    site, path, live = kept
    conn = sqlite3.connect(path)
    for table in ROLL_UPS:
        conn.execute(f"DROP TABLE {table.name}")
    conn.commit()
    conn.close()
    Store(path, timezone=site.timezone).close()
    assert every_table(path, site) == live
    Store(path, timezone=site.timezone).close()  # and only once
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*), count(DISTINCT day || service || channel || state || outcome) "
                        "FROM stats_service_tickets").fetchone()[0] == conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT day, service, channel, state, outcome FROM stats_tickets)").fetchone()[0]
    conn.close()


@given(st.integers(1_767_225_600 * 10**6, 1_830_297_600 * 10**6),
       st.sampled_from(["Europe/Berlin", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"]))
@example(1_774_745_999_999_999, "Europe/Berlin")  # the last microsecond before summer time, 2026
@example(1_774_746_000_000_000, "Europe/Berlin")
@example(1_792_890_000_000_000 - 1, "Europe/Berlin")  # and before winter time
def test_the_local_hour_of_a_quarter_of_an_hour_is_that_of_every_moment_in_it(microseconds, zone):
    """`rows_between` looks the local hour up per quarter of an hour since the epoch (2026-2027,
    DST switches included; times to the microsecond, as `datetime` reads them)."""
    tz, moment = ZoneInfo(zone), microseconds / 10**6
    start = int(moment // 900) * 900
    assert datetime.fromtimestamp(start, tz).hour == datetime.fromtimestamp(moment, tz).hour
