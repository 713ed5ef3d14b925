"""Why a commit waits: what an IT admin reads on `/healthz` and a team leader on the floor board
when the database has not confirmed a commit for `[limits] commit_wait_seconds`.

The usual cause on PostgreSQL is a *synchronous standby that is gone*: PostgreSQL then keeps
every COMMIT waiting for it (its meaning of "synchronous"), with no error and no end, while the
primary itself answers everything else. The server sees only a commit that does not come back;
a second session asks the database what the commit's own session waits for
(`pg_stat_activity.wait_event` of its backend: `SyncRep` is the standby), what
`synchronous_standby_names` asks for, and how many standbys stream now (`pg_stat_replication`:
its rows are visible to every login, their details only to `pg_read_all_stats`).

`Waiting.why` is one word, the staff catalogue's `database.<why>` (German on the board):

- `standby`: the primary waits for its synchronous standby (none streams, or not the named one)
- `lock`: the commit waits for a lock another session holds
- `disk`: the primary writes or flushes its WAL (a slow or full disk)
- `no_answer`: the database does not answer a second session either (a machine or network gone)
- `unknown`: it answers, but says nothing of the commit's session
"""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass
from typing import Any

from server.store.reasons import one_line

ASK_TIMEOUT = 3.0  # seconds for the second session to connect and answer
ASKED = """
SELECT a.wait_event_type, a.wait_event, current_setting('synchronous_standby_names'),
       (SELECT count(*) FROM pg_stat_replication),
       (SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum'))
FROM (SELECT 1) AS one LEFT JOIN pg_stat_activity a ON a.pid = %s
"""
ONE_COPY = "ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf();"
HINTS = {
    "standby": ("bring the standby back: once it streams again it catches up and every waiting commit is "
                f"confirmed. To go on with one copy while it is repaired, on the primary: {ONE_COPY} "
                "(docs/it-provider.md, 'What to watch')"),
    "lock": "find the session holding the lock: SELECT pid, application_name, state, query FROM pg_stat_activity",
    "disk": "check the database server's disk (full? failing?) and its PostgreSQL log",
    "no_answer": "check that the database server and the network to it are up (its log, pg_isready)",
    "unknown": "see the database server's PostgreSQL log and pg_stat_activity",
}


@dataclass(frozen=True)
class Waiting:
    why: str          # a word of the list above
    detail: str = ""  # what the database said, for the admin (English, one line)

    @property
    def hint(self) -> str:
        return HINTS[self.why]


class Asked:
    """What `PostgresStore` answers the writer when its commit does not come back."""
    url: str
    aconn: Any

    async def waiting_for(self) -> Waiting:
        """Why the commit on its way waits, asked on a session of its own."""
        pid = self.aconn.info.backend_pid if self.aconn is not None else None
        # not the store's own name (`postgres.application_name`): that one marks the office's lock holder
        name = f"willkommen-server {socket.gethostname()} pid {os.getpid()} watch"[:63]
        return await ask(self.url, pid, application_name=name)


async def ask(url: str, backend_pid: int | None, *, application_name: str) -> Waiting:
    """What the session `backend_pid` (the commit's) waits for, asked on a session of its own."""
    import psycopg  # only where PostgreSQL is used

    try:
        async with asyncio.timeout(ASK_TIMEOUT):
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=int(ASK_TIMEOUT),
                                                         application_name=application_name)
            try:
                row = await (await conn.execute(ASKED, [backend_pid])).fetchone()
            finally:
                await conn.close()
    except TimeoutError:
        return Waiting("no_answer", f"no answer within {ASK_TIMEOUT:g} s")
    except psycopg.Error as exc:
        return Waiting("no_answer", one_line(exc))
    return judged(*row)


def judged(kind: str | None, event: str | None, names: str, streaming: int, sync: int) -> Waiting:
    """The answer to `ASKED` in a word and a line."""
    wait = f"wait event {kind}/{event}" if event else "no wait event"
    standbys = (f"synchronous_standby_names = '{names}', standbys streaming: {streaming}"
                f"{f' ({sync} synchronous)' if streaming else ''}")
    if event == "SyncRep":
        return Waiting("standby", f"the primary waits for its synchronous standby ({standbys})")
    if kind == "Lock":
        return Waiting("lock", f"the commit waits for a lock ({wait})")
    if event is not None and event.startswith("WAL"):
        return Waiting("disk", f"the primary is writing its WAL ({wait}; {standbys})")
    return Waiting("unknown", f"{wait}; {standbys}")
