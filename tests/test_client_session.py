"""The shared client session: a lost reply, a retry with the same request, reconnection."""

from __future__ import annotations

import asyncio

import pytest

from server.wire import protocol as p
from server.wire.session import ClientSession, ConnectionLost

from .conftest import token
from .proxy import LossyProxy


@pytest.fixture
async def proxy(server):
    proxy = LossyProxy(server.port)
    proxy.port = await proxy.start()
    yield proxy
    await proxy.stop()


async def test_a_draw_whose_reply_was_lost_is_retried_and_returns_the_same_ticket(server, proxy):
    states = []
    kiosk = ClientSession(f"ws://127.0.0.1:{proxy.port}/", role="kiosk", terminal="kiosk-1",
                          token=token("kiosk-1"), on_state=states.append)
    async with kiosk:
        await kiosk.ready()
        first = await kiosk.request(p.Draw(id=0, service="extension", lang="ar", request="visitor-1"))
        proxy.drop_next_reply = True
        second = await kiosk.request(p.Draw(id=0, service="extension", lang="ar", request="visitor-2"), retry=True)
        assert proxy.cuts == 1 and states == [True, False, True]  # it really was cut and reconnected
        again = await kiosk.request(p.Draw(id=0, service="extension", lang="ar", request="visitor-2"))
    assert (first.ticket.number, second.ticket.number, again.ticket.number) == ("B001", "B002", "B002")
    assert second.ticket.token == again.ticket.token
    assert sorted(server.office.tickets) == ["B001", "B002"]  # printed once, drawn once


async def test_without_retry_a_lost_reply_is_reported(server, proxy):
    counter = ClientSession(f"ws://127.0.0.1:{proxy.port}/", role="counter", terminal="counter-5",
                            token=token("counter-5"))
    async with counter:
        await counter.ready()
        proxy.drop_next_reply = True
        with pytest.raises(ConnectionLost):
            await counter.request(p.Open(id=0))
        await counter.ready()
        assert counter.welcome.snapshot.desks[4].state == "open"  # committed before the cut


async def test_the_session_reconnects_after_a_server_restart(tmp_path, site):
    from server.edge.app import Server

    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    kiosk = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"),
                          backoff=(0.05, 0.2))
    async with kiosk:
        await kiosk.ready()
        await kiosk.request(p.Draw(id=0, service="info", lang="de", request="before"))
        await server.stop()
        while kiosk.connected:
            await asyncio.sleep(0.01)
        with pytest.raises(ConnectionLost):
            await kiosk.ready(timeout=0.3)
        server = Server(site, tmp_path / "o.sqlite3", always_open=True)
        await server.start("127.0.0.1", port)
        welcome = await kiosk.ready(timeout=10)
        assert {q.service: q.waiting for q in welcome.snapshot.queues}["info"] == 1  # rebuilt from the file
        after = await kiosk.request(p.Draw(id=0, service="info", lang="de", request="after"))
        assert after.ticket.number == "F002"
    await server.stop()
