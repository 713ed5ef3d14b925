"""The demo office's day of appointments: booked around the moment it starts, one cancelled,
the booked day checked in by the simulation, the README's codes left for a person to try."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession, ServerError
from server.demo.simulator import CANCELLED, TRY_CODES, simulate

from .conftest import token

T0 = datetime(2026, 11, 25, 11, 0, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()


async def test_the_demo_books_a_day_around_its_start_and_checks_its_visitors_in(tmp_path, site):
    server = Server(site, tmp_path / "demo.sqlite3", always_open=True, clock=lambda: T0)
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}/"
    demo = asyncio.create_task(simulate(site, url, speed=600, seed=1, wall=lambda: T0))
    try:
        await until(lambda: {"D-201", "D-202"} <= {t.booking for t in server.office.tickets.values()})
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


OFFSETS = {code: minutes * 60 for code, (minutes, _, _) in TRY_CODES.items()}


async def until(check, seconds: float = 60) -> None:  # generous: the demo's visitors on a loaded machine
    async with asyncio.timeout(seconds):
        while not check():
            await asyncio.sleep(0.05)


async def check_in_all(url: str) -> dict[str, p.Reply]:
    async with ClientSession(url, role="kiosk", terminal="kiosk-2", token=token("kiosk-2")) as kiosk:
        await kiosk.ready()
        return {code: await kiosk.request(p.Checkin(id=0, booking=code)) for code in TRY_CODES}


async def test_after_a_restart_each_try_code_is_booked_for_the_new_start(tmp_path, site):
    """A person tried every code, then the demo was stopped with T-101's and T-103's visits
    over and T-102 still waiting. Started again 20 minutes later: each code is booked for the
    new start (T-102 once the demo's clerks have served its old visit) and checks in anew."""
    db = tmp_path / "demo.sqlite3"
    server = Server(site, db, always_open=True, clock=lambda: T0)
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}/"
    # counters 4 and 5 are this test's (humans): before the demo was cancelled its clerk at
    # counter 4 had called a visitor on a loaded machine, and the test's call there was refused
    demo = asyncio.create_task(simulate(site, url, speed=600, seed=1, wall=lambda: T0,
                                        humans={"counter-4", "counter-5"}))
    try:
        await until(lambda: set(TRY_CODES) <= set(server.office.bookings))
        demo.cancel()  # its clerks would call the person's tickets before this test's clerks
        await asyncio.gather(demo, return_exceptions=True)
        first = await check_in_all(url)
        for counter, code, ending in (("5", "T-101", p.Finish(id=0, outcome="done")), ("4", "T-103", p.NoShow(id=0))):
            async with ClientSession(url, role="counter", terminal=f"counter-{counter}",
                                     token=token(f"counter-{counter}")) as clerk:
                await clerk.ready()
                await clerk.request(p.Open(id=0))
                await clerk.request(p.Call(id=0, ticket=first[code].ticket.number))
                await clerk.request(ending)
    finally:
        demo.cancel()
        await asyncio.gather(demo, return_exceptions=True)
        await server.stop()
    assert [r.arrival for r in first.values()] == ["early", "on_time", "late"]
    later = T0 + 20 * 60
    server = Server(site, db, always_open=True, clock=lambda: later)
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}/"
    assert server.office.tickets[first["T-102"].ticket.number].state in ("waiting", "called", "serving")
    demo = asyncio.create_task(simulate(site, url, speed=600, seed=2, wall=lambda: later, rebook_every=0.1))
    try:
        bookings = server.office.bookings
        await until(lambda: all(bookings[code].due_at - later == OFFSETS[code] for code in TRY_CODES), 60)
        again = await check_in_all(url)
    finally:
        demo.cancel()
        await asyncio.gather(demo, return_exceptions=True)
        await server.stop()
    assert [r.arrival for r in again.values()] == ["early", "on_time", "late"]
    assert all(again[c].ticket.number != first[c].ticket.number for c in TRY_CODES)  # new tickets
    assert all(r.booking.due_at - later == OFFSETS[c] for c, r in again.items())
