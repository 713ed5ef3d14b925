"""The fair-access lottery's side tables, the same on SQLite and PostgreSQL (plain SQL with `?`
placeholders; `server.store.postgres.Sql` swaps them):

    access_people   entry -> name, birth date, contact of one entry: what the counter compares
                    and the messages need; and `address`, the keyed hash of the network address
                    a web entry came from (a restart counts `entries_per_address` on from it).
                    Written in the commit of the entry's registration, deleted when the next
                    day starts (`forget_before`).
    access_weights  identity hash -> days without a place so far, and the last day it entered.
                    Written in the commit of each draw (a place resets it: the row goes); an
                    identity without an entry for `WEIGHT_DAYS` days is deleted.
    access_seeds    day -> the draw's secret seed, from the window's opening until the draw
                    (then it is in the published `access_drawn` event and the row goes).

No name, birth date or contact is in any event (`server.core.events`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable, Protocol

from server.core import events as ev

WEIGHT_DAYS = 60  # an identity's weight is forgotten after this many days without an entry

# a lottery day's events, stored under its day and replayed from the evening before
# (`draw_witnessed` since m011/p006: a witness may give words the evening before the draw)
KINDS_SQL = ev.kind_in(*ev.ACCESS)  # the partial index's words: a query names it in these exact words
INDEX = f"CREATE INDEX IF NOT EXISTS idx_events_access ON events (day) WHERE {KINDS_SQL}"
TABLES = (
    "CREATE TABLE IF NOT EXISTS access_people (entry text PRIMARY KEY, day text NOT NULL, name text NOT NULL,"
    " birth_date text NOT NULL, contact text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS access_weights (identity text PRIMARY KEY, unlucky integer NOT NULL,"
    " last_day text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS access_seeds (day text PRIMARY KEY, seed text NOT NULL)",
    INDEX,
)
# the index again, with the witness's words among a lottery day's events (SQLite m011, PostgreSQL p006)
WITNESS_INDEX = ("DROP INDEX IF EXISTS idx_events_access", INDEX)
# added later (SQLite m010, PostgreSQL p005): web entries per address survive a restart
ADDRESS = "ALTER TABLE access_people ADD COLUMN address text NOT NULL DEFAULT ''"
INSERT_PERSON = ("INSERT INTO access_people (entry, day, name, birth_date, contact, address) "
                 "VALUES (?, ?, ?, ?, ?, ?)")
# a place resets the weight (the row goes); no place adds a day; `last_day` is the draw's day
DELETE_WEIGHT = "DELETE FROM access_weights WHERE identity = ?"
UPSERT_WEIGHT = ("INSERT INTO access_weights (identity, unlucky, last_day) VALUES (?, ?, ?) "
                 "ON CONFLICT (identity) DO UPDATE SET unlucky = excluded.unlucky, last_day = excluded.last_day")


class Connection(Protocol):
    def execute(self, sql: str, params: Iterable = ...) -> Any: ...
    def executemany(self, sql: str, rows: Iterable) -> Any: ...


def write(conn: Connection, people: list[tuple], weights: list[tuple]) -> None:
    """Within the commit's transaction: the entries' personal rows and a draw's weights."""
    if people:
        conn.executemany(INSERT_PERSON, people)
    if weights:
        conn.executemany(DELETE_WEIGHT, [(identity,) for identity, unlucky, _ in weights if unlucky == 0])
        conn.executemany(UPSERT_WEIGHT, [row for row in weights if row[1] > 0])


def keep_seed(conn: Connection, day: str, seed: str) -> str:
    """The seed of `day`: the one kept already (a restart between keeping it and opening the
    window must not change it), else `seed`, kept now."""
    # writing first: a transaction that read first and then wrote failed at once (SQLITE_BUSY)
    # when the outbox's thread had committed to the same file in between
    conn.execute("INSERT INTO access_seeds (day, seed) VALUES (?, ?) ON CONFLICT (day) DO NOTHING", [day, seed])
    return conn.execute("SELECT seed FROM access_seeds WHERE day = ?", [day]).fetchone()[0]


def seed(conn: Connection, day: str) -> str | None:
    found = conn.execute("SELECT seed FROM access_seeds WHERE day = ?", [day]).fetchone()
    return found[0] if found is not None else None


def forget_seed(conn: Connection, day: str) -> None:
    conn.execute("DELETE FROM access_seeds WHERE day = ?", [day])


def unlucky(conn: Connection, identity: str) -> int:
    """Days this identity registered and won nothing (0: none, or it won since)."""
    found = conn.execute("SELECT unlucky FROM access_weights WHERE identity = ?", [identity]).fetchone()
    return int(found[0]) if found is not None else 0


def people(conn: Connection, since: str) -> list[tuple]:
    """(entry, day, name, birth_date, contact) of the days from `since` on: a restart's memory."""
    return list(conn.execute("SELECT entry, day, name, birth_date, contact FROM access_people WHERE day >= ?",
                             [since]).fetchall())


def addresses(conn: Connection, since: str) -> list[tuple]:
    """(day, address, entries) of the web entries of the days from `since` on, per address."""
    return list(conn.execute("SELECT day, address, count(*) FROM access_people WHERE day >= ? AND address != '' "
                             "GROUP BY day, address", [since]).fetchall())


def forget_before(conn: Connection, today: str) -> None:
    """The day changed: names, birth dates and contacts of earlier days go, as do seeds never
    drawn, and the weights of identities without an entry for `WEIGHT_DAYS` days."""
    conn.execute("DELETE FROM access_people WHERE day < ?", [today])
    conn.execute("DELETE FROM access_seeds WHERE day < ?", [today])
    cutoff = (date.fromisoformat(today) - timedelta(days=WEIGHT_DAYS)).isoformat()
    conn.execute("DELETE FROM access_weights WHERE last_day < ?", [cutoff])
