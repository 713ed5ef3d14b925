"""The network's database: per office, its days (`summary.Day`) and what it published.

SQLite by default (a file), PostgreSQL by a `postgresql://` URL: the same plain SQL on both
(`?` placeholders, turned into `%s` for psycopg). It holds summaries only — counts per office
and day, never a ticket, an event or a person — and each office's published knowledge as one
JSON document.

    network_days       office, day, visitors, served, no_shows, received_at   (one row per office day)
    network_counts     office, day, kind, name, n    kind: wait (name: the minute), held, language,
                                                     interpreter, referral, feedback (name: the score)
    network_knowledge  office, published_at, body    (body: `knowledge.Published` as JSON)

`put_days` replaces an office's days in one transaction: sending a day again changes nothing,
sending it corrected replaces it (idempotent per office and day).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from server.network.summary import Day
from server.store import is_url

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS network_days (office TEXT NOT NULL, day TEXT NOT NULL, visitors INTEGER NOT NULL,"
    " served INTEGER NOT NULL, no_shows INTEGER NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (office, day))",
    "CREATE TABLE IF NOT EXISTS network_counts (office TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,"
    " name TEXT NOT NULL, n INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_network_counts ON network_counts (office, day)",
    "CREATE INDEX IF NOT EXISTS idx_network_counts_day ON network_counts (day)",  # a month of every office
    "CREATE TABLE IF NOT EXISTS network_knowledge (office TEXT PRIMARY KEY, published_at TEXT NOT NULL,"
    " body TEXT NOT NULL)",
)
KINDS = {"waits": "wait", "held": "held", "languages": "language", "interpreters": "interpreter",
         "referrals": "referral", "feedback": "feedback"}


@dataclass
class Month:
    """One office's days of a period summed: the counts and histograms `figures` compares."""

    days: int = 0
    visitors: int = 0
    served: int = 0
    no_shows: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> name -> n

    def of(self, kind: str) -> dict[str, int]:
        return self.counts.get(kind, {})


class NetworkStore:
    """`NetworkStore(path_or_url)`; every method is safe from several threads (one lock)."""

    def __init__(self, db: Path | str):
        self.db, self.lock = db, threading.Lock()
        self.postgres = is_url(db)
        if self.postgres:
            self.conn = self._connect()
        else:
            Path(db).parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(db), check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
        with self.transaction() as sql:
            for statement in SCHEMA:
                sql(statement)

    def _connect(self):
        import psycopg

        from server.store.postgres import CONNECT_TIMEOUT
        return psycopg.connect(str(self.db), connect_timeout=CONNECT_TIMEOUT, application_name="willkommen network")

    def _alive(self) -> None:
        """A PostgreSQL session that was lost (a restart, a failover, an admin ending it) is made
        anew before a transaction starts, so the network's server never needs a restart for it."""
        import psycopg

        try:
            self.conn.execute("SELECT 1")
        except psycopg.OperationalError:
            self.conn.close()
            self.conn = self._connect()

    @contextmanager
    def transaction(self) -> Iterator:
        """`with store.transaction() as sql: sql("...", params)`: all or nothing."""
        with self.lock:
            if self.postgres:
                self._alive()
            else:
                self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._sql
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.commit()

    def _sql(self, statement: str, params: list | tuple = ()) -> list[tuple]:
        cursor = self.conn.execute(statement.replace("?", "%s") if self.postgres else statement, list(params))
        return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # ---- the offices' days ------------------------------------------------------------------

    def put_days(self, office: str, days: list[Day], *, received_at: str) -> None:
        with self.transaction() as sql:
            for day in days:
                sql("DELETE FROM network_counts WHERE office = ? AND day = ?", (office, day.day))
                sql("DELETE FROM network_days WHERE office = ? AND day = ?", (office, day.day))
                sql("INSERT INTO network_days (office, day, visitors, served, no_shows, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (office, day.day, day.visitors, day.served, day.no_shows, received_at))
                for attribute, kind in KINDS.items():
                    for name, n in getattr(day, attribute).items():
                        sql("INSERT INTO network_counts (office, day, kind, name, n) VALUES (?, ?, ?, ?, ?)",
                            (office, day.day, kind, str(name), n))

    def period(self, first: str, last: str) -> dict[str, Month]:
        """Every office's days from `first` to `last` summed, by office id."""
        with self.transaction() as sql:
            offices = {office: Month(int(days), int(visitors), int(served), int(no_shows))
                       for office, days, visitors, served, no_shows in sql(
                           "SELECT office, count(*), sum(visitors), sum(served), sum(no_shows) FROM network_days "
                           "WHERE day >= ? AND day <= ? GROUP BY office", (first, last))}
            for office, kind, name, n in sql("SELECT office, kind, name, sum(n) FROM network_counts "
                                             "WHERE day >= ? AND day <= ? GROUP BY office, kind, name", (first, last)):
                offices[office].counts.setdefault(kind, {})[name] = int(n)
        return offices

    def months(self) -> list[str]:
        """The months that hold any office's day, newest first (`2026-11`)."""
        with self.transaction() as sql:
            return [m for (m,) in sql("SELECT DISTINCT substr(day, 1, 7) FROM network_days ORDER BY 1 DESC")]

    def forget_days(self, office: str, first: str, last: str) -> int:
        """An office's days from `first` to `last` and their counts removed (`network forget`); how many."""
        with self.transaction() as sql:
            found = int(sql("SELECT count(*) FROM network_days WHERE office = ? AND day >= ? AND day <= ?",
                            (office, first, last))[0][0])
            sql("DELETE FROM network_counts WHERE office = ? AND day >= ? AND day <= ?", (office, first, last))
            sql("DELETE FROM network_days WHERE office = ? AND day >= ? AND day <= ?", (office, first, last))
        return found

    def day_count(self, office: str) -> int:
        with self.transaction() as sql:
            return int(sql("SELECT count(*) FROM network_days WHERE office = ?", (office,))[0][0])

    # ---- shared knowledge -------------------------------------------------------------------

    def put_knowledge(self, office: str, body: str, *, published_at: str) -> None:
        with self.transaction() as sql:
            sql("DELETE FROM network_knowledge WHERE office = ?", (office,))
            sql("INSERT INTO network_knowledge (office, published_at, body) VALUES (?, ?, ?)",
                (office, published_at, body))

    def knowledge(self, office: str) -> str | None:
        with self.transaction() as sql:
            found = sql("SELECT body FROM network_knowledge WHERE office = ?", (office,))
        return found[0][0] if found else None

    def published(self) -> list[tuple[str, str]]:
        """(office, published_at) of every office that published, by office id."""
        with self.transaction() as sql:
            return [(o, at) for o, at in sql("SELECT office, published_at FROM network_knowledge ORDER BY office")]
