"""Statistics: two scripted office days whose every figure is computed by hand here, the same
figures from the query module, the page, the CSV, the XLSX and the PDF, and kept after the
tickets are purged."""

from __future__ import annotations

import codecs
import dataclasses
import io
import math
import re
from urllib.parse import quote
import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from server.edge.app import Server
from server.core import Office
from server.manager.stats.tables import Period, Refused, Statistics, percentile, week_of
from server.manager.stats.words import Words
from server.store.stats_rows import minutes as _minutes
from server.store.sqlite import Store

from .spreadsheet import csv_row, read_csv
from .conftest import make_site
from .test_manager_board import axe_violations, cookie_for, get_with

TZ = ZoneInfo("Europe/Berlin")
MONDAY, TUESDAY, THURSDAY = "2026-11-23", "2026-11-24", "2026-11-26"


def at(day: str, clock: str) -> float:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ).timestamp()


def scripted_days(path, site) -> None:
    """Monday: A001 (drawn 07:00) waits 65 min (past residence's 60), is served 14 min; A002
    waits 21 min and does not come; A003 is cancelled by its kiosk; A004 is called after 1 min, started, and
    sent on to "info", where the day ends (expired). Counter 5 is open 08:00-10:00 with a
    10-minute break; A002 asked for an interpreter. Tuesday: A001 (Persian) waits 50 min and is served 10 min without "start"."""
    office, store = Office(site, always_open=True), Store(path, timezone=site.timezone)

    def run(command: str, clock: str, day: str = MONDAY, **kwargs) -> None:
        getattr(office, command)(now=at(day, clock), **kwargs)
        store.append(office.take_journal(), list(office.tickets.values()))

    draw = dict(kiosk="kiosk-1", service="residence")
    run("draw", "07:00:00", lang="de", request="1", token="t1", **draw)
    run("draw", "08:00:00", lang="ar", request="2", token="t2", interpreter=True, **draw)
    run("open", "08:00:00", counter="5", services=None)
    run("next", "08:05:00", counter="5")
    run("start", "08:06:30", counter="5")
    run("finish", "08:20:30", counter="5", outcome="done")
    run("next", "08:21:00", counter="5")
    run("noshow", "08:25:00", counter="5")
    run("pause", "08:30:00", counter="5", reason="break")
    run("resume", "08:40:00", counter="5")
    run("draw", "09:10:00", lang="uk", request="3", token="t3", **draw)
    run("cancel", "09:10:30", kiosk="kiosk-1", ticket="A003", reason="printer_failed")
    run("draw", "09:15:00", lang="en", request="4", token="t4", **draw)
    run("next", "09:16:00", counter="5")
    run("start", "09:16:30", counter="5")
    run("transfer", "09:17:30", counter="5", service="info", to_counter=None, front=False)
    run("close", "10:00:00", counter="5")
    run("draw", "13:00:00", TUESDAY, lang="fa", request="5", token="t5", **draw)
    run("open", "13:40:00", TUESDAY, counter="5", services=None)
    run("next", "13:50:00", TUESDAY, counter="5")
    run("finish", "14:00:00", TUESDAY, counter="5", outcome="documents-missing")
    run("close", "14:10:00", TUESDAY, counter="5")
    store.close()


