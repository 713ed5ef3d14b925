"""The real server on PostgreSQL (the store's own checks: tests/test_store_postgres.py): two
offices on one database, a schema each, served at once and kept apart; a database session
lost while serving fails the draw, stops the server with 1, and loses nothing confirmed."""

from __future__ import annotations

import psycopg
import pytest

from server.store import open_store

from .conftest import make_site
from .test_store_postgres import office_in


async def test_two_offices_on_one_database_each_in_its_own_schema_keep_apart(postgres_cluster):
    """Two servers at once on one database, a schema each: both start (their locks are their
    schemas'), each numbers its own day from F001, and neither sees the other's tickets."""
    from server.edge.app import Server
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    from .conftest import token

    url = postgres_cluster.database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA wetzlar")
        conn.execute("CREATE SCHEMA giessen")
    servers = {name: Server(make_site(), office_in(url, name), always_open=True) for name in ("wetzlar", "giessen")}
    drawn: dict[str, list[str]] = {}
    try:
        for name, server in servers.items():
            await server.start("127.0.0.1", 0)
        for name, server in servers.items():
            async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                     token=token("kiosk-1")) as kiosk:
                await kiosk.ready()
                drawn[name] = [(await kiosk.request(p.Draw(id=0, service="info", lang="de",
                                                           request=f"{name}-{i}"))).ticket.number
                               for i in range(2 if name == "wetzlar" else 3)]
    finally:
        for server in servers.values():
            if hasattr(server, "server"):
                await server.stop()
    assert drawn == {"wetzlar": ["F001", "F002"], "giessen": ["F001", "F002", "F003"]}
    with psycopg.connect(url, autocommit=True) as conn:
        counts = {name: conn.execute(f"SELECT count(*) FROM {name}.tickets").fetchone()[0] for name in servers}
        assert conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                            ).fetchone()[0] == 0  # nothing of either office outside its schema
    assert counts == {"wetzlar": 2, "giessen": 3}


async def test_a_lost_database_session_fails_the_draw_stops_the_server_and_loses_nothing_confirmed(
        tmp_path, postgres_cluster):
    """The database ends the server's sessions (a restart of PostgreSQL, an admin, a failover):
    the next draw is answered `storage_failed`, never confirmed; the server stops with status 1
    (systemd restarts it), and the restarted server has every confirmed ticket and numbers on."""
    import signal

    from server.wire import protocol as p
    from server.wire.session import ClientSession, ConnectionLost, ServerError

    from .conftest import ServerProcess, always_open_config, token

    db, config = postgres_cluster.database(), str(always_open_config(tmp_path))
    server = ServerProcess(db, "--config", config)
    try:
        kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                              token=token("kiosk-1"), timeout=10)
        async with kiosk:
            await kiosk.ready()
            confirmed = [(await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"r{i}"))).ticket
                         for i in range(3)]
            with psycopg.connect(db, autocommit=True) as admin:
                ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                                      "datname = current_database() AND application_name LIKE 'willkommen-server%%'"
                                      ).fetchone()[0]
            assert ended == 2  # the store's session and the commits'
            with pytest.raises((ServerError, ConnectionLost)) as failed:
                await kiosk.request(p.Draw(id=0, service="info", lang="de", request="lost"))
            if isinstance(failed.value, ServerError):
                assert failed.value.code == "storage_failed"
        assert server.wait(20) == 1
    finally:
        if server.proc.poll() is None:
            server.proc.send_signal(signal.SIGKILL)
            server.wait()
    again = ServerProcess(db, "--config", config)
    try:
        async with ClientSession(f"ws://127.0.0.1:{again.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1")) as kiosk:
            await kiosk.ready()
            after = (await kiosk.request(p.Draw(id=0, service="info", lang="de", request="after"))).ticket
        assert again.stop() == 0
    finally:
        if again.proc.poll() is None:
            again.proc.kill()
            again.wait()
    store = open_store(db, timezone="Europe/Berlin")
    try:
        for ticket in confirmed:
            assert store.ticket_row(token=ticket.token)["number"] == ticket.number
        assert [t.number for t in confirmed] == ["F001", "F002", "F003"] and after.number == "F004"
    finally:
        store.close()
