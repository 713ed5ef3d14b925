"""The monthly report for the ministry: a one-page summary, the tables and charts, the
definitions; printed to PDF/A-3b by WeasyPrint for archiving.

In the staff language of whoever asked (German; English for a person whose `lang` is `en`):
every word comes from the staff catalogue (`[stats.report]` and the rest of `[stats]` in
`config/strings/staff/<lang>.toml`), every number and date is written as that language writes
it (German 5.044; 3,67; 30.11.2026 — the catalogue's `[format]`) by babel. Each page names the office and the month at its top and "Seite n von m" at its
foot. Tables fit the width of A4 landscape: headers wrap between words, figures never wrap;
tests/test_stats_report.py reads every word back from the PDF and checks nothing lies past
a page's edge. Rendered only in the report worker (`server.manager.stats.worker`), never in
the process that serves terminals.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from server.manager.stats.tables import Period, Table
from server.manager.stats.charts import charts
from server.manager.stats.words import Words

REPORT_CSS = """@page { size: A4 landscape; margin: 16mm 15mm 15mm 15mm;
  @top-left { content: "__TOP__"; font: 8pt "DejaVu Sans", sans-serif; color: #555; }
  @bottom-right { content: __PAGE__; font: 8pt "DejaVu Sans", sans-serif; color: #555; } }
body { font: 8.5pt "DejaVu Sans", sans-serif; color: #111; }
h1 { font-size: 18pt; margin: 0 0 2mm; } h2 { font-size: 12pt; break-after: avoid; margin: 4mm 0 2mm; }
h3 { font-size: 10pt; margin: 0 0 1.5mm; }
.office { font-size: 11pt; margin: 0; }
dl.meta { margin: 0 0 3mm; } dl.meta dt { float: left; width: 28mm; color: #555; } dl.meta dd { margin: 0 0 0.5mm 30mm; }
table { border-collapse: collapse; margin-bottom: 4mm; max-width: 100%; break-inside: avoid; } tr { break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 0.8mm 1.5mm; vertical-align: top; text-align: left; }
thead th { overflow-wrap: break-word; hyphens: auto; font-size: 7pt; background: #f2f2f2; }
tbody th { font-weight: bold; }
td.num { text-align: right; white-space: nowrap; }
table.layout { width: 100%; } table.layout, table.layout > tbody > tr > td { border: none; padding: 0 5mm 0 0; }
table.key th { width: 60mm; } table.key td.num { font-size: 11pt; font-weight: bold; }
.summary h3 { font-size: 9.5pt; } .summary table table th, .summary table table td { padding: 0.5mm 1.2mm; }
.summary table.layout > tbody > tr > td { width: 34%; } .summary table.layout > tbody > tr > td:first-child { width: 32%; }
.summary table table { width: 100%; } .summary thead th { hyphens: manual; overflow-wrap: normal; }
div.charts { display: flex; gap: 4mm; } figure { width: 128mm; margin: 0 0 3mm; break-inside: avoid; }
figure img { width: 128mm; }
section.tables > section { break-inside: auto; } thead { display: table-header-group; }
.summary, .definitions { break-after: page; } .definitions { break-before: page; }
.definitions td:first-child { font-weight: bold; white-space: nowrap; }
p.note { color: #333; max-width: 240mm; }"""


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_counter(words: Words) -> str:
    """ "Seite {page} von {pages}" as CSS content: strings around counter(page), counter(pages)."""
    text = words("report.page", page="\0page\0", pages="\0pages\0")
    parts = [f"counter({p})" if p in ("page", "pages") else _css_string(p) for p in text.split("\0") if p]
    return " ".join(parts)


def cell(value, words: Words, head: bool = False) -> str:
    e = html.escape
    if head:
        return f'<th scope="row">{e(str(words.label(value)))}</th>'
    if isinstance(value, str):  # a name beside the row's head (a kiosk in a day's row): read from the left
        return f"<td>{e(value)}</td>"
    return f'<td class="num">{e(words.number(value))}</td>'


def table_html(table: Table, words: Words, drawn: list[tuple[str, str]] = ()) -> str:
    e = html.escape
    head = "".join(f'<th scope="col">{e(str(c))}</th>' for c in table.columns)
    body = "".join("<tr>" + "".join(cell(v, words, i == 0) for i, v in enumerate(row)) + "</tr>" for row in table.rows)
    figure = "".join(f'<figure><img src="{uri}" alt="{e(alt)}"></figure>' for uri, alt in drawn)
    figure = f'<div class="charts">{figure}</div>' if figure else ""
    empty = "" if table.rows else f"<p>{e(table.empty or words('none'))}</p>"
    note = f'<p class="note" id="note-{table.name}">{e(table.note)}</p>' if table.note else ""
    return (f'<section aria-labelledby="t-{table.name}"><h2 id="t-{table.name}">{e(table.title)}</h2>{figure}'
            f'<table id="table-{table.name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{empty}'
            f"{note}</section>")


def _small(name: str, title: str, rows: list[list], columns: list[str], words: Words) -> str:
    return (table_html(Table(name, title, columns, rows), words)
            .replace(f'<h2 id="t-{name}">', f'<h3 id="t-{name}">').replace("</h2>", "</h3>"))


def summary_html(s: dict, words: Words) -> str:
    w, n = words, words.number
    minutes = lambda v: "–" if v is None else w("report.minutes_value", minutes=n(v))  # noqa: E731
    held = "–" if s["held_inside"] is None else w("report.held_value", inside=n(s["held_inside"]),
                                                     called=n(s["held_called"]))
    feedback = w("report.nothing") if s["feedback"] is None else w(
        "report.feedback_value", answers=n(s["feedback"]["answers"]), average=n(s["feedback"]["average"]),
        satisfied=n(s["feedback"]["satisfied"]))
    key = [(w("report.visitors"), n(s["visitors"])), (w("column.served"), n(s["served"])),
           (w("column.no_show"), n(s["no_shows"])), (w("report.wait_median"), minutes(s["wait_median"])),
           (w("report.wait_p90"), minutes(s["wait_p90"])), (w("report.held"), held), (w("report.feedback"), feedback)]
    e = html.escape
    figures = "".join(f'<tr><th scope="row">{e(k)}</th><td class="num">{e(v)}</td></tr>' for k, v in key)
    langs = _small("summary-languages", w("report.by_language"), [list(r) for r in s["languages"]],
                   [w("column.language"), w("report.visitors")], words)
    asked = _small("summary-interpreters", w("report.interpreters"), [list(r) for r in s["interpreters"]],
                   [w("column.language"), w("report.asked"), w("column.of_language")], words)
    referred = _small("summary-referrals", w("report.referrals"), [list(r) for r in s["referrals"]],
                      [w("column.partner"), w("report.referrals")], words)
    return (f'<h2>{e(w("report.summary"))}</h2><table class="layout"><tbody><tr><td>'
            f'<table class="key"><tbody>{figures}</tbody></table>{referred}</td>'
            f"<td>{langs}</td><td>{asked}</td></tr></tbody></table>")


def definitions_html(words: Words, capped: bool) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(name)}</td><td>{e(meaning)}</td></tr>" for name, meaning in words.definitions())
    note = f'<p class="note">{e(words("report.capped"))}</p>' if capped else ""
    return (f'<section class="definitions"><h2>{e(words("report.definitions"))}</h2><table><thead><tr>'
            f'<th scope="col">{e(words("report.figure"))}</th><th scope="col">{e(words("report.meaning"))}</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>{note}</section>")


def report_html(office: str, period: Period, tables: list[Table], summary: dict, *, by: str, made: float,
                timezone: str, capped: bool = False, lang: str = "de") -> str:
    words, e = Words(lang), html.escape
    month = format_date(date.fromisoformat(period.first), "MMMM yyyy", locale=words.lang)
    title = f'{words("report.title")} {month}'
    span = (f'{format_date(date.fromisoformat(period.first), "long", locale=words.lang)} – '
            f'{format_date(date.fromisoformat(period.last), "long", locale=words.lang)}')
    at = datetime.fromtimestamp(made, ZoneInfo(timezone))
    made_on = (f'{format_date(at, words.table["format.date"], locale=words.lang)}, '
               f'{format_time(at, words.table["format.time"], locale=words.lang)}')
    drawn = charts(tables, words, by)
    sections = "".join(table_html(t, words, drawn.get(t.name, [])) for t in tables)
    css = REPORT_CSS.replace("__TOP__", _css_string(f"{office} · {title}")[1:-1]).replace("__PAGE__",
                                                                                       _page_counter(words))
    meta = (f'<dl class="meta"><dt>{e(words("report.office"))}</dt><dd>{e(office)}</dd>'
            f'<dt>{e(words("period"))}</dt><dd>{e(span)}</dd>'
            f'<dt>{e(words("report.made"))}</dt><dd>{e(made_on)} {e(words("report.made_by"))}</dd></dl>')
    return f"""<!doctype html><html lang="{words.lang}"><head><meta charset="utf-8"><title>{e(title)} – {e(office)}</title>
<meta name="author" content="{e(office)}"><meta name="generator" content="Willkommen">
<style>{css}</style></head>
<body><main><section class="summary"><p class="office">{e(office)}</p><h1>{e(title)}</h1>{meta}
{summary_html(summary, words)}</section>
<section class="tables"><h2>{e(words("report.figures"))}</h2>{sections}</section>
{definitions_html(words, capped)}</main></body></html>"""


def to_pdf(document: str) -> bytes:
    """PDF/A-3b (archivable: fonts embedded, colours with an output intent, XMP metadata)."""
    import gc
    import warnings

    from weasyprint import HTML

    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for the output intent and never closes it: let the
        # file go here, not as a ResourceWarning at some later, unrelated moment
        warnings.simplefilter("ignore", ResourceWarning)
        pdf = HTML(string=document).write_pdf(pdf_variant="pdf/a-3b")
        gc.collect()
    return pdf
