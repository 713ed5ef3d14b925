"""Backup under load and restore, end to end, as an office's IT runs them: a real server taking
draws from real kiosks, `willkommen-server backup` beside it, `restore` with it stopped, and a
new server on the restored file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .conftest import ROOT, ServerProcess, always_open_config, http_get, token


async def command(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "server", *args, cwd=ROOT,
                                                stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, err = await proc.communicate()
    return proc.returncode, err.decode()


async def keep_drawing(port: int, kiosk_id: str, confirmed: dict[str, str], stop: asyncio.Event) -> None:
    kiosk = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal=kiosk_id, token=token(kiosk_id))
    kiosk.start()
    try:
        await kiosk.ready()
        n = 0
        while not stop.is_set():
            n += 1
            draw = p.Draw(id=0, service=("residence", "info")[n % 2], lang="fa", request=f"{kiosk_id}-{n}")
            try:
                reply = await kiosk.request(draw)
            except ServerError as exc:  # a fast machine meets the kiosk burst: the same request again
                if exc.code != "rate_limited":
                    raise
                await asyncio.sleep(0.02)
                continue
            confirmed[reply.ticket.token] = reply.ticket.number  # the reply came after the commit
            await asyncio.sleep(0)
    finally:
        await kiosk.close()


async def test_backup_under_load_restores_every_ticket_confirmed_before_it_started(tmp_path):
    db, saved = tmp_path / "office.sqlite3", tmp_path / "backups" / "office-backup.sqlite3"
    saved.parent.mkdir()
    config = str(always_open_config(tmp_path))
    server = ServerProcess(db, "--config", config)
    confirmed: dict[str, str] = {}
    stop = asyncio.Event()
    kiosks = [asyncio.create_task(keep_drawing(server.port, k, confirmed, stop)) for k in ("kiosk-1", "kiosk-2")]
    try:
        while len(confirmed) < 200:
            for kiosk in kiosks:
                if kiosk.done():  # a kiosk that stopped drawing says why, instead of a silent timeout
                    kiosk.result()
                    raise AssertionError("a kiosk stopped drawing before 200 tickets were confirmed")
            await asyncio.sleep(0.05)
        before = dict(confirmed)  # confirmed before the backup started
        status, said = await command("backup", str(saved), "--db", str(db))
        assert status == 0, said
        during = len(confirmed) - len(before)
    finally:
        stop.set()
        await asyncio.gather(*kiosks)
        assert server.stop() == 0
    assert during > 0, "no draw was confirmed while the backup ran: it did not run under load"
    assert not saved.with_name(saved.name + "-wal").exists()  # one self-contained file

    status, said = await command("restore", str(saved), "--db", str(db))
    assert status == 0, said
    kept = [f for f in os.listdir(tmp_path) if f.startswith("office.sqlite3.replaced-")]
    assert kept and "-wal" not in kept[0]  # the replaced file is kept, not deleted

    restored = ServerProcess(db, "--config", config)
    try:
        for ticket_token, number in before.items():
            status, _, body = await http_get(f"http://127.0.0.1:{restored.port}/t/{ticket_token}.json")
            assert status == 200 and number.encode() in body, f"ticket {number} confirmed before the backup is gone"
        next_ticket = (await draw_one(restored.port)).ticket.number  # numbering goes on, no duplicate
        assert int(next_ticket[1:]) > max(int(n[1:]) for n in before.values() if n.startswith("A"))
    finally:
        assert restored.stop() == 0


async def draw_one(port: int) -> p.Reply:
    kiosk = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    kiosk.start()
    try:
        await kiosk.ready()
        return await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="after-restore"))
    finally:
        await kiosk.close()


async def test_restore_refuses_while_a_server_runs_on_the_file_and_changes_nothing(tmp_path):
    db, saved = tmp_path / "office.sqlite3", tmp_path / "copy.sqlite3"
    server = ServerProcess(db, "--config", str(always_open_config(tmp_path)))
    try:
        status, said = await command("backup", str(saved), "--db", str(db))
        assert status == 0, said
        status, said = await command("restore", str(saved), "--db", str(db))
        assert status == 2 and "benutzt schon ein anderer laufender Willkommen-Server" in said, said
        assert said.strip().count("\n") == 0
    finally:
        assert server.stop() == 0
    assert not [f for f in os.listdir(tmp_path) if ".replaced-" in f]


async def test_backup_of_a_missing_database_says_so_in_one_line(tmp_path):
    status, said = await command("backup", str(tmp_path / "b.sqlite3"), "--db", str(tmp_path / "none.sqlite3"))
    assert status == 2 and said.strip() == (f"willkommen-server backup: Die Datei {tmp_path / 'none.sqlite3'} gibt es "
                                            "nicht: bitte den Pfad prüfen (Tippfehler, anderer Ordner?).")
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_backup_and_a_restored_file_are_no_one_elses_to_read(tmp_path):
    """The office's file is 0640; its backup and the file a restore puts in its place too (a
    0644 copy in a shared backup folder gave every user of the machine the visitors' tickets)."""
    from server.store.backup import backup, restore
    from server.store.sqlite import Store

    umask = os.umask(0o022)  # a machine's usual umask: what it would let through
    try:
        db = tmp_path / "office.sqlite3"
        Store(db, timezone="Europe/Berlin").close()
        saved = tmp_path / "saved.sqlite3"
        backup(db, saved)
        assert saved.stat().st_mode & 0o777 == 0o640
        restore(saved, db)
        assert db.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