# By hand, for November 2026 grouped by service, per leg of a visit (README, "What each figure
# means"; times in whole minutes rounded up: the smallest minute a value does not exceed):
# residence: drawn 5 (Monday A001-A004, Tuesday A001); legs ended: Monday A001 served (wait 65,
# walk 90 s = 2, service 14), A002 no-show (wait 21), A003 cancelled, A004 transferred out to
# info (wait 1, walk 30 s = 1 (not 0: 30 s exceed 0 minutes)); Tuesday A001 served without
# "start" (wait 50, walk 0, service 10, documents-missing).
# waits [1, 21, 50, 65]: median = 2nd of 4 = 21, 90th = 4th = 65, within 60 min: 3 of 4 = 75 %;
# walks [0, 1, 2]: median 1; services [10, 14]: median 10.
# info: nobody drew there; A004 came in by the transfer at 09:17:30 and was never called there:
# expired at the end of the day, no wait of its own.
BY_SERVICE = [
    ["Aufenthaltserlaubnis (Erstantrag)", 5, 0, 2, 1, 1, 0, 1, 21, 65, 75, 1, 10],
    ["Allgemeine Auskunft", 0, 1, 0, 0, 0, 1, 0, None, None, None, None, None],
]
# named as in the site file (German, like the services), in its order: "done" before "documents-missing"
OUTCOMES = [["Erledigt", 1], ["Unterlagen fehlen", 1]]
# tickets drawn per office day: one Monday, one Tuesday in the month
ARRIVALS = [["Wochentag", "Tage", "07 Uhr", "08 Uhr", "09 Uhr", "13 Uhr"], ["Montag", 1, 1.0, 1.0, 2.0, 0.0],
            ["Dienstag", 1, 0.0, 0.0, 0.0, 1.0]]
# languages by their German names from CLDR (the clerk's), never the raw tags
LANGUAGES_TOTAL = {"Deutsch": 1, "Arabisch": 1, "Ukrainisch": 1, "Englisch": 1, "Persisch": 1}
# A002 (Arabic, 08:00) asked for an interpreter: the only Arabic visitor
INTERPRETERS = [["Sprache", "08 Uhr", "gesamt", "Anteil an den Besuchenden der Sprache (%)"], ["Arabisch", 1, 1, 100]]
# counter 5: open 120 + 30 min, serving 14 + 1 + 10 min, a 10-minute break
COUNTERS = [["Schalter", "geöffnet", "bedienend", "Pause: break"], ["5", 150, 25, 10]]


def service_names(site):
    return {s.id: s.name("de") for s in site.services}


def test_the_service_names_in_the_expected_rows_are_the_configs(site):
    names = service_names(site)
    assert [BY_SERVICE[0][0], BY_SERVICE[1][0]] == [names["residence"], names["info"]]


@given(st.lists(st.integers(0, 900), min_size=1, max_size=60), st.sampled_from([0.5, 0.9, 0.25, 1.0]))
def test_a_percentile_from_the_histogram_is_the_one_of_the_sorted_minutes(minutes, share):
    hist = {}
    for m in minutes:
        hist[m] = hist.get(m, 0) + 1
    assert percentile(hist, share) == sorted(minutes)[math.ceil(share * len(minutes)) - 1]


@given(st.lists(st.floats(0, 12 * 3600), min_size=1, max_size=40))
def test_the_median_is_the_smallest_minute_half_of_the_values_do_not_exceed(seconds):
    """README, "Statistics": what a median of whole minutes means, for times in seconds."""
    hist = {}
    for value in seconds:
        hist[_minutes(value)] = hist.get(_minutes(value), 0) + 1
    median, half = percentile(hist, 0.5), math.ceil(len(seconds) / 2)
    assert sum(v <= median * 60 for v in seconds) >= half
    assert median == 0 or sum(v <= (median - 1) * 60 for v in seconds) < half


def test_49_seconds_is_1_minute_as_the_estimate_reads_it():
    assert [_minutes(s) for s in (0, 0.5, 49, 60, 61, 119.9, 120)] == [0, 1, 1, 1, 2, 2, 2]
    assert [_minutes(s) for s in (5e-324, 60.00000000000001)] == [1, 2]  # divisions that round down


def tables(path, site, now: float) -> dict:
    conn = sqlite3.connect(path)
    try:
        today = datetime.fromtimestamp(now, TZ).date().isoformat()
        found = Statistics(conn, site, today=today, now=now).tables(Period.parse("month", "2026-11", today=today))
        return {t.name: [t.columns, *t.rows] for t in found}
    finally:
        conn.close()


