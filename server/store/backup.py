"""Online backup and restore of an office's database file.

    willkommen-server backup /srv/backup/office-2026-11-27.sqlite3   # while the server runs
    systemctl stop willkommen
    willkommen-server restore /srv/backup/office-2026-11-27.sqlite3 --db /var/lib/willkommen/office.sqlite3
    systemctl start willkommen

`backup` copies the file with SQLite's online backup API in one step: one read transaction,
so the copy is the database as of one commit, and in WAL mode the running server goes on
writing meanwhile. Every ticket confirmed before the backup started is in it (a reply
confirms only what is committed). The copy is written beside its destination, checked, synced
and then renamed into place, so a destination never holds half a backup; it is a single file
(rollback journal, no `-wal` beside it) that can be copied anywhere.

`restore` refuses while a server holds the database (the store's lock), checks the backup as
the server checks a file at start, moves the current file and its `-wal` aside (kept, named
`<db>.replaced-<time>`: nothing is deleted), and puts a copy of the backup in its place. A
stale `-wal` left beside a restored file would be replayed into it by SQLite, hence the move.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from server.store.sqlite_file import check, lock
from server.store.unavailable import StoreUnavailable


class BackupFailed(Exception):
    """`str()` is one line naming the file and what went wrong."""


def backup(db: Path, dest: Path) -> None:
    if not db.is_file():
        raise BackupFailed(f"database {db} does not exist")
    if dest.exists() and dest.is_dir():
        dest = dest / db.name
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _private(partial)
        with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)) as source, \
                closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)  # pages=-1: every page in one step, one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # a single file, no -wal beside it
        _checked(partial)
        _synced(partial)
        os.replace(partial, dest)
        _synced(dest.parent)
    except (sqlite3.Error, OSError, StoreUnavailable) as exc:
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"backup of {db} to {dest} failed: {exc}") from None


def restore(source: Path, db: Path) -> Path | None:
    """Put the backup `source` in place of `db`; returns where the replaced file was kept."""
    if not source.is_file():
        raise BackupFailed(f"backup {source} does not exist")
    db.parent.mkdir(parents=True, exist_ok=True)
    existed = db.exists()
    held = lock(db)  # raises StoreLocked while a server runs on it
    partial, done = db.with_name(db.name + ".partial"), False
    try:
        _checked(source)
        partial.unlink(missing_ok=True)
        _private(partial)
        with closing(sqlite3.connect(f"{source.absolute().as_uri()}?mode=ro", uri=True)) as backup_file, \
                closing(sqlite3.connect(partial)) as copy:
            backup_file.backup(copy)
        _synced(partial)
        aside = _move_aside(db) if existed else None
        os.replace(partial, db)
        _synced(db.parent)
        done = True
        return aside
    except (sqlite3.Error, OSError) as exc:
        raise BackupFailed(f"restore of {source} to {db} failed: {exc}") from None
    finally:
        if not done:  # a refused backup leaves nothing behind: no half copy, no empty file lock() made
            partial.unlink(missing_ok=True)
            if not existed:
                db.unlink(missing_ok=True)
        os.close(held)


def _private(path: Path) -> None:
    """Create `path` empty as the store creates its file (0640: the office's tickets are no
    one else's to read); SQLite writes into it and gives its -wal the same permissions."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o640))


def _checked(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        check(path, fd)
    finally:
        os.close(fd)


def _move_aside(db: Path) -> Path:
    """Keep the file being replaced, with its WAL under SQLite's own naming (so the kept copy
    opens with its last commits); the shared-memory index is rebuilt by whoever opens it."""
    aside = db.with_name(f"{db.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(db, aside)
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + "-wal"))
    db.with_name(db.name + "-shm").unlink(missing_ok=True)
    return aside


def _synced(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
