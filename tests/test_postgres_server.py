"""The real server on PostgreSQL (the store's own checks: tests/test_store_postgres.py): two
offices on one database, a schema each, served at once and kept apart; database sessions
lost while serving are reached again by the same process, and nothing confirmed is lost."""

from __future__ import annotations

import psycopg

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


async def test_lost_database_sessions_are_reached_again_without_a_restart_and_lose_nothing(
        tmp_path, postgres_cluster):
    """The database ends the server's sessions (a restart of PostgreSQL, an admin): the next
    draw's commit finds its session gone, the server reaches the database again and makes the
    commit there, and the draw is confirmed by the same process, numbering on; every ticket is
    in the database once. (A failover to a standby: tests/test_postgres_failover.py.)"""
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    from .conftest import ServerProcess, always_open_config, token

    db, config = postgres_cluster.database(), str(always_open_config(tmp_path))
    server = ServerProcess(db, "--config", config)
    try:
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1"), timeout=30) as kiosk:
            await kiosk.ready()
            confirmed = [(await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"r{i}"))).ticket
                         for i in range(3)]
            with psycopg.connect(db, autocommit=True) as admin:
                ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                                      "datname = current_database() AND application_name LIKE 'willkommen-server%%'"
                                      ).fetchone()[0]
            assert ended == 2  # the store's session and the commits'
            confirmed.append((await kiosk.request(p.Draw(id=0, service="info", lang="de", request="after"))).ticket)
            assert server.proc.poll() is None  # the same process
        assert server.stop() == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.wait()
    assert [t.number for t in confirmed] == ["F001", "F002", "F003", "F004"]
    assert any('"database lost' in line for line in server.log) and any('"database reached again' in line
                                                                         for line in server.log)
    store = open_store(db, timezone="Europe/Berlin")
    try:
        for ticket in confirmed:
            assert store.ticket_row(token=ticket.token)["number"] == ticket.number
        assert store.query("SELECT count(*) FROM events WHERE kind = 'ticket_drawn'") == [(4,)]
    finally:
        store.close()


async def test_an_idle_offices_dead_database_is_said_on_healthz_without_any_commit(tmp_path):
    """The review's night: nobody draws or calls when PostgreSQL dies. The idle check
    (`[limits] idle_check_seconds`, 1 here; server/store/liveness.py) finds it with no commit:
    `/healthz` turns "reconnecting"; once PostgreSQL is back it says "ok" again, and the next
    draw is confirmed by the same process. A cluster of its own: this one is killed."""
    import asyncio
    import json
    import time

    from server.wire import protocol as p
    from server.wire.session import ClientSession

    from .conftest import ServerProcess, always_open_config, http_get, token
    from .postgres import Cluster

    async def health() -> dict:
        return json.loads((await http_get(f"http://127.0.0.1:{server.port}/healthz"))[2])

    async def until(status: str) -> dict:
        deadline = time.monotonic() + 90
        while (said := await health())["status"] != status:
            assert time.monotonic() < deadline, f"/healthz still says {said['status']!r}, not {status!r}"
            await asyncio.sleep(0.2)
        return said

    cluster = Cluster().start()
    try:
        config = always_open_config(tmp_path)
        config.write_text(config.read_text(encoding="utf-8") + "\n[limits]\nidle_check_seconds = 1\n", encoding="utf-8")
        server = ServerProcess(cluster.database(), "--config", str(config))
        try:
            deadline = time.monotonic() + 60
            while (before := await health())["commits"] < 1:  # the start's own commit (its day) is made
                assert time.monotonic() < deadline, before
                await asyncio.sleep(0.1)
            assert before["status"] == "ok"
            cluster.kill()
            said = await until("reconnecting")
            assert said["commits"] == before["commits"] and said["tickets_today"] == 0  # nobody drew
            cluster.restart()
            await until("ok")
            async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                     token=token("kiosk-1"), timeout=30) as kiosk:
                await kiosk.ready()
                drawn = await kiosk.request(p.Draw(id=0, service="info", lang="de", request="morning"))
            assert drawn.ticket.number == "F001" and server.proc.poll() is None  # the same process
            assert server.stop() == 0
        finally:
            if server.proc.poll() is None:
                server.proc.kill()
                server.wait()
    finally:
        cluster.stop()
    assert any('"database lost while idle' in line for line in server.log), ''.join(server.log)
