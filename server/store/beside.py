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

The hand-over is a thread of its own waiting on a queue, which answers the loop's future with
`call_soon_threadsafe`: a `ThreadPoolExecutor` and `asyncio.wrap_future` added a concurrent
future, its condition and two callbacks a commit, on the loop and on the thread, whose Python
holds the GIL the loop waits for (a group of 25 rows written and committed cost the loop 54 us
of CPU with the executor, 41 with the queue: `time.thread_time` in one process, /dev/shm).
The thread is a daemon: a server that ends without closing its store loses no confirmed
draw (a reply waits for its COMMIT, and a COMMIT cut short is rolled back when the file opens).
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import sqlite3
import threading
from pathlib import Path
from typing import Callable

Commit = tuple[sqlite3.Connection, asyncio.AbstractEventLoop, asyncio.Future]


class Beside:
    """A connection to `path`, opened on first use, and the thread its COMMITs run on:
    `commit(write)` runs `write(connection)` in a transaction and returns once it is on disk.
    The writer commits one group at a time, so the loop and the thread never use the
    connection at once."""

    def __init__(self, path: Path, *, synchronous: str):
        self.path, self.synchronous = path, synchronous
        self.commits: queue.SimpleQueue[Commit | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None  # started with the first group
        # the thread runs in the context the store was made in (a hosted office's name for its log
        # lines, as `server.store.threads.carrying` gives the office's thread pools)
        self.context = contextvars.copy_context()
        self.conn: sqlite3.Connection | None = None

    async def commit(self, write: Callable[[sqlite3.Connection], None]) -> None:
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            write(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if self.thread is None:
            self.thread = threading.Thread(target=self.context.run, args=(self._committing,), name="willkommen-commit",
                                           daemon=True)
            self.thread.start()
        loop = asyncio.get_running_loop()
        self.commits.put((conn, loop, done := loop.create_future()))
        await done

    def close(self) -> None:
        if self.thread is not None:  # after the COMMIT it is on, if any
            self.commits.put(None)
            self.thread.join()
            self.thread = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _committing(self) -> None:
        """The thread: each group's COMMIT in turn, its outcome handed to the loop that waits."""
        while (commit := self.commits.get()) is not None:
            conn, loop, done = commit
            try:
                self._sync(conn)
            except BaseException as exc:
                outcome: BaseException | None = exc
            else:
                outcome = None
            try:
                loop.call_soon_threadsafe(_settle, done, outcome)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass

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


def _settle(done: asyncio.Future, error: BaseException | None) -> None:
    if done.done():  # its waiter was cancelled (the writer stopping)
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(None)
