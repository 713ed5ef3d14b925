"""A commit beside the event loop: with synchronous = "full", a group's fsync on a thread.

With "full" every commit waits for its fsync, and an inline commit holds the whole event loop
for it: nothing is read, decoded or drawn meanwhile, so the next group only starts to form
once the disk has answered. `Beside` commits a group of several commands on a thread of its
own, over a connection of its own (the `Store`'s connection keeps one user, the loop, as its
readers expect); sqlite3 lets go of the GIL while SQLite writes and syncs, so the loop draws
the next group's tickets during the fsync, and that group is committed as soon as this one is
on disk (`server.store.writer`: commands that run while a commit is on its way wait for the
next one). A reply still follows its own commit.

Only groups: a lone kiosk's commit stays inline, where it costs no hand-over between threads
(the thread's wake-up cost a lone kiosk more than it saved, `bench --only draws`), and with
"normal" no commit waits for the disk at all.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable


class Beside:
    """One thread and one connection to `path`, opened on first use; `commit(write)` runs
    `write(connection)` there as one transaction and returns once it is on disk."""

    def __init__(self, path: Path, *, synchronous: str):
        self.path, self.synchronous = path, synchronous
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="willkommen-commit")
        self.conn: sqlite3.Connection | None = None

    async def commit(self, write: Callable[[sqlite3.Connection], None]) -> None:
        await asyncio.wrap_future(self.thread.submit(self._commit, write))

    def close(self) -> None:
        self.thread.submit(self._close).result()
        self.thread.shutdown()

    def _commit(self, write: Callable[[sqlite3.Connection], None]) -> None:
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, isolation_level=None)  # the file is in WAL mode already
            self.conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
            self.conn.execute("PRAGMA recursive_triggers = on")  # as sqlite-utils sets it on the Store's
        self.conn.execute("BEGIN")
        try:
            write(self.conn)
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def _close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
