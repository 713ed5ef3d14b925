"""The office's store for the life of one `Server` (the store itself is `server.store`).

At the start: the store opened on a thread of its own (a locked or damaged file raises there,
and nothing is left open), the retention purge run, and today's events replayed into the
office; then the one writer and its task (with PostgreSQL's idle check, `server.store.liveness`).
At a new day the store starts it (`start_day`: statistics kept, the purge). At the end: the
writer's task ended, the store's connection closed on the loop it lives on, then the file on
its thread, and the thread let go.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Callable

from config import Site

from server.core import Office, local_day
from server.store import is_url, liveness, open_store
from server.store.projection import Projection
from server.store.threads import carrying
from server.store.writer import Writer

log = logging.getLogger("willkommen.server")


class Storage:
    """Opens, replays, runs the writer on, and closes the office's store."""

    def __init__(self, site: Callable[[], Site], office: Office, db_path: str | Path, clock: Callable[[], float]):
        self.site, self.office, self.db_path, self.clock = site, office, db_path, clock
        self.executor = carrying(1, "willkommen-store")  # its log lines name the office (threads.py)
        self.replayed: list = []  # today's events, for the floor board to read once (`Board.restore`)
        self.signed_out: Any = None  # sign-outs before this start (`People`)

    def let_go(self) -> None:
        """The thread let go: for a start that fails before the store is open."""
        self.executor.shutdown()

    async def open(self) -> Projection:
        """The store with today replayed into the office; a failure lets the thread go and raises."""
        try:
            self.store = await asyncio.get_running_loop().run_in_executor(self.executor, self._open)
        except BaseException:  # a locked or damaged file (store.StoreUnavailable): nothing to stop
            self.executor.shutdown()
            raise
        return self.store

    def _open(self) -> Projection:
        site = self.site()
        store = open_store(self.db_path, timezone=site.timezone, synchronous=site.synchronous)
        try:
            self._replay(store, site)
        except BaseException:
            store.close()
            raise
        return store

    def _replay(self, store: Projection, site: Site) -> None:
        today = local_day(self.clock(), self.office.tz)
        store.purge(today, site.retention_days, personal=site.manager.personal_statistics)
        self.office.last_id = store.last_ticket_id()
        self.replayed = store.events_since(today)
        for event in self.replayed:
            self.office.apply(event)
        self.signed_out = store.signed_out(self.clock())

    def run_writer(self, *, idle_check: float, **hooks: Any) -> Writer:
        """The one writer over the open store, and its task (`hooks`: the `Writer`'s callbacks)."""
        self.writer = Writer(self.office, self.store, clock=self.clock, on_new_day=self._new_day, **hooks)
        self.task = liveness.run(self.writer, every=idle_check, check=is_url(self.db_path))
        return self.writer

    def _new_day(self, day: str) -> None:
        site = self.site()
        self.store.start_day(day, retention_days=site.retention_days, personal=site.manager.personal_statistics)

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        try:
            await self.store.aclose()  # PostgreSQL's writing connection, on the loop it lives on
        except Exception:
            log.exception("closing the store's connection failed")
        await asyncio.get_running_loop().run_in_executor(self.executor, self.store.close)
        self.executor.shutdown()
