"""A standby that loses nothing (docs/it-provider.md): the real server on a PostgreSQL primary
with a synchronous streaming standby (tests/postgres.py `Standby`), its URL naming both hosts.
The primary is killed (-9) while kiosks draw (some draws in flight) and a counter calls; the
standby is promoted; the same server process goes on: busy meanwhile, every confirmed ticket
in the promoted database exactly once, its lock taken again there. One pair for the module (a
failover leaves it with one database); the tests that need no standby (a commit lost before
or after it was made, another server or our own old session holding the lock, a kiosk's "wait
a moment", a database away at the start) use the session's cluster."""

from __future__ import annotations

import asyncio
import json
import socket
from urllib.parse import urlsplit

import psycopg
import pytest

from server.store.postgres import LOCK_KEY
from server.wire import protocol as p
from server.wire.session import ClientSession, ConnectionLost, ServerError

from .conftest import ServerProcess, always_open_config, http_get, token
from .postgres import Standby, standby  # noqa: F401 (standby: a primary and its streaming standby, one a module)



async def status(server: ServerProcess) -> str:
    return json.loads((await http_get(f"http://127.0.0.1:{server.port}/healthz"))[2])["status"]


def terminal(server: ServerProcess, name: str, **options) -> ClientSession:
    role = "kiosk" if name.startswith("kiosk") else "counter"
    return ClientSession(f"ws://127.0.0.1:{server.port}/", role=role, terminal=name, token=token(name), **options)


