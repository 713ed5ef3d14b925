"""The one writer: commands change the office at once, and are answered once committed.

A connection `submit`s a command (a function of `now`). It runs at once against the in-memory
`Office` (asyncio runs one task at a time, so commands never interleave); the events it caused
wait in the office's journal. The writer task takes everything journaled so far, writes it in
one transaction, and only then answers every command that ran meanwhile and hands the events
to `on_committed` (the broadcaster). Many kiosks drawing at once therefore cost one commit,
not one each (group commit), and no reply ever confirms what is not on disk.

With synchronous=full a commit waits for an fsync and runs on the store's own thread; the
commands that arrive during it run meanwhile and form the next group, so the event loop's work
and the disk's overlap (50 kiosks: 7,572 draws/s when commands waited for the commit before,
see the README's Performance table for now). With synchronous=normal a commit is a write to
the WAL without fsync and runs inline: the hop to a thread and back cost more than the commit
(1 kiosk drew 1,632/s through the thread and 2,981/s inline, `python -m bench --only draws`).

If a commit fails (disk full, file gone) the memory is ahead of the file: the writer fails
every waiting command with `StorageFailed`, refuses all later ones, and calls `on_failure`;
the server stops so that a restart rebuilds the truth from the file. Crash-only is simpler
than an undo.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from .core import Event, Office
from .errors import WillkommenError
from .store import Rows, Store

log = logging.getLogger("willkommen.writer")


class StorageFailed(WillkommenError):
    code = "storage_failed"


class Writer:
    def __init__(self, office: Office, store: Store, executor: ThreadPoolExecutor, *,
                 on_committed: Callable[[list[Event]], None], on_failure: Callable[[], None],
                 clock: Callable[[], float] = time.time):
        self.office, self.store, self.executor = office, store, executor
        self.on_committed, self.on_failure, self.clock = on_committed, on_failure, clock
        self.loop = asyncio.get_running_loop()
        self.pending: list[asyncio.Future] = []      # commands answered by the next commit
        self.in_flight: list[asyncio.Future] | None = None  # those answered by the commit being written
        self.wakeup: asyncio.Future | None = None    # the writer task waits here for work
        self.failed = False
        self.commits = 0
        self.inline = False

    @property
    def busy(self) -> bool:
        return bool(self.office.journal) or self.in_flight is not None

    async def submit(self, command: Callable[[float], Any]) -> Any:
        """Run `command(now)` now; return its result (or raise its error) once everything it
        saw and changed is committed."""
        if self.failed:
            raise StorageFailed("the server could not save its work and is restarting")
        error, value = self._run(command)
        if self.office.journal:
            answered_by = self.pending
            if self.wakeup is not None and not self.wakeup.done():
                self.wakeup.set_result(None)
        elif self.in_flight is not None:
            answered_by = self.in_flight
        else:
            answered_by = None  # nothing unsaved: answer at once
        if answered_by is not None:
            answered_by.append(committed := self.loop.create_future())
            await committed
        if error is not None:
            raise error
        return value

    async def run(self) -> None:
        while not self.failed:
            if not self.office.journal:
                self.wakeup = self.loop.create_future()
                await self.wakeup
                continue
            await self._commit_journal()

    async def _commit_journal(self) -> None:
        events = self.office.take_journal()
        changed = {e["number"]: self.office.tickets.get(e["number"]) for e in events if "number" in e}
        rows = self.store.rows(events, [t for t in changed.values() if t])
        self.in_flight, self.pending = self.pending, []
        try:
            await self._write(rows)
        except Exception:
            log.critical("commit failed; stopping so a restart rebuilds from the file", exc_info=True)
            self.failed = True
            _settle([*self.in_flight, *self.pending],
                    StorageFailed("the change could not be saved; the server restarts"))
            self.on_failure()
            return
        finally:
            answered, self.in_flight = self.in_flight, None
        self.commits += 1
        _settle(answered, None)
        self.on_committed(events)

    async def _write(self, rows: Rows) -> None:
        """Commit on the store's thread; with synchronous=normal a commit is a write to the WAL
        without fsync (tens of microseconds), cheaper inline than the hop to a thread and back."""
        if self.inline:
            self.store.write(rows)
        else:
            await self.loop.run_in_executor(self.executor, self.store.write, rows)

    def call(self, function: Callable, *args: Any) -> None:
        """Run other store work (a purge) where commits run, so the connection has one user."""
        if self.inline:
            function(*args)
        else:
            self.loop.run_in_executor(self.executor, function, *args)

    def _run(self, command: Callable[[float], Any]) -> tuple[BaseException | None, Any]:
        try:
            return None, command(self.clock())
        except WillkommenError as exc:
            return exc, None
        except Exception as exc:  # a bug: answer it, keep serving the others
            log.exception("command failed")
            return exc, None


def _settle(futures: list[asyncio.Future], error: BaseException | None) -> None:
    for future in futures:
        if future.done():  # the connection that asked has gone away
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(None)
