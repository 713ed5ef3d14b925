"""The database file at start: one server per file, and a damaged file is named and left alone.

Each test runs `python -m server` as its own process, as an office's service manager would."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server.wire import protocol as p
from server.wire.session import ClientSession
from server.core.events import DayStarted
from server.store.sqlite import Store
from server.store.unavailable import StoreUnavailable

from .conftest import ROOT, ServerProcess, always_open_config, token


def start_second(db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server", "--port", "0", "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


async def draw(port: int, n: int, request: str = "r") -> list[str]:
    kiosk = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    kiosk.start()
    try:
        await kiosk.ready()
        return [(await kiosk.request(p.Draw(id=0, service="residence", lang="de", request=f"{request}{i}"))).ticket.number
                for i in range(n)]
    finally:
        await kiosk.close()


async def test_second_server_on_the_same_file_refuses_with_one_line_and_status_2(tmp_path, store_db):
    db = store_db  # a file, or a PostgreSQL database (its advisory lock)
    first = ServerProcess(db, "--config", str(always_open_config(tmp_path)))
    try:
        before = await draw(first.port, 3)
        second = start_second(db)
        assert second.returncode == 2, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert str(db) in lines[0] and "benutzt schon ein anderer laufender Willkommen-Server" in lines[0]
        after = await draw(first.port, 1, "after")  # the first one serves on, its numbers untouched
        assert int(after[0][1:]) > int(before[-1][1:])
    finally:
        assert first.stop() == 0
    again = ServerProcess(db, "--config", str(always_open_config(tmp_path)))  # the lock left with the first
    assert again.stop() == 0


def willkommen_file(path: Path) -> Path:
    """A real office file with a day of tickets, checkpointed into the main file."""
    store = Store(path, timezone="Europe/Berlin")
    events = [DayStarted(at=1.7e9, day="2023-11-14")]
    store.append(events, [])
    store.db.conn.executemany("INSERT INTO events (at, day, kind, data) VALUES (?, ?, ?, ?)",
                         [(1.7e9 + i, "2023-11-14", "filler", "x" * 200) for i in range(400)])
    store.close()
    return path


def not_sqlite(path: Path) -> None:
    path.write_text("Wartemarken 2023\nA001;A002;A003\n" * 50)


def truncated(path: Path) -> None:
    data = willkommen_file(path).read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def page_overwritten(path: Path) -> None:
    data = bytearray(willkommen_file(path).read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[3 * page: 3 * page + 64] = b"\xa5" * 64  # a b-tree page's header turned to noise
    path.write_bytes(bytes(data))


def page_never_used(path: Path) -> None:
    """A page past the last one SQLite knows of, counted in the header: the file opens and
    reads, and only quick_check finds it (as a row of text, not an error)."""
    data = bytearray(willkommen_file(path).read_bytes())
    page, pages = int.from_bytes(data[16:18], "big"), int.from_bytes(data[28:32], "big")
    data[28:32] = (pages + 1).to_bytes(4, "big")
    path.write_bytes(bytes(data) + bytes(page))


def other_application(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("CREATE TABLE termine (id INTEGER PRIMARY KEY, at TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('Termin Dienstag')")
    conn.close()


def newer_schema(path: Path) -> None:
    willkommen_file(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('willkommen', 'm099_from_the_future', '2030-01-01')")
    conn.close()


DAMAGES = [
    (not_sqlite, "is not an SQLite database"),
    (truncated, "is damaged"),
    (page_overwritten, "is damaged"),
    (page_never_used, "is damaged (quick_check: *** in database main *** Page "),  # on one line
    (other_application, "is not a Willkommen database (its tables: notes, termine)"),
    (newer_schema, "was written by a newer Willkommen (schema m099_from_the_future)"),
]


GERMAN = {  # what the command line says in the staff's words, not in the store's English
    "is not an SQLite database": "ist keine SQLite-Datenbank und bleibt, wie sie ist",
    "is not a Willkommen database (its tables: notes, termine)": "ist keine Willkommen-Datenbank (ihre Tabellen: "
    "notes, termine) und bleibt, wie sie ist: bitte bei --db die Datenbankdatei des Amts angeben.",
    "was written by a newer Willkommen (schema m099_from_the_future)": "stammt von einer neueren Willkommen-Version "
    "(ihr Schema m099_from_the_future kennt diese Version nicht) und bleibt, wie sie ist: bitte diese neuere "
    "Version starten oder eine Sicherung zurückspielen.",
}


@pytest.mark.parametrize(("damage", "said"), DAMAGES)
def test_damaged_file_at_start_is_named_in_one_line_status_2_and_left_unchanged(tmp_path, damage, said):
    db = tmp_path / "office.sqlite3"
    damage(db)
    before = db.read_bytes()
    result = start_second(db)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    said = GERMAN.get(said, said)  # the detail as SQLite says it, or the staff's words
    assert len(lines) == 1 and str(db) in lines[0] and said in lines[0], result.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize(("damage", "said"), DAMAGES)
def test_the_store_itself_refuses_a_damaged_file_and_says_what_is_wrong(tmp_path, damage, said):
    """The same files opened in this process (where mutation testing sees the check run)."""
    db = tmp_path / "office.sqlite3"
    damage(db)
    before = db.read_bytes()
    with pytest.raises(StoreUnavailable, match=re.escape(said)):
        Store(db, timezone="Europe/Berlin")
    assert db.read_bytes() == before


def test_database_path_that_is_a_folder_is_named_in_one_line_and_status_2(tmp_path):
    db = tmp_path / "office.sqlite3"
    db.mkdir()
    result = start_second(db)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (f"willkommen-server: {db} ist ein Ordner, keine Datenbankdatei: bitte bei --db "
                                     f"den Pfad der Datei angeben, zum Beispiel {db}/willkommen.sqlite3.")
    assert list(db.iterdir()) == []


def test_the_wal_is_copied_into_the_file_beside_the_commits_and_stays_small(tmp_path):
    """SQLite's own checkpoint ran inside a commit (a lone kiosk waited for its copy and syncs);
    the store's runs on a thread of its own every `EVERY` transactions. The WAL stays about as
    large as SQLite's own kept it (without a checkpoint 900 draws' commits make it ~8 MB), and
    every ticket is in the file once the store is closed."""
    from server.core import Office
    from server.store.checkpoint import EVERY

    from .conftest import make_site

    office, db = Office(make_site(), always_open=True), tmp_path / "o.sqlite3"
    store = Store(db, timezone="Europe/Berlin")
    largest = 0
    for n in range(3 * EVERY):
        office.draw(kiosk="kiosk-1", service="info", lang="de", request=f"r{n}", token=f"t{n}", now=1_796_000_000 + n)
        store.write(store.rows(*office.take_changes()))
        if store.checkpoints.running is not None:
            store.checkpoints.running.result()  # the test waits for each (the server's commits never do)
        largest = max(largest, (tmp_path / "o.sqlite3-wal").stat().st_size)
    store.close()
    assert largest < 2 * EVERY * 2 * 4120  # two pages a draw's commit, twice the commits between checkpoints
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (3 * EVERY,)


def test_one_read_only_opening_reads_beside_the_server_and_writes_nothing(tmp_path):
    """`server.store.open_read_only`, the one way the statistics, the network's send and the
    demo month read an office's file beside its server: a '#', '?' or '%' in a folder's name
    is part of the name, and a write through it is refused, the file unchanged."""
    from contextlib import closing

    from server.store import open_read_only

    folder = tmp_path / "Amt #2 ?50%"
    folder.mkdir()
    store = Store(folder / "office.sqlite3", timezone="Europe/Berlin")
    store.append([DayStarted(at=1.8e9, day="2027-01-15")], [])
    store.close()
    with closing(open_read_only(folder / "office.sqlite3", application="test")) as conn:
        assert conn.execute("SELECT kind, day FROM events").fetchall() == [("day_started", "2027-01-15")]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM events")
    with closing(sqlite3.connect(folder / "office.sqlite3")) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (1,)
    assert not (tmp_path / "Amt ").exists()  # no file made at the name cut at '#'
