"""The statistics page, its exports and the monthly report (for signed-in people only;
`server.manager.pages` routes here).

    GET /stats?period=month&value=2026-11&by=service    the page: charts, tables under them
    GET /stats.csv?…&table=tickets                      one table as CSV
    GET /stats.xlsx?…                                   every table, a sheet each
    GET /report.pdf?month=2026-11                       the monthly report for the ministry (PDF/A)
    GET /report.html?month=2026-11                      the same report as a page

The server only reads the request here and checks the period and grouping; the figures, the
charts (SVG drawn by pygal: no script, nothing from outside), the exports
(`server.manager.stats.export`) and the report (`server.manager.report`) are made in the
report worker process (`server.manager.stats.worker`), so live pages stay fast. Words are
the signed-in person's language (their `lang`: German, or English for `en`), from the staff
catalogue's `[stats]` section; the `Job` carries the language to the worker.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from websockets.http11 import Response

from config import Site
from server.edge.replies import respond
from server.manager.stats.tables import Period, Refused, grouping
from server.manager.stats.html import page

if TYPE_CHECKING:
    from server.core import Office
    from server.manager.stats.worker import Reports


class Source(Protocol):
    """What the statistics read: the site, today's office (its day and time zone), the file,
    and the worker process that makes tables, exports and reports."""

    site: Site
    office: "Office"
    db_path: Path | str  # the SQLite file or a postgresql:// URL
    clock: Callable[[], float]
    reports: "Reports"


async def answer(server: Source, path: str, query: dict[str, list[str]], lang: str = "de") -> Response:
    """The page, export or report asked for, in `lang` (the signed-in person's staff language)."""
    from server.manager.stats.worker import Job

    arg = {key: values[0] for key, values in query.items()}
    today = server.office.day or datetime.fromtimestamp(server.clock(), server.office.tz).date().isoformat()
    try:
        if path in ("/report.pdf", "/report.html"):
            period = Period.parse("month", arg.get("month", ""), today=today)
        else:
            period = Period.parse(arg.get("period", "month"), arg.get("value", ""), today=today)
        by = grouping(arg.get("by", "service"), server.site)  # "language" or "Sprache" mean lang
    except Refused as refused:  # a bad period or grouping: say what is wrong, keep the form
        why = refused.say(lang)
        if path == "/stats":
            return respond(400, page(server.site, None, arg.get("by", "service"), arg, [], error=why, lang=lang),
                           "text/html; charset=utf-8")
        return respond(400, why + "\n")
    made = await server.reports.make(Job(path, str(server.db_path), server.site, period.first, period.last,
                                         by, today, server.clock(), arg, lang=lang))
    return respond(made.status, made.body, made.content_type, **made.headers)
