"""The network's page: a person of the network (`role = "network"`) signs in and compares the
offices month by month, in German from the staff catalogue, numbers the German way, charts and
tables; no figure rests on fewer than five visits ("–*" and the footnote). In headless
Chromium, axe-clean; the five-visit rule also as a property over made-up months."""

from __future__ import annotations

import sqlite3

import pytest
from babel.dates import get_month_names
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from config import languages as cldr
from server.network import figures
from server.network.figures import HIDDEN
from server.network.listener import NetworkServer
from server.network.settings import parse_network
from server.network.store import Month
from server.network.summary import Day, from_office

from .browser import axe_violations
from .conftest import ARTIFACTS, examples
from .test_network_send import network_file, office_days
from .test_staff_words import PAGE_TEXT, catalogue_words, stray, WORD

PASSWORD = "demo-manager"  # the demo's manager's hash stands in the test network's file
SMALL = Day(day="2026-11-05", visitors=4, served=4, waits={3: 4}, held={"inside": 4}, languages={"ti": 3, "de": 1},
            interpreters={"ti": 3}, feedback={5: 2})


@pytest.fixture
async def network(tmp_path):
    """Three offices' November: two with three busy days each, one with a day of four visitors."""
    server = NetworkServer(parse_network(network_file()), tmp_path / "network.sqlite3")
    for office, seed in (("wetzlar", 3), ("giessen", 9)):
        with sqlite3.connect(office_days(tmp_path / f"{office}.sqlite3", seed=seed)) as conn:
            server.store.put_days(office, from_office(conn, "2026-10-01", "2026-11-30"), received_at="test")
    october = Day(day="2026-10-12", visitors=40, served=38, waits={5: 20, 25: 18}, languages={"ar": 30, "de": 10})
    server.store.put_days("wetzlar", [october], received_at="test")
    server.store.put_days("marburg", [SMALL], received_at="test")
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def signed_in(browser, network, name="ministerium", **options):
    # the page's CSP allows no script at all: axe-core goes in past it (bypass_csp), as a tester's tool
    page = await browser.new_page(viewport={"width": 1600, "height": 1000}, bypass_csp=True, **options)
    await page.goto(f"http://127.0.0.1:{network.port}/network")
    assert page.url.endswith("/signin")
    await page.fill("#name", name)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/network")
    return page


def allowed_words(network, lang: str) -> set[str]:
    """The catalogue's words and the network's data: its name, its offices', the languages'
    names (CLDR) and the months' (babel) in the page's language."""
    data = [network.network.name, *(o.name for o in network.network.offices),
            *(cldr.name(code, lang) for code in ("ar", "de", "en", "fa", "fr", "prs", "ps", "ru", "ti", "tr", "uk")),
            *get_month_names(locale=lang).values()]
    return catalogue_words(lang) | {w.lower() for text in data for w in WORD.findall(text)}


