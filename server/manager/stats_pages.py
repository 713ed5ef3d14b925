"""The statistics page, its exports and the monthly report (for signed-in people only;
`server.manager.pages` routes here).

    GET /stats?period=month&value=2026-11&by=service    the page: charts, tables under them
    GET /stats.csv?…&table=tickets                      one table as CSV
    GET /stats.xlsx?…                                   every table, a sheet each
    GET /report.pdf?month=2026-11                       the monthly report a manager sends on
    GET /report.html?month=2026-11                      the same report as a page

Charts are SVG drawn on the server by pygal (no script, nothing from outside the server),
shown as images with a text alternative; the table under each chart holds the same numbers.
The PDF is the report page printed by WeasyPrint (it needs Pango, which Debian's chromium
already pulls in). Figures come from `server.manager.stats`, computed in a thread on a read-only
connection to the store's file so the office's writer never waits for a report.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import html
import io
import sqlite3
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from websockets.http11 import Response

from server.edge.pages import respond
from server.manager.stats import DIMENSION_LABELS, Period, Statistics, Table, grouping, groupings

if TYPE_CHECKING:
    from server.edge.app import Server

PERIODS = ("day", "week", "month", "range")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def answer(server: "Server", path: str, query: dict[str, list[str]]) -> Response:
    arg = {key: values[0] for key, values in query.items()}
    today = server.office.day or datetime.fromtimestamp(server.clock(), server.office.tz).date().isoformat()
    try:
        if path in ("/report.pdf", "/report.html"):
            period = Period.parse("month", arg.get("month", ""), today=today)
        else:
            period = Period.parse(arg.get("period", "month"), arg.get("value", ""), today=today)
        by = grouping(arg.get("by", "service"), server.site)  # "language" or "Sprache" mean lang
        tables = await asyncio.to_thread(figures, server, period, by, today)
    except ValueError as exc:  # a bad period or grouping: say what is wrong, keep the form
        if path == "/stats":
            return respond(400, page(server, None, arg.get("by", "service"), arg, [], error=str(exc)),
                           "text/html; charset=utf-8")
        return respond(400, f"Bad request: {exc}\n")
    if path == "/stats.csv":
        table = next((t for t in tables if t.name == arg.get("table", "tickets")), None)
        if table is None:
            return respond(404, f"no table {arg.get('table')!r}: {', '.join(t.name for t in tables)}\n")
        return respond(200, to_csv(table), "text/csv; charset=utf-8",
                       **{"Content-Disposition": f'attachment; filename="{table.name}-{period.first}.csv"'})
    if path == "/stats.xlsx":
        return respond(200, await asyncio.to_thread(to_xlsx, tables), XLSX,
                       **{"Content-Disposition": f'attachment; filename="statistics-{period.first}.xlsx"'})
    if path == "/report.pdf":
        pdf = await asyncio.to_thread(to_pdf, report_html(server, period, tables))
        return respond(200, pdf, "application/pdf",
                       **{"Content-Disposition": f'attachment; filename="report-{period.first[:7]}.pdf"'})
    if path == "/report.html":
        return respond(200, report_html(server, period, tables), "text/html; charset=utf-8")
    return respond(200, page(server, period, by, arg, tables), "text/html; charset=utf-8")


def figures(server: "Server", period: Period, by: str, today: str) -> list[Table]:
    conn = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)
    try:
        return Statistics(conn, server.site, today=today, now=server.clock()).tables(period, by)
    finally:
        conn.close()


# ---- exports -------------------------------------------------------------------------------

def to_csv(table: Table) -> str:
    """The table as CSV in UTF-8 with a byte order mark: Excel (a German one above all) reads
    a file without one in the machine's code page and garbles every umlaut."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return out.getvalue()


def to_xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(document: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=document).write_pdf()


# ---- charts --------------------------------------------------------------------------------

