"""Statistics pages, exports and the monthly report are made in a worker process, never in
the process whose event loop serves kiosks, counters and displays.

A month's report is seconds of Python (the queries' loops, pygal, WeasyPrint's layout): in a
thread of the server it holds the GIL, and `/healthz` went from 3 ms to 17 ms median and past
800 ms at worst while one rendered (issue 25). `Reports` keeps one worker process (started
on the first request with `spawn`: a fork of a process with threads may deadlock), at a lower
CPU priority (nice 10: terminals win the cores, and a loaded machine still makes the report
within the 60 s an HTTP answer may take, `server.edge.app.OPEN_TIMEOUT`; at nice 19 a test
machine with a load of 15 did not); `python -m bench --only report` measures `/healthz` and a
kiosk draw while reports render. The worker reads the store's file through
its own read-only connection (WAL: the writer never waits for it), or PostgreSQL through a
session of its own.
"""

from __future__ import annotations

import asyncio
import copyreg
import logging
import multiprocessing
import os
import types
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from config import Site

from server.edge import logs
from server.store.threads import carrying



def read_only(mapping: dict) -> types.MappingProxyType:
    return types.MappingProxyType(mapping)


# a Site holds its catalogues as read-only mappings, which pickle cannot send: send them to the
# worker as plain dicts that it wraps again
copyreg.pickle(types.MappingProxyType, lambda mapping: (read_only, (dict(mapping),)))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Job:
    """One page, export or report to make: everything the worker needs, nothing of the server."""

    path: str                 # /stats, /stats.csv, /stats.xlsx, /report.pdf or /report.html
    db: str
    site: Site
    first: str
    last: str
    by: str
    today: str
    now: float
    arg: dict[str, str] = field(default_factory=dict)
    lang: str = "de"


@dataclass(frozen=True)
class Made:
    status: int
    body: bytes | str
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def make(job: Job) -> Made:
    """Runs in the worker: the figures, then what was asked for."""
    from server.manager.report import report_html, to_pdf
    from server.manager.stats.summary import summary as report_summary
    from server.manager.stats.tables import Period, Statistics
    from server.manager.stats.export import file_name, sheet_name, to_csv, to_xlsx
    from server.manager.stats.html import page
    from server.manager.stats.words import Words

    period, words = Period(job.first, job.last), Words(job.lang)
    conn = _read_only(job.db)
    try:
        stats = Statistics(conn, job.site, today=job.today, now=job.now, lang=job.lang)
        tables = stats.tables(period, job.by)
        summary = report_summary(stats, period) if job.path.startswith("/report") else {}
    finally:
        conn.close()
    if job.path == "/stats.csv":
        table = next((t for t in tables if t.name == job.arg.get("table", "tickets")), None)
        if table is None:
            return Made(404, f"no table {job.arg.get('table')!r}: {', '.join(t.name for t in tables)}\n",
                        "text/plain; charset=utf-8")
        return Made(200, to_csv(table, words.lang), "text/csv; charset=utf-8",
                    {"Content-Disposition": 'attachment; filename="{}"'.format(
                        file_name(sheet_name(table, words.lang), period.first, period.last, "csv"))})
    if job.path == "/stats.xlsx":
        return Made(200, to_xlsx(tables, words.lang), XLSX,
                    {"Content-Disposition": 'attachment; filename="{}"'.format(
                        file_name(words("page.xlsx_file"), period.first, period.last, "xlsx"))})
    if job.path in ("/report.pdf", "/report.html"):
        document = report_html(job.site.name, period, tables, summary, by=job.by, made=job.now,
                               timezone=job.site.timezone, capped=stats.capped, lang=job.lang)
        if job.path == "/report.html":
            return Made(200, document, "text/html; charset=utf-8")
        return Made(200, to_pdf(document), "application/pdf",
                    {"Content-Disposition": f'attachment; filename="{words("page.report_file")}-{period.first[:7]}.pdf"'})
    return Made(200, page(job.site, period, job.by, job.arg, tables, lang=job.lang), "text/html; charset=utf-8")


def _read_only(db: str):
    """The store's database for the queries: the SQLite file read-only (WAL: the writer never
    waits), or a session of its own on PostgreSQL (`server.store.postgres.Sql`: the same SQL)."""
    from server.store import open_read_only
    # one transaction, rolled back at `close`: what the queries make needs no TEMPORARY right (Sql.scratch)
    return open_read_only(db, application="willkommen statistics", transaction=True)


def _worker_started(office: str, level: str) -> None:
    """In the worker process: a lower priority, and the server's JSON log lines, naming the
    office in `willkommen-server host` (a spawned process inherits neither)."""
    os.nice(10)
    logs.setup(level)
    logs.OFFICE.set(office)


# `WILLKOMMEN_REPORTS=thread` makes them in a thread of the server instead, as before the worker:
# only for `python -m bench --only report`, which measures both in one run
IN_A_THREAD = "thread"


class Reports:
    """The worker process, started when first asked for and stopped with the server."""

    def __init__(self) -> None:
        self._pool: Executor | None = None

    async def make(self, job: Job) -> Made:
        if self._pool is None:
            level = logging.getLevelName(logging.getLogger("willkommen").getEffectiveLevel()).lower()
            self._pool = carrying(1, "willkommen-reports") if os.environ.get("WILLKOMMEN_REPORTS") == IN_A_THREAD else \
                ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_started,
                                    initargs=(logs.OFFICE.get(), level))
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, make, job)
        except BrokenProcessPool:  # the worker died (out of memory, killed): the next request starts another
            self._pool = None
            raise

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
