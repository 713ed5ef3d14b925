"""The WAL copied into the database file on a thread of its own, not inside a kiosk's commit.

SQLite checkpoints by itself when a commit finds the WAL past 1,000 pages: that commit then
also copies those pages into the database file and syncs it, with "normal" on the event loop
(every few hundred lone draws, or every few thousand in groups: the kiosks wait for the copy
and two syncs). With "normal" the store's connection turns that off (`wal_autocheckpoint =
0`), and `Checkpoints` makes a PASSIVE checkpoint on a connection and a thread of its own
every `EVERY` transactions: it copies what no reader needs any more while the loop goes on
drawing (sqlite3 lets go of the GIL meanwhile), and the next commit starts the WAL from its
beginning again once all of it is copied, so the WAL stays about as large as SQLite's own
checkpoints kept it. A checkpoint that fails is logged
and tried again after the next `EVERY`; the commits never wait for one.

With "full" SQLite checkpoints as before: a group's COMMIT runs on a thread already
(`server.store.beside`), and a checkpoint beside it has the two threads' syncs wait for each
other on the disk (50 kiosks, one paired run of 6 rounds at a load of 10: fewer draws in each).
"""

from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import Future
from pathlib import Path

from server.store.threads import carrying

log = logging.getLogger("willkommen.store")
EVERY = 300  # transactions between two checkpoints: a lone draw's commit adds 2-3 pages to the WAL


class Checkpoints:
    def __init__(self, path: Path, *, synchronous: str):
        self.path, self.synchronous = path, synchronous
        self.thread = carrying(1, "willkommen-checkpoint")  # "checkpoint failed" names the office
        self.conn: sqlite3.Connection | None = None  # the thread's own
        self.since = 0  # transactions since the last checkpoint began
        self.running: Future | None = None

    def committed(self) -> None:
        """A transaction of the store is in the WAL: every `EVERY`th starts a checkpoint, unless
        one is still running (then the next transaction asks again)."""
        self.since += 1
        if self.since >= EVERY and (self.running is None or self.running.done()):
            self.since = 0
            self.running = self.thread.submit(self._checkpoint)

    def close(self) -> None:
        """Wait for the checkpoint on its way; the store's last connection to close copies the rest."""
        self.thread.shutdown(wait=True)
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _checkpoint(self) -> None:
        """A failure is logged here, on the office's checkpoint thread (a done-callback runs on
        whichever thread comes last, the loop's or this one)."""
        try:
            if self.conn is None:
                self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self.conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")  # the syncs of the copy
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception:
            log.warning("checkpoint failed; tried again later", exc_info=True)