def test_scripted_days_give_the_figures_computed_by_hand_before_and_after_the_purge(tmp_path):
    site = make_site()
    site = dataclasses.replace(site, manager=dataclasses.replace(site.manager, personal_statistics=True))
    path = tmp_path / "office.sqlite3"
    scripted_days(path, site)
    now = at(THURSDAY, "10:00:00")
    before = tables(path, site, now)
    assert before["tickets"][1:] == BY_SERVICE
    assert before["outcomes"][1:] == OUTCOMES
    assert before["arrivals"] == ARRIVALS
    assert {row[0]: row[-1] for row in before["languages"][1:]} == LANGUAGES_TOTAL
    assert before["counters"] == COUNTERS
    assert before["interpreters"] == INTERPRETERS

    store = Store(path, timezone=site.timezone)
    removed = store.purge(THURSDAY, retention_days=1)  # Monday and Tuesday leave the file
    assert removed == 5 and store.db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    store.close()
    after = tables(path, site, now)
    assert after["counters"] == [["Schalter", "geöffnet", "bedienend"]]  # kept at the purge: no counter figures
    personal = ("counters", "plan_counters")  # kept at the purge without `personal`: the counters summed
    assert {k: v for k, v in after.items() if k not in personal} == {k: v for k, v in before.items() if k not in personal}
    assert after["plan_counters"][1:] == [["alle Schalter (Tage vor der Dienstvereinbarung)",
                                           *before["plan_counters"][1][1:]]]


def test_personal_figures_per_counter_are_off_by_default(tmp_path):
    site = make_site()
    assert site.manager.personal_statistics is False
    path = tmp_path / "office.sqlite3"
    scripted_days(path, site)
    found = tables(path, site, at(THURSDAY, "10:00:00"))
    assert "counters" not in found
    conn = sqlite3.connect(path)
    with pytest.raises(ValueError, match="cannot group by 'counter'"):
        Statistics(conn, site, today=THURSDAY, now=0).tables(Period("2026-11-01", "2026-11-30"), "counter")
    conn.close()


def test_grouped_by_language_the_rows_are_named_as_the_clerk_reads_them(tmp_path):
    site = make_site()
    path = tmp_path / "office.sqlite3"
    scripted_days(path, site)
    conn = sqlite3.connect(path)
    try:
        found = Statistics(conn, site, today=THURSDAY, now=at(THURSDAY, "10:00:00")).tables(
            Period("2026-11-01", "2026-11-30"), "lang")
    finally:
        conn.close()
    assert found[0].columns[0] == "Sprache" and found[0].title == "Besuche und Zeiten nach Sprache"
    assert sorted(row[0] for row in found[0].rows) == sorted(LANGUAGES_TOTAL)


@pytest.mark.parametrize("kind, value, expected", [
    ("day", "2026-11-24", ("2026-11-24", "2026-11-24")),
    ("week", "2026-11-26", ("2026-11-23", "2026-11-29")),
    ("month", "2026-02", ("2026-02-01", "2026-02-28")),
    ("month", "2026-12", ("2026-12-01", "2026-12-31")),
    ("range", "2026-11-01..2026-11-15", ("2026-11-01", "2026-11-15")),
    ("month", "", ("2026-11-01", "2026-11-30")),
    ("range", "", ("2026-11-01", "2026-11-30")),  # the form's hint: "empty: the current one"
    ("day", " 2026-11-24 ", ("2026-11-24", "2026-11-24")),
    # as German staff write them (the page shows them so), and English staff
    ("day", "27.11.2026", ("2026-11-27", "2026-11-27")),
    ("day", "27 Nov 2026", ("2026-11-27", "2026-11-27")),
    ("week", "KW 48/2026", ("2026-11-23", "2026-11-29")),
    ("week", "Week 48/2026", ("2026-11-23", "2026-11-29")),
    ("week", "26.11.2026", ("2026-11-23", "2026-11-29")),
    ("month", "11.2026", ("2026-11-01", "2026-11-30")),
    ("month", "November 2026", ("2026-11-01", "2026-11-30")),
    ("month", "März 2026", ("2026-03-01", "2026-03-31")),
    ("range", "1.11.2026 – 15.11.2026", ("2026-11-01", "2026-11-15")),
    ("range", "1.11.2026..15.11.2026", ("2026-11-01", "2026-11-15")),
])
def test_periods(kind, value, expected):
    period = Period.parse(kind, value, today="2026-11-27")
    assert (period.first, period.last) == expected


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        Period.parse("range", "2026-11-15..2026-11-01", today="2026-11-27")


