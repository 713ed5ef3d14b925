"""The one writer: applies commands to the office in order and commits them in groups.

Connections `submit` a command (a function of `now`). The writer takes every command queued
so far, runs each against the in-memory `Office`, writes all the events they caused in one
transaction, and only then answers each command and hands the events to `on_committed` (the
broadcaster). Many kiosks drawing at once therefore cost one commit, not one each (group
commit), and no reply ever confirms what is not on disk.

With synchronous=full the commit waits for an fsync and runs on the store's own thread, so the
event loop keeps serving while the disk works; with synchronous=normal it is a write to the
WAL without fsync and runs inline (the thread hop cost more than the commit: 1 kiosk drew
1,632/s through the thread and 2,981/s inline, `python -m bench --only draws`).

If a commit fails (disk full, file gone) the memory is ahead of the file: the writer fails
every waiting command with `StorageFailed` and calls `on_failure`, and the server stops so
that a restart rebuilds the truth from the file. Crash-only is simpler than an undo.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from .core import Event, Office
from .errors import WillkommenError
from .store import Store

log = logging.getLogger("willkommen.writer")
MAX_GROUP = 512


class StorageFailed(WillkommenError):
    code = "storage_failed"


class Writer:
    def __init__(self, office: Office, store: Store, executor: ThreadPoolExecutor, *,
                 on_committed: Callable[[list[Event]], None], on_failure: Callable[[], None],
                 clock: Callable[[], float] = time.time):
        self.office, self.store, self.executor = office, store, executor
        self.on_committed, self.on_failure, self.clock = on_committed, on_failure, clock
        self.queue: asyncio.Queue[tuple[Callable[[float], Any], asyncio.Future]] = asyncio.Queue()
        self.commits = 0
        self.inline = False

    async def submit(self, command: Callable[[float], Any]) -> Any:
        """Run `command(now)` in order with all others; return its result once committed."""
        future = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((command, future))
        return await future

    async def run(self) -> None:
        while True:
            group = [await self.queue.get()]
            while not self.queue.empty() and len(group) < MAX_GROUP:
                group.append(self.queue.get_nowait())
            await self._apply(group)

    async def _apply(self, group: list[tuple[Callable[[float], Any], asyncio.Future]]) -> None:
        results = [(future, *self._run(command)) for command, future in group]
        events = self.office.take_journal()
        try:
            if events:
                tickets = {e["number"]: self.office.tickets.get(e["number"]) for e in events if "number" in e}
                await self._commit(events, [t for t in tickets.values() if t])
                self.commits += 1
        except Exception:
            log.critical("commit failed; stopping so a restart rebuilds from the file", exc_info=True)
            for future, _, _ in results:
                _settle(future, StorageFailed("the change could not be saved; the server restarts"), None)
            self.on_failure()
            return
        for future, error, value in results:
            _settle(future, error, value)
        if events:
            self.on_committed(events)

    def call(self, function: Callable, *args: Any) -> None:
        """Run other store work (a purge) where commits run, so the connection has one user."""
        if self.inline:
            function(*args)
        else:
            asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def _commit(self, events: list[Event], tickets: list) -> None:
        """Commit on the store's thread; with synchronous=normal a commit is a write to the WAL
        without fsync (tens of microseconds), cheaper inline than the hop to a thread and back."""
        if self.inline:
            self.store.append(events, tickets)
        else:
            await asyncio.get_running_loop().run_in_executor(self.executor, self.store.append, events, tickets)

    def _run(self, command: Callable[[float], Any]) -> tuple[BaseException | None, Any]:
        try:
            return None, command(self.clock())
        except WillkommenError as exc:
            return exc, None
        except Exception as exc:  # a bug: answer it, keep serving the others
            log.exception("command failed")
            return exc, None


def _settle(future: asyncio.Future, error: BaseException | None, value: Any) -> None:
    if future.done():  # the connection that asked has gone away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
