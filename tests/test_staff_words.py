"""Every word a staff page shows comes from the staff catalogue (config/strings/staff/) in the
signed-in person's language, or is the office's own data (names of services, counters,
languages, partners; numbers and times): a word written into a page or its script is found.
German by default, English for a person whose `lang` is `en`. Per counter figures (served
today, a pause's reason and length) are off on the board unless the site file turns them on."""

from __future__ import annotations

import re

import pytest

from config import parse_site, strings
from server.edge.app import Server
from server.wire import protocol as p

from .browser import axe_violations
from .conftest import demo_data, token
from .test_manager_board import signed_in_page

WORD = re.compile(r"[^\W\d_]{2,}")

# the page's words: visible text, labels for screen readers, the window's title
PAGE_TEXT = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[aria-label],[placeholder],[title]')].map(e =>
     [e.getAttribute('aria-label'), e.placeholder, e.title].filter(Boolean).join(' '))].join('\\n')"""


def catalogue_words(lang: str) -> set[str]:
    """The catalogue's words, and the months' names a date is written with in its `[format]`."""
    from babel.dates import get_month_names

    months = {m.lower() for width in ("wide", "abbreviated") for m in get_month_names(width, locale=lang).values()}
    return {w.lower() for text in strings(lang, "staff").values() for w in WORD.findall(text)} | months


def data_words(data) -> set[str]:
    """Every word of the data the server sent the page (names, announcements, alerts)."""
    if isinstance(data, dict):
        return set().union(*(data_words(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(data_words(v) for v in data)) if data else set()
    return {w.lower() for w in WORD.findall(data)} if isinstance(data, str) else set()


def stray(text: str, allowed: set[str]) -> list[str]:
    return sorted({w for w in WORD.findall(text) if w.lower() not in allowed})


def site_with(**manager):
    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = 100_000
    data["manager"].update(manager)
    next(person for person in data["people"] if person["name"] == "reader")["lang"] = "en"
    return parse_site(data, file="default.toml")


@pytest.fixture
async def office(tmp_path, request):
    server = Server(site_with(**getattr(request, "param", {})), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def busy_floor(office):
    """A floor with something in every table: a call, a pause, an interpreter need, an alert."""
    from server.wire.session import ClientSession

    url = f"ws://127.0.0.1:{office.port}/"
    kiosk = ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    counters = [ClientSession(url, role="counter", terminal=f"counter-{n}", token=token(f"counter-{n}"))
                for n in (5, 4)]
    for session in (kiosk, *counters):
        session.start()
        await session.ready()
    await counters[0].request(p.Open(id=0))
    await counters[1].request(p.Open(id=0))
    for n, (service, lang) in enumerate([("residence", "ar"), ("residence", "uk"), ("extension", "fa")]):
        await kiosk.request(p.Draw(id=0, service=service, lang=lang, request=f"w-{n}", interpreter=True))
    await counters[0].request(p.Next(id=0))
    await counters[0].request(p.Start(id=0))
    await counters[1].request(p.Pause(id=0, reason="Teambesprechung"))
    await kiosk.request(p.Printer(id=0, state="paper_near_end"))
    return [kiosk, *counters]


@pytest.mark.parametrize("name, password, lang", [("manager", "demo-manager", "de"), ("reader", "demo-reader", "en")])
async def test_the_board_says_only_catalogue_words_in_the_persons_language(office, browser, name, password, lang):
    sessions = await busy_floor(office)
    try:
        page = await signed_in_page(browser, office, name, password)
        await page.wait_for_function("document.querySelector('#alerts li[data-key^=printer]') !== null")
        floor = await page.evaluate("window.willkommenBoard.floor")
        me = await page.evaluate("window.willkommenBoard.me")
        allowed = catalogue_words(lang) | data_words(floor) | {me["name"]}
        text = await page.evaluate(PAGE_TEXT)
        assert stray(text, allowed) == []
        assert await page.evaluate("document.documentElement.lang") == lang
        other = catalogue_words("en" if lang == "de" else "de") - catalogue_words(lang)
        mixed = {w.lower() for w in WORD.findall(text)} & (other - data_words(floor) - {me["name"]})
        assert mixed == set()  # no word of the other language
        assert await axe_violations(page) == []
    finally:
        for session in sessions:
            await session.close()


@pytest.mark.parametrize("query, lang", [("", "de"), ("?lang=en", "en")])
async def test_the_sign_in_says_only_catalogue_words(office, browser, query, lang):
    page = await browser.new_page()
    await page.goto(f"http://127.0.0.1:{office.port}/signin{query}")
    await page.wait_for_function("document.querySelector('h1').textContent !== ''")
    await page.fill("#name", "nobody")
    await page.fill("#password", "wrong-password")
    await page.click("button[type=submit]")
    await page.wait_for_function("document.getElementById('problem').textContent !== ''")
    text = await page.evaluate(PAGE_TEXT)
    assert stray(text, catalogue_words(lang)) == []
    assert await page.inner_text("#problem") == strings(lang, "staff")["signin.wrong"]
    assert await page.evaluate("document.documentElement.lang") == lang
    assert await axe_violations(page) == []


@pytest.mark.parametrize("office, shown", [({"personal_statistics": False}, False),
                                           ({"personal_statistics": True, "pause_limit_minutes": 1}, True)],
                         indirect=["office"])
async def test_figures_per_counter_show_only_where_the_site_file_allows_them(office, browser, shown):
    sessions = await busy_floor(office)
    try:
        floor = office.manager.board.floor(office.clock() + 120, "de")
        paused = next(c for c in floor["counters"] if c["id"] == "4")
        assert (paused["reason"] == "Teambesprechung") is shown and (paused["served"] is not None) is shown
        assert any(a["kind"] == "pause" for a in floor["alerts"]) is shown
        page = await signed_in_page(browser, office)
        row = "#counters tr[data-counter='4']"
        await page.wait_for_selector(row)
        assert ("Teambesprechung" in await page.inner_text(row)) is shown
        assert await page.is_visible("#counters th.personal") is shown
        assert (await page.locator("#counters tbody tr:first-child td").count() == 4) is shown
    finally:
        for session in sessions:
            await session.close()


def test_the_counters_a_person_may_staff_are_checked_when_the_file_loads():
    from .test_config import broken

    assert broken(lambda d: d["people"][2].update(counters=["1", "12"])) == (
        'default.toml: people[2].counters[1]: unknown counter "12": the counters a person may staff are counter '
        'ids of this office, one of 1, 2, 3, 4, 5, 6, 7, 8, mbe')
    assert broken(lambda d: d["people"][2].pop("counters")) == (
        'default.toml: people[2].counters: missing: a clerk names the counters they may staff, such as '
        'counters = ["1", "2"]')
    assert broken(lambda d: d["people"][2].update(role="boss")) == (
        'default.toml: people[2].role: "boss" must be one of supervisor, reader, clerk')


@pytest.mark.parametrize("name, password, lang", [("manager", "demo-manager", "de"), ("reader", "demo-reader", "en")])
async def test_the_statistics_page_says_only_catalogue_words_in_the_persons_language(office, browser, name, password,
                                                                                     lang):
    """server/manager/stats/web.py: the page in the signed-in person's `lang`, no word of the other."""
    from config import languages

    sessions = await busy_floor(office)
    try:
        page = await signed_in_page(browser, office, name, password)
        await page.goto(f"http://127.0.0.1:{office.port}/stats?period=day&by=service")
        site = office.site
        names = {n for s in site.services for n in s.names.values()} | {site.name, name}
        names |= {n for o in site.outcomes.values() for n in o.values()}
        names |= {languages.name(tag, lang) for tag in site.languages}
        names |= {site.terminal_name(t.id) for t in site.terminals}  # the kiosks' rows: the site's names
        allowed = catalogue_words(lang) | data_words(sorted(names))
        text = await page.evaluate(PAGE_TEXT)
        assert stray(text, allowed) == []
        assert await page.evaluate("document.documentElement.lang") == lang
        assert await page.inner_text("h1") == f"{strings(lang, 'staff')['stats.page.title']} — {site.name}"
        other = catalogue_words("en" if lang == "de" else "de") - catalogue_words(lang) - data_words(sorted(names))
        assert {w.lower() for w in WORD.findall(text)} & other == set()  # no word of the other language
        assert await axe_violations(page) == []
    finally:
        for session in sessions:
            await session.close()