def lock_holders(url: str) -> list[str]:
    """Who holds an office's advisory lock (the key of `server.store.postgres`) in `url`'s database."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        return [name for (name,) in conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s "
            "AND a.datname = current_database()", [LOCK_KEY])]


def promoted_url(standby: Standby, url: str) -> str:
    return standby.standby.url(urlsplit(url).path.lstrip("/"))


async def test_kiosks_draw_through_a_failover_and_every_confirmed_ticket_is_in_the_promoted_database(
        tmp_path, standby):
    db, config = standby.database(), str(always_open_config(tmp_path))
    server = ServerProcess(db, "--config", config)
    kiosks = [terminal(server, name, timeout=60) for name in ("kiosk-1", "kiosk-2")]
    storms = [terminal(server, name, timeout=60) for name in ("kiosk-1", "kiosk-2")]  # drawing all through
    counter = terminal(server, "counter-1")
    confirmed: list[p.TicketView] = []
    storming = True

    async def draw(kiosk: ClientSession, key: str) -> None:
        """As the kiosk draws: `retry=True` (a lost reply is sent again, `busy` too, same key)."""
        reply = await kiosk.request(p.Draw(id=0, service="info", lang="ar", request=key), retry=True)
        confirmed.append(reply.ticket)

    async def draw_round(when: str) -> None:
        await asyncio.gather(*(draw(kiosk, f"{kiosk.hello.terminal}-{when}") for kiosk in kiosks))

    async def storm(kiosk: ClientSession, n: int) -> None:
        """Draws one after another, also while the primary dies: some are in flight then."""
        for i in range(10**6):
            if not storming:
                return
            await draw(kiosk, f"storm-{n}-{i}")

    try:
        for session in (*kiosks, *storms, counter):
            session.start()
            await session.ready()
        await counter.request(p.Open(id=0))
        for i in range(3):
            await draw_round(f"before-{i}")
        called_before = (await counter.request(p.Next(id=0))).ticket.number
        stormed = asyncio.gather(*(storm(kiosk, n) for n, kiosk in enumerate(storms)))
        await asyncio.sleep(0.5)

        standby.primary.kill()
        held = asyncio.ensure_future(draw(kiosks[1], "kiosk-2-during"))  # its commit finds the primary gone
        async with asyncio.timeout(30):
            while await status(server) != "reconnecting":
                await asyncio.sleep(0.05)
        with pytest.raises(ServerError) as kiosk_busy:  # a kiosk that does not retry is told so
            await kiosks[0].request(p.Draw(id=0, service="info", lang="ar", request="not-retried"))
        with pytest.raises(ServerError) as counter_busy:  # and the clerk's no-show is not made
            await counter.request(p.NoShow(id=0))
        assert kiosk_busy.value.code == counter_busy.value.code == "busy"
        retried = asyncio.ensure_future(draw(kiosks[0], "kiosk-1-during"))  # busy, sent again and again
        await asyncio.sleep(1)
        assert not held.done() and not retried.done()  # neither confirmed nor refused

        standby.promote()
        await asyncio.gather(held, retried)  # confirmed once the promoted standby has them
        for i in range(3):
            await draw_round(f"after-{i}")
        storming = False
        await stormed
        await counter.request(p.NoShow(id=0))  # the clerk presses again
        called_after = (await counter.request(p.Next(id=0))).ticket.number
        assert await status(server) == "ok" and server.proc.poll() is None  # the same process, no restart
        assert lock_holders(promoted_url(standby, db)) == [
            f"willkommen-server {socket.gethostname()} pid {server.pid}"[:63]]
    finally:
        storming = False
        for session in (*kiosks, *storms, counter):
            await session.close()
        if server.proc.poll() is None:
            assert server.stop() == 0
    numbers = [t.number for t in confirmed]
    assert len(numbers) > 14  # the storm's too
    assert sorted(numbers, key=lambda n: int(n[1:])) == [f"F{i:03d}" for i in range(1, len(numbers) + 1)]  # none twice, none skipped (F1000 after F999)
    assert (called_before, called_after) == ("F001", "F002")
    with psycopg.connect(promoted_url(standby, db), autocommit=True) as conn:
        stored = dict(conn.execute("SELECT token, number FROM tickets").fetchall())
        drawn_events = conn.execute("SELECT count(*) FROM events WHERE kind = 'ticket_drawn'").fetchone()[0]
        called = dict(conn.execute("SELECT number, state FROM tickets WHERE number IN ('F001', 'F002')").fetchall())
    assert {t.token: t.number for t in confirmed} == stored
    assert drawn_events == len(numbers)  # a lost commit that had been made was not made twice
    assert called == {"F001": "no_show", "F002": "called"}
    # and a server started afresh on the promoted database replays it and numbers on
    again = ServerProcess(db, "--config", config)
    try:
        async with terminal(again, "kiosk-1") as kiosk:
            await kiosk.ready()
            assert (await kiosk.request(p.Draw(id=0, service="info", lang="de", request="next-day"))
                    ).ticket.number == f"F{len(numbers) + 1:03d}"
    finally:
        assert again.stop() == 0


async def test_a_server_that_finds_its_office_taken_after_a_lost_session_stops_and_confirms_nothing(
        tmp_path, postgres_cluster):
    """Another server took the office while this one's sessions were gone (on the new primary,
    or here on the same database): this one must not write beside it. The draw is answered as
    not done, the server stops with 1 naming the holder, and the other's lock stands."""
    db, config = postgres_cluster.database(), str(always_open_config(tmp_path))
    server = ServerProcess(db, "--config", config)
    other = psycopg.connect(db, autocommit=True, application_name="willkommen-server elsewhere pid 7")
    try:
        async with terminal(server, "kiosk-1", timeout=30) as kiosk:
            await kiosk.ready()
            confirmed = [(await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"r{i}"))).ticket
                         for i in range(2)]
            other.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND application_name LIKE %s", [f"willkommen-server % pid {server.pid}"])
            async with asyncio.timeout(10):  # free once the ended sessions are gone
                while not other.execute("SELECT pg_try_advisory_lock(%s, hashtext('public'))",
                                        [LOCK_KEY]).fetchone()[0]:
                    await asyncio.sleep(0.05)
            with pytest.raises((ServerError, ConnectionLost)) as refused:
                await kiosk.request(p.Draw(id=0, service="info", lang="de", request="taken"))
            if isinstance(refused.value, ServerError):
                assert refused.value.code == "storage_failed"
        assert server.wait(30) == 1
        assert lock_holders(db) == ["willkommen-server elsewhere pid 7"]
    finally:
        other.close()
        if server.proc.poll() is None:
            server.proc.kill()
            server.wait()
    assert any("taken by another Willkommen server (willkommen-server elsewhere pid 7)" in line for line in server.log)
    said = [line.rstrip("\n") for line in server.log if not line.startswith("{")]  # not the log's JSON lines
    assert said == [f"willkommen-server: Die Datenbank {db} hat ein anderer Willkommen-Server (willkommen-server "
                    "elsewhere pid 7) übernommen, während dieser sie nicht erreichte (ein Server je Amt): dieser "
                    "Server stoppt und schreibt nichts neben ihm; bitte den anderen stoppen oder jedem Amt eine "
                    "eigene Datenbank oder ein eigenes Schema geben."]
    with psycopg.connect(db, autocommit=True) as conn:
        assert sorted(conn.execute("SELECT number FROM tickets").fetchall()) == [(t.number,) for t in confirmed]