async def test_the_coordinator_compares_offices_in_german(network, browser):
    page = await signed_in(browser, network)
    assert await page.evaluate("document.documentElement.lang") == "de"
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 249)"  # its style
    assert await page.inner_text("#shown") == "Monat: November 2026. Zahlen aus 3 Ämtern."
    rows = await page.eval_on_selector_all("#table-overview tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.innerText))")
    assert [r[0] for r in rows] == ["Ausländerbehörde Wetzlar", "Ausländerbehörde Giessen", "Ausländerbehörde Marburg",
                                    "Netzwerk gesamt"]
    november = network.store.period("2026-11-01", "2026-11-30")
    everyone = sum(m.visitors for m in november.values())
    assert everyone > 1000 and rows[3][2] == format_decimal(everyone, locale="de")  # 1.578: a German thousands dot
    # Marburg's visitors are hidden, so the smaller of the others' is too: the total less one
    # office's would give Marburg's 4 away
    smaller, larger = sorted(("wetzlar", "giessen"), key=lambda o: november[o].visitors)
    shown = {r[0].split()[-1].lower(): r[2] for r in rows[:2]}
    assert (shown[smaller], shown[larger]) == ("–†", format_decimal(november[larger].visitors, locale="de"))
    small = dict(zip(await page.eval_on_selector_all("#table-overview th[scope=col]", "hs => hs.map(h => h.innerText)"),
                     rows[2]))
    assert small["Besuchende"] == small["Wartezeit Median (min)"] == "–*"
    assert small["Amtstage"] == "1"  # a count of days, not of visits
    helped = await page.eval_on_selector_all("#table-help tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.innerText))")
    # Marburg: 3 of 4 asked for an interpreter, 2 answers: nothing said; no referral: 0 points at no one
    assert helped[2][1:] == ["–*", "0", "–*", "–*", "–*", "–*"]
    assert "weniger als fünf Besuche" in await page.inner_text("#note-few")
    assert await page.locator("figure img").count() == 3  # waits, printed wait held, visitors month by month
    assert "Oktober 2026" in await page.inner_text("#table-visitors_by_month")
    assert stray(await page.evaluate(PAGE_TEXT), allowed_words(network, "de")) == []
    assert await axe_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "network-page.png"), full_page=True)


async def test_a_person_with_lang_en_reads_english(network, browser):
    page = await signed_in(browser, network, name="referat")
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert await page.inner_text("#shown") == "Month: November 2026. Figures from 3 offices."
    assert stray(await page.evaluate(PAGE_TEXT), allowed_words(network, "en")) == []


async def test_no_page_without_sign_in_and_a_wrong_password_is_refused(network, browser):
    page = await browser.new_page(bypass_csp=True)
    await page.goto(f"http://127.0.0.1:{network.port}/network?month=2026-11")
    assert page.url.endswith("/signin")
    assert stray(await page.evaluate(PAGE_TEXT), catalogue_words("de")) == []
    assert await axe_violations(page) == []
    await page.fill("#name", "ministerium")
    await page.fill("#password", "not-the-password")
    await page.click("button[type=submit]")
    assert await page.inner_text("#problem") == "Name oder Passwort falsch."
    response = await page.goto(f"http://127.0.0.1:{network.port}/network")
    assert page.url.endswith("/signin") and response.status == 200


def months(draw_counts):
    return st.builds(
        lambda visitors, served, waits, held, langs, asked, referrals, scores, days: Month(
            days=days, visitors=visitors, served=served, no_shows=visitors - min(visitors, served),
            counts={"wait": {str(k): n for k, n in waits.items()}, "held": held,
                    "language": langs, "interpreter": {k: min(n, langs.get(k, 0)) for k, n in asked.items()},
                    "referral": referrals, "feedback": {str(k): n for k, n in scores.items()}}),
        draw_counts, draw_counts, st.dictionaries(st.integers(0, 300), draw_counts, max_size=5),
        st.dictionaries(st.sampled_from(["early", "inside", "late", "not_called"]), draw_counts, max_size=4),
        st.dictionaries(st.sampled_from(["ar", "de", "ti"]), draw_counts, max_size=3),
        st.dictionaries(st.sampled_from(["ar", "de", "ti"]), draw_counts, max_size=3),
        st.dictionaries(st.sampled_from(["jobcenter", "mbe"]), draw_counts, max_size=2),
        st.dictionaries(st.integers(1, 5), draw_counts, max_size=5), st.integers(0, 23))


SMALL_COUNTS = st.integers(0, 12)  # around the limit of five, where it matters


