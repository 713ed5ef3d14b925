"""The office's day through the real server, with the server's clock set by the test: opening
hours enforced, the day rollover (expiry, numbering restart, yesterday's status page gone) and
the retention purge at a day change and at start. Expected values are read off the demo
site's file by hand (Berlin, Tuesday 07:30-12:30 and 13:30-18:00)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession, ServerError

from .conftest import http_get, make_site, token

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> float:
    """A time in the week of Monday 23 November 2026 (day 24 is a Tuesday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN).timestamp()


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


async def started(tmp_path, clock: Clock, **site) -> Server:
    server = Server(make_site(**site), tmp_path / "office.sqlite3", clock=clock)  # opening hours apply
    await server.start("127.0.0.1", 0)
    return server


async def kiosk_of(server: Server) -> ClientSession:
    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    session.start()
    await session.ready()
    return session


def draw(service: str, request: str) -> p.Draw:
    return p.Draw(id=0, service=service, lang="de", request=request)


async def test_no_ticket_outside_opening_hours(tmp_path):
    clock = Clock(at(24, 12, 45))  # Tuesday's lunch break
    server = await started(tmp_path, clock)
    kiosk = await kiosk_of(server)
    try:
        with pytest.raises(ServerError) as info:
            await kiosk.request(draw("residence", "lunch"))
        assert (info.value.code, info.value.message) == (
            "closed_for_today", "the office is closed now: no tickets are issued")
        clock.now = at(24, 13, 30)  # the afternoon opens
        assert (await kiosk.request(draw("residence", "afternoon"))).ticket.number == "A001"
        clock.now = at(24, 18, 0) + 1  # and closes at six
        with pytest.raises(ServerError) as info:
            await kiosk.request(draw("residence", "evening"))
        assert info.value.code == "closed_for_today"
    finally:
        await kiosk.close()
        await server.stop()


async def test_a_new_day_expires_yesterday_restarts_numbers_and_forgets_its_status_pages(tmp_path):
    clock = Clock(at(24, 10))
    server = await started(tmp_path, clock)
    kiosk = await kiosk_of(server)
    try:
        yesterday = (await kiosk.request(draw("residence", "tue-1"))).ticket
        assert (await http_get(f"http://127.0.0.1:{server.port}/t/{yesterday.token}"))[0] == 200
        clock.now = at(25, 8)  # Wednesday
        today = (await kiosk.request(draw("residence", "wed-1"))).ticket
        assert (today.number, yesterday.number) == ("A001", "A001")
        status, _, _ = await http_get(f"http://127.0.0.1:{server.port}/t/{yesterday.token}")
        assert status == 404
        assert (await http_get(f"http://127.0.0.1:{server.port}/t/{today.token}"))[0] == 200
    finally:
        await kiosk.close()
        await server.stop()
    rows = sqlite3.connect(tmp_path / "office.sqlite3").execute("SELECT day, number, state FROM tickets ORDER BY id")
    assert rows.fetchall() == [("2026-11-24", "A001", "expired"), ("2026-11-25", "A001", "waiting")]


def days_in_file(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "office.sqlite3") as conn:
        return [day for (day,) in conn.execute("SELECT day FROM tickets ORDER BY id")]


async def test_tickets_past_the_retention_are_purged_at_a_day_change_and_at_start(tmp_path):
    clock = Clock(at(24, 10))
    server = await started(tmp_path, clock, retention_days=1)  # keep yesterday, forget the day before
    kiosk = await kiosk_of(server)
    try:
        for day in (24, 25):
            clock.now = at(day, 10)
            await kiosk.request(draw("residence", f"{day}"))
        assert days_in_file(tmp_path) == ["2026-11-24", "2026-11-25"]
        clock.now = at(26, 10)  # Thursday: Tuesday is past the retention
        await kiosk.request(draw("residence", "26"))
        assert days_in_file(tmp_path) == ["2026-11-25", "2026-11-26"]
    finally:
        await kiosk.close()
        await server.stop()

    clock.now = at(28, 10)  # a Saturday start, no draw: Wednesday and Thursday go at start
    server = await started(tmp_path, clock, retention_days=1)
    await server.stop()
    assert days_in_file(tmp_path) == []
    with sqlite3.connect(tmp_path / "office.sqlite3") as conn:  # the day's figures outlive the tickets
        kept = conn.execute("SELECT day, tickets FROM daily_stats WHERE service = 'residence' ORDER BY day")
        assert kept.fetchall() == [("2026-11-24", 1), ("2026-11-25", 1), ("2026-11-26", 1)]