@pytest.mark.parametrize("kind, value", [
    ("range", "garbage"), ("range", "2026-13-45"), ("range", "2026-11-01..x"), ("day", "2026-02-30"),
    ("week", "soon"), ("month", "2026-13"), ("month", "garbage"),
])
def test_a_bad_period_is_refused_in_words_a_manager_reads(kind, value):
    with pytest.raises(ValueError) as refused:
        Period.parse(kind, value, today="2026-11-27")
    assert repr(value) in str(refused.value) and ("27 Nov 2026" in str(refused.value) or
                                                  "November 2026" in str(refused.value))
    assert "isoformat" not in str(refused.value)
    assert "z. B. 27.11.2026" in refused.value.say("de") or "z. B. 11.2026" in refused.value.say("de")


@given(day=st.dates(min_value=date(1001, 1, 1), max_value=date(9999, 12, 24)), length=st.integers(0, 400),
       lang=st.sampled_from(["de", "en"]))
def test_a_date_as_the_page_writes_it_is_read_back_as_the_same_date(day, length, lang):
    """What the statistics show (a day 27.11.2026, a week KW 48/2026, a month November 2026, a
    period 1.11.2026 – 15.11.2026) can be typed back into "Welcher" and means the same; ISO too."""
    words = Words(lang)
    assert Period.parse("day", words.label(day.isoformat()), today="2026-11-27").first == day.isoformat()
    assert Period.parse("day", day.isoformat(), today="2026-11-27").first == day.isoformat()
    week = Period.parse("week", words.label(week_of(day.isoformat())), today="2026-11-27")
    assert week.first <= day.isoformat() <= week.last and date.fromisoformat(week.first).weekday() == 0
    assert Period.parse("month", words.label(day.isoformat()[:7]), today="2026-11-27").first == \
        day.replace(day=1).isoformat()
    last = min(day + timedelta(days=length), date(9999, 12, 31))
    period = Period(day.isoformat(), last.isoformat())
    assert Period.parse("range", period.say(lang), today="2026-11-27") == period
    assert not re.search(r"\d{4}-\d", period.say(lang) + words.label(week_of(day.isoformat())))


@given(kind=st.sampled_from(["day", "week", "month", "range"]) | st.text(max_size=12),
       value=st.text(max_size=30) | st.dates().map(str) | st.dates().map(lambda d: f"{d:%Y-%m}"))
@example(kind="day", value=" {")  # a CI run found it: the quote is of the stripped text
def test_whatever_is_typed_is_a_period_or_a_sentence_in_the_managers_language(kind, value):
    """A URL's period is read or refused with a whole sentence, German or English, that quotes
    what was typed: never Python's words, never a catalogue's {placeholder}."""
    try:
        Period.parse(kind, value, today="2026-11-27")
    except Refused as refused:
        for lang, quoted in (("de", "„{}“"), ("en", "'{}'")):
            said = refused.say(lang)
            # the sentence quotes what was typed, stripped: its braces are the visitor's, not a placeholder
            unquoted = said.replace(value, "").replace(value.strip(), "").replace(kind, "")
            assert "{" not in unquoted and "isoformat" not in said
            assert quoted.format(value.strip()) in said or quoted.format(kind) in said or refused.key == \
                "ends_before_it_starts"


