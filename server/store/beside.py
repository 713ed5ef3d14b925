"""A commit beside the event loop: with synchronous = "full", a group's fsync on a thread.

With "full" every commit waits for its fsync, and an inline commit holds the whole event loop
for it: nothing is read, decoded or drawn meanwhile, so the next group only starts to form
once the disk has answered. `Beside` writes a group of several commands on the loop, over a
connection of its own (the `Store`'s connection keeps one user, the loop, as its readers
expect), and runs the COMMIT, where SQLite writes the WAL and syncs it, on a thread of its
own: sqlite3 lets go of the GIL for it, so the loop draws the next group's tickets during the
fsync, and that group is committed as soon as this one is on disk (`server.store.writer`:
commands that run while a commit is on its way wait for the next one). A reply still follows
its own commit. The group's events and tickets are written on the thread too, as one statement
of many rows each (`server.store.sqlite._write_group`): SQLite inserts them in C without the
GIL while the loop draws on. Written there row by row (`executemany`), they took the GIL back
and forth once a row, and the server spent a quarter more CPU a draw at 50 kiosks; on the loop
they were 8.6 of its ~75 us a draw (`python -m bench --only draws`, 50 kiosks, "full").

Only groups: a lone kiosk's commit stays inline, where it costs no hand-over between threads,
and with "normal" no commit waits for the disk at all.
"""

from __future__ import annotations

import asyncio
import queue
import re
import sqlite3
import threading
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Callable

Write = Callable[[sqlite3.Connection], None]


class Beside:
    """A connection to `path`, opened on first use, and the thread its COMMITs run on:
    `commit(write, there)` runs `write(connection)` on the loop and `there(connection)` and
    the COMMIT on the thread, in one transaction, and returns once it is on disk. The writer
    commits one group at a time, so the loop and the thread never use the connection at once.

    The thread takes its work from a `queue.SimpleQueue` (its lock is C's, taken without the
    GIL) and answers through `call_soon_threadsafe`: a `ThreadPoolExecutor`'s `submit` took
    Python locks that the thread held too (its idle semaphore), and the loop then waited for
    the GIL in `submit`."""

    def __init__(self, path: Path, *, synchronous: str):
        self.path, self.synchronous = path, synchronous
        self.work: queue.SimpleQueue = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.conn: sqlite3.Connection | None = None

    async def commit(self, write: Write, there: Write | None = None) -> None:
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            write(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if self.thread is None:
            self.thread = threading.Thread(target=self._serve, name="willkommen-commit", daemon=True)
            self.thread.start()
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.work.put((conn, there, loop, done))
        await done

    def close(self) -> None:
        if self.thread is not None:  # the commit on its way, if any, is made first
            self.work.put(None)
            self.thread.join()
            self.thread = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _serve(self) -> None:
        while (item := self.work.get()) is not None:
            conn, there, loop, done = item
            error: BaseException | None = None
            try:
                self._finish(conn, there)
            except BaseException as exc:
                error = exc
            try:
                loop.call_soon_threadsafe(_settle, done, error)
            except RuntimeError:  # the loop is closed: nobody waits for the answer
                pass

    @classmethod
    def _finish(cls, conn: sqlite3.Connection, there: Write | None) -> None:
        if there is not None:
            try:
                there(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        cls._sync(conn)

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
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                        cached_statements=256)  # a statement for each size of group
            self.conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")  # the file is in WAL mode
            self.conn.execute("PRAGMA recursive_triggers = on")  # as sqlite-utils sets it on the Store's
        return self.conn


ROWS_A_STATEMENT = 500  # x 22 columns a ticket stays under SQLite's 32,766 variables a statement
_VALUES = re.compile(r"(.*? VALUES )(\([?, ]+\))(.*)", re.S)  # an INSERT's head, its one row, the rest


def insert_at_once(inserts: list[tuple[str, list[tuple]]], conn: sqlite3.Connection) -> None:
    """Each (single, rows): `rows` by `single` (an INSERT of one row's VALUES) as one statement
    of many rows (`ROWS_A_STATEMENT` at most each): one step of SQLite's, one hand-back of the
    GIL (`executemany` lets go of it and takes it back for every row)."""
    for single, rows in inserts:
        for start in range(0, len(rows), ROWS_A_STATEMENT):
            part = rows[start:start + ROWS_A_STATEMENT]
            conn.execute(_many_rows(single, len(part)), list(chain.from_iterable(part)))


@lru_cache(maxsize=256)
def _many_rows(single: str, count: int) -> str:
    """`single` (an INSERT of one row's VALUES) for `count` rows; rows with the same id later
    in it update the earlier one (ON CONFLICT), as they would one statement after another."""
    head, values, tail = _VALUES.match(single).groups()  # type: ignore[union-attr]
    return f"{head}{', '.join([values] * count)}{tail}"


def _settle(done: asyncio.Future, error: BaseException | None) -> None:
    if done.done():  # the commit's awaiter was cancelled (the server stops)
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(None)
