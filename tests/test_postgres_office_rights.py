"""An office set up on PostgreSQL exactly as docs/it-provider.md says ("A schema per office,
with the standby": the database's CONNECT and TEMPORARY revoked from PUBLIC, the office's login
given CONNECT and its own schema) gets every page of its server, its statistics and monthly
report included (r-admin-4, finding 1: they needed TEMPORARY and showed the websockets
library's English "Failed to open a WebSocket connection"). The SQL is read from the docs
themselves, so the docs and this test cannot drift apart; the real server on the session's
throwaway PostgreSQL (tests/postgres.py)."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg

from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import ROOT, make_site, token
from .postgres import PORT
from .test_manager_board import cookie_for, get_with

NAMES = itertools.count(1)


def docs_sql() -> str:
    """The psql script of docs/it-provider.md's "A schema per office, with the standby"."""
    docs = (ROOT / "docs" / "it-provider.md").read_text()
    section = docs[docs.index("### A schema per office, with the standby"):]
    found = re.search(r"<<'SQL'\n(.*?)\nSQL\n", section, re.S)
    assert found, "docs/it-provider.md has no psql script under 'A schema per office, with the standby'"
    return found.group(1)


def office_as_the_docs_say(cluster) -> str:
    """The docs' script run by psql, with a database and login of this test's own (the session's
    cluster is shared); the office's URL as its site file names it (the schema as `options`)."""
    suffix = f"{os.getpid()}_{next(NAMES)}"
    database, login = f"willkommen_docs_{suffix}", f"willkommen_wetzlar_{suffix}"
    script = re.sub(r"\bwillkommen_wetzlar\b", login, docs_sql())
    script = re.sub(r"\bwillkommen\b", database, script)
    assert "REVOKE CONNECT, TEMPORARY ON DATABASE" in script  # what the offices' logins must do without
    run = subprocess.run([str(cluster.bin / "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-h", str(cluster.folder),
                          "-p", str(PORT), "-U", "postgres", "-d", "postgres"],
                         input=script, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return f"postgresql://{login}@/{database}?host={cluster.folder}&port={PORT}&options=-csearch_path%3Dwetzlar"


async def test_statistics_and_the_monthly_report_need_no_more_rights_than_the_docs_grant(postgres_cluster):
    url = office_as_the_docs_say(postgres_cluster)
    server = Server(make_site(), url, always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1")) as kiosk:
            await kiosk.ready()
            for i in range(2):
                await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"rights-{i}"))
        cookie, base = await cookie_for(server.port), f"http://127.0.0.1:{server.port}"
        status, _, body = await get_with(f"{base}/stats?period=day&by=service", cookie)
        assert status == 200, body[:500]
        page = body.decode()
        assert "WebSocket" not in page and "Statistik" in page
        assert re.search(r"<td[^>]*>\s*2\s*</td>", page), "the day's two tickets are not on the page"
        status, headers, body = await get_with(f"{base}/report.pdf?month={datetime.now(ZoneInfo('Europe/Berlin')):%Y-%m}", cookie)
        assert status == 200 and body.startswith(b"%PDF"), body[:500]
        status, _, body = await get_with(f"{base}/stats.xlsx?period=day", cookie)
        assert status == 200 and body.startswith(b"PK"), body[:500]
    finally:
        await server.stop()
    with psycopg.connect(url.replace(url.split("@")[0], "postgresql://postgres"), autocommit=True) as conn:
        left = conn.execute("SELECT relname FROM pg_class WHERE relnamespace = 'wetzlar'::regnamespace "
                            "AND (relname LIKE 'made%' OR relname LIKE 'period%')").fetchall()
    assert left == []  # what the reads made went with their transactions