@pytest.fixture
async def stats_server(tmp_path):
    site = make_site()
    path = tmp_path / "office.sqlite3"
    scripted_days(path, site)
    server = Server(site, path, always_open=True, clock=lambda: at(THURSDAY, "10:00:00"))
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def test_the_csv_xlsx_and_pdf_hold_the_same_figures(stats_server):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    server = stats_server
    cookie = await cookie_for(server.port)
    base = f"http://127.0.0.1:{server.port}"
    status, headers, body = await get_with(f"{base}/stats.csv?period=month&value=2026-11&table=tickets", cookie)
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    assert body.startswith(codecs.BOM_UTF8)  # German Excel reads UTF-8 (umlauts) only with it
    rows = read_csv(body)  # as German Excel reads it: ";" between cells
    assert rows[1:] == [csv_row(row) for row in BY_SERVICE]

    status, headers, body = await get_with(f"{base}/stats.xlsx?period=month&value=2026-11", cookie)
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Besuche und Zeiten", "Ergebnisse", "Ankünfte je Stunde", "Sprachen", "Dolmetschbedarf",
                               "Gedruckte Wartezeit", "Gedruckte Wartezeit im Verlauf", "Verweise an Partner",
                               "Tagesplan je Tag", "Kioske außer Betrieb", "Kioske außer Betrieb je Tag",
                               "Rückmeldungen je Dienstleistung", "Rückmeldungen je Sprache",
                               "Rückmeldungen je Woche", "Gründe der Rückmeldungen"]
    assert 'filename="statistik-2026-11.xlsx"' in headers["Content-Disposition"]  # a month by its month
    assert [list(r) for r in book["Besuche und Zeiten"].iter_rows(min_row=2, values_only=True)] == BY_SERVICE
    assert [list(r) for r in book["Ankünfte je Stunde"].iter_rows(values_only=True)] == ARRIVALS
    assert [list(r) for r in book["Ergebnisse"].iter_rows(min_row=2, values_only=True)] == OUTCOMES

    status, headers, body = await get_with(f"{base}/report.pdf?month=2026-11", cookie)
    assert status == 200 and body.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())
    assert server.site.name in text and "1. November 2026 – 30. November 2026" in text
    assert not re.search(r"\d{4}-\d{2}|\d{4}-W\d", text), "every date in the report as German staff write it"
    assert "Aufenthaltserlaubnis (Erstantrag) 5 0 2 1 1 0 1 21 65 75 1 10" in text
    assert "Allgemeine Auskunft 0 1 0 0 0 1 0 – – – – –" in text  # transferred in, never called there
    assert "Montag 1 1 1 2 0" in text and "Dienstag 1 0 0 0 1" in text
    assert "Erledigt 1 Unterlagen fehlen 1" in text and "documents-missing" not in text
    # the summary: visitors drawn once each, legs served, no-shows, the wait over every queue's own legs
    assert "Besuchende (gezogene Nummern) 5 bedient 2 nicht erschienen 1" in text
    assert "Wartezeit, Median 21 min Wartezeit, 90. Perzentil 65 min" in text

    status, _, body = await get_with(f"{base}/stats?period=range&value=2026-11-30..2026-11-01", cookie)
    assert status == 400 and "Der Zeitraum endet (1.11.2026) vor seinem Beginn (30.11.2026)" in body.decode()
    for value in ("garbage", "2026-13-45"):
        status, headers, body = await get_with(f"{base}/stats?period=range&value={value}&by=service", cookie)
        assert status == 400 and "text/html" in headers["Content-Type"]
        assert b'id="stats-error"' in body and f"„{value}“ ist kein Datum. Bitte so: T.M.JJJJ" in body.decode()
        assert b'<form method="get" action="/stats">' in body and f'value="{value}"'.encode() in body
        assert b"isoformat" not in body
    status, _, body = await get_with(f"{base}/stats?period=month&value=2026-11&by=lang", cookie)
    assert b'<option value="lang" selected>Sprache</option>' in body
    assert b'<option value="channel">ohne oder mit Termin</option>' in body and b"<th scope=\"row\">Arabisch" in body
    status, _, body = await get_with(f"{base}/stats?period=range&value=&by=service", cookie)
    assert status == 200 and "Zeitraum: 1.11.2026 – 30.11.2026.".encode() in body
    # typed the German way, as the README promises, and as the page itself shows it
    for value in ("27.11.2026", "1.11.2026 – 30.11.2026"):
        status, _, body = await get_with(f"{base}/stats?period=range&value={quote(value)}&by=service", cookie)
        assert status == 200 and b'id="stats-error"' not in body and b"2026-11-" not in body
    status, _, body = await get_with(f"{base}/report.pdf?month=garbage", cookie)
    assert status == 400 and body.decode() == "„garbage“ ist kein Monat. Bitte so: M.JJJJ, z. B. 11.2026 oder November 2026\n"


