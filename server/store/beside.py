"""A commit beside the event loop: with synchronous = "full", a group's fsync on a thread.

With "full" every commit waits for its fsync, and an inline commit holds the whole event loop
for it: nothing is read, decoded or drawn meanwhile, so the next group only starts to form
once the disk has answered. `Beside` writes a group of several commands on the loop, over a
connection of its own (the `Store`'s connection keeps one user, the loop, as its readers
expect), and runs the COMMIT, where SQLite writes the WAL and syncs it, on a thread of its
own: sqlite3 lets go of the GIL for it, so the loop draws the next group's tickets during the
fsync, and that group is committed as soon as this one is on disk (`server.store.writer`:
commands that run while a commit is on its way wait for the next one). A reply still follows
its own commit. Only the COMMIT goes to the thread: the rows written there as well took the
GIL back and forth once a row, and the server spent a quarter more CPU a draw at 50 kiosks.

Only groups: a lone kiosk's commit stays inline, where it costs no hand-over between threads,
and with "normal" no commit waits for the disk at all.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Callable

from server.store.threads import carrying


class Beside:
    """A connection to `path`, opened on first use, and the thread its COMMITs run on:
    `commit(write)` runs `write(connection)` in a transaction and returns once it is on disk.
    The writer commits one group at a time, so the loop and the thread never use the
    connection at once."""

    def __init__(self, path: Path, *, synchronous: str):
        self.path, self.synchronous = path, synchronous
        self.thread = carrying(1, "willkommen-commit")
        self.conn: sqlite3.Connection | None = None

    async def commit(self, write: Callable[[sqlite3.Connection], None]) -> None:
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            write(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        await asyncio.wrap_future(self.thread.submit(self._sync, conn))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.thread.shutdown()

    @staticmethod
    def _sync(conn: sqlite3.Connection) -> None:
        """The COMMIT: SQLite writes the group's pages to the WAL and syncs it."""
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _connection(self) -> sqlite3.Connection:
        if self.conn is None:
            # the loop writes, the thread commits: one at a time (check_same_thread would refuse it)
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")  # the file is in WAL mode
            self.conn.execute("PRAGMA recursive_triggers = on")  # as sqlite-utils sets it on the Store's
        return self.conn
