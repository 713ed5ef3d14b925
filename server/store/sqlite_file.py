"""An office's SQLite file before anything uses it (the store, a backup, a restore).

One server per file: `lock` takes an exclusive `flock` on the database file for as long as
the store is open (SQLite's own locks let two writers take turns, and two servers each
replaying the day into memory then overwrite each other's tickets). Before anything is
written, `check` reads the file read-only (header, `quick_check`, that it is Willkommen's,
that this version reads its events): a file that fails is named with what is wrong
(`server.store.unavailable`) and left exactly as it was. Events are typed
(`server.core.events`): an event of a kind this version does not know (anywhere in the file),
or with a field it does not know (among those a start replays), is a newer version's file
(`StoreNewer`, naming the event's seq and kind). The check reads the whole file: 2-3.6 s for
216 MB (800,000 events, about 90 days of a busy office) on 2 busy cores.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlite_utils

from server.core import events as ev
from server.store.sqlite_schema import migrations
from server.store.unavailable import NEWER, StoreCorrupt, StoreLocked, StoreNewer, StoreUnavailable, stored_event

# the plan in force: the last `plan_changed`, whatever its day (kept by the purge, replayed at start)
LATEST_PLAN = "SELECT seq, data FROM events WHERE seq = (SELECT max(seq) FROM events WHERE kind = 'plan_changed')"

SQLITE_HEADER = b"SQLite format 3\0"


def lock(path: Path) -> int:
    """Open `path` (creating it empty if missing) and take an exclusive lock on it; the lock
    lives as long as the returned descriptor. `flock` locks are the open file's, apart from
    SQLite's POSIX locks, so neither disturbs the other."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    except OSError as exc:
        why = "db_directory" if isinstance(exc, IsADirectoryError) else "db_denied" \
            if isinstance(exc, PermissionError) else "db_open"
        raise StoreUnavailable(f"database {path} cannot be opened ({exc.strerror})", why=why, file=path,
                               error=errno.errorcode.get(exc.errno or 0, exc.errno)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreLocked(f"database {path} is in use by another running Willkommen server "
                          "(one server per file: stop the other or pass another --db)", why="db_locked",
                          file=path) from None
    return fd


def check(path: Path, fd: int) -> None:
    """Refuse a file that is not a sound Willkommen database, reading only. An empty file is
    a new database."""
    header = os.pread(fd, len(SQLITE_HEADER), 0)
    if not header:
        return
    if header != SQLITE_HEADER:
        raise StoreCorrupt(f"database {path} is not an SQLite database (it starts with {header[:16]!r})",
                           why="db_not_sqlite", file=path)
    try:
        problem, why, fields = _problem(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True))
    except sqlite3.DatabaseError as exc:
        problem, why, fields = f"is damaged ({exc})", "db_damaged", {}
    if problem:
        raise StoreCorrupt(f"database {path} {problem}; the file was left as it is", why=why, file=path,
                           detail=problem, **fields)
    with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as conn:
        if (problem := _unreadable_event(conn)) is not None:
            raise StoreNewer(f"database {path} {problem}; the file was left as it is", why="db_newer", file=path,
                             detail=problem)


def _problem(conn: sqlite3.Connection) -> tuple[str, str, dict[str, str]]:
    """What is wrong with an SQLite file that should be Willkommen's (empty if nothing), the staff
    catalogue's `[cli.file]` sentence that says it and its fields."""
    with closing(conn):
        found = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if found != "ok":
            return f"is damaged (quick_check: {' '.join(found.split())})", "db_damaged", {}
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "events" not in tables:
            named = ", ".join(sorted(tables))
            return f"is not a Willkommen database (its tables: {named})", "db_foreign", {"tables": named}
        applied = [m.name for m in migrations.applied(sqlite_utils.Database(conn))]
        known = {m.name for m in migrations.pending(sqlite_utils.Database(memory=True))}
        unknown = [name for name in applied if name not in known]
        if unknown:
            return f"was written by a newer Willkommen (schema {unknown[-1]})", "db_newer_schema", {"schema": unknown[-1]}
    return "", "", {}


def _unreadable_event(conn: sqlite3.Connection) -> str | None:
    """The first event this version cannot read, named: of any kind it does not know anywhere
    in the file (one scan in SQLite), or with fields it does not know among the events a start
    replays (the latest day's and the appointments booked for it or later)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone() is None:
        return None  # a new file
    known = ", ".join("?" for _ in ev.KINDS)
    found = conn.execute(f"SELECT seq, kind FROM events WHERE kind NOT IN ({known}) ORDER BY seq LIMIT 1",
                         list(ev.KINDS)).fetchone()
    if found is not None:
        return f"holds event {found[0]} of kind {found[1]!r}, which this version does not know ({NEWER})"
    latest = conn.execute("SELECT coalesce(max(day), '') FROM events WHERE kind = 'day_started'").fetchone()[0]
    start = conn.execute("SELECT coalesce(min(seq), 0) FROM events WHERE kind = 'day_started' AND day = ?",
                         [latest]).fetchone()[0]
    rows = conn.execute("SELECT seq, data FROM events WHERE seq >= ? OR (kind = 'appointment_booked' AND day >= ?) "
                        f"UNION {LATEST_PLAN}", [start, latest])
    try:
        for seq, data in rows:
            stored_event(seq, data)
    except StoreNewer as exc:
        return str(exc)
    return None
