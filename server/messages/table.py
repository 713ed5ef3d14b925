"""The outbox's rows on disk: one table `outbox` in the office's own database (the SQLite file
or the PostgreSQL schema the store uses), one row per message, written whole on every change.

The outbox keeps the day's messages in memory and writes each change here on a thread of its
own, with a connection of its own: a PostgreSQL round trip or an SQLite write never waits on
the event loop, and the store's connection (the writer's, committing on the loop) is never
shared between threads. The writes are ordered (one thread) and grouped: the changes waiting
when the thread comes round go in transactions of up to 200 rows (`outbox.SAVE_GROUP`;
10,000 "not drawn" texts after a draw are 50 commits, not 10,000, and none holds the file's
write lock long enough to keep a kiosk's draw waiting more than a few ms).

SQLite's two connections to one file take turns through its own locks (WAL; `timeout`); the
store's exclusive `flock` is on a descriptor of its own and does not stop this one.

Rows of earlier days are deleted (`forget_before`): addresses and texts are personal data and
are kept for the day only.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any, Iterable

from server.store import is_url

WAITING, SENT, DELIVERED, FAILED = "waiting", "sent", "delivered", "failed"
FINAL = (DELIVERED, FAILED)
RETRY = "retry"  # a gateway's answer for one message: not now, try again later (never a state)


@dataclass
class Message:
    """One message to one visitor, as the outbox keeps it."""

    ref: str             # the caller's key: a second post with it is ignored
    day: str             # the office day it was posted on (deleted after it)
    channel: str         # "sms" or "email"
    address: str         # phone number (+49…) or e-mail address
    lang: str
    subject: str
    text: str
    posted_at: float
    state: str = WAITING
    tries: int = 0
    next_at: float = 0.0  # when the sender tries (again)
    done_at: float = 0.0  # when it was sent, delivered or failed
    detail: str = ""      # what the gateway said last (a refusal, "given up", the delivery report)
    token: str = ""       # the secret in its delivery report's URL (SMS)
    valid_until: float = 0.0  # not sent by then: failed ("come now" is no use once the place is gone)


COLUMNS = tuple(f.name for f in fields(Message))
TYPES = {"ref": "text PRIMARY KEY", "tries": "integer NOT NULL", "posted_at": "{real} NOT NULL",
         "next_at": "{real} NOT NULL", "done_at": "{real} NOT NULL", "valid_until": "{real} NOT NULL DEFAULT 0"}
CREATE = ("CREATE TABLE IF NOT EXISTS outbox ("
          + ", ".join(f"{c} {TYPES.get(c, 'text NOT NULL')}" for c in COLUMNS) + ")")
UPSERT = (f"INSERT INTO outbox ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
          "ON CONFLICT (ref) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]))


class Table:
    """The `outbox` table, on a connection only the outbox's thread uses."""

    def __init__(self, db: str | Path, *, synchronous: str = "normal"):
        self.db, self.postgres = db, is_url(db)
        if self.postgres:
            self.conn: Any = self._connect()
        else:
            self.conn = sqlite3.connect(db, isolation_level=None, timeout=10, check_same_thread=False)
            self.conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        self._create()

    def _create(self) -> None:
        """The table, and the columns a later version added (a table of an earlier one gets them)."""
        real = "double precision" if self.postgres else "real"
        self.conn.execute(CREATE.format(real=real))
        if self.postgres:
            found = {name for (name,) in self.conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'outbox'")}
        else:
            found = {row[1] for row in self.conn.execute("PRAGMA table_info(outbox)")}
        for column in COLUMNS:
            if column not in found:  # each column added since the first version has a default in TYPES
                self.conn.execute(f"ALTER TABLE outbox ADD COLUMN {column} {TYPES[column].format(real=real)}")

    def _connect(self) -> Any:
        import psycopg  # only where PostgreSQL is used
        return psycopg.connect(str(self.db), autocommit=True, connect_timeout=10,
                               application_name=f"willkommen outbox {socket.gethostname()} pid {os.getpid()}"[:63])

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def save(self, messages: Iterable[Message]) -> None:
        """Write these rows (as they are now) in one transaction."""
        rows = [astuple(m) for m in messages]
        if self.postgres:
            if self.conn.broken:  # the database ended the session (a restart, a failover): a new one
                self.conn = self._connect()
            with self.conn.transaction(), self.conn.cursor() as cursor:
                cursor.executemany(self._sql(UPSERT), rows)
        else:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.executemany(UPSERT, rows)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def load(self, day: str) -> list[Message]:
        """The messages of `day` (after a restart: the waiting ones are sent again)."""
        rows = self.conn.execute(self._sql(f"SELECT {', '.join(COLUMNS)} FROM outbox WHERE day = ? "
                                           "ORDER BY posted_at"), [day]).fetchall()
        return [Message(*row) for row in rows]

    def forget_before(self, day: str) -> int:
        """Delete the rows of days before `day`: addresses are kept for their day only."""
        return self.conn.execute(self._sql("DELETE FROM outbox WHERE day < ?"), [day]).rowcount

    def close(self) -> None:
        self.conn.close()