async def test_the_servers_own_old_session_still_holding_its_lock_is_ended_and_the_server_goes_on(
        tmp_path, postgres_cluster):
    """A network that broke leaves the server's old session alive to the database (until its
    TCP keepalive ends it), holding the office's lock: the server knows it by its own name
    (host and pid), ends it, and goes on; the draw is confirmed."""
    db, config = postgres_cluster.database(), str(always_open_config(tmp_path))
    server = ServerProcess(db, "--config", config)
    ours = f"willkommen-server {socket.gethostname()} pid {server.pid}"[:63]
    lingering = psycopg.connect(db, autocommit=True, application_name=ours)  # what the old session was
    try:
        async with terminal(server, "kiosk-1", timeout=30) as kiosk:
            await kiosk.ready()
            await kiosk.request(p.Draw(id=0, service="info", lang="de", request="before"))
            lingering.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND application_name = %s AND pid <> pg_backend_pid()", [ours])
            async with asyncio.timeout(10):
                while not lingering.execute("SELECT pg_try_advisory_lock(%s, hashtext('public'))",
                                            [LOCK_KEY]).fetchone()[0]:
                    await asyncio.sleep(0.05)
            after = await kiosk.request(p.Draw(id=0, service="info", lang="de", request="after"))
            assert after.ticket.number == "F002" and server.proc.poll() is None
            assert lingering.closed or lingering.broken or not _alive(lingering)
            assert lock_holders(db) == [ours]
        assert server.stop() == 0
    finally:
        lingering.close()
        if server.proc.poll() is None:
            server.proc.kill()
            server.wait()


