"""The network's comparison as an HTML page, in the signed-in person's staff language (German;
English for `lang = "en"`): every word from the staff catalogue's `[network]`, numbers and
months as that language writes them (babel), charts drawn on the server by pygal in the
statistics' calm style (`server.manager.stats.charts`), each with the same figures in a table
under it. A figure not shown reads "–" with its reason's mark and footnote (`figures.Hidden`):
"*" fewer than five visits, "†" hidden so that another cannot be worked out, "‡" no days sent
for that month; a footnote is printed only when its mark is on the page."""

from __future__ import annotations

import base64
import html
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from config import languages as cldr
from server.manager.stats.charts import CALM, HELD, _options, _pygal, _uri
from server.manager.stats.words import Words
from server.network import figures as f
from server.network.figures import Comparison, Hidden, hidden

e = html.escape
# more offices than this: bars lie down (a row per office, the chart as tall as they need) and the
# trend draws the network's total (thirty lines in one chart read as none, and pygal's layout
# gives up: a bottom legend of thirty entries left its title no width, and it looped)
MANY = 8


class Page:
    def __init__(self, lang: str):
        self.stats = Words(lang)  # numbers the language's way (5.044; 3,67), and the chart's style
        self.lang = self.stats.lang
        self.text = self.stats.table
        self.marked: set[str] = set()  # the reasons on the page: their footnotes are printed

    def __call__(self, key: str, **fields) -> str:
        found = self.text[f"network.{key}"]
        return found.format(**fields) if fields else found

    def month(self, month: str) -> str:
        return format_date(date.fromisoformat(month + "-01"), self("month_format"), locale=self.lang)

    def cell(self, value, *, first: bool = False) -> str:
        if first:
            return f'<th scope="row">{e(str(value))}</th>'
        if isinstance(value, Hidden):
            self.marked.add(value.reason)
            return f'<td class="num hidden-figure">–<sup>{e(self(f"mark_{value.reason}"))}</sup></td>'
        if isinstance(value, float):  # the averages: always one decimal (4,0 beside 3,5)
            return f'<td class="num">{e(format_decimal(value, "0.0", locale=self.lang))}</td>'
        return f'<td class="num">{e(self.stats.number(value))}</td>'

    def footnotes(self) -> str:
        notes = [f"–{self(f'mark_{reason}')} {self(f'note_{reason}')}" for reason in REASONS if reason in self.marked]
        return "".join(f'<p id="note-{reason.replace("_", "-")}" class="footnote">{e(note)}</p>'
                       for reason, note in zip([r for r in REASONS if r in self.marked], notes))

    def table(self, name: str, title: str, columns: list[str], rows: list[list], charts: str = "") -> str:
        head = "".join(f'<th scope="col">{e(c)}</th>' for c in columns)
        body = "".join("<tr>" + "".join(self.cell(v, first=i == 0) for i, v in enumerate(row)) + "</tr>"
                       for row in rows)
        return (f'<section tabindex="0" aria-labelledby="t-{name}"><h2 id="t-{name}">{e(title)}</h2>{charts}'
                f'<table id="table-{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>')


REASONS = ("few", "shielded", "no_data")


def _value(v):
    return None if hidden(v) else v


def charts(*figures: str) -> str:
    return f'<div class="charts">{"".join(figures)}</div>'


def chart(kind: str, w: Page, title: str, labels: list[str], series: list[tuple[str, list]], alt: str,
          note: str = "", **more) -> str:
    pygal = _pygal()
    lying = len(labels) > MANY and kind in ("Bar", "StackedBar")
    if lying:  # a row per office, the first on top (pygal draws the first at the bottom), each labelled
        rows = len(labels) * (len(series) if kind == "Bar" else 1)
        kind, more = "Horizontal" + kind, {**more, "height": 160 + 16 * rows, "x_label_rotation": 0,
                                           "show_minor_y_labels": True}  # the offices are the y labels now
        labels, series = labels[::-1], [(name, values[::-1]) for name, values in series]
        more.pop("y_title", None)  # the values run across now; the chart's title names their unit
    made = getattr(pygal, kind)(title=title, **_options(more.pop("colors", CALM), w.stats, **more))
    made.x_labels = labels
    for name, values in series:
        made.add(name, [_value(v) for v in values])
    # the statistics' fitting thins crowded labels (`_uri`): lying bars have a row each, all named
    uri = "data:image/svg+xml;base64," + base64.b64encode(made.render()).decode() if lying else _uri(made, w.stats)
    caption = f'<figcaption class="footnote">{e(note)}</figcaption>' if note else ""
    return f'<figure><img src="{uri}" alt="{e(alt)}">{caption}</figure>'


