"""Group commit with synchronous=full (an fsync per commit): many kiosks at once share
commits, and no reply confirms a ticket that another reader of the file cannot yet see."""

from __future__ import annotations

import asyncio
import sqlite3

from server import protocol as p
from server.app import Server
from server.client import ClientSession

from .conftest import make_site, token


async def test_concurrent_draws_share_commits_and_each_reply_follows_its_commit(tmp_path):
    site = make_site(synchronous="full", kiosk_draws_per_minute=10**9)
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    reader = sqlite3.connect(tmp_path / "o.sqlite3")  # a second reader, as a report tool would be
    unseen: list[str] = []

    async def kiosk(n: int) -> list[str]:
        session = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1",
                                token=token("kiosk-1"))
        numbers = []
        async with session:
            await session.ready()
            for i in range(8):
                reply = await session.request(p.Draw(id=0, service="info", lang="ar", request=f"k{n}-{i}"))
                found = reader.execute("SELECT count(*) FROM tickets WHERE number = ?", [reply.ticket.number])
                if found.fetchone()[0] != 1:
                    unseen.append(reply.ticket.number)
                numbers.append(reply.ticket.number)
        return numbers

    try:
        drawn = [n for numbers in await asyncio.gather(*(kiosk(n) for n in range(12))) for n in numbers]
    finally:
        await server.stop()
        reader.close()
    assert sorted(drawn) == [f"F{i:03d}" for i in range(1, 97)]  # 96 tickets, none twice, none lost
    assert unseen == []
    assert server.writer.commits < 96  # twelve kiosks shared commits, each with its fsync