async def test_the_statistics_page_in_chromium_and_its_export(stats_server, browser):
    server = stats_server
    cookie = (await cookie_for(server.port)).split("=", 1)
    context = await browser.new_context(accept_downloads=True)
    await context.add_cookies([{"name": cookie[0], "value": cookie[1], "domain": "127.0.0.1", "path": "/"}])
    page = await context.new_page()
    await page.goto(f"http://127.0.0.1:{server.port}/stats?period=month&value=2026-11&by=service")
    cells = await page.eval_on_selector_all("#table-tickets tbody tr",
                                            "rows => rows.map(r => [...r.children].map(c => c.textContent))")
    assert cells == [[str("–" if v is None else v) for v in row] for row in BY_SERVICE]
    # tickets, their times, arrivals, estimates by service, by day, the counters' open hours (no kiosk was out)
    assert await page.locator("figure img").count() == 6
    assert await axe_violations(page) == []
    async with page.expect_download() as download_info:
        await page.click("a[href*='table=arrivals']")
    download = await download_info.value
    rows = read_csv((await download.path()).read_text(encoding="utf-8-sig"))
    assert rows == [csv_row(row) for row in ARRIVALS]
    await page.goto(f"http://127.0.0.1:{server.port}/report.html?month=2026-11")
    assert await axe_violations(page) == []
    await context.close()


async def test_a_new_day_keeps_the_last_days_statistics(tmp_path):
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    from .conftest import token

    site = make_site()
    path = tmp_path / "office.sqlite3"
    scripted_days(path, site)
    server = Server(site, path, always_open=True, clock=lambda: at(THURSDAY, "10:00:00"))
    await server.start("127.0.0.1", 0)
    try:
        assert server.store.db.execute("SELECT count(*) FROM stats_days").fetchone()[0] == 0
        kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                              token=token("kiosk-1"))
        kiosk.start()
        await kiosk.ready()
        await kiosk.request(p.Draw(id=0, service="info", lang="de", request="new-day"))  # Thursday starts
        await kiosk.close()
        kept = [d for (d,) in server.store.db.execute("SELECT day FROM stats_days ORDER BY day")]
        assert kept == [MONDAY, TUESDAY]
        # personal figures are off: what is kept names no counter
        assert server.store.db.execute("SELECT count(*) FROM stats_desks").fetchone()[0] == 0
        assert {c for (c,) in server.store.db.execute("SELECT DISTINCT counter FROM stats_tickets")} == {""}
    finally:
        await server.stop()
    found = tables(path, site, at(THURSDAY, "10:00:00"))["tickets"][1:]
    assert found[0] == BY_SERVICE[0] and found[1][1] == BY_SERVICE[1][1] + 1  # and Thursday's ticket, live


