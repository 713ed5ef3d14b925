"""Ten counters racing `next` while two kiosks draw 500 tickets: each ticket is called once.

The server runs on its own thread and event loop, so the terminals' frames reach it as they
come, not in the turns of one loop shared with the clients."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from contextlib import asynccontextmanager

from config import parse_site
from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession, ServerError

from .conftest import demo_data

TICKETS = 500
COUNTERS = 10


def ten_counter_site():
    data = demo_data()
    services = [s["id"] for s in data["services"]]
    data["site"]["kiosk_draws_per_minute"] = 100_000
    data.pop("zones", None)  # the demo's floors name counters this office has not
    data["counters"] = [{"id": str(i), "services": services[i % 6:] + services[:i % 6]} for i in range(1, COUNTERS + 1)]
    data["terminals"] = [t for t in data["terminals"] if t["role"] == "kiosk"] + [
        {"id": f"counter-{i}", "role": "counter", "counter": str(i), "token": f"race-counter-{i}"}
        for i in range(1, COUNTERS + 1)]
    return parse_site(data)


@asynccontextmanager
async def server_on_its_own_thread(site, path):
    """A real server on a thread of its own (its own event loop), stopped however the test ends."""
    loop, started, stop = asyncio.new_event_loop(), threading.Event(), None
    server: Server | None = None

    async def serve():
        nonlocal stop, server
        server = Server(site, path, always_open=True)
        await server.start("127.0.0.1", 0)
        stop = asyncio.Event()
        started.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    await asyncio.to_thread(started.wait, 30)
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(stop.set)
        await asyncio.to_thread(thread.join, 30)
        loop.close()


async def draw_again_if_limited(session: ClientSession, draw: p.Draw) -> p.Reply:
    """A kiosk refused for drawing too fast draws again (the same request: one ticket)."""
    while True:
        try:
            return await session.request(draw)
        except ServerError as exc:
            if exc.code != "rate_limited":
                raise
            await asyncio.sleep(0.01)


async def test_ten_counters_never_call_a_ticket_twice_and_lose_none(tmp_path):
    site = ten_counter_site()
    async with server_on_its_own_thread(site, tmp_path / "race.sqlite3") as server:
        await race(site, server)


async def race(site, server):
    url = f"ws://127.0.0.1:{server.port}/"
    terminals = [ClientSession(url, role=t.role, terminal=t.id, token=t.token) for t in site.terminals]
    for session in terminals:
        session.start()
    await asyncio.gather(*(s.ready() for s in terminals))
    kiosks, counters = terminals[:2], terminals[2:]
    drawn: list[str] = []
    finished: list[str] = []

    async def kiosk(session, half):
        for i in range(half, TICKETS, 2):
            service = site.services[i % 6].id
            reply = await draw_again_if_limited(session, p.Draw(id=0, service=service, lang="de", request=f"race-{i}"))
            drawn.append(reply.ticket.number)

    async def clerk(session):
        await session.request(p.Open(id=0))
        while len(finished) < TICKETS:
            try:
                called = await session.request(p.Next(id=0))
            except ServerError as exc:
                assert exc.code == "nothing_waiting"
                await asyncio.sleep(0.005)
                continue
            done = await session.request(p.Finish(id=0, outcome="done"))
            assert done.ticket.number == called.ticket.number and done.ticket.counter == session.welcome.counter
            finished.append(called.ticket.number)

    try:
        await asyncio.wait_for(asyncio.gather(*(kiosk(k, i) for i, k in enumerate(kiosks)),
                                              *(clerk(c) for c in counters)), 90)
    finally:
        await asyncio.gather(*(s.close() for s in terminals))

    twice = [n for n, k in Counter(finished).items() if k > 1]
    assert twice == [] and sorted(finished) == sorted(drawn) and len(set(drawn)) == TICKETS
    assert len({server.office.tickets[n].counter for n in finished}) > COUNTERS // 2  # a real race
