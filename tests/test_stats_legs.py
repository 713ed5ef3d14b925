"""Statistics per leg of a visit, on days scripted through the real core and computed by hand
here: a parked ticket taken back, a transfer there and back, a supervisor's move, no-shows;
a month with five Mondays and four Fridays; and exports whose text could start a formula,
opened by openpyxl and read back as CSV."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from datetime import datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from server.core import Office
from server.edge.app import Server
from server.manager.stats.tables import Period, Statistics, keep_days
from server.manager.stats.export import could_be_formula, to_csv, to_xlsx
from server.manager.stats.tables import Table
from server.store.sqlite import Store

from .spreadsheet import read_csv
from .conftest import make_site
from .test_manager_board import cookie_for, get_with

TZ = ZoneInfo("Europe/Berlin")
WEDNESDAY = "2026-11-25"


def at(day: str, clock: str) -> float:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ).timestamp()


class Script:
    """Commands through the queue core, each stored as the server would."""

    def __init__(self, path, site):
        self.office, self.store = Office(site, always_open=True), Store(path, timezone=site.timezone)

    def __call__(self, command: str, day: str, clock: str, **kwargs):
        found = getattr(self.office, command)(now=at(day, clock), **kwargs)
        self.store.append(self.office.take_journal(), list(self.office.tickets.values()))
        return found

    def draw(self, day: str, clock: str, service: str, n: int, lang: str = "de") -> None:
        self("draw", day, clock, kiosk="kiosk-1", service=service, lang=lang, request=f"{day}-{n}", token=f"{day}-{n}")


def legs_day(path, site) -> None:
    """Wednesday, counter 5 alone, every ticket called by number:
    A001 (residence, 08:00) called 08:10, parked 08:11 (fetches a paper), called again 08:21,
    started 08:22, finished 08:30. A002 (residence, 08:00) called 08:12, started 08:13, sent to
    info 08:20; called there 08:31, started 08:32, sent back to residence 08:35; called 08:36,
    no-show 08:40. A003 (residence, 08:05) moved by a supervisor to info at 08:06 before anyone
    called it; called there 08:45 and finished 08:50 without "start"."""
    run = Script(path, site)
    run.draw(WEDNESDAY, "08:00:00", "residence", 1)
    run.draw(WEDNESDAY, "08:00:00", "residence", 2, lang="ar")
    run("open", WEDNESDAY, "08:00:00", counter="5", services=None)
    run.draw(WEDNESDAY, "08:05:00", "residence", 3, lang="uk")
    run("move", WEDNESDAY, "08:06:00", ticket="A003", service="info", front=False)
    run("call", WEDNESDAY, "08:10:00", counter="5", ticket="A001")
    run("park", WEDNESDAY, "08:11:00", counter="5")
    run("call", WEDNESDAY, "08:12:00", counter="5", ticket="A002")
    run("start", WEDNESDAY, "08:13:00", counter="5")
    run("transfer", WEDNESDAY, "08:20:00", counter="5", service="info", to_counter=None, front=False)
    run("call", WEDNESDAY, "08:21:00", counter="5", ticket="A001")
    run("start", WEDNESDAY, "08:22:00", counter="5")
    run("finish", WEDNESDAY, "08:30:00", counter="5", outcome="done")
    run("call", WEDNESDAY, "08:31:00", counter="5", ticket="A002")
    run("start", WEDNESDAY, "08:32:00", counter="5")
    run("transfer", WEDNESDAY, "08:35:00", counter="5", service="residence", to_counter=None, front=False)
    run("call", WEDNESDAY, "08:36:00", counter="5", ticket="A002")
    run("noshow", WEDNESDAY, "08:40:00", counter="5")
    run("call", WEDNESDAY, "08:45:00", counter="5", ticket="A003")
    run("finish", WEDNESDAY, "08:50:00", counter="5", outcome="done")
    run("close", WEDNESDAY, "09:00:00", counter="5")
    run.store.close()


# By hand (columns: drawn, transferred in, served, no-show, cancelled, expired, transferred out,
# wait median, wait 90th percentile, within max wait %, walk median, service median):
# residence: drawn A001-A003; A002 came back in. Legs: A001 served (wait 08:00->08:10 = 10, to
# its first call: the parked minutes are the visitor's own; walk 08:21->08:22 = 1, service 8),
# A002 out to info (wait 12, walk 1), A003 out by the move (never called here: no wait),
# A002 back, no-show (wait 08:35->08:36 = 1). Waits [1, 10, 12]: median 10, 90th 12, all
# within 60 min; walks [1, 1]; services [8].
# info: nobody drew there; A002 and A003 came in. A002 out again (wait 08:20->08:31 = 11, walk
# 1), A003 served (wait 08:06->08:45 = 39, walk 0: finished without start, service 5).
# Waits [11, 39]: median 11, 90th 39, within 30 min: 1 of 2 = 50 %; walks [0, 1]: 0.
LEGS = [["Aufenthaltserlaubnis (Erstantrag)", 3, 1, 1, 1, 0, 0, 2, 10, 12, 100, 1, 8],
        ["Allgemeine Auskunft", 0, 2, 1, 0, 0, 0, 1, 11, 39, 50, 0, 5]]


def tables(path, site, period: Period, by: str = "service") -> dict:
    conn = sqlite3.connect(path)
    try:
        found = Statistics(conn, site, today="2026-12-01", now=at("2026-12-01", "08:00:00")).tables(period, by)
        return {t.name: [t.columns, *t.rows] for t in found}
    finally:
        conn.close()


def test_each_queue_counts_its_own_leg_of_a_visit_live_and_kept(tmp_path):
    site, path = make_site(), tmp_path / "office.sqlite3"
    legs_day(path, site)
    day = Period(WEDNESDAY, WEDNESDAY)
    live = tables(path, site, day)
    assert live["tickets"][1:] == LEGS
    assert sum(row[1] for row in live["tickets"][1:]) == 3  # the kiosk issued three tickets: three drawn
    assert live["outcomes"][1:] == [["Erledigt", 2]]
    conn = sqlite3.connect(path)
    assert keep_days(conn, before="2026-12-01", tz=TZ) == [WEDNESDAY]
    conn.commit()
    conn.close()
    assert tables(path, site, day) == live  # the same from the kept rows


def test_grouped_by_hour_a_transferred_leg_counts_in_the_hour_it_entered(tmp_path):
    site, path = make_site(), tmp_path / "office.sqlite3"
    legs_day(path, site)
    by_hour = {row[0]: row[1:3] for row in tables(path, site, Period(WEDNESDAY, WEDNESDAY), "hour")["tickets"][1:]}
    assert by_hour == {"08 Uhr": [3, 3]}  # drawn 3, transferred in 3 (A002 twice, A003 once), all in 08 h


def five_mondays(path, site) -> None:
    """November 2026 has five Mondays (2, 9, 16, 23, 30) and four Fridays (6, 13, 20, 27):
    three tickets each Monday at 8 h; on Fridays 3, 4, 3 and 4."""
    run = Script(path, site)
    n = 0
    for day, count in sorted([(f"2026-11-{d:02d}", 3) for d in (2, 9, 16, 23, 30)] + list(zip(
            ("2026-11-06", "2026-11-13", "2026-11-20", "2026-11-27"), (3, 4, 3, 4)))):  # as the days come
        for i in range(count):
            n += 1
            run.draw(day, f"08:{10 + i:02d}:00", "info", n)
    run.store.close()


def test_weekday_by_hour_is_the_mean_per_office_day_with_the_days_counted(tmp_path):
    site, path = make_site(), tmp_path / "office.sqlite3"
    five_mondays(path, site)
    month = Period.parse("month", "2026-11", today="2026-12-01")
    # in sum Mondays (15) would beat Fridays (14); per office day Friday is the busier (3.5 against 3)
    expected = [["Wochentag", "Tage", "08 Uhr"], ["Montag", 5, 3.0], ["Freitag", 4, 3.5]]
    assert tables(path, site, month)["arrivals"] == expected
    conn = sqlite3.connect(path)
    keep_days(conn, before="2026-12-01", tz=TZ)
    conn.commit()
    conn.close()
    assert tables(path, site, month)["arrivals"] == expected


DANGEROUS = {"done": "=HYPERLINK(\"http://example.invalid\",\"Erledigt\")", "documents-missing": "+49 Unterlagen",
             "appointment": "-Termin", "referred": "@SUMME(A1:A9)"}


def dangerous_site():
    site = make_site()
    outcomes = {key: MappingProxyType({**names, "de": DANGEROUS.get(key, names["de"])})
                for key, names in site.outcomes.items()}
    return dataclasses.replace(site, outcomes=MappingProxyType(outcomes))


async def test_text_that_could_start_a_formula_is_text_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    site, path = dangerous_site(), tmp_path / "office.sqlite3"
    run = Script(path, site)
    run("open", WEDNESDAY, "08:00:00", counter="5", services=None)
    for n, outcome in enumerate(DANGEROUS, 1):
        run.draw(WEDNESDAY, "08:00:00", "residence", n)
        run("call", WEDNESDAY, "08:01:00", counter="5", ticket=f"A{n:03d}")
        run("finish", WEDNESDAY, "08:02:00", counter="5", outcome=outcome)
    run.store.close()
    server = Server(site, path, always_open=True, clock=lambda: at(WEDNESDAY, "12:00:00"))
    await server.start("127.0.0.1", 0)
    try:
        cookie, base = await cookie_for(server.port), f"http://127.0.0.1:{server.port}"
        _, _, body = await get_with(f"{base}/stats.csv?period=day&value={WEDNESDAY}&table=outcomes", cookie)
        rows = read_csv(body)
        assert sorted(row[0] for row in rows[1:]) == sorted("'" + name for name in DANGEROUS.values())
        assert not [cell for row in rows for cell in row if could_be_formula(cell)]
        _, _, body = await get_with(f"{base}/stats.xlsx?period=day&value={WEDNESDAY}", cookie)
    finally:
        await server.stop()
    book = load_workbook(io.BytesIO(body))
    formulas = [cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []
    shown = {cell.value: cell.quotePrefix for row in book["Ergebnisse"].iter_rows(min_row=2) for cell in row[:1]}
    assert shown == {name: True for name in DANGEROUS.values()}  # as they are, marked as text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.integers(-5, 5), st.none()), min_size=1, max_size=6))
def test_no_cell_of_any_export_becomes_a_formula(cells):
    from openpyxl import load_workbook

    table = Table("t", "t", [f"c{i}" for i in range(len(cells))], [cells])
    rows = read_csv(to_csv(table))
    assert not [c for c, given in zip(rows[1], cells) if isinstance(given, str) and could_be_formula(c)]
    assert [c for c, given in zip(rows[1], cells) if isinstance(given, int)] == [str(v) for v in cells
                                                                                if isinstance(v, int)]  # numbers stay
    book = load_workbook(io.BytesIO(to_xlsx([table])))
    assert [c.data_type for c in book["t"][2] if c.value is not None and c.data_type == "f"] == []


def test_the_readme_defines_every_figure_as_the_report_prints_it():
    from server.manager.stats.words import Words

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("**What each figure means**", 1)[1].split("| figure | what is counted |", 1)[1]
    rows = [line.strip("| ").split(" | ", 1) for line in table.strip().split("\n\n")[0].splitlines()[1:]]
    assert [tuple(row) for row in rows] == Words("en").definitions()
    assert len(Words("de").definitions()) == len(rows)  # and the report's German page has each


def test_a_long_wait_is_exact_not_capped_at_240_minutes(tmp_path):
    """Two visitors wait 10 and 405 minutes: the 90th percentile is 405 (it was shown as 240)."""
    site, path = make_site(), tmp_path / "office.sqlite3"
    run = Script(path, site)
    run.draw(WEDNESDAY, "07:00:00", "residence", 1)
    run.draw(WEDNESDAY, "07:00:00", "residence", 2)
    run("open", WEDNESDAY, "07:00:00", counter="5", services=None)
    run("call", WEDNESDAY, "07:10:00", counter="5", ticket="A001")
    run("finish", WEDNESDAY, "07:20:00", counter="5", outcome="done")
    run("call", WEDNESDAY, "13:45:00", counter="5", ticket="A002")
    run("finish", WEDNESDAY, "13:50:00", counter="5", outcome="done")
    run.store.close()
    row = tables(path, site, Period(WEDNESDAY, WEDNESDAY))["tickets"][1]
    assert row[8:10] == [10, 405]
    conn = sqlite3.connect(path)
    keep_days(conn, before="2026-12-01", tz=TZ)
    conn.commit()
    conn.close()
    assert tables(path, site, Period(WEDNESDAY, WEDNESDAY))["tickets"][1][8:10] == [10, 405]  # kept exactly too


LEGACY = (  # the per-day tables as days were kept before legs (Nov 2026): no `drawn`, waits capped at 240
    "CREATE TABLE stats_tickets (day TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,"
    " service TEXT NOT NULL, lang TEXT NOT NULL, channel TEXT NOT NULL, counter TEXT NOT NULL, state TEXT NOT NULL,"
    " outcome TEXT NOT NULL, tickets INTEGER NOT NULL, transfers INTEGER NOT NULL)",
    "CREATE TABLE stats_service_tickets (day TEXT NOT NULL, service TEXT NOT NULL, channel TEXT NOT NULL,"
    " state TEXT NOT NULL, outcome TEXT NOT NULL, tickets INTEGER NOT NULL, transfers INTEGER NOT NULL)",
    "CREATE TABLE stats_hour_tickets (day TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,"
    " lang TEXT NOT NULL, tickets INTEGER NOT NULL)")


def test_a_day_kept_before_legs_reads_as_drawn_and_its_capped_waits_as_at_least_240(tmp_path):
    site, path = make_site(), tmp_path / "office.sqlite3"
    Store(path, timezone=site.timezone).close()
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE stats_tickets; DROP TABLE stats_service_tickets; DROP TABLE stats_hour_tickets;"
                       + ";".join(LEGACY))
    # a Monday kept the old way: 3 tickets of residence, all served; waits 20, 30 and "240" (over 240)
    conn.execute("INSERT INTO stats_days VALUES ('2026-11-02')")
    conn.execute("INSERT INTO stats_tickets VALUES ('2026-11-02', 0, 8, 'residence', 'de', 'walk-in', '', 'done', "
                 "'done', 3, 0)")
    conn.executemany("INSERT INTO stats_times VALUES ('2026-11-02', 0, 8, 'residence', 'de', 'walk-in', '', "
                     "'wait', ?, 1)", [[20], [30], [240]])
    conn.commit()
    conn.close()
    Store(path, timezone=site.timezone).close()  # opening the file upgrades it (and rolls the day up)
    found = tables(path, site, Period.parse("month", "2026-11", today="2026-12-01"))
    assert found["tickets"][1][:4] == ["Aufenthaltserlaubnis (Erstantrag)", 3, 0, 3]  # drawn as they were counted
    assert [str(v) for v in found["tickets"][1][8:10]] == ["30", "≥ 240"]
    assert found["arrivals"][1][:3] == ["Montag", 1, 3.0]
    from server.manager.stats.worker import Job, make

    report = make(Job("/report.html", str(path), site, "2026-11-01", "2026-11-30", "service", "2026-12-01",
                      at("2026-12-01", "08:00:00"))).body
    assert "≥ 240" in report and "„über 240“" in report  # the figure, and the note on the definitions page
    csv_rows = make(Job("/stats.csv", str(path), site, "2026-11-01", "2026-11-30", "service", "2026-12-01",
                        at("2026-12-01", "08:00:00"), {"table": "tickets"})).body
    assert "≥ 240" in csv_rows