def overview(c: Comparison, w: Page, names: list[str], guarded: dict[str, dict]) -> str:
    rows = [guarded[o] for o, _ in c.offices] + [guarded[f.NETWORK]]
    waits = chart("Bar", w, w("chart_waits", month=w.month(c.month)), names,
                  [(w("wait_median"), [r["wait_median"] for r in rows]), (w("wait_p90"), [r["wait_p90"] for r in rows])],
                  w("chart_waits_alt"), y_title=w.stats("minutes"))
    parts = [f.held_parts(c.months[o]) for o, _ in c.offices] + [f.held_parts(c.network)]
    # a bar with a hidden part would draw that part as nothing: such a bar is left out, and named
    left_out = [name for name, p in zip(names, parts) if any(f.hidden(v) for v in p) and any(not f.hidden(v) for v in p)]
    parts = [tuple(f.HIDDEN for _ in p) if any(f.hidden(v) for v in p) else p for p in parts]
    held = chart("StackedBar", w, w("chart_held", month=w.month(c.month)), names,
                 [(w(f"held_{k}"), [p[i] for p in parts]) for i, k in enumerate(("early", "inside", "late"))],
                 w("chart_held_alt"), note=w("held_left_out", offices=", ".join(left_out)) if left_out else "",
                 colors=HELD, range=(0, 100), y_title=w("share"))
    month = w.month(c.month)
    return (w.table("overview", w("title_overview", month=month), [w("office"), *(w(k) for k in f.VISITS)],
                    [[name, *(r[k] for k in f.VISITS)] for name, r in zip(names, rows)], charts(waits, held))
            + w.table("help", w("title_help", month=month), [w("office"), *(w(k) for k in f.HELP)],
                      [[name, *(r[k] for k in f.HELP)] for name, r in zip(names, rows)]))


def by_language(c: Comparison, w: Page, names: list[str], guarded: dict[str, dict]) -> str:
    """The language tables; the overview's interpreter need (`guarded`, its rows) is hidden too
    where the interpreter shares would give a hidden one back: made before the overview."""
    months = [c.months[o] for o, _ in c.offices] + [c.network]
    spoken, asked = f.languages(months), f.languages(months, "interpreter")
    said = f.protected_language_shares(c.months, spoken, {o: row["visitors"] for o, row in guarded.items()})
    need = f.protected_interpreter_shares(c.months, asked, guarded, spoken, said)
    ids = [o for o, _ in c.offices] + [f.NETWORK]
    header = [cldr.name(lang, w.lang) for lang in spoken]
    shares = w.table("languages", w("title_languages", month=w.month(c.month)), [w("office"), *header],
                     [[n, *said[o]] for n, o in zip(names, ids)])
    needs = w.table("interpreters", w("title_interpreters", month=w.month(c.month)),
                    [w("office"), *(cldr.name(lang, w.lang) for lang in asked)],
                    [[n, *need[o]] for n, o in zip(names, ids)])
    return shares + needs


