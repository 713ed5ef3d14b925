"""The monthly report for the ministry, read back from the PDF the server sends: German words
(from the staff catalogue) and numbers (decimal comma), "Seite n von m" on every page, a
one-page summary, the definitions page, every table cell inside the page for every grouping,
PDF/A-3b as WeasyPrint writes it; and the charts: full labels, counts from 0, minutes apart."""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pdfplumber
import pytest
from pypdf import PdfReader

from server.edge.app import Server
from server.manager.stats.tables import DIMENSIONS, Period, Statistics
from server.manager.stats.words import Words
from server.manager.stats.worker import Job, make

from .conftest import make_site
from .demo_month import at, demo_month
from .test_manager_board import cookie_for, get_with
SVG = "{http://www.w3.org/2000/svg}"
NOW = at("2026-11-30", 300)


def demo_site():
    """The demo office with the figures per counter on: the widest report there is."""
    site = make_site()
    return dataclasses.replace(site, manager=dataclasses.replace(site.manager, personal_statistics=True))


@pytest.fixture(scope="module")
def month_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("month") / "office.sqlite3"
    demo_month(path, demo_site())
    return path


@pytest.fixture(scope="module")
async def month_server(month_file, tmp_path_factory):
    """One server over the month for the module: its tests only read (pages, exports, the
    report), and its report worker, started on the first report, serves the next ones too."""
    site = demo_site()
    path = tmp_path_factory.mktemp("served") / "office.sqlite3"
    path.write_bytes(month_file.read_bytes())
    server = Server(site, path, always_open=True, clock=lambda: NOW)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def figures(path, by: str):
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return Statistics(conn, demo_site(), today="2026-11-30", now=NOW).tables(
            Period.parse("month", "2026-11", today="2026-11-30"), by)
    finally:
        conn.close()


def pages_of(pdf_bytes: bytes, tmp_path) -> list[tuple[str, list[dict], float, float]]:
    """Per page: its text, its words with their boxes, its width and height."""
    (tmp_path / "report.pdf").write_bytes(pdf_bytes)
    with pdfplumber.open(tmp_path / "report.pdf") as pdf:
        return [(page.extract_text(), page.extract_words(), page.width, page.height) for page in pdf.pages]


def summary_rows(path) -> list[str]:
    """The rows of the tables on the first page, each as its cells' words."""
    with pdfplumber.open(path) as pdf:
        return [" ".join(" ".join(c.split()) for c in row if c) for table in pdf.pages[0].extract_tables()
                for row in table]


def whole_text(texts: list[str]) -> str:
    return " ".join(texts)


async def report(server, by: str = "service") -> bytes:
    cookie = await cookie_for(server.port)
    status, headers, body = await get_with(f"http://127.0.0.1:{server.port}/report.pdf?month=2026-11&by={by}", cookie)
    assert status == 200 and body.startswith(b"%PDF") and "monatsbericht-2026-11.pdf" in headers["Content-Disposition"]
    return body


@pytest.mark.parametrize("by", list(DIMENSIONS))
async def test_every_table_of_the_monthly_report_lies_inside_its_pages(month_server, tmp_path, by):
    pages = pages_of(await report(month_server, by), tmp_path)
    cut = [f"p{n}: {w['text']}" for n, (_, words, width, height) in enumerate(pages, 1) for w in words
           if w["x0"] < 0 or w["x1"] > width or w["top"] < 0 or w["bottom"] > height]
    assert cut == []
    shown = {w["text"] for _, words, _, _ in pages for w in words}
    tables = figures(month_server.db_path, by)
    assert len(tables) == 17  # the counters' table too (the widest report there is), the plan's and the kiosks'
    german = Words("de")
    for table in tables:  # every header word and every figure is drawn, as German writes it
        words = {w for column in table.columns for w in str(column).split()}
        words |= {german.number(v) for row in table.rows for v in row[1:] if v is not None}
        assert words - shown == set(), table.name


