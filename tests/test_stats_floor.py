"""The floor in the statistics (README "Statistics"): each counter's planned hours beside the
hours it was really open, and each kiosk's time out of service, per day and over the period —
from the real server's events (a kiosk that disconnects and reconnects, plans and counters set
through the floor board's socket), in the CSV, the XLSX, the page and the report, and the same
after a restart whose purge took the days' events. Hypothesis over kiosk event sequences."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import openpyxl
from pypdf import PdfReader
from hypothesis import given, settings
from hypothesis import strategies as st

from server.store import stats_floor_rows as made
from server.manager.stats.words import Words
from server.wire.session import ClientSession

from .access_office import Clock, at, start
from .browser import axe_violations
from .conftest import ARTIFACTS, make_site, token
from .spreadsheet import number, read_csv
from .test_manager_board import act, board_socket, cookie_for, get_with
from .test_stats_postgres import postgres  # noqa: F401  (a fixture: a fresh database in the throwaway cluster)

TZ = ZoneInfo("Europe/Berlin")
TUE, WED = "2026-12-08", "2026-12-09"  # opening hours (the demo's): Tue 07:30-12:30, 13:30-18:00; Wed 07:30-12:30
TUE_SHOWN, WED_SHOWN = "8.12.2026", "9.12.2026"  # as the page, the exports and the report write them
PLAN = [{"counter": "5", "weekday": 1, "start": "08:00", "end": "12:00"},
        {"counter": "5", "weekday": 1, "start": "13:00", "end": "16:00"},
        {"counter": "7", "weekday": 1, "start": "09:00", "end": "12:00"},
        {"counter": "5", "weekday": 2, "start": "08:00", "end": "09:00"}]
# changed three times on Tuesday: Tuesday keeps the plan it began with, Wednesday gets the last
CHANGES = [PLAN[:2] + PLAN[3:],
           PLAN[:2] + [{"counter": "5", "weekday": 2, "start": "08:00", "end": "10:00"}],
           PLAN[:3] + [{"counter": "5", "weekday": 2, "start": "08:00", "end": "12:00"},
                       {"counter": "7", "weekday": 2, "start": "12:00", "end": "14:00"},
                       {"counter": "5", "weekday": 4, "start": "08:00", "end": "12:00"}],
           [{"counter": "5", "weekday": 4, "start": "08:00", "end": "10:00"}]]  # Friday morning, at 07:00


def personal_site(**site):
    """The demo office under a staff-council agreement (figures per counter), its reader reading English."""
    found = make_site(**site)
    return replace(found, manager=replace(found.manager, personal_statistics=True),
                   people=tuple(replace(p, lang="en") if p.name == "reader" else p for p in found.people))


class Floor:
    """The office's day as people make it: kiosks plugged in and out, a supervisor at the board."""

    def __init__(self, server, clock: Clock, ws):
        self.server, self.clock, self.ws = server, clock, ws
        self.kiosks: dict[str, ClientSession] = {}

    async def until(self, condition) -> None:
        async with asyncio.timeout(20):
            while not condition():
                await asyncio.sleep(0.01)

    async def kiosk_on(self, kiosk: str, day: str, clock: str) -> None:
        self.clock.t = at(day, clock)
        session = ClientSession(f"ws://127.0.0.1:{self.server.port}/", role="kiosk", terminal=kiosk,
                                token=token(kiosk))
        session.start()
        await session.ready()
        self.kiosks[kiosk] = session
        await self.until(lambda: kiosk not in self.server.office.kiosks_offline)

    async def kiosk_off(self, kiosk: str, day: str, clock: str) -> None:
        self.clock.t = at(day, clock)
        await self.kiosks.pop(kiosk).close()  # the kiosk's cable is pulled
        await self.until(lambda: kiosk in self.server.office.kiosks_offline)

    async def board(self, day: str, clock: str, **action) -> None:
        self.clock.t = at(day, clock)
        answer = await act(self.ws, **action)
        assert answer["type"] == "reply", answer

    async def close(self) -> None:
        for session in self.kiosks.values():
            await session.close()
        await self.ws.close()