def steps(top: int) -> list[int]:
    """The y labels from 0 past `top`: the finest of 1, 2 or 5 times a power of ten that needs at
    most five steps (pygal's own were "0" and "5.000" alone: it names only its major labels)."""
    top, power = max(top, 5), 1  # counts under five are hidden: no scale of fractions of a visitor
    while True:
        for step in (power, 2 * power, 5 * power):
            if -(-top // step) <= 5:
                return list(range(0, step * -(-top // step) + 1, step))
        power *= 10


def trend(c: Comparison, w: Page, names: list[str]) -> str:
    months = sorted(c.trend)
    labels = [w.month(m) for m in months]
    ids = [o for o, _ in c.offices]

    def grid(figure) -> list[list]:
        return [[name, *(figure(c.trend[m][o]) if o in c.trend[m] else f.NO_DATA for m in months)]
                for o, name in zip(ids, names)]

    # each month's counts hidden as on that month's own page (`protected`): a count shown here
    # beside one shielded there would give a hidden one back
    guarded = {m: f.protected(c.trend[m]) for m in months}
    visitors = [[name, *(guarded[m][0][o]["visitors"] if o in c.trend[m] else f.NO_DATA for m in months)]
                for o, name in zip(ids, names)]
    # a month or two: pygal's own major labels were "0" alone; every label of its scale is shown.
    # One month is a bar per office (a line of one point is a dot, and dots at one height hide each other)
    kind, scale = ("Bar", {}) if len(months) == 1 else ("Line", {"dots_size": 2.5})
    whole = [guarded[m][1]["visitors"] for m in months]
    shown = [v for row in (visitors if len(ids) <= MANY else [["", *whole]]) for v in row[1:] if not f.hidden(v)]
    scale.update(y_title=w("visitors"), show_minor_y_labels=True, y_labels=steps(max(shown, default=0)))
    if len(ids) <= MANY:
        lines = chart(kind, w, w("chart_months"), labels, [(row[0], row[1:]) for row in visitors],
                      w(f"chart_months_alt_{kind.lower()}"), **scale)
    else:
        lines = chart(kind, w, w("chart_months_network"), labels, [(w("network"), whole)],
                      w(f"chart_months_network_alt_{kind.lower()}"), **scale)
    return (w.table("visitors_by_month", w("title_visitors_by_month"), [w("office"), *labels], visitors, charts(lines))
            + w.table("waits_by_month", w("title_waits_by_month"), [w("office"), *labels],
                      grid(lambda m: f.quantile(m.of("wait"), 0.5)))
            + w.table("held_by_month", w("title_held_by_month"), [w("office"), *labels],
                      grid(lambda m: f.overview(m)["held"])))


def page(network_name: str, c: Comparison | None, months: list[str], lang: str, waiting: list[str] = ()) -> str:
    """`waiting`: the names of the offices of the network file with no day stored yet."""
    w = Page(lang)
    chosen = c.month if c else ""
    if chosen and chosen not in months:  # the month asked for is the one selected, data or not
        months = sorted([*months, chosen], reverse=True)
    options = "".join(f'<option value="{m}"{" selected" if m == chosen else ""}>{e(w.month(m))}</option>'
                      for m in months)
    if c is None or not c.offices:
        body = f'<p id="shown">{e(w("none_in", month=w.month(c.month)) if c else w("none"))}</p>'
    else:
        names = [name for _, name in c.offices] + [w("network")]
        shown, whole = f.protected(c.months)
        guarded = {**shown, f.NETWORK: whole}
        languages = by_language(c, w, names, guarded)  # first: it may hide an interpreter need
        body = (f'<p id="shown">{e(w("shown", month=w.month(c.month), offices=len(c.offices)))}</p>'
                + overview(c, w, names, guarded) + languages + trend(c, w, names[:-1])
                + f'<p id="note-days" class="footnote">{e(w("days_note"))}</p>' + w.footnotes())
    if waiting:
        body += f'<p id="waiting">{e(w("waiting", offices=", ".join(waiting)))}</p>'
    nav = w.text
    return f"""<!doctype html>
<html lang="{w.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(w("title"))} — {e(nav["page.product"])}</title><link rel="stylesheet" href="/network.css"></head>
<body><header class="top"><h1>{e(w("title"))} — {e(network_name)}</h1>
<nav aria-label="{e(w("nav"))}"><a href="/signout">{e(nav["page.signout"])}</a></nav></header>
<main><p>{e(w("intro"))}</p>
<form method="get" action="/network"><label for="month">{e(w("month"))}</label>
<select id="month" name="month">{options}</select> <button type="submit">{e(w("show"))}</button></form>
{body}
</main></body></html>
"""
