"""Charts of the statistics: SVG drawn by pygal (no script, nothing from outside the
server), in a calm style that prints well in black and white too: white ground, thin grey
guides, a few muted colours told apart by lightness, full labels (never cut), legends below,
every count axis from 0. Counts and minutes never share an axis."""

from __future__ import annotations

import base64
import sys

from server.manager.stats import chart_fit
from server.manager.stats.tables import Table
from server.manager.stats.words import Words

# muted, distinct in lightness (so a grey print still tells them apart)
CALM = ("#1f4e79", "#9dc3e6", "#7f7f7f", "#c55a11", "#385723")
FACES = ("#8b1e1e", "#d08770", "#bfbfbf", "#8fb58a", "#2e6b30")  # very bad ... very good
HELD = ("#c9a227", "#2e6b30", "#8b1e1e")  # before the range, inside it, after its top


def _pygal():
    """pygal, without the legacy import hook it adds for its map plugins: that hook makes every
    later failed import (optional modules of other libraries) raise an ImportWarning."""
    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]
    return pygal


def _options(colors: tuple[str, ...], words: Words, **more) -> dict:
    """The calm style, and the axes' numbers in the reader's way (`0,5` in German)."""
    from pygal.style import Style

    style = Style(background="white", plot_background="white", foreground="#333333", foreground_strong="#111111",
                  foreground_subtle="#d9d9d9", colors=colors, font_family="DejaVu Sans", opacity=".95",
                  opacity_hover=".95", guide_stroke_color="#d9d9d9", major_guide_stroke_color="#bfbfbf",
                  title_font_size=15, label_font_size=11, major_label_font_size=11, legend_font_size=12,
                  value_font_size=10, transition="0s")
    return {**dict(style=style, js=[], width=620, height=360, legend_at_bottom=True, legend_at_bottom_columns=2,
                   print_values=False, disable_xml_declaration=False, x_label_rotation=25, include_x_axis=True,
                   truncate_label=-1, truncate_legend=-1, show_minor_y_labels=False, rounded_bars=0,
                   stroke_style={"width": 2}, value_formatter=words.number, no_data_text=words("chart.no_data")),
            **more}


def _uri(chart, words: Words) -> str:
    """The chart as a data URI, its legend and labels placed so that no two texts overlap, its
    days and weeks written as the reader writes them (2.11.2026, KW 45/2026)."""
    if chart.x_labels:
        chart.x_labels = [words.label(label) for label in chart.x_labels]
    titles = [options["title"] for _, options in chart.raw_series]
    svg = chart_fit.render(chart, titles, [str(label) for label in chart.x_labels or []])
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def charts(tables: list[Table], words: Words, by: str) -> dict[str, list[tuple[str, str]]]:
    """Per table name: its charts, each (SVG data URI, text alternative)."""
    pygal, out = _pygal(), {}
    found = {t.name: t for t in tables}
    figures = found.get("tickets")
    if figures is not None and figures.rows:
        out["tickets"] = [ticket_chart(pygal, figures, words, by), times_chart(pygal, figures, words, by)]
    arrivals = found.get("arrivals")
    if arrivals is not None and arrivals.rows:
        chart = pygal.Line(title=arrivals.title, y_title=words("tickets"), dots_size=2.5, **_options(CALM, words))
        chart.x_labels = arrivals.columns[2:]
        for row in arrivals.rows:
            chart.add(f"{row[0]} ({words('days')}: {row[1]})", row[2:])
        out["arrivals"] = [(_uri(chart, words), words("chart.arrivals_alt"))]
    satisfaction = found.get("feedback_service")
    if satisfaction is not None and satisfaction.rows:  # visitor feedback (server.visitors.feedback)
        chart = pygal.StackedBar(title=satisfaction.title, y_title=words("column.answers"), **_options(FACES, words))
        chart.x_labels = [str(r[0]) for r in satisfaction.rows]
        for i, face in enumerate(satisfaction.columns[4:9]):
            chart.add(face, [r[4 + i] for r in satisfaction.rows])
        out["feedback_service"] = [(_uri(chart, words), words("chart.feedback_alt"))]
    for name in ("estimates", "estimates_over_time"):
        table = found.get(name)
        rows = [r for r in table.rows if r[2]] if table is not None else []
        if rows:
            chart = pygal.StackedBar(title=table.title, range=(0, 100), y_title=words("share"), **_options(HELD, words))
            chart.x_labels = [str(r[0]) for r in rows]
            for column in (3, 4, 5):
                chart.add(table.columns[column], [r[column] for r in rows])
            out[name] = [(_uri(chart, words), words("chart.estimates_alt"))]
    out |= floor_charts(pygal, found, words)
    return out


def floor_charts(pygal, found: dict[str, Table], words: Words) -> dict[str, list[tuple[str, str]]]:
    """Planned beside open hours per day (hours on their own axis), and each kiosk's minutes
    out of service in opening hours per day, stacked (`server.manager.stats.floor`)."""
    out = {}
    plan = found.get("plan_days")
    rows = [r for r in plan.rows if r[0] != words("total")] if plan is not None else []
    if rows:
        chart = pygal.Bar(title=words("chart.plan"), y_title=words("hours"), **_options(CALM, words))
        chart.x_labels = [str(r[0]) for r in rows]
        for column in (1, 2):  # planned, open
            chart.add(plan.columns[column], [r[column] for r in rows])
        out["plan_days"] = [(_uri(chart, words), words("chart.plan_alt"))]
    days, kiosks = found.get("kiosk_days"), found.get("kiosks")
    if days is not None and kiosks is not None and any(r[2] for r in days.rows):
        chart = pygal.StackedBar(title=words("chart.kiosks"), y_title=words("minutes"), **_options(CALM, words))
        labels = sorted({r[0] for r in days.rows})
        chart.x_labels = labels
        minutes = {(r[0], r[1]): r[2] for r in days.rows}
        for kiosk in [r[0] for r in kiosks.rows if r[1]]:
            chart.add(kiosk, [minutes.get((day, kiosk), 0) for day in labels])
        out["kiosk_days"] = [(_uri(chart, words), words("chart.kiosks_alt"))]
    return out


def ticket_chart(pygal, figures: Table, words: Words, by: str) -> tuple[str, str]:
    """Tickets drawn and transferred in, served and not shown up: counts only."""
    chart = pygal.Bar(title=words("chart.tickets", by=words(f"by.{by}")), y_title=words("tickets"), **_options(CALM, words))
    chart.x_labels = [str(r[0]) for r in figures.rows]
    for column in (1, 2, 3, 4):  # drawn, transferred in, served, no-show
        chart.add(figures.columns[column], [r[column] for r in figures.rows])
    return _uri(chart, words), words("chart.tickets_alt")


def times_chart(pygal, figures: Table, words: Words, by: str) -> tuple[str, str]:
    """Wait (median and 90th percentile), walk and service medians: minutes only, on their own axis."""
    chart = pygal.Bar(title=words("chart.times", by=words(f"by.{by}")), y_title=words("minutes"), **_options(CALM, words))
    chart.x_labels = [str(r[0]) for r in figures.rows]
    for column in (8, 9, 11, 12):
        chart.add(figures.columns[column].removesuffix(" (min)"),
                  [None if r[column] is None else int(r[column]) for r in figures.rows])
    return _uri(chart, words), words("chart.times_alt")
