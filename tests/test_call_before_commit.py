"""A call reaches the waiting room's screen as soon as the counter makes it, before its commit
(server/store/writer.py): the counter's reply still waits for the commit. When the commit
never comes, the restarted server's screen shows what the database holds, and the clerk's next
`next` calls that visitor.

The real server in its own process on each backend, a real kiosk, counter and display, and the
screen folded as the Textual display folds it (display/board.py). The commit is held by a lock
the test's own session takes: on PostgreSQL one on `tickets` (as tests/test_kiosk_held_draw.py),
then the server is killed (kill -9) and its waiting transaction ended; on SQLite the file's
write lock, behind which the commit fails after SQLite's busy timeout and the server stops
(status 1), as a commit that fails stops it on either backend.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

import psycopg
import pytest

from display.board import DisplayBoard
from server.wire import protocol as p
from server.wire.session import ClientSession, ConnectionLost, ServerError

from .conftest import ServerProcess, always_open_config, token

TIMEOUT = 60.0  # seconds a session waits for a reply or a push: the machine may be busy


def office_config(tmp_path: Path) -> Path:
    """The demo office always open; a held commit is never given up on within the test."""
    path = always_open_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "\n[limits]\ncommit_wait_seconds = 600\n", encoding="utf-8")
    return path


class Held:
    """The test's own session holding the lock the next commit needs, on either backend."""

    def __init__(self, db: str | Path):
        self.postgres = isinstance(db, str)
        if self.postgres:
            self.conn = psycopg.connect(str(db), connect_timeout=10)
            self.conn.execute("LOCK TABLE tickets IN SHARE MODE")  # writes wait, reads go on
        else:
            self.conn = sqlite3.connect(db, isolation_level=None, timeout=0)
            self.conn.execute("BEGIN IMMEDIATE")  # the file's write lock

    def state(self, number: str) -> str:
        return self.conn.execute("SELECT state FROM tickets WHERE number = %s".replace(
            "%s", "%s" if self.postgres else "?"), [number]).fetchone()[0]

    def end_waiting(self) -> None:
        """PostgreSQL: end the killed server's transaction that waits for the lock (a dead
        server's sessions end at their next word to it; this one would otherwise go on once
        the lock is free, its COMMIT already sent)."""
        self.conn.execute("SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def stored(db: str | Path, number: str) -> str:
    if isinstance(db, str):
        with psycopg.connect(db, autocommit=True, connect_timeout=10) as conn:
            return conn.execute("SELECT state FROM tickets WHERE number = %s", [number]).fetchone()[0]
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT state FROM tickets WHERE number = ?", [number]).fetchone()[0]


def sessions(port: int) -> tuple[ClientSession, ClientSession, ClientSession]:
    url = f"ws://127.0.0.1:{port}/"
    kiosk, counter = (ClientSession(url, role=role, terminal=terminal, token=token(terminal), timeout=TIMEOUT)
                      for role, terminal in (("kiosk", "kiosk-1"), ("counter", "counter-1")))
    return kiosk, counter, ClientSession(url, role="display", timeout=TIMEOUT)  # the demo's anonymous display


async def shown_call(display: ClientSession, board: DisplayBoard) -> str:
    """The next call the screen announces (its number)."""
    while not board.event(await display.next_event(p.Called)):
        pass
    return board.calls[0].number


def stop_for_good(server: ServerProcess) -> None:
    if server.proc.poll() is None:
        server.proc.kill()
        server.wait()


async def test_the_screen_shows_a_call_before_its_commit_and_after_a_lost_commit_only_what_is_stored(
        tmp_path, store_db):
    config, db = office_config(tmp_path), store_db
    server = ServerProcess(db, "--config", str(config))
    try:
        kiosk, counter, display = sessions(server.port)
        async with kiosk, counter, display:
            board = DisplayBoard()
            board.welcome(await display.ready())
            assert (await kiosk.request(p.Draw(id=0, service="info", lang="ar", request="a"))).ticket.number == "F001"
            await counter.request(p.Open(id=0))
            held = Held(db)
            try:
                calling = asyncio.ensure_future(counter.request(p.Next(id=0)))
                assert await shown_call(display, board) == "F001"  # on the screen ...
                assert held.state("F001") == "waiting"  # ... not stored yet
                if held.postgres:
                    assert not calling.done()  # ... and the counter not told yet: its commit waits
                    os.kill(server.pid, signal.SIGKILL)
                    assert server.wait(TIMEOUT) == -signal.SIGKILL
                    held.end_waiting()
                    with pytest.raises(ConnectionLost):
                        await calling
                else:  # SQLite's busy timeout: the commit fails, the counter is told so
                    with pytest.raises(ServerError) as told:
                        await calling
                    assert told.value.code == "storage_failed"
            finally:
                held.release()
        if not held.postgres:
            assert server.wait(TIMEOUT) == 1  # a commit that failed stops the server
    finally:
        stop_for_good(server)
    assert stored(db, "F001") == "waiting"

    server = ServerProcess(db, "--config", str(config))  # restarted, as its supervisor does
    try:
        _, counter, display = sessions(server.port)
        async with counter, display:
            board = DisplayBoard()
            board.welcome(await display.ready())  # the screen reconnected: the truth, no call
            assert board.calls == [] and board.queues["info"].waiting == 1
            reply = await counter.request(p.Next(id=0))  # the clerk presses again
            assert reply.ticket.number == "F001"
            assert await shown_call(display, board) == "F001"
        assert server.stop() == 0
    finally:
        stop_for_good(server)
    assert stored(db, "F001") == "called"


async def test_the_screen_hears_of_changes_in_the_order_they_happened_while_their_commits_wait(postgres_cluster):
    """Counter 1 sends its visitor to counter 2 and counter 2 calls them, both while their
    commits wait: the screen removes the call from counter 1, then shows it at counter 2, as
    it happened; the visitor is not taken off the screen once the commits are made (a screen
    told of the transfer only at its commit would). Staff hear of the call at its commit. Then
    the next call, F002, is shown above."""
    from config.limits import Limits
    from server.edge.app import Server

    from .conftest import make_site

    server = Server(make_site(), postgres_cluster.database(), always_open=True, limits=Limits(commit_wait_seconds=600))
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}/"
    kiosk, one, two = (ClientSession(url, role=role, terminal=terminal, token=token(terminal), timeout=TIMEOUT)
                       for role, terminal in (("kiosk", "kiosk-1"), ("counter", "counter-1"), ("counter", "counter-2")))
    display = ClientSession(url, role="display", timeout=TIMEOUT)
    try:
        async with kiosk, one, two, display:
            board = DisplayBoard()
            board.welcome(await display.ready())
            for key in ("a", "b"):
                await kiosk.request(p.Draw(id=0, service="info", lang="fa", request=key))
            for counter in (one, two):
                await counter.request(p.Open(id=0))
            assert (await one.request(p.Next(id=0))).ticket.number == "F001"
            assert await shown_call(display, board) == "F001"
            assert (await two.next_event(p.Called)).counter == "1"  # staff heard of it at its commit
            held = Held(server.db_path)
            try:
                sent_on = asyncio.ensure_future(one.request(p.Transfer(id=0, to_counter="2")))
                while board.calls:  # F001 back to waiting: off the screen ...
                    board.event(await display.next_event())
                called = asyncio.ensure_future(two.request(p.Next(id=0)))
                assert await shown_call(display, board) == "F001"  # ... and on it at counter 2
                assert not sent_on.done() and not called.done() and held.state("F001") == "called"
                with pytest.raises(TimeoutError):  # staff (counter 2's own screen) hear of it at the commit
                    await two.next_event(p.Called, timeout=0.5)
            finally:
                held.release()
            await sent_on
            assert (await called).ticket.number == "F001"
            assert (await two.next_event(p.Called)).counter == "2"
            assert (await one.request(p.Next(id=0))).ticket.number == "F002"
            assert await shown_call(display, board) == "F002"  # every frame before it has come
            assert [(c.number, c.counter) for c in board.calls] == [("F002", "1"), ("F001", "2")]
    finally:
        await server.stop()
