"""A thread pool whose threads carry the context they were made in.

`willkommen-server host` serves several offices in one process, and each office's log lines name
it through a context variable set where the office is started (`server.edge.logs.OFFICE`).
Tasks inherit it; threads do not: `loop.run_in_executor` and `executor.submit` run their work
in the worker thread's own, empty context (only `asyncio.to_thread` copies the caller's), so a
line logged there (the store opening and migrating, a checkpoint that failed, the statistics
worker) named no office. A pool made by `carrying()` sets each of its threads, once at its
start, to the context the pool was made in: all work and done-callbacks run there carry it.
The pools are made inside the office's context (its `Server`, and what that opens on its own
store thread), so each office's threads are its own. (A context copied here names no office
in a server of one office: its lines are as they were.)"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Callable


def carrying(workers: int, prefix: str, initializer: Callable[[], object] | None = None) -> ThreadPoolExecutor:
    """`ThreadPoolExecutor(workers, thread_name_prefix=prefix, initializer=...)` whose threads run
    in a copy of the caller's context."""
    return ThreadPoolExecutor(workers, thread_name_prefix=prefix, initializer=_entered,
                              initargs=(contextvars.copy_context(), initializer))


def _entered(context: contextvars.Context, then: Callable[[], object] | None) -> None:
    for variable, value in context.items():  # set in the thread's own context, which its work items share
        variable.set(value)
    if then is not None:
        then()
