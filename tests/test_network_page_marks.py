"""The network's page says why a figure is not shown (fewer than five visits; hidden so another
cannot be worked out; no days sent), shows a 0 as 0 and averages with one decimal, names the
month asked for even without figures, names offices that sent nothing yet, and draws the
months' chart with a scale (bars for one month). The coordinator's review of the first page."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.network.figures import Comparison
from server.network.listener import NetworkServer
from server.network.page import page as render
from server.network.page import steps
from server.network.settings import parse_network
from server.network.store import Month
from server.network.summary import Day

from .browser import axe_violations
from .test_network_page import allowed_words, signed_in
from .test_network_send import network_file
from .test_staff_words import PAGE_TEXT, stray

NOVEMBER = {
    "wetzlar": Day(day="2026-11-05", visitors=300, served=290, no_shows=10, waits={10: 290},
                   held={"early": 4, "inside": 250, "late": 36}, languages={"ar": 300}, feedback={4: 10, 5: 10}),
    "giessen": Day(day="2026-11-05", visitors=3, served=3, waits={5: 3}, languages={"ar": 3}),
    "marburg": Day(day="2026-11-05", visitors=200, served=200, waits={20: 200},
                   held={"inside": 150, "late": 50}, languages={"ar": 200}, feedback={4: 10}),
}


@pytest.fixture
async def network(tmp_path):
    """November: Giessen's three visitors hidden, so Marburg's 200 are too (or 503 less 300 less
    200 gives Giessen's 3); October: Wetzlar alone; Kassel in the file, never sent a day."""
    settings = network_file()
    settings["offices"].append({"id": "kassel", "name": "Ausländerbehörde Kassel", "token": "kassel-token-0123456789"})
    server = NetworkServer(parse_network(settings), tmp_path / "network.sqlite3")
    for office, day in NOVEMBER.items():
        server.store.put_days(office, [day], received_at="test")
    server.store.put_days("wetzlar", [Day(day="2026-10-12", visitors=40, served=40, waits={5: 40})], received_at="test")
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def cells(table: str) -> str:
    return f"""Array.from(document.querySelectorAll('#table-{table} tbody tr'), r => Array.from(r.cells, c => c.innerText))"""


async def test_each_hidden_figure_says_why_and_every_row_reads_alike(network, browser):
    page = await signed_in(browser, network)
    overview = {row[0]: row[1:] for row in await page.evaluate(cells("overview"))}
    #            days  visitors served no_shows median p90 held
    assert overview["Ausländerbehörde Wetzlar"][:4] == ["1", "300", "290", "10"]
    assert overview["Ausländerbehörde Giessen"][1:4] == ["–*", "–*", "0"]   # 0 no-shows: 0 points at no one
    assert overview["Ausländerbehörde Marburg"][1:4] == ["–†", "–†", "0"]   # else 503 − 300 − 200 = Giessen's 3
    helped = {row[0]: row[1:] for row in await page.evaluate(cells("help"))}
    #          interpreters referrals referred answers average satisfied
    assert helped["Ausländerbehörde Wetzlar"][1:5] == ["0", "0", "20", "4,5"]
    assert helped["Ausländerbehörde Marburg"][1:5] == ["0", "0", "10", "4,0"]  # one decimal, every average
    months = {row[0]: row[1:] for row in await page.evaluate(cells("visitors_by_month"))}
    assert months["Ausländerbehörde Giessen"] == ["–‡", "–*"] and months["Ausländerbehörde Wetzlar"] == ["40", "300"]
    assert await page.inner_text("#note-few") == "–* weniger als fünf Besuche: keine Zahl, damit niemand erkennbar wird."
    assert await page.inner_text("#note-shielded") == (
        "–† verdeckt, damit sich eine verdeckte Zahl daneben nicht aus der Summe errechnen lässt.")
    assert await page.inner_text("#note-no-data") == "–‡ keine Zahlen: das Amt hat für diesen Monat nichts gesendet."
    assert "Summe der Tage aller Ämter" in await page.inner_text("#note-days")
    # the printed-wait bar of Wetzlar would draw its 4 called early as nothing: no bar, and said so
    assert await page.inner_text("#t-overview ~ .charts figcaption") == (
        "Ohne Säule, weil ein Teil auf weniger als fünf Aufgerufenen beruht: Ausländerbehörde Wetzlar, Netzwerk gesamt.")
    assert await page.inner_text("#waiting") == "Noch keine Zahlen von: Ausländerbehörde Kassel."
    heads = await page.eval_on_selector_all("th[scope=col], h2", "hs => hs.map(h => h.innerText.trim())")
    assert [h for h in heads if h[:1].islower()] == []
    assert (await page.title()).count("Netzwerk") + (await page.inner_text("h1")).count("Netzwerk") == 1
    heights = await page.eval_on_selector_all("#table-overview tbody tr", "rs => rs.map(r => r.offsetHeight)")
    assert len(set(heights)) == 1, heights  # a marked cell's raised "*" makes its row no taller
    assert stray(await page.evaluate(PAGE_TEXT), allowed_words(network, "de")) == []
    assert await axe_violations(page) == []


async def test_a_month_without_figures_is_selected_and_named(network, browser):
    page = await signed_in(browser, network)
    await page.goto(f"http://127.0.0.1:{network.port}/network?month=2026-10")
    assert await page.eval_on_selector("#month", "s => s.value") == "2026-10"
    await page.goto(f"http://127.0.0.1:{network.port}/network?month=2026-12")
    assert await page.eval_on_selector("#month", "s => s.value") == "2026-12"
    assert await page.inner_text("#month option:checked") == "Dezember 2026"
    assert await page.inner_text("#shown") == "Für Dezember 2026 hat noch kein Amt Zahlen gesendet."
    assert await axe_violations(page) == []


def months_chart(trend: dict[str, dict[str, Month]]) -> str:
    offices = [("a", "Ausländerbehörde A"), ("b", "Ausländerbehörde B")]
    last = max(trend)
    html = render("Netzwerk", Comparison(last, offices, trend[last], trend), sorted(trend, reverse=True), "de")
    svgs = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    return base64.b64decode(svgs[-1]).decode()


def y_labels(svg: str) -> list[str]:
    axis = svg[svg.index('class="axis y'):]
    axis = axis[:axis.index("</g></g>")]
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis)


