"""The statistics page, its exports and the monthly report (for signed-in people only;
`server.manager.pages` routes here).

    GET /stats?period=month&value=2026-11&by=service    the page: charts, tables under them
    GET /stats.csv?…&table=tickets                      one table as CSV
    GET /stats.xlsx?…                                   every table, a sheet each
    GET /report.pdf?month=2026-11                       the monthly report for the ministry (PDF/A)
    GET /report.html?month=2026-11                      the same report as a page

The server only reads the request here and checks the period and grouping; the figures, the
charts (SVG drawn by pygal: no script, nothing from outside), the exports
(`server.manager.stats_export`) and the report (`server.manager.report`) are made in the
report worker process (`server.manager.stats_worker`), so live pages stay fast. Words are
German, from the staff catalogue's `[stats]` section.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from websockets.http11 import Response

from config import Site
from server.edge.pages import respond
from server.manager.stats import Period, Table, grouping, groupings
from server.manager.stats_words import Words

if TYPE_CHECKING:
    from server.core import Office
    from server.manager.stats_worker import Reports


class Source(Protocol):
    """What the statistics read: the site, today's office (its day and time zone), the file,
    and the worker process that makes tables, exports and reports."""

    site: Site
    office: "Office"
    db_path: Path
    clock: Callable[[], float]
    reports: "Reports"

PERIODS = ("day", "week", "month", "range")


async def answer(server: Source, path: str, query: dict[str, list[str]]) -> Response:
    from server.manager.stats_worker import Job

    arg = {key: values[0] for key, values in query.items()}
    today = server.office.day or datetime.fromtimestamp(server.clock(), server.office.tz).date().isoformat()
    try:
        if path in ("/report.pdf", "/report.html"):
            period = Period.parse("month", arg.get("month", ""), today=today)
        else:
            period = Period.parse(arg.get("period", "month"), arg.get("value", ""), today=today)
        by = grouping(arg.get("by", "service"), server.site)  # "language" or "Sprache" mean lang
    except ValueError as exc:  # a bad period or grouping: say what is wrong, keep the form
        if path == "/stats":
            return respond(400, page(server.site, None, arg.get("by", "service"), arg, [], error=str(exc)),
                           "text/html; charset=utf-8")
        return respond(400, f"Bad request: {exc}\n")
    made = await server.reports.make(Job(path, str(server.db_path), server.site, period.first, period.last,
                                                 by, today, server.clock(), arg))
    return respond(made.status, made.body, made.content_type, **made.headers)


def section_html(table: Table, words: Words, drawn: list[tuple[str, str]], query: str) -> str:
    from server.manager.report import table_html

    e = html.escape
    link = f'<p><a href="/stats.csv?{query}&amp;table={table.name}" download>{e(words("page.csv"))}</a></p>'
    return table_html(table, words, drawn).removesuffix("</section>") + link + "</section>"


def page(site: Site, period: Period | None, by: str, arg: dict[str, str], tables: list[Table],
         error: str = "", lang: str = "de") -> str:
    """The statistics page; with `error` (and no period) the form alone, the error above it."""
    e, w = html.escape, Words(lang)
    if tables:
        from server.manager.stats_charts import charts

        drawn = charts(tables, w, by)
    else:
        drawn = {}
    query = f"period={e(arg.get('period', 'month'))}&amp;value={e(arg.get('value', ''))}&amp;by={e(by)}"
    sections = "".join(section_html(t, w, drawn.get(t.name, []), query) for t in tables)
    options = "".join(f'<option value="{p}"{" selected" if p == arg.get("period", "month") else ""}>'
                      f'{e(w(f"page.{p}"))}</option>' for p in PERIODS)
    by_options = "".join(f'<option value="{d}"{" selected" if d == by else ""}>{e(w(f"by.{d}"))}</option>'
                         for d in groupings(site))
    if period is None:
        shown = f'<p id="stats-error" role="alert" class="error">{e(w("page.error", error=error))}</p>'
    else:
        shown = (f'<p id="period-shown">{e(w("page.shown", period=str(period)))}\n'
                 f'<a href="/stats.xlsx?{query}" download>{e(w("page.xlsx"))}</a> ·\n'
                 f'<a href="/report.pdf?month={e(period.first[:7])}&amp;by={e(by)}" download>'
                 f'{e(w("page.report", month=period.first[:7]))}</a></p>')
    return f"""<!doctype html>
<html lang="{w.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(w("page.title"))} — Willkommen</title><link rel="stylesheet" href="/board/manager.css"></head>
<body><header class="top"><h1>{e(w("page.title"))} — {e(site.name)}</h1>
<nav aria-label="{e(w("page.nav"))}"><a href="/board">{e(w("page.board"))}</a>
<a href="/stats" aria-current="page">{e(w("page.title"))}</a> <a href="/signout">{e(w("page.signout"))}</a></nav></header>
<main>
<form method="get" action="/stats">
<label for="period">{e(w("page.period"))}</label> <select id="period" name="period">{options}</select>
<label for="value">{e(w("page.value"))}</label> <input id="value" name="value" value="{e(arg.get('value', ''))}">
<label for="by">{e(w("page.by"))}</label> <select id="by" name="by">{by_options}</select>
<button type="submit">{e(w("page.show"))}</button></form>
{shown}
{sections}
</main></body></html>"""
