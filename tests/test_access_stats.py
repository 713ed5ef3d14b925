"""The lottery in the statistics (README "Fair access"): after how many unlucky days the
period's winners won, from the weights their entries were registered with, and how many
unlucky days the people still without a place carry (the stored `access_weights`) — as the
real server's /stats.csv gives them after two lottery days."""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import replace

import openpyxl

from server.wire import protocol as p
from server.wire.session import ClientSession

from .access_office import DAY, Clock, access_site, at, start, window_open
from .conftest import ARTIFACTS, token
from .spreadsheet import read_csv
from .test_access_draw import NAMES, outcomes, register_all
from .test_manager_board import axe_violations, cookie_for, get_with

NEXT = "2026-12-09"


async def test_the_statistics_count_winners_by_their_unlucky_days_and_the_waiting_by_theirs(tmp_path):
    async with window_open(tmp_path, places=3) as (server, clock):
        first = await register_all(server, NAMES[:8])
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        seen = {(DAY, n): o for n, o in (await outcomes(server, first)).items()}  # the day's page: gone tomorrow
        clock.t = at(DAY, "15:00")  # the next day's window
        await server.access.tick()
        lost = [n for n in NAMES[:8] if seen[(DAY, n)]["state"] == "not_drawn"]
        winner = next(n for n in NAMES[:8] if seen[(DAY, n)]["state"] == "won")
        second = await register_all(server, [*lost, winner])  # 5 unlucky once, 1 lucky: 3 places
        clock.t = at(NEXT, "06:05")
        await server.access.tick()
        seen |= {(NEXT, n): o for n, o in (await outcomes(server, second)).items()}
        weight = {(DAY, n): r["weight"] for n, r in first.items()} | {(NEXT, n): r["weight"] for n, r in second.items()}
        won = Counter(weight[k] - 1 for k, o in seen.items() if o["state"] == "won")
        waiting = Counter(o["weight"] - 1 for (day, _), o in seen.items() if day == NEXT and o["state"] == "not_drawn")
        assert sum(won.values()) == 6 and won[1] >= 2  # at least two won the second day after losing the first

        cookie = await cookie_for(server.port)
        base = f"http://127.0.0.1:{server.port}/stats.csv?period=range&value={DAY}..{NEXT}"
        status, _, body = await get_with(f"{base}&table=lottery_won_after", cookie)
        assert status == 200
        rows = read_csv(body)
        assert rows[0] == ["erfolglose Tage", "gewonnen", "Anteil (%)", "davon dringend"]
        assert {int(r[0]): int(r[1]) for r in rows[1:]} == dict(won)
        status, _, body = await get_with(f"{base}&table=lottery_waiting", cookie)
        assert {int(r[0]): int(r[1]) for r in read_csv(body)[1:]} == dict(waiting)
        status, _, body = await get_with(base.replace("/stats.csv", "/stats"), cookie)  # the page shows both tables
        assert status == 200 and "Gewinnerinnen und Gewinner nach erfolglosen Tagen" in body.decode()
        assert "Personen noch ohne Platz" in body.decode()
        status, _, body = await get_with(base.replace("/stats.csv", "/report.html").replace("range", "month")
                                         .replace(f"{DAY}..{NEXT}", "2026-12"), cookie)  # the monthly report too
        assert status == 200 and "Gewinnerinnen und Gewinner nach erfolglosen Tagen" in body.decode()


LOTTERY_COLUMNS = ["Anmeldungen", "davon dringend", "Plätze", "verlost", "erneut angeboten", "eingecheckt",
                   "nicht erschienen", "Nicht die angemeldete Person"]


async def lottery_csv(server, table: str, by: str = "service") -> list[list[str]]:
    cookie = await cookie_for(server.port)
    status, _, body = await get_with(f"http://127.0.0.1:{server.port}/stats.csv?period=range&value={DAY}..{NEXT}"
                                     f"&by={by}&table={table}", cookie)
    assert status == 200, body
    return read_csv(body)


async def in_chromium(browser, port: int, url: str, cookie: str) -> list[list[str]]:
    """The page's "Verlosung je Tag" rows in headless Chromium, after axe-core found nothing."""
    name, value = cookie.split("=", 1)
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    await context.add_cookies([{"name": name, "value": value, "domain": "127.0.0.1", "path": "/"}])
    page = await context.new_page()
    try:
        await page.goto(url)
        assert await axe_violations(page) == []
        if os.environ.get("WILLKOMMEN_SCREENSHOTS"):  # to look at (tests/artifacts/)
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "stats-lottery.png"), full_page=True)
        return await page.eval_on_selector_all("#table-lottery_days tbody tr",
                                               "rows => rows.map(r => [...r.children].map(c => c.textContent))")
    finally:
        await context.close()


