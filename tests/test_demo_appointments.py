"""The demo office's day of appointments: booked around the moment it starts, one cancelled,
the booked day checked in by the simulation, the README's codes left for a person to try."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server import protocol as p
from server.app import Server
from server.client import ClientSession, ServerError
from server.demo import CANCELLED, TRY_CODES, simulate

from .conftest import token

T0 = datetime(2026, 11, 25, 11, 0, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()


async def test_the_demo_books_a_day_around_its_start_and_checks_its_visitors_in(tmp_path, site):
    server = Server(site, tmp_path / "demo.sqlite3", always_open=True, clock=lambda: T0)
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}/"
    demo = asyncio.create_task(simulate(site, url, speed=600, seed=1, wall=lambda: T0))
    try:
        for _ in range(300):
            await asyncio.sleep(0.05)
            if {"D-201", "D-202"} <= {t.booking for t in server.office.tickets.values()}:
                break
        bookings = server.office.bookings
        assert {code: bookings[code].due_at - T0 for code in TRY_CODES} == {"T-101": 3600, "T-102": 0, "T-103": -2700}
        assert CANCELLED not in bookings and len(bookings) >= 15
        assert all(bookings[code].ticket is None for code in TRY_CODES)  # left for a person
        checked_in = {t.booking: t for t in server.office.tickets.values() if t.booking}
        assert {"D-201", "D-202"} <= set(checked_in)
        async with ClientSession(url, role="kiosk", terminal="kiosk-2", token=token("kiosk-2")) as kiosk:
            await kiosk.ready()
            arrivals = [(await kiosk.request(p.Checkin(id=0, booking=code))).arrival for code in TRY_CODES]
            assert arrivals == ["early", "on_time", "late"]
            with pytest.raises(ServerError) as refused:
                await kiosk.request(p.Checkin(id=0, booking=CANCELLED))
            assert refused.value.code == "unknown_booking"
    finally:
        demo.cancel()
        await asyncio.gather(demo, return_exceptions=True)
        await server.stop()