async def two_days(server, clock: Clock) -> None:
    """Monday: the plan. Tuesday: counters 5 and 7 open and close, the plan changes three
    times, kiosk-1 is out 10:00-10:30 and from 17:00 to Wednesday 09:00. Wednesday: counter 5
    opens and is never closed, counter 7 opens late; kiosk-2 goes at 11:00 and never comes back,
    kiosk-1 is switched off at 18:30, after the opening hours."""
    ws, _ = await board_socket(server, await cookie_for(server.port))
    floor = Floor(server, clock, ws)
    try:
        await floor.board("2026-12-07", "17:00", type="set_plan", template=PLAN)
        await floor.kiosk_on("kiosk-1", TUE, "07:00")
        await floor.board(TUE, "08:10", type="open_counter", counter="5")
        await floor.board(TUE, "09:00", type="set_plan", template=CHANGES[0])
        await floor.kiosk_off("kiosk-1", TUE, "10:00")
        await floor.board(TUE, "10:10", type="set_plan", template=CHANGES[1])
        await floor.kiosk_on("kiosk-1", TUE, "10:30")
        await floor.board(TUE, "11:00", type="open_counter", counter="7")
        await floor.board(TUE, "12:00", type="close_counter", counter="5")
        await floor.board(TUE, "13:00", type="open_counter", counter="5")
        await floor.board(TUE, "14:00", type="close_counter", counter="7")
        await floor.board(TUE, "14:30", type="set_plan", template=CHANGES[2])
        await floor.board(TUE, "15:00", type="close_counter", counter="5")
        await floor.kiosk_off("kiosk-1", TUE, "17:00")
        await floor.board(WED, "08:00", type="open_counter", counter="5")
        await floor.kiosk_on("kiosk-1", WED, "09:00")
        await floor.kiosk_on("kiosk-2", WED, "10:00")
        await floor.kiosk_off("kiosk-2", WED, "11:00")
        await floor.board(WED, "12:30", type="open_counter", counter="7")
        await floor.board(WED, "13:00", type="close_counter", counter="7")
        await floor.kiosk_off("kiosk-1", WED, "18:30")  # switched off after closing time
    finally:
        await floor.close()


PLAN_COLUMNS = ["geplant (Std.)", "geöffnet (Std.)", "davon in der geplanten Zeit (Std.)", "Plan abgedeckt (%)"]
KIOSK_COLUMNS = ["außer Betrieb in der Öffnungszeit (min)", "Ausfälle in der Öffnungszeit", "außer Betrieb insgesamt (min)",
                 "Ausfälle insgesamt"]
# Tuesday by the plan it began with: 5 planned 7 h, open 08:10-12:00 and 13:00-15:00 (5 h 50, all in plan);
# 7 planned 3 h, open 11:00-14:00 (1 h in plan). Wednesday by the day's last change: 5 planned 4 h, open from
# 08:00 to its last action of the day (13:00, counter 7's closing: 5 h, 4 in plan); 7 planned 2 h, 0,5 h
PLAN_DAYS = [["Tag", *PLAN_COLUMNS, "Planänderungen am Tag"],
             [TUE_SHOWN, "10,0", "8,8", "6,8", "68", "3"],
             [WED_SHOWN, "6,0", "5,5", "4,5", "75", "0"],
             ["gesamt", "16,0", "14,3", "11,3", "71", "3"]]
PLAN_COUNTERS = [["Schalter", *PLAN_COLUMNS], ["5", "11,0", "10,8", "9,8", "89"], ["7", "5,0", "3,5", "1,5", "30"]]


def kiosk_days(site) -> list[list[str]]:
    """kiosk-1: 10:00-10:30 (30 min, in opening hours) and 17:00-24:00 (420, 60 of them before
    18:00) on Tuesday, 00:00-09:00 on Wednesday (540, 90 after 07:30): one outage across
    midnight, counted once over the period; and from 18:30 (330, none in opening hours).
    kiosk-2: 11:00 to the end of Wednesday (780, 90 before 12:30)."""
    one, two = (site.terminal(k).name or k for k in ("kiosk-1", "kiosk-2"))
    return [["Tag", "Kiosk", *KIOSK_COLUMNS],
            [TUE_SHOWN, one, "90", "2", "450", "2"], [WED_SHOWN, one, "90", "1", "870", "2"],
            [WED_SHOWN, two, "90", "1", "780", "1"]]


def kiosks(site) -> list[list[str]]:
    """Opening hours of both days: 570 + 300 = 870 min; kiosk-1 out 180 of them, kiosk-2 90."""
    one, two = (site.terminal(k).name or k for k in ("kiosk-1", "kiosk-2"))
    return [["Kiosk", *KIOSK_COLUMNS, "in Betrieb in der Öffnungszeit (%)"],
            [one, "180", "2", "1320", "3", "79,3"], [two, "90", "1", "780", "1", "89,7"]]


def as_shown(cell: str) -> str:
    """A CSV cell as the page and the report write it: 10 (not 10,0), 1.320."""
    try:
        value = number(cell)
    except ValueError:
        return cell
    return Words("de").number(int(value) if value == int(value) else value)