@pytest.mark.parametrize("name, password, lang", [("manager", "demo-manager", "de"), ("reader", "demo-reader", "en")])
async def test_the_exports_and_the_report_are_in_the_persons_language(office, name, password, lang):
    """The CSV's and the XLSX's headings and the monthly report, made in the report worker, in
    the `lang` of whoever asked (German for the manager, English for the reader)."""
    import io

    from openpyxl import load_workbook

    from .test_manager_board import cookie_for, get_with
    from .spreadsheet import read_csv

    sessions = await busy_floor(office)
    try:
        words, other = strings(lang, "staff"), strings("en" if lang == "de" else "de", "staff")
        heading = [words["stats.by.service"], *(words[f"stats.column.{n}"] for n in ("drawn", "served"))]
        cookie = await cookie_for(office.port, name, password)
        base = f"http://127.0.0.1:{office.port}"
        status, headers, body = await get_with(f"{base}/stats.csv?period=day&by=service&table=tickets", cookie)
        assert status == 200
        shown = {"de": "besuche-und-zeiten", "en": "visits-and-times"}[lang]
        assert f'filename="{shown}-{office.office.day}.csv"' in headers["Content-Disposition"]
        row = read_csv(body, lang)[0]  # German: ";" between cells, English: ","
        assert row[0] == heading[0] and set(heading) <= set(row)
        assert other["stats.column.drawn"] not in row
        status, headers, body = await get_with(f"{base}/stats.xlsx?period=day&by=service", cookie)
        day = office.office.day
        assert f'filename="{ {"de": "statistik", "en": "statistics"}[lang]}-{day}.xlsx"' in headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(body))
        # every sheet named in the reader's words ("Besuche und Zeiten"), none by its table's id
        assert book.sheetnames[0] == words["stats.sheet.tickets"] and "_" not in "".join(book.sheetnames)
        assert stray(" ".join(book.sheetnames), catalogue_words(lang)) == []
        sheet = book[words["stats.sheet.tickets"]]
        assert [c.value for c in next(sheet.iter_rows(max_row=1))] == row
        status, _, body = await get_with(f"{base}/report.html", cookie)
        report = body.decode()
        assert status == 200 and f'<html lang="{lang}">' in report
        assert words["stats.report.summary"] in report and other["stats.report.summary"] not in report
    finally:
        for session in sessions:
            await session.close()


# words German staff would meet on a page or in a report that are not theirs: one word a thing
# ("Nummer", never "Ticket"; "Dienstleistung", never "Leistung"), no technical names
NOT_STAFF_GERMAN = re.compile(r"\bTickets?\b|\bLeistung\b|\blive\b|\(JSON\)|SHA-256")


def test_the_german_staff_words_name_each_thing_once_and_nothing_technical():
    """r-staff-2 finding 8: the board said "live", "(JSON)", "(SHA-256)", the statistics
    "Tickets" where the board and counter say "Nummern", the lottery "Leistung"; the command
    line's help (`cli.`) is for the office's IT and may name files and formats."""
    german = strings("de", "staff")
    found = {key: text for key, text in german.items() if not key.startswith("cli.") and NOT_STAFF_GERMAN.search(text)}
    assert found == {}
    # a setting named in a definition of the report follows its meaning, for the admin
    for figure, meaning in (t.split("|", 1) for k, t in german.items() if k.startswith("stats.define.")):
        for setting in re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", meaning):
            assert f"(in den Einstellungen: {setting})" in meaning, figure