@settings(max_examples=examples(400), deadline=None)
@given(offices=st.lists(months(SMALL_COUNTS), min_size=1, max_size=4))
def test_no_figure_rests_on_fewer_than_five_visits(offices):
    """Every figure of the overview, the language tables and the trend, for each office and the
    network: hidden exactly when what it rests on is fewer than five visits, else the value."""
    for m in [*offices, figures.total(offices)]:
        got = figures.overview(m)
        held, scores, waits = m.of("held"), m.of("feedback"), m.of("wait")
        called = sum(held.get(k, 0) for k in ("early", "inside", "late"))
        answers, referred = sum(scores.values()), sum(m.of("referral").values())
        asked = sum(m.of("interpreter").values())
        happy = scores.get("4", 0) + scores.get("5", 0)
        # a count of 0 is said (it points at no one), as a share's 0 part is
        rests_on = {"visitors": [m.visitors or 5], "served": [m.served or 5], "no_shows": [m.no_shows or 5],
                    "wait_median": [sum(waits.values())], "wait_p90": [sum(waits.values())],
                    "held": [called, held.get("inside", 0) or 5], "interpreters": [m.visitors, asked or 5],
                    "referrals": [referred or 5], "referred": [m.visitors, referred or 5], "answers": [answers or 5],
                    "average": [answers], "satisfied": [answers, happy or 5]}
        for name, bases in rests_on.items():
            assert (got[name] is HIDDEN) == (min(bases) < 5), (name, bases, got[name])
        if got["held"] is not HIDDEN:
            assert got["held"] == round(100 * held.get("inside", 0) / called)
        if got["wait_median"] is not HIDDEN:
            ordered = sorted(int(k) for k, n in waits.items() for _ in range(n))
            assert got["wait_median"] == ordered[(len(ordered) + 1) // 2 - 1]
        if got["average"] is not HIDDEN:
            assert got["average"] == round(sum(int(s) * n for s, n in scores.items()) / answers, 1)
        for lang, shown in zip(["ar", "de", "ti"], figures.language_shares(m, ["ar", "de", "ti"])):
            n = m.of("language").get(lang, 0)
            assert (shown is HIDDEN) == (m.visitors < 5 or 0 < n < 5)
        for lang, shown in zip(["ar", "de", "ti"], figures.interpreter_shares(m, ["ar", "de", "ti"])):
            n, of = m.of("interpreter").get(lang, 0), m.of("language").get(lang, 0)
            assert (shown is HIDDEN) == (of < 5 or 0 < n < 5)
    rows, whole = figures.protected({f"o{i}": m for i, m in enumerate(offices)})
    for name, raw in figures.COUNTS.items():  # no hidden count is the total less the counts shown
        hidden = [m for m, row in zip(offices, rows.values()) if figures.hidden(row[name])]
        assert figures.hidden(whole[name]) or len([m for m in hidden if raw(m)]) != 1, name
        assert all(row[name] in (figures.HIDDEN, figures.SHIELDED, figures.UNSIZED) for row in rows.values() if figures.hidden(row[name]))


@pytest.mark.timeout(120)
def test_thirty_offices_get_a_row_each_in_the_charts():
    """Past eight offices the bars lie down, a named row per office (thirty slanted names under
    upright bars were thinned to every other one), and the trend draws the network's total."""
    import base64
    import re

    from server.network.figures import Comparison
    from server.network.page import page

    months = {f"o{i}": Month(days=20, visitors=5000 + i, served=4900, no_shows=50,
                             counts={"wait": {"12": 4000, "40": 1000}, "held": {"early": 100, "inside": 4000, "late": 800},
                                     "language": {"ar": 2000, "de": 3000 + i}}) for i in range(30)}
    offices = [(o, f"Ausländerbehörde Nummer {i}") for i, o in enumerate(months)]
    html = page("Netzwerk", Comparison("2026-11", offices, months, {"2026-10": months, "2026-11": months}), ["2026-11"], "de")
    svgs = [base64.b64decode(u).decode() for u in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert len(svgs) == 3
    for svg in svgs[:2]:  # waits, printed wait held: every office named
        assert all(f">{name}<" in svg for _, name in offices), "an office's row has no name"
    assert "Besuchende im Netzwerk, Monat für Monat" in svgs[2] and "Nummer 7" not in svgs[2]