def charts(tables: list[Table]) -> dict[str, list[tuple[str, str]]]:
    """Per table name: its charts, each (SVG data URI, text alternative). A chart's axis holds
    one unit (counts or minutes, never both) and every count axis starts at 0."""
    pygal = _pygal()
    from pygal.style import Style

    style = Style(background="white", plot_background="white", foreground="#1b1f24", foreground_strong="#1b1f24",
                  foreground_subtle="#4a5360", colors=("#0b4f9c", "#a4161a", "#1d6b35", "#8a5300", "#5b3c88"),
                  font_family="DejaVu Sans")
    options = dict(style=style, js=[], width=800, height=300, legend_at_bottom=True, print_values=False,
                   disable_xml_declaration=False, x_label_rotation=20, include_x_axis=True)
    out: dict[str, list[tuple[str, str]]] = {}
    figures = next(t for t in tables if t.name == "tickets")
    if figures.rows:
        out["tickets"] = [ticket_chart(pygal, figures, options), times_chart(pygal, figures, options)]
    arrivals = next(t for t in tables if t.name == "arrivals")
    if arrivals.rows:
        chart = pygal.Line(title=arrivals.title, y_title="tickets", **options)
        chart.x_labels = arrivals.columns[1:]
        for row in arrivals.rows:
            chart.add(row[0], row[1:])
        out["arrivals"] = [(_uri(chart), "Line chart of tickets drawn per hour, a line per weekday, from 0; "
                                         "the table below holds the same numbers.")]
    satisfaction = next((t for t in tables if t.name == "feedback_service"), None)
    if satisfaction is not None and satisfaction.rows:  # visitor feedback (server.visitors.feedback)
        faces = Style(background="white", plot_background="white", foreground="#1b1f24", foreground_strong="#1b1f24",
                      foreground_subtle="#4a5360", font_family="DejaVu Sans",
                      colors=("#a4161a", "#d9730d", "#8a7a00", "#4d8a1f", "#1d6b35"))  # very bad ... very good
        chart = pygal.HorizontalStackedBar(title=satisfaction.title, **{**options, "style": faces})
        chart.x_labels = [str(r[0]) for r in satisfaction.rows]
        for i, face in enumerate(satisfaction.columns[4:9]):
            chart.add(face, [r[4 + i] for r in satisfaction.rows])
        out["feedback_service"] = [(_uri(chart), "Stacked bar chart of the answers per service, from very bad to "
                                                 "very good; the table below holds the same numbers.")]
    out.update(estimate_charts(tables, options))
    return out


def ticket_chart(pygal, figures: Table, options: dict) -> tuple[str, str]:
    """Tickets drawn, served and not served (no-show, cancelled, expired): counts only."""
    chart = pygal.Bar(title=figures.title.replace("Tickets and times", "Tickets"), y_title="tickets", **options)
    chart.x_labels = [str(r[0]) for r in figures.rows]
    for column in (1, 2, 3):  # drawn, served, no-show
        chart.add(figures.columns[column], [r[column] for r in figures.rows])
    return _uri(chart), "Bar chart of tickets drawn, served and not shown up; the table below holds the same numbers."


def times_chart(pygal, figures: Table, options: dict) -> tuple[str, str]:
    """Wait (median and 90th percentile), walk and service medians: minutes only, on their own axis."""
    chart = pygal.Bar(title=figures.title.replace("Tickets and times", "Times (minutes)"), y_title="minutes",
                      **options)
    chart.x_labels = [str(r[0]) for r in figures.rows]
    for column in (7, 8, 10, 11):
        chart.add(figures.columns[column].removesuffix(" (min)"), [r[column] for r in figures.rows])
    return _uri(chart), ("Bar chart of the median and 90th percentile wait, the median walk and service time in "
                         "minutes; the table below holds the same numbers.")


def estimate_charts(tables: list[Table], options: dict) -> dict[str, list[tuple[str, str]]]:
    """How often the printed estimate held: a stacked bar per row (called before the range,
    inside it, after its top, as shares of the tickets called), for each estimate table."""
    import copy

    pygal = _pygal()
    style = copy.copy(options["style"])
    style.colors = ("#8a5300", "#1d6b35", "#a4161a")  # early amber, inside green, late red
    options = {**options, "style": style}
    out = {}
    for table in tables:
        rows = [r for r in table.rows if r[2]] if table.name in ("estimates", "estimates_over_time") else []
        if not rows:
            continue
        chart = pygal.StackedBar(title=table.title, range=(0, 100), **options)
        chart.x_labels = [str(r[0]) for r in rows]
        for column, label in ((3, "called before the range (%)"), (4, "inside the range (%)"),
                              (5, "after its top (%)")):
            chart.add(label, [r[column] for r in rows])
        out[table.name] = [(_uri(chart), f"Stacked bar chart of the share of visitors called before, inside and "
                                         f"after the printed range, by {table.columns[0]}; the table below holds "
                                         "the same numbers.")]
    return out


def _pygal():
    """pygal, without the legacy import hook it adds for its map plugins: that hook makes every
    later failed import (optional modules of other libraries) raise an ImportWarning."""
    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]
    return pygal


def _uri(chart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.render()).decode()


# ---- HTML ----------------------------------------------------------------------------------