async def csv(server, table: str, value: str = f"{TUE}..{WED}") -> list[list[str]]:
    status, _, body = await get_with(f"http://127.0.0.1:{server.port}/stats.csv?period=range&value={value}"
                                     f"&table={table}", await cookie_for(server.port))
    assert status == 200, body
    return read_csv(body)


async def test_planned_beside_open_hours_and_kiosks_out_of_service_kept_past_the_purge(tmp_path):
    site = replace(personal_site(), retention_days=1)
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await two_days(server, clock)
        clock.t = at("2026-12-10", "10:00")
        found = {t: await csv(server, t) for t in ("plan_days", "plan_counters", "kiosk_days", "kiosks")}
        status, _, xlsx = await get_with(f"http://127.0.0.1:{server.port}/stats.xlsx?period=range&value={TUE}..{WED}",
                                         await cookie_for(server.port))
        status_report, _, report = await get_with(f"http://127.0.0.1:{server.port}/report.pdf?month=2026-12",
                                                  await cookie_for(server.port))
        english = await get_with(f"http://127.0.0.1:{server.port}/stats.csv?period=range&value={TUE}..{WED}&table=kiosks",
                                 await cookie_for(server.port, "reader", "demo-reader"))
        ws, _ = await board_socket(server, await cookie_for(server.port))
        await Floor(server, clock, ws).board("2026-12-11", "07:00", type="set_plan", template=CHANGES[3])
        await ws.close()
        friday = {t: await csv(server, t, "2026-12-11..2026-12-11") for t in ("plan_days", "kiosk_days")}
    finally:
        await server.stop()
    assert found["plan_days"] == PLAN_DAYS
    assert found["plan_counters"] == PLAN_COUNTERS
    assert found["kiosk_days"] == kiosk_days(site)
    assert found["kiosks"] == kiosks(site)
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    assert [[str(c) for c in r] for r in book["Kioske außer Betrieb"].iter_rows(values_only=True)][1:] == [
        [r[0], *(v.replace(",", ".") for v in r[1:])] for r in kiosks(site)[1:]]
    assert status == status_report == 200
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages).split())
    # the monthly report prints each row (a kiosk's share in service: of the month's opening hours so far)
    for table in (PLAN_DAYS[:-1], PLAN_COUNTERS, kiosk_days(site), [r[:-1] for r in kiosks(site)]):
        for row in table[1:]:
            assert " ".join(as_shown(v) for v in row) in text, row
    # the month also holds Monday, when the plan was first entered: no plan yet that day, one change
    assert "7.12.2026 0 0 0 – 1" in text and "gesamt 16 14,3 11,3 71 4" in text
    assert "wie er zu Beginn des Tages galt" in text  # the report says which plan counts
    assert read_csv(english[2], "en")[0] == ["kiosk", "out of service in opening hours (min)", "outages in opening hours",
                                             "out of service in all (min)", "outages in all",
                                             "in service in opening hours (%)"]

    clock.t = at("2026-12-12", "10:00")  # a restart: the purge (one day kept) takes Tuesday's and Wednesday's events
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        assert server.store.query("SELECT count(*) FROM events WHERE kind IN ('counter_opened', 'kiosk_online')"
                                  " AND day <= ?", [WED]) == [(0,)]
        after = {t: await csv(server, t) for t in found}
        thursday = await csv(server, "kiosk_days", "2026-12-10..2026-12-10")
        after_friday = {t: await csv(server, t, "2026-12-11..2026-12-11") for t in friday}
        indexes = {n for (n,) in server.store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        await server.stop()
    assert {"idx_events_kiosks", "idx_events_plans"} <= indexes  # the store's migration m012
    assert after == found
    # Friday at 07:00, under way: both kiosks out since Wednesday, up to now (420 min, none in opening hours yet)
    assert friday["kiosk_days"][1:] == [["11.12.2026", site.terminal(k).name or k, "0", "0", "420", "1"]
                                        for k in ("kiosk-1", "kiosk-2")]
    # Friday after the purge: the plan it began with (kept though a later change came), the kiosks out all day
    assert after_friday["plan_days"] == friday["plan_days"]
    assert friday["plan_days"][1:] == [["11.12.2026", "4,0", "0,0", "0,0", "0", "1"]]
    assert after_friday["kiosk_days"][1:] == [["11.12.2026", site.terminal(k).name or k, "270", "1", "1440", "1"]
                                              for k in ("kiosk-1", "kiosk-2")]
    # neither came back: out all Thursday (1,440 min; 570 of them in opening hours), one outage each
    assert thursday[1:] == [["10.12.2026", site.terminal(k).name or k, "570", "1", "1440", "1"]
                            for k in ("kiosk-1", "kiosk-2")]


async def test_a_kiosk_back_on_a_clock_stepped_back_counts_nothing_negative(tmp_path):
    """The server's clock steps back two minutes while kiosk-1 is away (a time server corrects
    it): its coming back is stamped before its going, and the time out is 0, never negative;
    its next outage counts as usual."""
    clock = Clock(at(TUE, "07:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=personal_site())
    ws, _ = await board_socket(server, await cookie_for(server.port))
    floor = Floor(server, clock, ws)
    try:
        await floor.kiosk_on("kiosk-1", TUE, "08:00")
        await floor.kiosk_off("kiosk-1", TUE, "10:00")
        await floor.kiosk_on("kiosk-1", TUE, "09:58")  # the clock stepped back
        await floor.kiosk_off("kiosk-1", TUE, "11:00")
        await floor.kiosk_on("kiosk-1", TUE, "11:05")
        clock.t = at(TUE, "12:00")
        found = await csv(server, "kiosks", f"{TUE}..{TUE}")
    finally:
        await floor.close()
        await server.stop()
    name = server.site.terminal("kiosk-1").name or "kiosk-1"
    assert found[1][:5] == [name, "5", "1", "5", "1"]  # only 11:00-11:05


async def test_postgresql_gives_the_same_floor_live_and_kept(tmp_path, postgres):
    """The two days' events copied into a throwaway PostgreSQL database (tests/postgres.py): the
    same tables from the events and from the kept days; its purge keeps the same events."""
    import sqlite3

    from server.manager.stats.tables import Period, Statistics, keep_days
    from server.store.postgres import Sql
    from server.store.sqlite import forget_events

    from .test_stats_postgres import copy_store

    site, clock = personal_site(), Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await two_days(server, clock)
    finally:
        await server.stop()
    lite = sqlite3.connect(tmp_path / "o.sqlite3")
    lite.execute("DELETE FROM stats_floor_days")  # made live, as PostgreSQL's, before both keep them
    lite.execute("DELETE FROM stats_plan")
    lite.execute("DELETE FROM stats_kiosk_out")
    copy_store(lite, postgres)
    now, period = at("2026-12-10", "10:00"), Period(TUE, "2026-12-10")

    def tables(conn) -> dict:
        return {t.name: [t.columns, *t.rows] for t in Statistics(conn, site, today="2026-12-10", now=now).tables(period)
                if t.name in ("plan_days", "plan_counters", "kiosks", "kiosk_days")}

    live = tables(lite)
    assert live["plan_counters"] and live["kiosk_days"][1:4] == [
        [TUE, "Eingang links", 90, 2, 450, 2], [WED, "Eingang links", 90, 1, 870, 2], [WED, "Eingang rechts", 90, 1, 780, 1]]
    assert tables(Sql(postgres)) == live
    for conn in (lite, Sql(postgres)):
        keep_days(conn, before="2026-12-10", tz=TZ, personal=True)
    assert [d for (d,) in postgres.execute("SELECT day FROM stats_floor_days WHERE day >= %s ORDER BY day", [TUE])] == [
        TUE, WED]
    assert tables(Sql(postgres)) == tables(lite) == live
    first = lite.execute("SELECT min(seq) FROM events WHERE day >= '2026-12-10'").fetchone()[0] or 10**9
    for conn in (lite, Sql(postgres)):
        forget_events(conn, first, "2026-12-10")
    kept = "SELECT kind FROM events ORDER BY seq"
    assert [k for (k,) in lite.execute(kept)] == [k for (k,) in postgres.execute(kept)] == [
        "plan_changed", "kiosk_offline", "kiosk_offline"]  # the plan in force, both kiosks still out
    lite.close()


async def test_the_page_shows_the_floor_at_both_sizes_axe_clean(tmp_path, browser):
    site = personal_site()
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await two_days(server, clock)
        clock.t = at("2026-12-10", "10:00")
        name, value = (await cookie_for(server.port)).split("=", 1)
        for width, height in ((1280, 720), (1920, 1080)):
            context = await browser.new_context(viewport={"width": width, "height": height})
            await context.add_cookies([{"name": name, "value": value, "domain": "127.0.0.1", "path": "/"}])
            page = await context.new_page()
            await page.goto(f"http://127.0.0.1:{server.port}/stats?period=range&value={TUE}..{WED}")
            assert await axe_violations(page) == []
            rows = await page.eval_on_selector_all("#table-plan_days tbody tr",
                                                   "rows => rows.map(r => [...r.children].map(c => c.textContent))")
            assert rows == [[as_shown(v) for v in r] for r in PLAN_DAYS[1:]]
            assert "wie er zu Beginn des Tages galt" in await page.inner_text("#note-plan_days")
            charts = page.locator("#t-plan_days ~ div.charts img, #t-kiosk_days ~ div.charts img")
            assert await charts.count() == 2
            wide = await page.evaluate(
                "[...document.querySelectorAll(FLOOR.map(n => `#table-${n}, section[aria-labelledby='t-${n}'] img`)"
                ".join(', '))].filter(e => e.getBoundingClientRect().right > innerWidth).map(e => e.id || e.tagName)"
                .replace("FLOOR", '["plan_days", "plan_counters", "kiosks", "kiosk_days"]'))
            assert wide == []  # the floor's tables and charts fit the screen
            ARTIFACTS.mkdir(exist_ok=True)
            section = page.locator("section[aria-labelledby='t-plan_days']")
            await section.scroll_into_view_if_needed()
            await page.screenshot(path=str(ARTIFACTS / f"stats-floor-{width}.png"))
            await page.locator("section[aria-labelledby='t-kiosk_days']").scroll_into_view_if_needed()
            await page.screenshot(path=str(ARTIFACTS / f"stats-kiosks-{width}.png"))
            await context.close()
    finally:
        await server.stop()


# ---- kiosk event sequences of any order: the sums never negative, never beyond the period --------------

EVENTS = st.lists(st.tuples(st.sampled_from(made.KIOSK_KINDS), st.floats(-3 * 86400, 5 * 86400)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(events=EVENTS, out_before=st.booleans(), cut=st.floats(0, 4 * 86400))
def test_out_of_service_is_never_negative_never_counted_twice_never_beyond_the_period(events, out_before, cut):
    """Goings and comings back in any order, a missing coming back, a clock that steps back:
    each piece lies inside its day and before `until`, pieces never overlap, and per day they
    sum to at most the day."""
    first = at("2026-03-28", "00:00")  # a week with the clock change to summer time in it (a 23-hour day)
    days = [(date(2026, 3, 28) + timedelta(days=i)).isoformat() for i in range(4)]
    until = first + cut
    spans = made.outages([(k, first + t) for k, t in events], until=until,
                         out_at_start=first - 3600 if out_before else None)
    found = made.pieces(spans, days, TZ, until)
    for day, since, begin, end in found:
        low, high = made.day_bounds(day, TZ)
        assert low <= begin < end <= min(high, until) and since <= begin
    ordered = sorted((start, end) for _, _, start, end in found)
    assert all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:]))  # no second counted twice
    for day in days:
        low, high = made.day_bounds(day, TZ)
        assert 0 <= sum(e - s for d, _, s, e in found if d == day) <= high - low
    assert sum(e - s for _, _, s, e in found) <= max(0.0, until - first)


COUNTER_EVENTS = st.lists(st.tuples(st.sampled_from(("counter_opened", "counter_closed")), st.sampled_from("57"),
                                    st.floats(-2 * 3600, 26 * 3600)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(events=COUNTER_EVENTS, last=st.floats(-2 * 3600, 26 * 3600))
def test_a_counters_open_time_is_never_negative_never_beyond_its_day(events, last):
    """Openings and closings in any order, a closing stamped before its opening, one never
    closed: each counter's open time lies inside the day and is never counted twice."""
    low, high = made.day_bounds(WED, TZ)
    found = made.day_open([{"kind": k, "counter": c, "at": low + t} for k, c, t in events], low + last, (low, high))
    for spans in found.values():
        assert all(low <= a < b <= high for a, b in spans)
        assert 0 <= sum(b - a for a, b in spans) <= high - low
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))  # merged: no second twice


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(made.KIOSK_KINDS), st.floats(1, 20000)), max_size=12))
def test_with_a_clock_that_only_runs_forward_the_time_out_is_what_happened(steps):
    """On a clock running forward, the time out is the time between each going (while in)
    and the next coming back, and to the end for one that never came back."""
    now, events, out_since, expected = 0.0, [], None, 0.0
    for kind, step in steps:
        now += step
        events.append((kind, now))
        if kind == "kiosk_offline" and out_since is None:
            out_since = now
        elif kind == "kiosk_online" and out_since is not None:
            expected, out_since = expected + now - out_since, None
    until = now + 500
    if out_since is not None:
        expected += until - out_since
    assert abs(sum(b - a for a, b in made.outages(events, until=until)) - expected) < 1e-6
