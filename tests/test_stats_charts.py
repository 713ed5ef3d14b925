"""The statistics charts drawn in headless Chromium (as the page shows them; the report's
WeasyPrint draws the same SVG in the same font): no two texts overlap, every legend entry stands
outside the plot, nothing leaves the picture. The demo month's charts for every grouping, and a
day per bar over the 21 working days of November 2026 (the "held" chart over time)."""

from __future__ import annotations

import base64
import dataclasses
import itertools
from datetime import date, timedelta

import pytest
import pytest_asyncio

from server.manager.stats.tables import DIMENSIONS, Period, Statistics
from server.manager.stats.charts import charts
from server.manager.stats.words import Words

from .browser import chromium
from .conftest import ARTIFACTS
from .demo_month import demo_month
from .test_feedback_pages import SCREENSHOTS
from .test_stats_report import NOW, demo_site

pytestmark = pytest.mark.asyncio(loop_scope="module")

# every text's box (rotated as drawn: its four corners on the page), the plot's box, the picture's
BOXES = r"""
(svg) => {
  document.body.innerHTML = svg;
  const chart = document.querySelector('svg');
  const texts = [];
  for (const t of chart.querySelectorAll('text')) {
    if (!t.textContent.trim() || getComputedStyle(t).display === 'none') continue;
    const b = t.getBBox(), m = t.getScreenCTM();
    const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => { const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; });
    texts.push({text: t.textContent, legend: !!t.closest('.legends'), corners});
  }
  const plot = chart.querySelector('.plot > .background').getBoundingClientRect();
  const whole = chart.getBoundingClientRect();
  return {texts, plot: [plot.left, plot.top, plot.right, plot.bottom],
          whole: [whole.left, whole.top, whole.right, whole.bottom]};
}
"""
SLACK = 0.5  # px: boxes that only touch do not overlap


def _axes(corners):
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1]):
        yield (y1 - y2, x2 - x1)


def overlap(a, b) -> bool:
    """Two convex boxes overlap unless some edge's normal separates them (separating axes)."""
    for nx, ny in itertools.chain(_axes(a), _axes(b)):
        length = (nx * nx + ny * ny) ** 0.5 or 1
        pa = [(x * nx + y * ny) / length for x, y in a]
        pb = [(x * nx + y * ny) / length for x, y in b]
        if max(pa) <= min(pb) + SLACK or max(pb) <= min(pa) + SLACK:
            return False
    return True


def inside(corners, box) -> bool:
    left, top, right, bottom = box
    return all(left - SLACK <= x <= right + SLACK and top - SLACK <= y <= bottom + SLACK for x, y in corners)


def meets(corners, box) -> bool:
    left, top, right, bottom = box
    return overlap(corners, [[left, top], [right, top], [right, bottom], [left, bottom]])


def problems(name: str, found: dict) -> list[str]:
    texts, out = found["texts"], []
    for a, b in itertools.combinations(texts, 2):
        if overlap(a["corners"], b["corners"]):
            out.append(f"{name}: {a['text']!r} overlaps {b['text']!r}")
    for t in texts:
        if t["legend"] and meets(t["corners"], found["plot"]):
            out.append(f"{name}: legend entry {t['text']!r} in the plot")
        if not inside(t["corners"], found["whole"]):
            out.append(f"{name}: {t['text']!r} leaves the picture")
    return out


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def page():
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 800, "height": 900})
        yield page


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    import sqlite3

    path = tmp_path_factory.mktemp("month") / "office.sqlite3"
    demo_month(path, demo_site())
    conn = sqlite3.connect(path)
    yield lambda by: Statistics(conn, demo_site(), today="2026-11-30", now=NOW).tables(
        Period.parse("month", "2026-11", today="2026-11-30"), by)
    conn.close()


async def drawn_problems(page, tables, lang: str, by: str) -> list[str]:
    found = []
    for name, items in charts(tables, Words(lang), by).items():
        for i, (uri, _) in enumerate(items):
            svg = base64.b64decode(uri.split(",", 1)[1]).decode()
            svg = svg[svg.index("<svg"):]
            found += problems(f"{by} {name} {i} ({lang})", await page.evaluate(BOXES, svg))
            if SCREENSHOTS:
                ARTIFACTS.mkdir(exist_ok=True)
                await page.locator("svg").first.screenshot(path=ARTIFACTS / f"chart-{by}-{name}-{i}-{lang}.png")
    return found


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("by", list(DIMENSIONS))
async def test_no_text_of_a_chart_overlaps_another_or_the_plot(page, month, by, lang):
    assert await drawn_problems(page, month(by), lang, by) == []


def weekdays(month: str) -> list[str]:
    first = date.fromisoformat(f"{month}-01")
    days = (first + timedelta(days=n) for n in range(31))
    return [d.isoformat() for d in days if d.month == first.month and d.weekday() < 5]


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_a_day_per_bar_over_a_21_day_month_keeps_its_dates_apart(page, month, lang):
    held = next(t for t in month("service") if t.name == "estimates_over_time")
    days = weekdays("2026-11")
    assert len(days) == 21
    rows = [[day, *held.rows[n % len(held.rows)][1:]] for n, day in enumerate(days)]
    table = dataclasses.replace(held, rows=rows)
    found = await drawn_problems(page, [table], lang, "service")
    assert found == []
    svg = base64.b64decode(charts([table], Words(lang), "service")["estimates_over_time"][0][0].split(",", 1)[1])
    shown = [Words(lang).label(day) for day in days]  # 2.11.2026, 2 Nov 2026
    written = [day for day in shown if f">{day}</text>".encode() in svg]
    assert written[0] == shown[0] and len(written) >= len(days) // 3  # thinned, not emptied
