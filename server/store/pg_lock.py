"""The office's advisory lock on PostgreSQL (one server per office: `server.store.postgres`)
and the check that a session's commits are confirmed on disk."""

from __future__ import annotations

import psycopg

LOCK_KEY = int.from_bytes(b"Wilk", "big")  # the advisory lock (with the schema's hash): one server per office
UNLOCK = "SELECT pg_advisory_unlock(%s, hashtext(current_schema()))"
HELD = ("pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.objsubid = 2 AND l.classid::bigint = %s "
        "AND l.objid::bigint = (hashtext(current_schema())::bigint & 4294967295)")  # the office's lock
HOLDER = f"SELECT a.application_name, a.client_addr FROM {HELD} LIMIT 1"
# the lock's session if it is this process's own (same host and pid): one the database still
# thinks alive after the network broke, until its TCP keepalive would end it
END_OUR_OLD_SESSION = f"SELECT pg_terminate_backend(a.pid) FROM {HELD} AND a.application_name = %s"


def confirm_on_disk(conn: psycopg.Connection) -> None:
    if conn.execute("SHOW synchronous_commit").fetchone()[0] == "off":
        conn.execute("SET synchronous_commit = on")  # a reply confirms only what is on disk


async def try_lock(conn: psycopg.AsyncConnection) -> bool:
    taken = await conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))", [LOCK_KEY])
    return (await taken.fetchone())[0]


async def holder(conn: psycopg.AsyncConnection) -> str:
    """Who holds the office's lock, as `PostgresStore._refuse` names it: ' (application name from address)'."""
    found = await (await conn.execute(HOLDER, [LOCK_KEY])).fetchone()
    return f" ({found[0] or 'no name'}{f', {found[1]}' if found[1] else ''})" if found else ""


async def confirm_on_disk_async(conn: psycopg.AsyncConnection) -> None:
    if (await (await conn.execute("SHOW synchronous_commit")).fetchone())[0] == "off":
        await conn.execute("SET synchronous_commit = on")
