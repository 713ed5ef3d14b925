"""A synchronous standby that dies (docs/it-provider.md, "What to watch"): PostgreSQL keeps
every COMMIT waiting for it, with no error and no end, while the primary answers everything
else. The real server on a primary with a synchronous streaming standby (tests/postgres.py
`Standby`); the standby is killed (-9) while kiosks draw. What people notice:

- the IT admin: `/healthz` says `"stalled"`, how long the commit waits, that the primary waits
  for its synchronous standby, and what to do (bring it back, or go on with one copy);
- the team leader: the floor board's alert, in German;
- a kiosk: a draw is answered `busy` (nothing done), so its visitor is asked to wait a moment
  (`tests/test_postgres_failover.py` has that screen under Pilot) instead of waiting for ever;
- once the standby is back: the held draw is confirmed, once, and everything goes on.
"""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest

from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .conftest import ServerProcess, always_open_config, http_get, token
from .postgres import standby  # noqa: F401 (a fixture: a primary and its streaming standby, one a module)
from .test_kiosk_offline import board_until
from .test_manager_board import board_socket, cookie_for

COMMIT_WAIT = 1  # [limits] commit_wait_seconds for these tests (the default is 5)



def config(tmp_path) -> str:
    path = always_open_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + f"\n[limits]\ncommit_wait_seconds = {COMMIT_WAIT}\n",
                    encoding="utf-8")
    return str(path)


async def health(server: ServerProcess) -> dict:
    return json.loads((await http_get(f"http://127.0.0.1:{server.port}/healthz"))[2])


async def health_until(server: ServerProcess, condition, timeout: float = 30.0) -> dict:
    async with asyncio.timeout(timeout):
        while not condition(found := await health(server)):
            await asyncio.sleep(0.1)
    return found


def kiosk(server: ServerProcess, name: str, timeout: float) -> ClientSession:
    return ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal=name, token=token(name),
                         timeout=timeout)


def draw(request: str) -> p.Draw:
    return p.Draw(id=0, service="info", lang="ar", request=request)


def tickets_of(url: str, request: str) -> list[str]:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        return [number for (number,) in conn.execute(
            "SELECT t.number FROM events e JOIN tickets t ON t.id = (e.data::json ->> 'id')::bigint "
            "WHERE e.kind = 'ticket_drawn' AND e.data::json ->> 'request' = %s", [request])]


async def test_a_dead_standby_is_said_to_the_admin_and_the_team_leader_and_kiosks_are_answered(tmp_path, standby):
    db = standby.database()
    server = ServerProcess(db, "--config", config(tmp_path))
    held_kiosk, other_kiosk = kiosk(server, "kiosk-1", timeout=3), kiosk(server, "kiosk-2", timeout=3)
    board = None
    try:
        for session in (held_kiosk, other_kiosk):
            session.start()
            await session.ready()
        board, floor = await board_socket(server, await cookie_for(server.port))
        assert (await held_kiosk.request(draw("before"), retry=True)).ticket.number == "F001"
        assert (await health(server))["status"] == "ok"

        standby.standby.kill()
        held = asyncio.ensure_future(held_kiosk.request(draw("held")))  # its COMMIT waits
        stalled = await health_until(server, lambda h: h["database"].get("why") == "standby")
        database = stalled["database"]
        assert stalled["status"] == "stalled" and database["commit_waiting_s"] >= COMMIT_WAIT
        assert "synchronous standby" in database["detail"] and "standbys streaming: 0" in database["detail"]
        assert "ALTER SYSTEM SET synchronous_standby_names = ''" in database["hint"]

        said = ("Die Datenbank bestätigt nichts mehr: Kiosks und Schalter warten, es werden keine Nummern vergeben. "
                "Der Standby-Server der Datenbank antwortet nicht. Bitte die IT benachrichtigen.")
        # (a frame from before PostgreSQL was asked says "Die Ursache ist noch nicht bekannt.")
        floor = await board_until(board, floor, lambda f: said in [a["text"] for a in f["alerts"]])
        assert [a["kind"] for a in floor["alerts"] if a["text"] == said] == ["database"]

        # a visitor drawing now: busy, sent again for the kiosk's timeout, then said (not for ever)
        with pytest.raises(ServerError) as answered:
            await other_kiosk.request(draw("during"), retry=True)
        assert answered.value.code == "busy" and "has not confirmed a commit" in answered.value.message
        # the visitor whose draw was on its way: told it is not confirmed, not left waiting for ever
        with pytest.raises(ServerError) as told:
            await held
        assert told.value.code == "unconfirmed"

        await asyncio.to_thread(standby.standby.restart)  # it catches up, and the waiting COMMIT is confirmed
        await health_until(server, lambda h: h["status"] == "ok" and h["database"] == {"commit_waiting_s": 0.0})
        floor = await board_until(board, floor, lambda f: not any(a["kind"] == "database" for a in f["alerts"]))
        assert any(a["kind"] == "database" for a in floor["cleared"])
        # the held draw sent again with its key: the ticket drawn before the standby died, not a second one
        assert (await held_kiosk.request(draw("held"), retry=True)).ticket.number == "F002"
        assert (await other_kiosk.request(draw("after"), retry=True)).ticket.number == "F003"
        assert tickets_of(db, "held") == ["F002"] and tickets_of(db, "during") == []
        assert server.proc.poll() is None  # the same process all through
    finally:
        await asyncio.gather(held_kiosk.close(), other_kiosk.close(), *([board.close()] if board else []))
        assert server.stop() == 0
    logged = [json.loads(line).get("msg") for line in server.log if line.startswith("{")]
    assert {"commits wait for the database; answering busy", "why commits wait", "commits confirmed again"} <= set(logged)


