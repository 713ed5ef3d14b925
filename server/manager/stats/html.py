"""The statistics page as HTML: the form (period, grouping), then each table with its chart and
its CSV link. Made in the report worker process (`server.manager.stats.worker`), and by
`server.manager.stats.web` for a form with an error."""

from __future__ import annotations

import html

from config import Site
from server.manager.stats.tables import Period, Table, groupings
from server.manager.stats.words import Words

PERIODS = ("day", "week", "month", "range")


def section_html(table: Table, words: Words, drawn: list[tuple[str, str]], query: str) -> str:
    from server.manager.report import table_html

    e = html.escape
    link = f'<p><a href="/stats.csv?{query}&amp;table={table.name}" download>{e(words("page.csv"))}</a></p>'
    return table_html(table, words, drawn).removesuffix("</section>") + link + "</section>"


def page(site: Site, period: Period | None, by: str, arg: dict[str, str], tables: list[Table],
         error: str = "", lang: str = "de") -> str:
    """The statistics page; with `error` (and no period) the form alone, the error above it."""
    e, w = html.escape, Words(lang)
    nav = lambda key: w.table[f"page.{key}"]  # noqa: E731  the board's navigation words (the catalogue's [page])
    if tables:
        from server.manager.stats.charts import charts

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
        shown = (f'<p id="period-shown">{e(w("page.shown", period=period.say(w.lang)))}\n'
                 f'<a href="/stats.xlsx?{query}" download>{e(w("page.xlsx"))}</a> ·\n'
                 f'<a href="/report.pdf?month={e(period.first[:7])}&amp;by={e(by)}" download>'
                 f'{e(w("page.report", month=w.label(period.first[:7])))}</a></p>')
    return f"""<!doctype html>
<html lang="{w.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(w("page.title"))} — Willkommen</title><link rel="stylesheet" href="/board/manager.css"></head>
<body><header class="top"><h1>{e(w("page.title"))} — {e(site.name)}</h1>
<nav aria-label="{e(nav("nav"))}"><a href="/board">{e(nav("board"))}</a>
<a href="/stats" aria-current="page">{e(nav("stats"))}</a> <a href="/signout">{e(nav("signout"))}</a></nav></header>
<main>
<form method="get" action="/stats">
<label for="period">{e(w("page.period"))}</label> <select id="period" name="period">{options}</select>
<label for="value">{e(w("page.value"))}</label> <input id="value" name="value" value="{e(arg.get('value', ''))}">
<label for="by">{e(w("page.by"))}</label> <select id="by" name="by">{by_options}</select>
<button type="submit">{e(w("page.show"))}</button></form>
{shown}
{sections}
</main></body></html>"""