@pytest.mark.parametrize("count", [1, 2, 3])
@pytest.mark.parametrize("visitors", [(5044, 1578), (802, 776)])  # pygal's own labels: "0", "5.000"; "0", "500"
def test_the_months_chart_has_a_scale_and_one_month_is_bars(count, visitors):
    trend = {f"2026-{9 + i:02d}": {"a": Month(days=20, visitors=visitors[0] + i), "b": Month(days=21, visitors=visitors[1])}
             for i in range(count)}
    svg = months_chart(trend)
    labels = y_labels(svg)
    assert len(labels) >= 3 and labels[0] == "0", labels
    bars = len(re.findall(r'<rect[^>]*class="rect reactive tooltip-trigger"', svg))
    lines = len(re.findall(r'class="line reactive', svg))
    assert (bars, lines) == ((2, 0) if count == 1 else (0, 2)), (bars, lines)


@given(st.integers(0, 10**8))
def test_the_scale_covers_every_count_in_a_few_round_steps(top):
    labels = steps(top)
    step = labels[1]
    assert labels[0] == 0 and labels[-1] >= top and 3 <= len(labels) <= 6
    assert labels == list(range(0, labels[-1] + 1, step)) and str(step).strip("0") in ("1", "2", "5")


def test_a_chart_without_a_figure_says_so_in_german():
    """r-admin-4, finding 8: a month whose every figure is hidden (one office, four visitors)
    drew pygal's English "No data" across the charts of a German page."""
    few = {"a": Month(days=1, visitors=4, served=4, counts={"wait": {"3": 4}, "held": {"inside": 4}})}
    html = render("Netzwerk", Comparison("2026-10", [("a", "Ausländerbehörde A")], few, {"2026-10": few}),
                  ["2026-10"], "de")
    svgs = [base64.b64decode(s).decode() for s in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    empty = [svg for svg in svgs if 'class="no_data"' in svg]
    assert empty, "no chart without figures: the month does not test what it should"
    assert all(">Keine Zahlen<" in svg and "No data" not in svg for svg in empty)
