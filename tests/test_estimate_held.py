"""How often the printed estimate held: the range a visitor was shown is recorded with the
draw (event, ticket row, replay), and the statistics tell how many were called before it,
inside it and after its top, on the page, in the CSV, the XLSX and the PDF — with a real
server, a real kiosk and a real counter whose clock the test moves."""

from __future__ import annotations

import io
import json
import math
from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession
from server.manager.stats.tables import Period, Statistics, estimate_held
from server.manager.stats.estimates import spans
from server.store.sqlite import Store
from server.core import Office

from .spreadsheet import read_csv
from .conftest import make_site, token
from .test_manager_board import cookie_for, get_with

TZ = ZoneInfo("Europe/Berlin")
DAY = "2026-11-24"


def at(day: str, clock: str) -> float:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ).timestamp()


@given(low=st.integers(0, 120), width=st.integers(5, 120), wait=st.floats(0, 5 * 3600, allow_nan=False))
def test_a_call_is_before_inside_or_after_the_range_and_minutes_outside_round_up(low, width, wait):
    high = low + width
    measure, minutes = estimate_held(1000.0, 1000.0 + wait, low, high)
    if wait < low * 60:
        assert measure == "estimate_early" and minutes == math.ceil(low - wait / 60) and minutes >= 1
    elif wait <= high * 60:  # both ends belong to the range
        assert (measure, minutes) == ("estimate_inside", 0)
    else:
        assert measure == "estimate_late" and minutes == math.ceil(wait / 60 - high) and minutes >= 1


def test_a_ticket_never_called_is_counted_apart():
    assert estimate_held(1000.0, None, 5, 20) == ("estimate_not_called", 0)


@given(st.integers(1, 400))
def test_a_period_is_shown_by_day_up_to_a_month_then_by_week_then_by_month(length):
    first = datetime(2026, 1, 1).date()
    period = Period(first.isoformat(), first.fromordinal(first.toordinal() + length - 1).isoformat())
    span, bucket = spans(period)
    assert span == ("day" if length <= 31 else "week" if length <= 190 else "month")
    names = {bucket(d) for d in period.days()}
    if span == "week":
        assert all(datetime.fromisoformat(n).weekday() == 0 for n in names)
    assert len(names) == {"day": length, "week": len(names), "month": len({d[:7] for d in period.days()})}[span]


def rows_of(body: bytes) -> list[list[str]]:
    return read_csv(body)


