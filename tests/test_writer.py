"""The writer on its own, with a real office and a real SQLite file or PostgreSQL database: commands that keep coming
while a group gathers are all committed, and each is answered only once its ticket is on disk.
(The server's tests reach the gathering rarely: their kiosks wait for each reply, so a group
seldom grows while it waits.)"""

from __future__ import annotations

import asyncio

import pytest

from server.core import Office
from server.store import open_store
from server.store.writer import Writer

from .conftest import make_site


async def test_commands_arriving_while_a_group_gathers_are_committed_before_they_are_answered(store_db):
    office, store = Office(make_site(), always_open=True), open_store(store_db, timezone="Europe/Berlin")
    committed: list[str] = []
    writer = Writer(office, store, on_committed=lambda events: committed.extend(
        e.number for e in events if e.kind == "ticket_drawn"), on_failure=lambda: None)
    task = asyncio.create_task(writer.run())
    on_disk_when_answered: list[bool] = []

    async def draw(n: int) -> str:
        ticket = await writer.submit(lambda now: office.draw(kiosk="kiosk-1", service="info", lang="de",
                                                             request=f"r{n}", token=f"t{n}", now=now)[1])
        on_disk_when_answered.append(store.ticket_row(token=f"t{n}") is not None)
        return ticket.number

    async def trickle() -> list[str]:
        """A kiosk's command on each turn of the loop: the group that gathers grows every turn."""
        started = []
        for n in range(3, 15):
            started.append(asyncio.create_task(draw(n)))
            await asyncio.sleep(0)
        return list(await asyncio.gather(*started))

    try:
        async with asyncio.timeout(20):
            first = await asyncio.gather(draw(0), draw(1), draw(2))  # one commit for three: the next gathers
            later = await trickle()
    finally:
        task.cancel()
        await store.aclose()
        store.close()
    numbers = [f"F{i:03d}" for i in range(1, 16)]
    assert first + later == numbers and sorted(committed) == numbers
    assert on_disk_when_answered == [True] * 15
    assert writer.commits < 15  # grouped


def drawing(office: Office, n: int):
    return lambda now: office.draw(kiosk="kiosk-1", service="info", lang="de", request=f"r{n}", token=f"t{n}",
                                   now=now)[1]


async def test_a_kiosk_that_leaves_mid_commit_does_not_hold_up_the_others_in_its_group(store_db):
    office, store = Office(make_site(), always_open=True), open_store(store_db, timezone="Europe/Berlin")
    writer = Writer(office, store, on_committed=lambda events: None, on_failure=lambda: None)
    task = asyncio.create_task(writer.run())
    try:
        gone, *staying = [asyncio.create_task(writer.submit(drawing(office, n))) for n in range(3)]
        await asyncio.sleep(0)  # each has run its command and waits for the commit
        gone.cancel()  # its connection closed
        async with asyncio.timeout(10):
            answered = [ticket.number for ticket in await asyncio.gather(*staying)]
    finally:
        task.cancel()
        await store.aclose()
        store.close()
    assert answered == ["F002", "F003"]


async def test_a_command_that_fails_by_a_bug_is_logged_and_the_next_is_served(store_db, caplog):
    office, store = Office(make_site(), always_open=True), open_store(store_db, timezone="Europe/Berlin")
    writer = Writer(office, store, on_committed=lambda events: None, on_failure=lambda: None)
    task = asyncio.create_task(writer.run())
    try:
        async with asyncio.timeout(10):
            with pytest.raises(ZeroDivisionError):
                await writer.submit(lambda now: 1 / 0)
            assert (await writer.submit(drawing(office, 1))).number == "F001"
    finally:
        task.cancel()
        await store.aclose()
        store.close()
    said = [(r.levelname, r.getMessage(), r.exc_info[0]) for r in caplog.records if r.name == "willkommen.writer"]
    assert said == [("ERROR", "command failed", ZeroDivisionError)]


async def test_a_lone_draw_that_woke_alone_is_committed_and_answered_without_another_turn(tmp_path):
    """A lone kiosk's draw waits a turn of the event loop for requests that woke with it to join
    its commit; when the edge says none did (`others_may_join`), it is committed and answered
    in its own turn, with its ticket in the file. Two draws that woke together still share one
    commit. (SQLite: its commit is inline; PostgreSQL's awaits its round trips.)"""
    office = Office(make_site(), always_open=True)
    store = open_store(tmp_path / "o.sqlite3", timezone="Europe/Berlin")
    others = [False]
    writer = Writer(office, store, on_committed=lambda events: None, on_failure=lambda: None,
                    others_may_join=lambda: others[0])
    task = asyncio.create_task(writer.run())
    try:
        async with asyncio.timeout(10):
            await asyncio.sleep(0)  # the writer waits for work
            turned = asyncio.Event()
            asyncio.get_running_loop().call_soon(turned.set)  # runs at the loop's next turn
            ticket = await writer.submit(drawing(office, 0))
            answered_in_its_turn = not turned.is_set()
            on_disk = store.ticket_row(token="t0") is not None
            commits = writer.commits
            others[0] = True  # two woke together: the first waits a turn for the second
            together = await asyncio.gather(writer.submit(drawing(office, 1)), writer.submit(drawing(office, 2)))
    finally:
        task.cancel()
        await store.aclose()
        store.close()
    assert ticket.number == "F001" and answered_in_its_turn and on_disk
    assert [t.number for t in together] == ["F002", "F003"] and writer.commits == commits + 1
