"""A URL with two hosts (a primary and its standby, `target_session_attrs=read-write`) that
neither answers: the error at the start and the reconnect log say why EACH host refused, in
one line, not only the last host's "Connection refused" (psycopg raises the last attempt's
error; `server.store.reasons`). The session's cluster is the host that is up, with a login of
the test's own that has no password where the cluster asks it for one; a folder with no
PostgreSQL in it is the host that is down."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import ROOT, ServerProcess, always_open_config, token
from .postgres import PORT

NO_PASSWORD = "fe_sendauth: no password supplied"
DOWN = "No such file or directory"  # libpq's word for a Unix socket with no server behind it


@pytest.fixture
def clerk(postgres_cluster):
    """A login of its own owning a fresh database; `asks(True)` makes the cluster ask it for a
    password (which it has none of), `asks(False)` lets it in again."""
    db = urlsplit(postgres_cluster.database()).path.lstrip("/")
    name = f"clerk_{db}"
    hba = postgres_cluster.data / "pg_hba.conf"
    trusting = hba.read_text()
    with postgres_cluster.connect() as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN")
        conn.execute(f"ALTER DATABASE {db} OWNER TO {name}")

    def asks(password: bool) -> None:
        hba.write_text(f"local all {name} scram-sha-256\n{trusting}" if password else trusting)
        with postgres_cluster.connect() as conn:
            conn.execute("SELECT pg_reload_conf()")

    try:
        yield name, db, asks
    finally:
        asks(False)


def two_hosts(cluster, down, name: str, db: str) -> str:
    return (f"postgresql://{name}@/{db}?host={cluster.folder},{down}&port={PORT},55433"
            "&target_session_attrs=read-write")


def test_the_error_at_the_start_names_each_hosts_reason(tmp_path, postgres_cluster, clerk):
    name, db, asks = clerk
    asks(True)
    url = two_hosts(postgres_cluster, tmp_path / "down", name, db)
    done = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--db", url,
                           "--config", str(always_open_config(tmp_path))],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    said = [line for line in done.stderr.splitlines() if "ist nicht erreichbar" in line]
    assert len(said) == 1 and NO_PASSWORD in said[0] and DOWN in said[0], done.stderr
    assert said[0].index(NO_PASSWORD) < said[0].index(DOWN)  # in the URL's order


async def test_the_reconnect_log_names_each_hosts_reason(tmp_path, postgres_cluster, clerk):
    """The server is running on the first host when its sessions end and the cluster starts
    asking the login for a password: each `database not reached yet` line says so, beside the
    second host being down; let in again, the held draw is confirmed."""
    name, db, asks = clerk
    server = ServerProcess(two_hosts(postgres_cluster, tmp_path / "down", name, db),
                           "--config", str(always_open_config(tmp_path)))
    try:
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1"), timeout=60) as kiosk:
            await kiosk.ready()
            await kiosk.request(p.Draw(id=0, service="info", lang="de", request="before"))
            asks(True)
            with postgres_cluster.connect() as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name])
            held = asyncio.ensure_future(kiosk.request(p.Draw(id=0, service="info", lang="de", request="held")))
            async with asyncio.timeout(30):
                while not (tries := [line for line in server.log if "database not reached yet" in line]):
                    await asyncio.sleep(0.05)
            assert NO_PASSWORD in tries[0] and DOWN in tries[0], tries[0]
            assert not held.done()
            asks(False)
            assert (await held).ticket.number == "F002"
        assert server.stop() == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.wait()
