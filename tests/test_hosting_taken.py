"""`willkommen-server host` on PostgreSQL: another server takes one office's schema while that
office's session is lost. The process stops with status 1 (the other offices cleanly) and says
in one German line which office and why (`hosting.failed_line`); its log has it in English."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest

from server.store.pg_lock import LOCK_KEY
from server.wire.session import ConnectionLost, ServerError

from .test_hosting import two_schemas, TIMEOUT, draw, host_command, office_folder, serving, token
from .test_store_postgres import office_in

# the session holding one schema's lock (two int4 keys: the key, the schema's hash as an oid)
HOLDER = ("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND classid::text::bigint = %s "
          "AND objid::text::bigint = (hashtext(%s)::bigint & 4294967295)")


async def test_an_office_taken_by_another_server_is_named_with_why_and_the_process_stops_with_1(
        tmp_path, postgres_cluster):
    url = postgres_cluster.database()
    two_schemas(url)
    db = office_in(url, "wetzlar")
    proc = host_command(str(office_folder(tmp_path, "wetzlar", db)),
                        str(office_folder(tmp_path, "giessen", office_in(url, "giessen"))))
    other = psycopg.connect(url, autocommit=True, application_name="willkommen-server elsewhere pid 7")
    try:
        ports, lines = serving(proc, 2)
        _, drawn = await draw(f"ws://127.0.0.1:{ports['wetzlar']}/", token("kiosk-1"), ["w1"])
        assert drawn == ["F001"]
        [(pid,)] = other.execute(HOLDER, [LOCK_KEY, "wetzlar"]).fetchall()
        other.execute("SELECT pg_terminate_backend(%s)", [pid])  # Wetzlar's commits' session lost
        async with asyncio.timeout(TIMEOUT):  # free once the ended session is gone: the other server takes it
            while not other.execute("SELECT pg_try_advisory_lock(%s, hashtext('wetzlar'))", [LOCK_KEY]).fetchone()[0]:
                await asyncio.sleep(0.05)
        with pytest.raises((ServerError, ConnectionLost)) as refused:
            await draw(f"ws://127.0.0.1:{ports['wetzlar']}/", token("kiosk-1"), ["w2"])
        if isinstance(refused.value, ServerError):
            # busy when the draw's commit waited past commit_wait_seconds before the server found
            # the office taken (a loaded machine), storage_failed when it found it first
            assert refused.value.code in ("storage_failed", "busy")
        assert await asyncio.to_thread(proc.wait, TIMEOUT) == 1
        lines += proc.stderr.read().splitlines(keepends=True)
    finally:
        other.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    said = [line.rstrip("\n") for line in lines if not line.startswith("{")]
    assert said == [f"willkommen-server host: Amt wetzlar: Die Datenbank {db} hat ein anderer Willkommen-Server "
                    "(willkommen-server elsewhere pid 7) übernommen, während dieser sie nicht erreichte (ein Server "
                    "je Amt): dieser Server stoppt und schreibt nichts neben ihm; bitte den anderen stoppen oder jedem "
                    "Amt eine eigene Datenbank oder ein eigenes Schema geben. Der Prozess stoppt mit Status 1, damit "
                    "systemd ihn mit allen seinen Ämtern neu startet."]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert any("taken by another Willkommen server" in entry.get("error", "") and entry.get("office") == "wetzlar"
               for entry in entries)