def table_html(table: Table, drawn: list[tuple[str, str]]) -> str:
    e = html.escape
    head = "".join(f'<th scope="col"{" class=num" if i else ""}>{e(str(c))}</th>' for i, c in enumerate(table.columns))
    body = "".join("<tr>" + "".join(
        (f'<th scope="row">{e(str(v))}</th>' if i == 0 else f'<td class="num">{"–" if v is None else e(str(v))}</td>')
        for i, v in enumerate(row)) + "</tr>" for row in table.rows)
    figure = "".join(f'<figure><img src="{uri}" alt="{e(alt)}"></figure>' for uri, alt in drawn)
    empty = "" if table.rows else "<p>No tickets in this period.</p>"
    return (f'<section aria-labelledby="t-{table.name}"><h2 id="t-{table.name}">{e(table.title)}</h2>{figure}'
            f'<table id="table-{table.name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{empty}')


def page(server: "Server", period: Period | None, by: str, arg: dict[str, str], tables: list[Table],
         error: str = "") -> str:
    """The statistics page; with `error` (and no period) the form alone, the error above it."""
    e = html.escape
    drawn = charts(tables) if tables else {}
    dims = groupings(server.site)
    query = f"period={e(arg.get('period', 'month'))}&amp;value={e(arg.get('value', ''))}&amp;by={e(by)}"
    sections = "".join(
        table_html(t, drawn.get(t.name, []))
        + f'<p><a href="/stats.csv?{query}&amp;table={t.name}" download>CSV of this table</a></p></section>'
        for t in tables)
    options = "".join(f'<option value="{p}"{" selected" if p == arg.get("period", "month") else ""}>{p}</option>'
                      for p in PERIODS)
    by_options = "".join(f'<option value="{d}"{" selected" if d == by else ""}>{DIMENSION_LABELS[d]}</option>'
                         for d in dims)
    if period is None:
        shown = f'<p id="stats-error" role="alert" class="error">Cannot show these statistics: {e(error)}.</p>'
    else:
        shown = (f'<p id="period-shown">Period: {e(str(period))}.\n'
                 f'<a href="/stats.xlsx?{query}" download>All tables as XLSX</a> ·\n'
                 f'<a href="/report.pdf?month={e(period.first[:7])}" download>'
                 f'Monthly report {e(period.first[:7])} (PDF)</a></p>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Statistics — Willkommen</title><link rel="stylesheet" href="/board/manager.css"></head>
<body><header class="top"><h1>Statistics — {e(server.site.name)}</h1>
<nav aria-label="Manager pages"><a href="/board">Floor board</a> <a href="/stats" aria-current="page">Statistics</a>
<a href="/signout">Sign out</a></nav></header>
<main>
<form method="get" action="/stats">
<label for="period">Period</label> <select id="period" name="period">{options}</select>
<label for="value">Which (2026-11-27 for a day or week, 2026-11 for a month, 2026-11-01..2026-11-15 for a range;
empty: the current one)</label> <input id="value" name="value" value="{e(arg.get('value', ''))}">
<label for="by">Group by</label> <select id="by" name="by">{by_options}</select>
<button type="submit">Show</button></form>
{shown}
{sections}
</main></body></html>"""


# The report is printed on A4 landscape (tables of a dozen figures need its 267 mm) and every
# table fits the page's width: headers wrap between words (and inside a word longer than its
# column) and figures never wrap; tests/test_stats_report.py reads every cell
# of the demo month's report back from the PDF, for every grouping.
REPORT_CSS = """@page { size: A4 landscape; margin: 12mm 15mm; }
body { font: 8.5pt "DejaVu Sans", sans-serif; }
table { border-collapse: collapse; margin-bottom: 4mm; max-width: 100%; }
th, td { border: 0.5pt solid #999; padding: 0.8mm 1.5mm; vertical-align: top; }
thead th { overflow-wrap: break-word; font-size: 7.5pt; }
td.num { text-align: right; white-space: nowrap; }
figure { margin: 0; } img { width: 190mm; } h2 { font-size: 11pt; break-after: avoid; }
section { break-inside: auto; } thead { display: table-header-group; }"""


def report_html(server: "Server", period: Period, tables: list[Table]) -> str:
    e = html.escape
    drawn = charts(tables)
    sections = "".join(table_html(t, drawn.get(t.name, [])) + "</section>" for t in tables)
    rows = next(t for t in tables if t.name == "tickets").rows
    made = datetime.fromtimestamp(server.clock(), server.office.tz).strftime("%Y-%m-%d %H:%M")
    summary = (f"{sum(r[1] for r in rows)} tickets drawn, {sum(r[2] for r in rows)} visits served, "
               f"{sum(r[3] for r in rows)} no-shows. Made {made} by Willkommen.")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Monthly report</title>
<style>{REPORT_CSS}</style></head>
<body><main><h1>{e(server.site.name)}</h1><p>Monthly report {e(str(period))}</p><p>{e(summary)}</p>{sections}
</main></body></html>"""
