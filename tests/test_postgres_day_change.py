"""The real server on PostgreSQL whose clock starts two days within moments while the lottery's
schedule runs: both day changes' housekeeping (statistics kept, retention purge) and the
schedule's seeds use the store's own session one at a time (`PostgresStore.aside`), so both
days' statistics are kept and nothing fails."""

from __future__ import annotations

import asyncio
import logging

import psycopg

from server.wire import protocol as p
from server.wire.session import ClientSession

from .access_office import DAY, Clock, access_site, at, page, start
from .conftest import token

MON, WED = "2026-12-07", "2026-12-09"


async def kept_days(url: str) -> list[str]:
    """The days whose statistics are kept, read on a session of the test's own."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        found = await conn.execute("SELECT day FROM stats_days ORDER BY day")
        return [day for (day,) in await found.fetchall()]


async def test_two_day_changes_in_quick_succession_keep_both_days_while_the_lottery_draws(postgres_cluster, caplog):
    caplog.set_level(logging.INFO, logger="willkommen")
    url = postgres_cluster.database()
    clock = Clock(at(MON, "16:00"))
    server = await start(url, clock, site=access_site(contingent={"residence": 2}))
    try:
        await server.access.tick()  # Monday: Tuesday's window opens, its seed kept on the store's session
        async with page(server) as visitor:
            for name in ("Amina Haddad", "Omar Karimi", "Sara Tesfay"):
                assert (await visitor.register(name))["type"] == "registered"
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1")) as kiosk:
            await kiosk.ready()

            async def draw(request: str) -> None:
                await kiosk.request(p.Draw(id=0, service="info", lang="de", request=request))

            await draw("monday")
            clock.t = at(DAY, "06:05")  # Tuesday starts with a draw at the kiosk while the lottery draws
            await asyncio.gather(draw("tuesday"), server.access.tick())
            clock.t = at(WED, "14:00")  # and Wednesday moments later, while Thursday's window opens
            await asyncio.gather(draw("wednesday"), server.access.tick())
        assert server.office.access_days[DAY].drawn is not None
        async with asyncio.timeout(20):  # the housekeeping runs beside the commits: wait for it
            while await kept_days(url) != [MON, DAY] and "housekeeping failed" not in caplog.text:
                await asyncio.sleep(0.05)
    finally:
        await server.stop()
    assert await kept_days(url) == [MON, DAY]
    assert "housekeeping failed" not in caplog.text
    assert "OutOfOrderTransactionNesting" not in caplog.text