async def test_visitors_called_early_inside_and_late_give_the_shares_on_every_export(tmp_path):
    site = make_site()
    path = tmp_path / "office.sqlite3"
    clock = [at(DAY, "08:00:00")]
    server = Server(site, path, always_open=True, clock=lambda: clock[0])
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}/"
    kiosk = ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    desk = ClientSession(url, role="counter", terminal="counter-5", token=token("counter-5"))
    try:
        for session in (kiosk, desk):
            session.start()
            await session.ready()
        await desk.request(p.Open(id=0))
        drawn = [await kiosk.request(p.Draw(id=0, service="residence", lang="de", request=f"r{i}")) for i in range(6)]
        ranges = {r.ticket.number: r.eta for r in drawn}
        assert all(eta is not None for eta in ranges.values()) and drawn[3].eta[0] > 0  # someone can be early
        issued = drawn[0].ticket.issued_at
        numbers = [r.ticket.number for r in drawn]
        # the first called at its range's very top (inside), the second 1 s after its top (1 min
        # late), the third 7.5 min after its top (8 min late), the fourth 1 s before its bottom
        # (1 min early); the fifth is cancelled uncalled, the sixth still waits (counted once called)
        wait = {numbers[0]: ranges[numbers[0]][1] * 60, numbers[1]: ranges[numbers[1]][1] * 60 + 1,
                numbers[2]: ranges[numbers[2]][1] * 60 + 450, numbers[3]: ranges[numbers[3]][0] * 60 - 1}
        await kiosk.request(p.Cancel(id=0, ticket=numbers[4], reason="printer_failed"))
        for number in sorted(wait, key=wait.get):
            clock[0] = issued + wait[number]
            await desk.request(p.Call(id=0, ticket=number))
            await desk.request(p.Finish(id=0, outcome="done"))

        events = [json.loads(d) for (d,) in server.store.db.execute(
            "SELECT data FROM events WHERE kind = 'ticket_drawn' ORDER BY seq")]
        assert {e["number"]: tuple(e["eta"]) for e in events} == ranges  # the event holds what was printed
        rows = dict((n, (lo, hi)) for n, lo, hi in server.store.db.execute(
            "SELECT number, eta_low, eta_high FROM tickets"))
        assert rows == ranges  # and so does the ticket's row

        # residence: 5 ranges printed, 4 called: 1 early (1 min), 1 inside, 2 late (1 and 8 min)
        expected = ["5", "4", "25", "25", "50", "1", "1", "8", "1"]
        cookie = await cookie_for(server.port)
        base = f"http://127.0.0.1:{server.port}"
        status, _, body = await get_with(f"{base}/stats.csv?period=day&value={DAY}&table=estimates", cookie)
        assert status == 200 and rows_of(body)[1:] == [[site.service("residence").name("de"), *expected]]
        status, _, body = await get_with(f"{base}/stats.csv?period=month&value=2026-11&table=estimates_over_time",
                                         cookie)
        assert rows_of(body)[0][0] == "Tag" and rows_of(body)[1:] == [["24.11.2026", *expected]]
        status, _, body = await get_with(f"{base}/stats.csv?period=range&value=2026-09-01..2026-11-30"
                                         f"&table=estimates_over_time", cookie)
        assert rows_of(body)[1:] == [["23.11.2026", *expected]]  # a longer period: by week (its Monday)

        from openpyxl import load_workbook
        from pypdf import PdfReader

        status, _, body = await get_with(f"{base}/stats.xlsx?period=week&value={DAY}", cookie)
        sheet = load_workbook(io.BytesIO(body))["Gedruckte Wartezeit"]
        assert [str(v) for v in list(sheet.iter_rows(min_row=2, values_only=True))[0][1:]] == expected
        status, _, body = await get_with(f"{base}/report.pdf?month=2026-11", cookie)
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())
        assert f"24.11.2026 {' '.join(expected)}" in text
        status, _, body = await get_with(f"{base}/stats?period=day&value={DAY}", cookie)
        assert b'id="table-estimates"' in body and "Gestapeltes Säulendiagramm der Anteile".encode() in body
    finally:
        await kiosk.close()
        await desk.close()
        await server.stop()

    # after a restart the ranges come back from the events, and a retried draw (its reply was
    # lost) prints the range recorded with it, not a new one
    server = Server(site, path, always_open=True, clock=lambda: clock[0] + 3600)
    await server.start("127.0.0.1", 0)
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        kiosk.start()
        await kiosk.ready()
        assert {n: (t.eta_low, t.eta_high) for n, t in server.office.tickets.items()} == ranges
        again = await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="r5"))
        assert (again.ticket.number, again.eta) == (numbers[5], ranges[numbers[5]])
    finally:
        await kiosk.close()
        await server.stop()


def test_an_appointments_printed_range_is_kept_like_a_walk_ins(tmp_path):
    site = make_site()
    office, store = Office(site, always_open=True), Store(tmp_path / "o.sqlite3", timezone=site.timezone)
    office.open(counter="5", services=None, now=at(DAY, "08:00:00"))
    office.book(booking="B7", service="residence", lang="fa", due_at=at(DAY, "08:30:00"), now=at(DAY, "07:00:00"))
    _, ticket = office.checkin(kiosk="kiosk-1", booking="B7", token="t7", now=at(DAY, "08:20:00"))
    assert ticket.eta_high is not None
    office.call(counter="5", ticket=ticket.number, now=at(DAY, "08:20:00") + (ticket.eta_high + 3) * 60 - 30)
    store.append(office.take_journal(), list(office.tickets.values()))
    conn = store.db.conn
    table = {t.name: t for t in Statistics(conn, site, today=DAY, now=at(DAY, "12:00:00")).tables(
        Period(DAY, DAY), "channel")}["estimates"]
    store.close()
    assert table.rows == [["mit Termin", 1, 1, 0, 0, 100, None, 3, 3, 0]]