async def two_lottery_days(server, clock) -> None:
    """DAY: 6 entries (one urgent), 2 places; the first checks in and is not the registered
    person, the second does not come and their place goes to the next, who checks in. NEXT: 3
    entries, 2 places, nobody comes (the day is over at 20:00)."""
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    counter = ClientSession(f"ws://127.0.0.1:{server.port}/", role="counter", terminal="counter-5",
                            token=token("counter-5"))
    try:
        await register_all(server, NAMES[:1], urgent_until="2026-12-12")
        await register_all(server, NAMES[1:6])
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        first, second = server.office.access_days[DAY].drawn.places
        for session in (kiosk, counter):
            session.start()
            await session.ready()
        clock.t = first.window_start + 60
        ticket = (await kiosk.request(p.Checkin(id=0, booking=first.code))).ticket
        await counter.request(p.Open(id=0))
        await counter.request(p.Call(id=0, ticket=ticket.number))
        await counter.request(p.RefuseIdentity(id=0))
        clock.t = second.window_end + 1  # the second did not come: the next is offered the place
        await server.access.tick()
        offered = server.office.access_days[DAY].entries[server.office.access_days[DAY].drawn.rest[0]]
        assert offered.state == "offered"
        await kiosk.request(p.Checkin(id=0, booking=offered.code.lower()))
        clock.t = at(DAY, "15:00")  # the next day's window
        await server.access.tick()
        await register_all(server, NAMES[6:9])
        clock.t = at(NEXT, "06:05")
        await server.access.tick()
        clock.t = at(NEXT, "20:00")
    finally:
        await kiosk.close()
        await counter.close()


async def test_the_statistics_count_each_lottery_day_and_the_period_and_keep_them_past_the_retention(tmp_path, browser):
    """Entries, places, drawn, offered again, checked in, no-shows and refusals per day and over
    the period (CSV, XLSX, the page, the report), from the stored events: after a restart
    whose purge (retention one day) took every event of both days, the same figures."""
    site = replace(access_site(contingent={"residence": 2}), retention_days=1)
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await server.access.tick()
        await two_lottery_days(server, clock)
        days = await lottery_csv(server, "lottery_days")
        period = await lottery_csv(server, "lottery_period")
        weekdays = await lottery_csv(server, "lottery_period", by="Wochentag")
        cookie = await cookie_for(server.port)
        base = f"http://127.0.0.1:{server.port}/stats.xlsx?period=range&value={DAY}..{NEXT}"
        status, _, xlsx = await get_with(base, cookie)
        shown = await in_chromium(browser, server.port, base.replace("/stats.xlsx", "/stats"), cookie)
        status_report, _, report = await get_with(f"http://127.0.0.1:{server.port}/report.html?month=2026-12", cookie)
    finally:
        await server.stop()
    assert days == [["Tag", *LOTTERY_COLUMNS],
                    ["8.12.2026", "6", "1", "2", "2", "1", "2", "1", "1"],  # DAY and NEXT as staff write them
                    ["9.12.2026", "3", "0", "2", "2", "0", "0", "2", "0"],
                    ["gesamt", "9", "1", "4", "4", "1", "2", "3", "1"]]
    assert period == [["Dienstleistung", *LOTTERY_COLUMNS],
                      [site.service("residence").name("de"), "9", "1", "4", "4", "1", "2", "3", "1"]]
    assert weekdays == [["Wochentag", *LOTTERY_COLUMNS], ["Dienstag", *days[1][1:]], ["Mittwoch", *days[2][1:]]]
    sheets = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    assert [[str(c) for c in row] for row in sheets["Verlosung je Tag"].iter_rows(values_only=True)] == days
    assert status == status_report == 200 and "Verlosung je Tag" in report.decode()
    assert shown == days[1:]  # the page's table, as a manager reads it (axe-core clean)

    clock.t = at("2026-12-12", "10:00")  # a restart three days on: the purge takes both days' events
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        assert server.store.query("SELECT count(*) FROM events WHERE kind IN ('entry_registered', 'access_drawn', "
                                  "'identity_refused', 'ticket_drawn')") == [(0,)]
        assert await lottery_csv(server, "lottery_days") == days
        assert await lottery_csv(server, "lottery_period") == period
        won = await lottery_csv(server, "lottery_won_after")
    finally:
        await server.stop()
    assert sum(int(row[1]) for row in won[1:]) == 4  # the winners of both days, kept too