async def test_called_at_exactly_the_maximum_wait_counts_as_within_it(tmp_path):
    """residence's maximum wait is 60 min: A001 called after exactly 60:00 is within it, A002
    called after 60:01 (61 minutes, rounded up) is not: "within" is 50 %, by the CSV."""
    site = make_site()
    assert site.service("residence").max_wait_minutes == 60
    office, store = Office(site, always_open=True), Store(tmp_path / "office.sqlite3", timezone=site.timezone)

    def run(command: str, clock: str, **kwargs) -> None:
        getattr(office, command)(now=at(MONDAY, clock), **kwargs)
        store.append(office.take_journal(), list(office.tickets.values()))

    for n in ("1", "2"):
        run("draw", "09:00:00", kiosk="kiosk-1", service="residence", lang="de", request=n, token=f"t{n}")
    run("open", "09:30:00", counter="5", services=None)
    run("next", "10:00:00", counter="5")  # A001: 60 min to the second
    run("finish", "10:00:00.500000", counter="5", outcome="done")
    run("next", "10:00:01", counter="5")  # A002: 60 min 1 s
    run("finish", "10:05:00", counter="5", outcome="done")
    run("close", "10:10:00", counter="5")
    store.close()
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=lambda: at(THURSDAY, "10:00:00"))
    await server.start("127.0.0.1", 0)
    try:
        cookie = await cookie_for(server.port)
        _, _, body = await get_with(f"http://127.0.0.1:{server.port}/stats.csv?period=day&value={MONDAY}"
                                    "&table=tickets", cookie)
        header, *rows = read_csv(body)
        residence = next(row for row in rows if row[0] == site.service("residence").name("de"))
        assert residence[header.index("innerhalb der Höchstwartezeit (%)")] == "50"
    finally:
        await server.stop()


async def test_statistics_read_a_file_whose_folder_has_uri_characters_in_its_name(tmp_path):
    """The statistics open the office's file read-only as a file URI: '#', '?' and '%' in a
    folder's name are quoted (an unquoted path cut the name at '#' and opened another file)."""
    folder = tmp_path / "Amt #2 ?100%"
    folder.mkdir()
    site = make_site()
    scripted_days(folder / "office.sqlite3", site)
    server = Server(site, folder / "office.sqlite3", always_open=True, clock=lambda: at(THURSDAY, "10:00:00"))
    await server.start("127.0.0.1", 0)
    try:
        cookie = await cookie_for(server.port)
        status, _, body = await get_with(
            f"http://127.0.0.1:{server.port}/stats.csv?period=month&value=2026-11&table=tickets", cookie)
        rows = read_csv(body)
        assert status == 200 and rows[1:] == [csv_row(row) for row in BY_SERVICE]
    finally:
        await server.stop()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_spreadsheet_in_the_readers_language_reads_the_csv_in_columns_and_numbers(tmp_path, lang):
    """German Excel splits a line at ";" and reads "1,0" as a number: with "," it showed each
    line in one column. English stays "," and "1.0"."""
    from server.manager.stats.worker import Job, make

    from .spreadsheet import number

    site, path = make_site(), tmp_path / "office.sqlite3"
    scripted_days(path, site)
    body = make(Job("/stats.csv", str(path), site, "2026-11-01", "2026-11-30", "service", "2026-12-01",
                    at("2026-12-01", "08:00:00"), {"table": "arrivals"}, lang=lang)).body
    assert body.startswith("\ufeff")  # UTF-8 with a byte order mark: Excel reads the umlauts
    header, *rows = read_csv(body, lang)
    assert len(header) == len(ARRIVALS[0]) and [len(row) for row in rows] == [len(header)] * len(rows)
    assert [[number(c, lang) for c in row[1:]] for row in rows] == [row[1:] for row in ARRIVALS[1:]]
    assert rows[0][2] == {"de": "1,0", "en": "1.0"}[lang]


def test_counters_are_named_as_the_site_file_names_them(tmp_path):
    """Per counter figures (where the site allows them) name the counter as the board does:
    the migration counselling desk "mbe" is counter "9"."""
    site = make_site()
    conn = sqlite3.connect(tmp_path / "empty.sqlite3")
    try:
        stats = Statistics(conn, site, today=THURSDAY, now=0)
        assert stats.label("counter", "mbe") == "9" and stats.label("counter", "5") == "5"
    finally:
        conn.close()
