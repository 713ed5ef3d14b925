"""The server against a clock that steps: NTP corrections across midnight and back.

The server reads the time through the `clock` it is given (events, days) and `monotonic`
(intervals); here the clock is a value the test sets, so stepping it back costs no waiting."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession, ServerError

from .conftest import make_site, token

BERLIN = ZoneInfo("Europe/Berlin")
MIDNIGHT = datetime(2026, 11, 25, tzinfo=BERLIN).timestamp()  # 2026-11-24 ends, 2026-11-25 begins


class Clock:
    """A wall clock the test sets."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


async def started(db, clock: Clock, **site) -> Server:
    server = Server(make_site(**site), db, always_open=True, clock=clock)
    await server.start("127.0.0.1", 0)
    return server


async def connect(server: Server, terminal: str) -> ClientSession:
    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role=terminal.split("-")[0], terminal=terminal,
                            token=token(terminal))
    session.start()
    await session.ready()
    return session


async def draw(kiosk: ClientSession, request: str, service: str = "residence") -> p.Reply:
    return await kiosk.request(p.Draw(id=0, service=service, lang="de", request=request))


async def test_clock_stepping_back_across_midnight_keeps_the_new_day_numbers_and_tickets(tmp_path):
    db, clock = tmp_path / "office.sqlite3", Clock(MIDNIGHT - 10)
    server = await started(db, clock)
    kiosk = await connect(server, "kiosk-1")
    yesterday = await draw(kiosk, "y1")
    clock.now = MIDNIGHT + 1
    today = [await draw(kiosk, "t1"), await draw(kiosk, "t2")]
    clock.now = MIDNIGHT - 2  # NTP steps the clock back three seconds, across midnight
    today.append(await draw(kiosk, "t3"))
    assert server.office.day == "2026-11-25"
    assert [r.ticket.number for r in today] == ["A001", "A002", "A003"]
    assert sorted(server.office.tickets) == ["A001", "A002", "A003"]
    await kiosk.close()
    await server.stop()

    for restart_at in (MIDNIGHT - 1, MIDNIGHT + 5):  # the clock still behind, then right again
        clock.now = restart_at
        server = await started(db, clock)
        kiosk = await connect(server, "kiosk-1")
        today.append(await draw(kiosk, f"after-restart-{restart_at}"))
        assert server.office.day == "2026-11-25"
        tokens = {t.number: t.token for t in server.office.tickets.values()}
        assert tokens == {r.ticket.number: r.ticket.token for r in today}  # every confirmed ticket, no other
        await kiosk.close()
        rows = server.store.db.execute("SELECT day, number FROM tickets ORDER BY id").fetchall()
        await server.stop()
    assert rows == [("2026-11-24", yesterday.ticket.number)] + [("2026-11-25", f"A00{n}") for n in range(1, 6)]


async def test_a_ticket_drawn_in_the_same_commit_as_the_new_day_is_stored_and_expired(tmp_path):
    """The last draw of a day and the first command of the next, run in one turn of the event
    loop, share one group commit: the ticket is no longer in today's memory, but it was confirmed."""
    server = await started(tmp_path / "office.sqlite3", Clock(MIDNIGHT - 1))
    server.writer.others_may_join = lambda: True  # as when two connections' requests woke in one turn
    try:
        def last_draw(now):
            return server.office.draw(kiosk="kiosk-1", service="residence", lang="de", request="late",
                                      token="late-token", now=now)

        def first_of_the_day(now):
            return server.office.open(counter="1", services=None, now=MIDNIGHT + 1)

        await asyncio.gather(server.writer.submit(last_draw), server.writer.submit(first_of_the_day))
        assert server.writer.last_group == 2 and server.office.day == "2026-11-25"
        row = server.store.ticket_row(token="late-token")
    finally:
        await server.stop()
    assert row is not None and (row["day"], row["number"], row["state"]) == ("2026-11-24", "A001", "expired")


async def test_kiosk_rate_limit_is_not_refused_after_the_clock_steps_back_two_minutes(tmp_path):
    clock = Clock(time.time())
    server = await started(tmp_path / "office.sqlite3", clock, kiosk_draws_per_minute=30)
    kiosk = await connect(server, "kiosk-1")
    try:
        await draw(kiosk, "before")
        clock.now -= 120
        after = await draw(kiosk, "after")  # a wall-clock bucket would owe 60 draws now
        assert after.ticket.number == "A002"
        refused = None
        for n in range(20):  # the limit itself still holds: a burst of 10, then refused
            try:
                await draw(kiosk, f"burst-{n}")
            except ServerError as exc:
                refused = exc.code
                break
        assert refused == "rate_limited" and n <= 10
    finally:
        await kiosk.close()
        await server.stop()


async def desk_push(counter: ClientSession, desk_id: str, state: str) -> p.DeskView:
    """The next desk push for `desk_id` in `state`, skipping the others."""
    while True:
        pushed = await counter.next_event(p.DeskChanged, timeout=5)
        if (pushed.desk.counter, pushed.desk.state) == (desk_id, state):
            return pushed.desk


async def test_the_day_change_tells_every_counter_its_desk_above_all_one_with_a_visitor(tmp_path):
    clock = Clock(MIDNIGHT - 60)
    server = await started(tmp_path / "office.sqlite3", clock)
    kiosk = await connect(server, "kiosk-1")
    busy, idle = await connect(server, "counter-1"), await connect(server, "counter-2")
    try:
        await draw(kiosk, "night-owl", service="card-pickup")  # counter 1 serves it first
        for counter in (busy, idle):
            await counter.request(p.Open(id=0))
        called = await busy.request(p.Next(id=0))
        assert called.desk.current.number == "E001"
        clock.now = MIDNIGHT + 1
        await draw(kiosk, "early-bird")  # the first command of the day starts it
        for counter, desk_id in ((busy, "1"), (idle, "2")):
            await desk_push(counter, desk_id, "open")  # what was pushed before midnight
            told = await desk_push(counter, desk_id, "closed")
            assert told.current is None
        try:
            await busy.request(p.Next(id=0))
        except ServerError as exc:
            assert exc.code == "counter_not_open"
        reopened = await busy.request(p.Open(id=0))
        assert reopened.desk.state == "open" and reopened.desk.current is None
    finally:
        for session in (kiosk, busy, idle):
            await session.close()
        await server.stop()
