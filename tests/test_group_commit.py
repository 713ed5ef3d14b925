"""Group commit with synchronous=full (an fsync per commit; on PostgreSQL its own
synchronous_commit): many kiosks at once share commits, and no reply confirms a ticket before
it is committed, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import threading
import time

import psycopg

from server.core import Office
from server.wire import protocol as p
from server.edge.app import Server
from server.store.beside import Beside
from server.store.sqlite import Store
from server.store.writer import Writer
from server.wire.session import ClientSession

from .conftest import ServerProcess, always_open_config, make_site, token


async def test_concurrent_draws_share_commits_and_each_reply_follows_its_commit(store_db):
    site = make_site(synchronous="full", kiosk_draws_per_minute=10**9)
    server = Server(site, store_db, always_open=True)
    port = await server.start("127.0.0.1", 0)

    async def kiosk(n: int) -> list[str]:
        session = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1",
                                token=token("kiosk-1"))
        numbers = []
        async with session:
            await session.ready()
            for i in range(8):
                reply = await session.request(p.Draw(id=0, service="info", lang="ar", request=f"k{n}-{i}"))
                numbers.append(reply.ticket.number)
        return numbers

    try:
        drawn = [n for numbers in await asyncio.gather(*(kiosk(n) for n in range(12))) for n in numbers]
    finally:
        await server.stop()
    assert sorted(drawn) == [f"F{i:03d}" for i in range(1, 97)]  # 96 tickets, none twice, none lost
    assert server.writer.commits < 96  # twelve kiosks shared commits, each with its fsync


async def test_no_reply_before_its_commit(tmp_path):
    """The server runs in its own process; the test holds SQLite's write lock, so the commit
    waits (sqlite's busy timeout is 5 s). A draw must get no answer while the lock is held
    and its answer, with the ticket in the file, once the lock is let go. (A check made on the
    server's own event loop could not see a reply sent before its commit.)"""
    db = tmp_path / "o.sqlite3"
    server = ServerProcess(db, "--config", str(always_open_config(tmp_path)))
    try:
        session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                token=token("kiosk-1"))
        async with session:
            await session.ready()
            first = await session.request(p.Draw(id=0, service="info", lang="ar", request="before"))
            blocker = sqlite3.connect(db, isolation_level=None)
            blocker.execute("BEGIN IMMEDIATE")  # the write lock: the server's next commit waits
            draw = asyncio.ensure_future(session.request(p.Draw(id=0, service="info", lang="ar", request="held")))
            done, _ = await asyncio.wait([draw], timeout=2.0)
            blocker.execute("ROLLBACK")
            assert not done, f"{draw.result().ticket.number} was confirmed while its commit could not be written"
            reply = await draw
            row = blocker.execute("SELECT token FROM tickets WHERE number = ?", [reply.ticket.number]).fetchone()
            blocker.close()
        assert first.ticket.number == "F001" and reply.ticket.number == "F002"
        assert row == (reply.ticket.token,)
    finally:
        if server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
        assert server.wait() == 0


async def test_no_reply_before_its_commit_on_postgresql(tmp_path, postgres_cluster):
    """The same on PostgreSQL: the test holds a lock on `tickets` that the server's next commit
    needs (SHARE: reads go on, writes wait), so the commit waits in the database."""
    db = postgres_cluster.database()
    server = ServerProcess(db, "--config", str(always_open_config(tmp_path)))
    try:
        session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                token=token("kiosk-1"))
        async with session:
            await session.ready()
            first = await session.request(p.Draw(id=0, service="info", lang="ar", request="before"))
            with psycopg.connect(db, connect_timeout=10) as blocker:
                blocker.execute("LOCK TABLE tickets IN SHARE MODE")  # until this transaction ends
                draw = asyncio.ensure_future(session.request(p.Draw(id=0, service="info", lang="ar",
                                                                    request="held")))
                done, _ = await asyncio.wait([draw], timeout=2.0)
                blocker.rollback()
                assert not done, f"{draw.result().ticket.number} was confirmed while its commit could not be written"
                reply = await asyncio.wait_for(draw, 10)
                row = blocker.execute("SELECT token FROM tickets WHERE number = %s", [reply.ticket.number]).fetchone()
        assert first.ticket.number == "F001" and reply.ticket.number == "F002"
        assert row == (reply.ticket.token,)
    finally:
        if server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
        assert server.wait() == 0


async def test_with_full_the_kiosks_draw_on_while_a_group_waits_for_the_disk(tmp_path, monkeypatch):
    """With synchronous=full a group of draws waits for its fsync on a thread of its own, not
    on the event loop: here the disk takes 0.3 s to sync (the hardware edge: the store's
    COMMIT is held up that long on its thread). Meanwhile a further kiosk's draw is taken
    (its ticket made), nothing is answered, and once the sync is done every draw is answered
    with its ticket in the file."""
    slow_disk = threading.Event()

    def sync_slowly(conn):
        slow_disk.set()
        time.sleep(0.3)
        return sync(conn)

    sync = Beside._sync
    monkeypatch.setattr(Beside, "_sync", staticmethod(sync_slowly))
    db = tmp_path / "o.sqlite3"
    office, store = Office(make_site(), always_open=True), Store(db, timezone="Europe/Berlin", synchronous="full")
    writer = Writer(office, store, on_committed=lambda events: None, on_failure=lambda: None)
    task = asyncio.create_task(writer.run())

    def drawing(n: int):
        return lambda now: office.draw(kiosk="kiosk-1", service="info", lang="de", request=f"r{n}", token=f"t{n}",
                                       now=now)[1]

    try:
        async with asyncio.timeout(20):
            group = [asyncio.create_task(writer.submit(drawing(n))) for n in range(2)]
            while not slow_disk.is_set():  # the group of two is syncing
                await asyncio.sleep(0.01)
            later = asyncio.create_task(writer.submit(drawing(2)))
            await asyncio.sleep(0)
            taken_meanwhile = "F003" in office.tickets
            answered_meanwhile = [t.done() for t in [*group, later]]
            numbers = [ticket.number for ticket in await asyncio.gather(*group, later)]
    finally:
        task.cancel()
        store.close()
    assert taken_meanwhile and answered_meanwhile == [False, False, False]
    assert numbers == ["F001", "F002", "F003"]
    on_disk = sqlite3.connect(db).execute("SELECT number FROM tickets ORDER BY number").fetchall()
    assert on_disk == [("F001",), ("F002",), ("F003",)]
