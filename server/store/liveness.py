"""The office's PostgreSQL looked at while nobody commits, so that `/healthz` and the floor
board say a dead primary at night, not at the next morning's first draw.

The writer learns that its database is lost when a commit fails (`server.store.writer`). An
office where nobody draws or calls commits nothing: the review found `/healthz` saying "ok"
for 50 s after the primary was killed, until the next draw. So, on PostgreSQL only: every
`every` seconds (`[limits] idle_check_seconds`, 10) in which the writer committed nothing, a
`SELECT 1` goes over the commits' own session (`PostgresStore.probe`). It runs as one of the
writer's `keep` steps, between commits, never beside one: a draw that comes meanwhile waits for
that one round trip and is then committed as always; a draw never makes one more. Found lost
(an ended session, a refused connection, or no answer within the writer's `commit_wait`), the
writer answers busy and reaches the database again exactly as after a lost commit
(`reach_again`, with the writer's own `reach`): `/healthz` says "reconnecting" until it is back, and the log's
`database lost while idle` and `database reached again` say when. An office that commits at
least once in `every` seconds is never probed.

SQLite is a file on this machine, never lost that way: no task, nothing probed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from functools import partial

from server.store.reasons import one_line
from server.store.projection import Projection
from server.store.writer import StorageFailed, Writer

log = logging.getLogger("willkommen.writer")


def run(writer: Writer, *, every: float, check: bool) -> asyncio.Task:
    """The writer's task; beside it, when `check` (PostgreSQL), the idle check, which ends with it."""
    task = asyncio.create_task(writer.run(warm=True), name="willkommen-writer")
    if check:
        watching = asyncio.create_task(watch(writer, every), name="willkommen-idle-check")
        task.add_done_callback(lambda _: watching.cancel())
    return task


async def watch(writer: Writer, every: float) -> None:
    """Probe the database after each `every` seconds without a commit, until the writer fails."""
    seen = writer.commits
    while not writer.failed:
        await asyncio.sleep(every)
        if writer.commits != seen or writer.busy or writer.away:  # it was used, or is being reached already
            seen = writer.commits
            continue
        with contextlib.suppress(Exception):  # a failed writer refuses the step: the loop ends
            await writer.keep(partial(_probe, writer))


async def _probe(writer: Writer, store: Projection) -> None:
    try:
        await asyncio.wait_for(store.probe(), writer.commit_wait)  # type: ignore[attr-defined]
    except Exception as exc:
        if not isinstance(exc, TimeoutError) and not store.lost(exc):
            raise  # not a lost session: told as a failed `keep` step, the server goes on
        await reach_again(writer, exc)


async def reach_again(writer: Writer, exc: BaseException) -> None:
    """Lost with no commit on its way: answer busy and reach it again as after a lost commit (run
    as a `keep` step, so no commit runs meanwhile). Taken by another server meanwhile
    (`StoreLocked`): a failure, as for a commit, and the server stops."""
    log.warning("database lost while idle; answering busy while reaching it again",
                extra={"fields": {"error": one_line(exc) if str(exc) else type(exc).__name__}})
    writer.reconnecting, lost_at = True, time.monotonic()
    try:
        await writer.reach()
    except Exception as exc:
        log.critical("the database could not be reached again; stopping", exc_info=True)
        writer.failed, writer.failure = True, exc
        for _, done in writer.steps:  # queued behind the probe: answered, not left waiting
            if not done.done():
                done.set_exception(StorageFailed("the server stops; not saved"))
        writer.steps = []
        writer.on_failure()
        return
    finally:
        writer.reconnecting = False
    log.warning("database reached again", extra={"fields": {"after_s": round(time.monotonic() - lost_at, 2)}})
