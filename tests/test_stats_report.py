"""The monthly report fits its pages: every table cell of the demo month's PDF, read back
with pdfplumber, lies inside the page, for every grouping; and the charts keep counts and
minutes apart, count axes starting at 0."""

from __future__ import annotations

import base64
import dataclasses
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pdfplumber
import pytest

from server.edge.app import Server
from server.manager.stats import DIMENSIONS, Period
from server.manager.stats_pages import figures

from .conftest import make_site
from .demo_month import at, demo_month
from .test_manager_board import cookie_for, get_with
SVG = "{http://www.w3.org/2000/svg}"


def demo_site():
    """The demo office with the figures per counter on: the widest report there is."""
    site = make_site()
    return dataclasses.replace(site, manager=dataclasses.replace(site.manager, personal_statistics=True))


@pytest.fixture(scope="module")
def month_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("month") / "office.sqlite3"
    demo_month(path, demo_site())
    return path


@pytest.fixture
async def month_server(month_file, tmp_path):
    site = demo_site()
    path = tmp_path / "office.sqlite3"
    path.write_bytes(month_file.read_bytes())
    server = Server(site, path, always_open=True, clock=lambda: at("2026-11-30", 300))
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def outside(pdf_bytes: bytes, tmp_path) -> tuple[int, list[str]]:
    """(pages, the words drawn beyond a page's left or right edge)."""
    (tmp_path / "report.pdf").write_bytes(pdf_bytes)
    with pdfplumber.open(tmp_path / "report.pdf") as pdf:
        cut = [f"p{n}: {w['text']}" for n, page in enumerate(pdf.pages, 1)
               for w in page.extract_words() if w["x0"] < 0 or w["x1"] > page.width]
        return len(pdf.pages), cut


@pytest.mark.parametrize("by", list(DIMENSIONS))
async def test_every_table_of_the_monthly_report_lies_inside_its_pages(month_server, tmp_path, by):
    server = month_server
    cookie = await cookie_for(server.port)
    status, _, body = await get_with(f"http://127.0.0.1:{server.port}/report.pdf?month=2026-11&by={by}", cookie)
    assert status == 200 and body.startswith(b"%PDF")
    pages, cut = outside(body, tmp_path)
    assert cut == []
    (tmp_path / "report.pdf").write_bytes(body)
    with pdfplumber.open(tmp_path / "report.pdf") as pdf:
        shown = {w["text"] for page in pdf.pages for w in page.extract_words()}
    tables = figures(server, Period.parse("month", "2026-11", today="2026-11-30"), by, "2026-11-30")
    assert len(tables) == 13  # the counters' table too: the widest report there is
    for table in tables:  # every header word and every figure is drawn (on the page, as checked above)
        words = {w for column in table.columns for w in str(column).split()}
        words |= {str(v) for row in table.rows for v in row[1:] if v is not None}
        assert words - shown == set(), table.name


def chart_parts(uri: str) -> tuple[list[str], list[str], list[str]]:
    """(the y axis's labels, the series in the legend, the titles) of a pygal chart's SVG."""
    root = ET.fromstring(base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")))

    def texts(kind: str) -> list[str]:
        return [t.text for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith(kind)
                for t in g.iter(f"{SVG}text")]
    return texts("axis y"), sorted(set(texts("legend"))), texts("titles")


def sections(page: str) -> dict[str, list[str]]:
    """Per table of the statistics page: the data URIs of the charts above it."""
    found = {}
    for name, body in re.findall(r'<h2 id="t-(\w+)">.*?</h2>(.*?)<table', page, re.S):
        found[name] = re.findall(r'<img src="([^"]+)"', body)
    return found


async def test_count_axes_start_at_0_and_minutes_have_a_chart_of_their_own(month_server):
    server = month_server
    cookie = await cookie_for(server.port)
    status, _, body = await get_with(f"http://127.0.0.1:{server.port}/stats?period=month&value=2026-11", cookie)
    charts = sections(body.decode())
    (counts, times), (arrivals,) = charts["tickets"], charts["arrivals"]
    for uri in (counts, arrivals):  # the demo's arrivals are the same every hour: no reason to start there
        axis, series, titles = chart_parts(uri)
        assert float(axis[0]) == 0 and "tickets" in titles
        assert not any("min" in name for name in series)
    axis, series, titles = chart_parts(times)
    assert float(axis[0]) == 0 and "minutes" in titles
    assert series == ["service median", "wait 90th percentile", "wait median", "walk median"]


@pytest.mark.parametrize("by, meant", [("language", "lang"), ("Sprache", "lang"), ("lang", "lang"),
                                       ("hour of the day", "hour"), ("walk-in", "channel"), ("Wochentag", "weekday")])
async def test_a_grouping_is_understood_by_the_names_a_manager_would_guess(month_server, by, meant):
    server = month_server
    cookie = await cookie_for(server.port)
    status, _, body = await get_with(
        f"http://127.0.0.1:{server.port}/stats?period=month&value=2026-11&by={quote(by)}", cookie)
    assert status == 200 and f'<option value="{meant}" selected>'.encode() in body


async def test_a_grouping_not_known_is_refused_with_the_ones_that_are(month_server):
    server = month_server
    cookie = await cookie_for(server.port)
    status, _, body = await get_with(
        f"http://127.0.0.1:{server.port}/stats.csv?period=month&value=2026-11&by=clerk", cookie)
    assert status == 400
    assert body == b"Bad request: cannot group by 'clerk': use one of service, hour, weekday, lang, channel, counter\n"