async def test_a_visitor_asked_to_wait_gets_the_ticket_that_waited_once_the_standby_is_back(standby):
    """The kiosk under Pilot: the standby dies, the visitor's touch is asked to wait a moment
    (in Ukrainian) rather than left with a screen that never answers; once the standby is back,
    the visitor's next touch of the same service gets the ticket that waited (the kiosk sent
    its key again), and the database holds one ticket, not two."""
    from config import strings
    from config.limits import Limits
    from kiosk.app import KioskApp, TicketScreen, for_terminal
    from kiosk.interpreter import InterpreterScreen
    from printing.printers import open_printer
    from server.edge.app import Server

    from .conftest import make_site
    from .test_kiosk_app import SIZE, laid_out, until

    db = standby.database()
    server = Server(make_site(), db, always_open=True, limits=Limits(commit_wait_seconds=COMMIT_WAIT))
    port = await server.start("127.0.0.1", 0)
    app = KioskApp(ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"),
                                 timeout=2, backoff=(0.05, 0.2)), printer=open_printer("dummy:"), idle_seconds=60)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: laid_out(app, "#lang-uk"))
            await asyncio.to_thread(standby.standby.kill)
            await pilot.click("#lang-uk")
            await until(pilot, lambda: laid_out(app, "#service-info"))
            await pilot.click("#service-info")
            await until(pilot, lambda: isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-no"))
            await pilot.click("#interpreter-no")
            wait_a_moment = for_terminal(strings("uk")["error.rate_limited"])
            await until(pilot, lambda: str(app.screen.query_one("#problem").render()) == wait_a_moment)
            assert server.health()["status"] == "stalled"

            await asyncio.to_thread(standby.standby.restart)
            await until(pilot, lambda: server.health()["status"] == "ok")
            await pilot.click("#interpreter-no")  # the visitor tries again
            await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#number"))
            assert app.screen.query_one("#number").value == "F001"  # the one that waited
    finally:
        await server.stop()
    with psycopg.connect(db, autocommit=True, connect_timeout=10) as conn:
        assert conn.execute("SELECT number FROM tickets").fetchall() == [("F001",)]


async def test_the_hint_to_go_on_with_one_copy_releases_the_waiting_commit(tmp_path, standby):
    """The admin follows /healthz's hint while the standby is still away (on the primary:
    synchronous_standby_names = ''): the waiting draw is confirmed at once and the office draws
    on, with one copy. (Last in the module: the pair is made synchronous again after.)"""
    db = standby.database()
    server = ServerProcess(db, "--config", config(tmp_path))
    session = kiosk(server, "kiosk-1", timeout=60)
    try:
        session.start()
        await session.ready()
        await asyncio.to_thread(standby.standby.kill)
        held = asyncio.ensure_future(session.request(draw("held"), retry=True))  # unconfirmed, then busy: sent again
        hint = (await health_until(server, lambda h: h["database"].get("why") == "standby"))["database"]["hint"]
        with standby.primary.connect() as admin:
            for statement in hint.split("primary: ")[1].split(" (docs/")[0].split("; "):
                admin.execute(statement.rstrip(";"))  # ALTER SYSTEM SET synchronous_standby_names = ''; pg_reload_conf()
        assert (await held).ticket.number == "F001"
        await health_until(server, lambda h: h["status"] == "ok")
        assert (await session.request(draw("after"), retry=True)).ticket.number == "F002"
    finally:
        await session.close()
        assert server.stop() == 0
        await asyncio.to_thread(standby.standby.restart)
        with standby.primary.connect() as admin:
            admin.execute("ALTER SYSTEM SET synchronous_standby_names = 'standby'")
            admin.execute("SELECT pg_reload_conf()")
    assert tickets_of(db, "held") == ["F001"]
