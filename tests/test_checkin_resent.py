"""A check-in sent again after its reply was lost (the kiosk's session resends it with
`retry=True` once the connection is back) gets the same answer, makes no second ticket and
spends none of the kiosk's draws a minute; the kiosk's check before it (`checkin {check}`, the
code looked up before the interpreter question) and the check-in itself are one visitor, one
draw. The real server on 127.0.0.1 with a temporary database, the kiosk a real client session;
the rate limit's clock stands still (`monotonic`), so nothing depends on how fast the test runs.
"""

from __future__ import annotations

import pytest

from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .conftest import make_site, token
from .test_kiosk_appointments import MIN, T0, Clock, book


@pytest.fixture
async def office(tmp_path):
    """Two draws a minute for each kiosk (a burst of two), on a wall clock at 10:00 on a Wednesday."""
    site = make_site(kiosk_draws_per_minute=2)
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=Clock(T0), monotonic=lambda: 1000.0)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def kiosk(server: Server) -> ClientSession:
    return ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                         token=token("kiosk-1"), backoff=(0.05, 0.2))


async def test_a_check_in_sent_again_gets_the_same_ticket_and_spends_nothing(office):
    await book(office, "HD-42", T0 + 20 * MIN, lang="ar")
    async with kiosk(office) as session:
        await session.ready()
        checked = await session.request(p.Checkin(id=0, booking="hd-42", lang="ar", check=True))
        assert checked.ticket is None and checked.booking.booking == "HD-42"
        first = await session.request(p.Checkin(id=0, booking="HD-42", lang="ar", interpreter=True))
        # its reply lost: the same check-in again, and again, and the check before it
        again = [await session.request(p.Checkin(id=0, booking="HD-42", lang="ar", interpreter=True))
                 for _ in range(3)]
        rechecked = await session.request(p.Checkin(id=0, booking="HD-42", lang="ar", check=True))
        # the kiosk's second draw of the minute is still there for the next visitor ...
        drawn = await session.request(p.Draw(id=0, service="info", lang="de", request="next-visitor"))
        with pytest.raises(ServerError) as refused:  # ... and it was the last one
            await session.request(p.Draw(id=0, service="info", lang="de", request="one-more"))
    assert refused.value.code == "rate_limited"
    assert [reply.ticket for reply in again] == [first.ticket] * 3
    assert [(r.arrival, r.booking) for r in again] == [(first.arrival, first.booking)] * 3
    assert rechecked.ticket == first.ticket
    assert first.ticket.interpreter and first.arrival == "early"
    tickets = office.office.tickets
    assert sorted(tickets) == sorted([first.ticket.number, drawn.ticket.number])  # no second ticket


async def test_a_check_in_is_refused_by_the_rate_limit_only_for_a_code_not_checked_in(office):
    """The rule holds the other way too: each new code costs a draw, so a kiosk guessing codes
    is as slow as before (two a minute here); the one checked in is still answered."""
    await book(office, "HD-1", T0 + 20 * MIN)
    await book(office, "HD-2", T0 + 20 * MIN)
    await book(office, "HD-3", T0 + 20 * MIN)
    async with kiosk(office) as session:
        await session.ready()
        one = await session.request(p.Checkin(id=0, booking="HD-1"))
        await session.request(p.Checkin(id=0, booking="HD-2", check=True))
        with pytest.raises(ServerError) as refused:
            await session.request(p.Checkin(id=0, booking="HD-3", check=True))
        assert refused.value.code == "rate_limited"
        assert (await session.request(p.Checkin(id=0, booking="HD-1"))).ticket == one.ticket
        two = await session.request(p.Checkin(id=0, booking="HD-2"))  # the check spent its draw
    assert [one.ticket.number, two.ticket.number] == sorted(office.office.tickets)
