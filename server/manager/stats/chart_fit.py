"""Where a chart's legend and axis labels go, so that no two texts overlap: pygal places a
bottom legend in columns of equal width and cuts nothing (labels are never truncated here), so a
long German name ran into its neighbour ("Weg zum Schalter Median" over "Bearbeitungszeit
Median"); and it reserves ⌊series / columns⌋ legend rows, one short when they do not divide.
A day per bar on a 21-day month put 21 slanted dates side by side, each over the next.

`render` draws a chart once to learn its plot's width, then chooses: as many legend columns as
the widest legend entry allows (the row pygal does not keep room for goes in the bottom
margin), the chart taller by the rows that adds, and every k-th category label
where slanted labels would stand closer than a line's height. Text widths are measured in the
font the SVG names (DejaVu Sans, bundled in printing/fonts), as a browser and WeasyPrint draw it.
"""

from __future__ import annotations

import re
from functools import cache
from math import ceil, radians, sin

LEGEND_GAP = 16    # px between a legend entry's text and the next column's box
LINE = 1.3         # a label's line height, in font sizes
PLOT = re.compile(rb'class="plot"><rect x="0" y="0" width="([0-9.]+)"')


@cache
def _font(size: int):
    from PIL import ImageFont

    from printing.raster import FONTS

    return ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), size)


def text_width(text: str, size: int) -> float:
    return _font(size).getlength(text)


def legend_columns(titles: list[str], plot_width: float, *, size: int, box: int) -> int:
    """The most columns whose width holds the widest legend entry (one at least)."""
    widest = max((box + 5 + text_width(t, size) + LEGEND_GAP for t in titles), default=0)
    return max(1, min(len(titles), int(plot_width // widest))) if widest else 1


def label_step(count: int, plot_width: float, *, size: int, rotation: float) -> int:
    """Every how many categories a label is written: slanted labels side by side overlap when
    the distance between them across their slant is less than a line; level ones when a label
    is wider than its category (not used here: the charts slant theirs)."""
    if count <= 1:
        return 1
    across = (plot_width / count) * sin(radians(rotation)) if rotation else plot_width / count
    return max(1, ceil(LINE * size / across)) if across > 0 else count


def plot_width(svg: bytes) -> float:
    found = PLOT.search(svg)
    return float(found.group(1)) if found else 0.0


def render(chart, titles: list[str], labels: list[str]) -> bytes:
    """The chart's SVG with its legend in columns that fit and its labels thinned where crowded."""
    config, style = chart.config, chart.config.style
    svg = chart.render()
    width = plot_width(svg)
    columns = legend_columns(titles, width, size=style.legend_font_size, box=config.legend_box_size)
    step = label_step(len(labels), width, size=style.label_font_size, rotation=config.x_label_rotation)
    if columns == config.legend_at_bottom_columns and step == 1:
        return svg
    # pygal keeps room for ⌊entries / columns⌋ legend rows: the row it misses goes in the
    # bottom margin, and the chart grows by the rows added so that its plot keeps its size
    line = 1.5 * max(style.legend_font_size, config.legend_box_size)
    rows, kept = ceil(len(titles) / columns), len(titles) // columns
    before = len(titles) // config.legend_at_bottom_columns
    chart.legend_at_bottom_columns = columns
    chart.margin_bottom = round((config.margin_bottom or config.margin) + (rows - kept) * line)
    chart.height = round(config.height + max(0, rows - before) * line)
    if step > 1:
        chart.x_labels_major_every, chart.show_minor_x_labels = step, False
    return chart.render()