async def test_the_report_is_german_numbered_and_summed_up_on_its_first_page(month_server, tmp_path):
    pages = pages_of(await report(month_server), tmp_path)
    texts = [" ".join(text.split()) for text, _, _, _ in pages]
    count = len(texts)
    for n, text in enumerate(texts, 1):  # the office and the month at the top, the page number at the foot
        assert "Ausländerbehörde Musterstadt — Welcome Center · Monatsbericht November 2026" in text
        assert text.endswith(f"Seite {n} von {count}")
    first = texts[0]
    assert "Monatsbericht November 2026" in first and "Zeitraum 1. November 2026 – 30. November 2026" in first
    assert "Erstellt am 30.11.2026, 12:00 mit Willkommen" in first
    # the one-page summary: every part of it on page 1, numbers as German writes them
    rows = summary_rows(tmp_path / "report.pdf")
    for row in ("Besuchende (gezogene Nummern) 560", "bedient 492", "nicht erschienen 0", "Wartezeit, Median 31 min",
                "Wartezeit, 90. Perzentil 91 min", "Gedruckte Wartezeit eingehalten 89 % von 492 Aufgerufenen",
                "Rückmeldungen 492 Antworten, Durchschnitt 2,95, 39 % zufrieden", "Arabisch 51", "Arabisch 17 33",
                "Jobcenter Musterstadt 28"):
        assert row in rows, row
    for heading in ("Zusammenfassung", "Besuchende nach Sprache", "Dolmetschbedarf nach Sprache",
                    "Verweise nach Partner"):
        assert set(heading.split()) <= {w["text"] for w in pages[0][1]}, heading
    # the summary's narrow tables wrap their headings between words, never inside one ("Besu-chende")
    first_words = [w["text"] for w in pages[0][1]]
    assert [w for w in first_words if w.endswith(("\u2010", "\u00ad"))] == []  # hyphens weasyprint adds
    for heading in ("Besuchende (gezogene Nummern)", "baten um Dolmetschung"):
        assert set(heading.split()) <= set(first_words), heading
    # the report says why referrals and the outcome "referred" differ, and what the printed wait measures
    assert "Nicht dasselbe wie ein Ergebnis „verwiesen“" in whole_text(texts) and "Zusage auf dem Zettel" in whole_text(texts)
    assert "Tabellen und Diagramme" in texts[1]
    start = next(n for n, text in enumerate(texts) if "Begriffe: was jede Zahl zählt" in text)
    definitions = " ".join(texts[start:])  # the definitions' pages, at the end
    for name, _ in Words("de").definitions():
        assert name in definitions
    whole = " ".join(texts)
    for english in ("Tickets and times", "Monthly report", "drawn", "served", "no-show", "percentile", "Page "):
        assert english not in whole
    assert re.search(r"(?<![\d.])\d+\.\d{1,2}(?![\d.])", whole) is None  # no decimal point: 2,95 not 2.95


async def test_the_report_is_pdf_a_3b_and_weasyprint_reports_nothing_wrong(month_server, caplog):
    body = await report(month_server)
    root = PdfReader(io.BytesIO(body)).trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1" and root["/Lang"] == "de"
    with caplog.at_level(logging.INFO, logger="weasyprint"):  # the same report, made here to hear WeasyPrint
        made = make(Job("/report.pdf", str(month_server.db_path), demo_site(), "2026-11-01", "2026-11-30", "service",
                        "2026-11-30", NOW))
    assert made.body.startswith(b"%PDF")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING] == []


def chart_parts(uri: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(the y axis's labels, the series in the legend, the titles, the x axis's labels) of a pygal chart."""
    root = ET.fromstring(base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")))

    def texts(kind: str) -> list[str]:
        return [t.text for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith(kind)
                for t in g.iter(f"{SVG}text")]
    return texts("axis y"), sorted(set(texts("legend"))), texts("titles"), texts("axis x")


def sections(page: str) -> dict[str, list[str]]:
    """Per table of the statistics page: the data URIs of the charts above it."""
    found = {}
    for name, body in re.findall(r'<h2 id="t-(\w+)">.*?</h2>(.*?)<table', page, re.S):
        found[name] = re.findall(r'<img src="([^"]+)"', body)
    return found


async def test_count_axes_start_at_0_minutes_have_a_chart_of_their_own_and_labels_are_whole(month_server):
    server = month_server
    cookie = await cookie_for(server.port)
    status, _, body = await get_with(f"http://127.0.0.1:{server.port}/stats?period=month&value=2026-11", cookie)
    charts = sections(body.decode())
    (counts, times), (arrivals,) = charts["tickets"], charts["arrivals"]
    for uri in (counts, arrivals):
        axis, series, titles, _ = chart_parts(uri)
        assert float(axis[0]) == 0 and "Nummern" in titles
        assert not any("min" in name for name in series)
    axis, series, titles, labels = chart_parts(times)
    assert float(axis[0]) == 0 and "Minuten" in titles
    assert series == ["Bearbeitungszeit Median", "Wartezeit 90. Perzentil", "Wartezeit Median", "Weg zum Schalter Median"]
    services = [s.name("de") for s in server.site.services]
    assert [label for label in labels if label in services] == services  # whole: never "Aufenthaltserlaubnis (Er…"
    for uris in charts.values():
        for uri in uris:
            assert not any("…" in text for part in chart_parts(uri) for text in part if text)


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
    # in the menu's words, each of which the URL accepts too (`by=Wochentag`)
    assert body.decode() == ("Nach „clerk“ lässt sich nicht gliedern. Möglich sind: Dienstleistung, Uhrzeit, "
                             "Wochentag, Sprache, ohne oder mit Termin, Schalter\n")


def test_the_charts_axes_write_numbers_the_readers_way():
    """A German chart's axis says 0,5 (the report and page promise the decimal comma)."""
    import re

    from server.manager.stats.charts import _options, _pygal
    from server.manager.stats.words import Words

    def labels(lang: str) -> set[str]:
        chart = _pygal().Bar(title="Zeiten", y_title="min", **_options(("#333333",), Words(lang)))
        chart.add("Median", [0.5, 0.8, 0.25])
        return set(re.findall(r">([0-9][0-9.,]*)</text>", chart.render().decode()))

    assert "0,5" in labels("de") and not any("." in label for label in labels("de"))
    assert "0.5" in labels("en")
