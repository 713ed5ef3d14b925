"""A clerk's action that waits on the office's database, on both counters (r-admin-4 findings
3 and 5; server/edge/held.py). The real server on PostgreSQL; the commit is held by a lock the
test's own session takes on `tickets` (as tests/test_call_before_commit.py does); the browser
counter in Chromium, the Textual counter under Pilot.

- A commit the database does not confirm for `commit_wait_seconds` is answered `unconfirmed`;
  once the lock is gone and the database confirms it, the visitor the clerk called is on the
  clerk's screen without a reload (before, the page said "Niemand aufgerufen" until a reload).
- A database lost while the action's commit is on its way (its session ended, as a restart or a
  failover ends it): the clerk is told at once that the action waits for the database; a
  second key is not queued behind it; once the database is back the action is done once.

(SQLite commits on the event loop: a lock held past its busy timeout stops the server, it never
answers `unconfirmed` or holds an action; these tests are PostgreSQL's.)
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import psycopg

from config import strings
from config.limits import Limits
from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import make_site, token
from .test_call_before_commit import Held
from .test_counter_app import text, until
from .test_counter_page import CURRENT, clerk_page, key, open_counter, until_shown

WORDS = strings("de", "staff")
TIMEOUT = 60.0


@asynccontextmanager
async def serving(postgres_cluster, commit_wait: float):
    """The demo office on a fresh PostgreSQL database, and a kiosk."""
    server = Server(make_site(), postgres_cluster.database(), always_open=True,
                    limits=Limits(commit_wait_seconds=commit_wait))
    await server.start("127.0.0.1", 0)
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                          token=token("kiosk-1"), timeout=TIMEOUT)
    try:
        async with kiosk:
            await kiosk.ready()
            yield server, kiosk
    finally:
        await server.stop()


async def drawn(kiosk: ClientSession, request: str) -> str:
    return (await kiosk.request(p.Draw(id=0, service="info", lang="ar", request=request))).ticket.number


def stored(office: Server, number: str) -> str:
    with psycopg.connect(str(office.db_path), autocommit=True, connect_timeout=10) as conn:
        return conn.execute("SELECT state FROM tickets WHERE number = %s", [number]).fetchone()[0]


async def end_the_waiting_commit(held: Held) -> None:
    """End the session whose commit waits for the test's lock, as a PostgreSQL restart or a
    failover ends it: once it waits (the server has sent its COMMIT), never before. Only the
    commit's (its mark is in it): the day's housekeeping may wait for the lock too."""
    async with asyncio.timeout(TIMEOUT):
        while not held.conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                    "current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() "
                                    "AND query LIKE '%%willkommen_commit%%'").fetchall():
            await asyncio.sleep(0.05)


async def test_the_browser_counter_shows_the_visitor_it_called_once_the_database_confirms(postgres_cluster, browser):
    async with serving(postgres_cluster, 1) as (office, kiosk):
        page = await clerk_page(browser, office, counter_key="1")
        await open_counter(page)
        number = await drawn(kiosk, "a")
        held = Held(office.db_path)
        try:
            await key(page, "n")
            await until_shown(page, "#message", WORDS["error.unconfirmed"])
            assert stored(office, number) == "waiting"  # its commit waits
        finally:
            held.release()
        await until_shown(page, CURRENT, number)  # no reload: the page was sent the confirmed reply
        assert await page.inner_text("#message") == WORDS["waits.confirmed"]
        assert stored(office, number) == "called"
        assert "aufgerufen" in await page.inner_text("#current")


async def test_the_textual_counter_shows_the_visitor_it_called_once_the_database_confirms(postgres_cluster):
    from counter.app import CounterApp

    async with serving(postgres_cluster, 1) as (office, kiosk):
        app = CounterApp(ClientSession(f"ws://127.0.0.1:{office.port}/", role="counter", terminal="counter-1",
                                       token=token("counter-1"), timeout=TIMEOUT, explain=True), lang="de")
        number = await drawn(kiosk, "a")
        async with app.run_test(size=(130, 40)) as pilot:
            await until(pilot, lambda: app.board.desk is not None)
            await pilot.press("o", "o")
            await until(pilot, lambda: app.board.desk.state == "open")
            held = Held(office.db_path)
            try:
                await pilot.press("n")
                await until(pilot, lambda: WORDS["error.unconfirmed"] in text(app, "#message"))
                assert number not in text(app, "#current")
            finally:
                held.release()
            await until(pilot, lambda: number in text(app, "#current"))
            assert WORDS["waits.confirmed"] in text(app, "#message")
        assert stored(office, number) == "called"


async def test_the_browser_counter_says_at_once_that_its_action_waits_for_a_lost_database(postgres_cluster, browser):
    async with serving(postgres_cluster, 600) as (office, kiosk):
        page = await clerk_page(browser, office, counter_key="1")
        await open_counter(page)
        number = await drawn(kiosk, "a")
        await key(page, "n")
        await until_shown(page, CURRENT, number)
        held = Held(office.db_path)
        try:
            await key(page, "f", "1")  # finish: its commit waits for the lock ...
            await end_the_waiting_commit(held)  # ... and its session ends: the server reaches the database again
            await until_shown(page, "#message", WORDS["waits.held"])
            await key(page, "f")  # pressed again: no second finish queued behind the first, no dialog
            await until_shown(page, "#message", WORDS["waits.still"])
            assert await page.locator("#dialog[open]").count() == 0
            assert stored(office, number) == "called"
        finally:
            held.release()  # the database "is back": the held finish is made, once
        await until_shown(page, "#handled", f"{number} erledigt")
        await until_shown(page, "#message", WORDS["waits.back"])
        assert await page.inner_text("#current") == WORDS["panel.nobody"]
        assert stored(office, number) == "done"
        await key(page, "n")  # and the next key is the clerk's again
        await until_shown(page, "#message", WORDS["error.nothing_waiting"])


async def test_the_textual_counter_says_at_once_that_its_action_waits_for_a_lost_database(postgres_cluster):
    from counter.app import CounterApp

    async with serving(postgres_cluster, 600) as (office, kiosk):
        app = CounterApp(ClientSession(f"ws://127.0.0.1:{office.port}/", role="counter", terminal="counter-1",
                                       token=token("counter-1"), timeout=5, explain=True), lang="de")
        number = await drawn(kiosk, "a")
        async with app.run_test(size=(130, 40)) as pilot:
            await until(pilot, lambda: app.board.desk is not None)
            await pilot.press("o", "o")
            await until(pilot, lambda: app.board.desk.state == "open")
            await pilot.press("n")
            await until(pilot, lambda: number in text(app, "#current"))
            held = Held(office.db_path)
            try:
                await pilot.press("s")  # arrived: its commit waits for the lock, and its session ends
                await end_the_waiting_commit(held)
                await until(pilot, lambda: WORDS["waits.held"] in text(app, "#message"))
                await pilot.press("f")  # no dialog, no second action behind the first
                await until(pilot, lambda: WORDS["waits.still"] in text(app, "#message"))
                assert len(app.screen_stack) == 1
                await pilot.pause(6)  # past the session's 5 s timeout: a held request waits for its answer
                assert WORDS["error.connection"] not in text(app, "#message")
            finally:
                held.release()
            await until(pilot, lambda: WORDS["waits.back"] in text(app, "#message"))
            assert "in Bearbeitung" in text(app, "#current")
        assert stored(office, number) == "serving"