def _alive(conn: psycopg.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


@pytest.mark.parametrize("made", [True, False, None], ids=["made-but-not-answered", "not-made", "no-session-yet"])
async def test_a_commit_whose_session_was_lost_is_made_exactly_once(postgres_cluster, made):
    """The primary may die before the commit reached the standby (not made) or after, before
    its answer came back (made): the writer cannot tell from the error, so the store reads its
    commit mark after reconnecting. Either way the draw is confirmed and its event is there once."""
    from server.core import Office
    from server.store.postgres import PostgresStore
    from server.store.writer import Writer

    from .conftest import make_site

    class LostOnce(PostgresStore):
        """The real store; its first commit's session is lost before (`made=False`) or after
        the commit (the network's last word lost: the hardware edge)."""
        lose = True

        async def commit(self, rows):
            if self.lose and made is None:  # the first commit's session cannot even be opened
                self.lose = False
                self.mark = ""  # as a new office's database has it
                return await super().commit(rows)
            if self.lose and not made:
                self.aconn, self.mark = await self._writing_connection(), "never sent"
            else:
                await super().commit(rows)
            if self.lose:
                self.lose = False
                await self.aconn.close()
                raise psycopg.OperationalError("server closed the connection unexpectedly")

        async def _writing_connection(self, *, handover=True):
            if made is None and not self.lose and self.aconn is None and handover:
                raise psycopg.OperationalError("connection refused")  # the database away at the first commit
            return await super()._writing_connection(handover=handover)

    url = postgres_cluster.database()
    office, store = Office(make_site(), always_open=True), LostOnce(url, timezone="Europe/Berlin")
    writer = Writer(office, store, on_committed=lambda events: None, on_failure=lambda: None)
    task = asyncio.create_task(writer.run())
    try:
        async with asyncio.timeout(30):
            ticket = await writer.submit(lambda now: office.draw(kiosk="kiosk-1", service="info", lang="de",
                                                                 request="r1", token="t1", now=now)[1])
    finally:
        task.cancel()
        await store.aclose()
        store.close()
    assert ticket.number == "F001" and not writer.failed and not store.lose
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'ticket_drawn'").fetchone()[0] == 1
        assert conn.execute("SELECT number FROM tickets WHERE token = 't1'").fetchone() == ("F001",)


async def test_a_visitor_at_a_kiosk_is_asked_to_wait_a_moment_while_the_database_is_away(postgres_cluster):
    """The visitor's draw is answered busy while the server reaches its database again: the
    kiosk (under Pilot) says "please wait a moment and try again" in the visitor's language,
    and once the database is back the same touch gives a ticket, numbered after the draw that
    was held through the outage."""
    from config import strings
    from kiosk.app import KioskApp, TicketScreen, for_terminal
    from kiosk.interpreter import InterpreterScreen
    from printing.printers import open_printer
    from server.edge.app import Server

    from .conftest import make_site
    from .test_kiosk_app import SIZE, laid_out, until

    url = postgres_cluster.database()
    name = urlsplit(url).path.lstrip("/")
    server = Server(make_site(), url, always_open=True)
    port = await server.start("127.0.0.1", 0)
    ws = f"ws://127.0.0.1:{port}/"
    app = KioskApp(ClientSession(ws, role="kiosk", terminal="kiosk-1", token=token("kiosk-1"), timeout=2,
                                 backoff=(0.05, 0.2)), printer=open_printer("dummy:"), idle_seconds=60)
    other = ClientSession(ws, role="kiosk", terminal="kiosk-2", token=token("kiosk-2"), timeout=60)
    admin = postgres_cluster.connect()
    try:
        async with other, app.run_test(size=SIZE) as pilot:
            await other.ready()
            await until(pilot, lambda: laid_out(app, "#lang-uk"))
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")  # away: no session can start
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
            held = asyncio.ensure_future(other.request(p.Draw(id=0, service="info", lang="de", request="held")))
            await until(pilot, lambda: server.health()["status"] == "reconnecting")
            alerts = server.board.floor(server.clock())["alerts"]  # the team leader is told, in German
            assert [a["text"] for a in alerts if a["kind"] == "database_away"] == [
                "Die Datenbank ist nicht erreichbar (Neustart oder Umschaltung): Kiosks und Schalter warten. "
                "Dauert es länger, bitte die IT benachrichtigen."]
            await pilot.click("#lang-uk")
            await until(pilot, lambda: laid_out(app, "#service-info"))
            await pilot.click("#service-info")
            await until(pilot, lambda: isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-no"))
            await pilot.click("#interpreter-no")
            wait_a_moment = for_terminal(strings("uk")["error.rate_limited"])
            await until(pilot, lambda: str(app.screen.query_one("#problem").render()) == wait_a_moment)
            assert not held.done()
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            assert (await held).ticket.number == "F001"
            await pilot.click("#interpreter-no")  # the visitor tries again
            await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#number"))
            assert app.screen.query_one("#number").value == "F002"
    finally:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        admin.close()
        await server.stop()


def test_a_database_that_is_away_at_the_start_exits_1_for_systemd_to_try_again(tmp_path):
    """Nothing answers at the URL's hosts (the database server still booting, a failover under
    way): status 1, which the unit restarts (deploy/willkommen-server@.service); not 2, which
    it leaves for the admin (a wrong site file, another server holding the office)."""
    import subprocess
    import sys

    from .conftest import ROOT

    url = f"postgresql://willkommen@/office?host={tmp_path / 'no-server'},{tmp_path / 'none-either'}&port=5432,5432"
    done = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--db", url,
                           "--config", str(always_open_config(tmp_path))],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(f"willkommen-server: Die Datenbank {url} ist nicht erreichbar (")
