"""Interpreters (issue 15): the visitor's "I need help with German" from the draw through the
core, the store and the wire; an older kiosk that does not send it still draws."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from websockets.asyncio.client import connect

from config.site import Partner
from kiosk.app import KioskApp, ServiceScreen, StartScreen, TicketScreen
from kiosk.interpreter import InterpreterScreen, asks
from printing.printers import open_printer
from kiosk.ticket import Text, layout
from server.manager import interpreters
from server.edge import views
from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession
from server.core import Office
from server.wire.errors import BadRequest
from server.store.sqlite import Store

from .spreadsheet import csv_row, read_csv
from .conftest import EVERY_SCRIPT, examples, make_site, token, visitors_site
from .test_core_office import T0
from .test_counter_app import counter_app, text
from .test_counter_app import until as counter_until
from .test_kiosk_app import SIZE, kiosk_app, laid_out, touch_ticket, until
from .test_ticket_printing import reply
from .test_manager_board import axe_violations, cookie_for, get_with, signed_in_page
from .test_stats import at as stats_at
from .test_stats import tables as stats_tables


# ---- the protocol ----------------------------------------------------------------------------

def test_a_draw_without_the_field_means_no_interpreter():
    old = p.decode_client(b'{"type": "draw", "id": 1, "service": "info", "lang": "ar", "request": "r"}')
    new = p.decode_client(b'{"type": "draw", "id": 1, "service": "info", "lang": "ar", "request": "r", '
                          b'"interpreter": true}')
    assert (old.interpreter, new.interpreter) == (False, True)
    assert b"interpreter" not in p.encode(old)  # what an old server reads is what it always read


@pytest.mark.parametrize("value", ['"yes"', "1", "null", "[]"])
def test_an_interpreter_that_is_not_true_or_false_is_a_bad_request(value):
    frame = '{"type": "draw", "id": 3, "service": "info", "lang": "ar", "request": "r", "interpreter": %s}' % value
    with pytest.raises(BadRequest) as caught:
        p.decode_client(frame)
    assert caught.value.re == 3 and "interpreter" in str(caught.value)


def test_ticket_and_queue_views_carry_the_need_only_when_there_is_one():
    plain = p.TicketView(number="A001", service="residence", lang="uk", state="waiting", issued_at=T0)
    needs = p.TicketView(number="A002", service="residence", lang="ar", state="waiting", issued_at=T0,
                         interpreter=True)
    assert b"interpreter" not in p.encode(plain)
    assert p.decode_server(p.encode(p.TicketChanged(ticket=needs))).ticket.interpreter is True
    queue = p.QueueView(service="residence", waiting=2, longest_wait=1.0, eta=None, interpreters={"ar": 1})
    assert p.decode_server(p.encode(p.QueuesChanged(queues=[queue]))).queues[0].interpreters == {"ar": 1}


# ---- the core and the store ------------------------------------------------------------------

def test_the_need_is_in_the_event_the_ticket_and_the_waiting_count():
    office = Office(make_site(), always_open=True)
    events, arabic = office.draw(kiosk="kiosk-1", service="residence", lang="ar", request="r1", token="t1",
                                 now=T0, interpreter=True)
    _, ukrainian = office.draw(kiosk="kiosk-1", service="residence", lang="uk", request="r2", token="t2", now=T0 + 1)
    drawn = [e for e in events if e.kind == "ticket_drawn"]
    assert drawn[0].interpreter is True and (arabic.interpreter, ukrainian.interpreter) == (True, False)
    assert office.interpreters("residence") == {"ar": 1} and office.interpreters("info") == {}
    office.open(counter="5", services=None, now=T0 + 2)
    office.next(counter="5", now=T0 + 3)  # A001 is called: no longer waiting
    assert office.interpreters("residence") == {}
    assert office.tickets["A001"].interpreter  # the clerk still sees it


def test_a_checked_in_visitor_can_ask_too_and_a_second_check_in_changes_nothing():
    office = Office(make_site(), always_open=True)
    office.book(booking="HD-1", service="residence", lang="de", due_at=T0 + 600, now=T0)
    events, ticket = office.checkin(kiosk="kiosk-1", booking="HD-1", token="t1", now=T0, lang="ar", interpreter=True)
    assert [e.interpreter for e in events if e.kind == "ticket_drawn"] == [True]
    assert ticket.interpreter and office.interpreters("residence") == {"ar": 1}
    _, again = office.checkin(kiosk="kiosk-1", booking="HD-1", token="t2", now=T0 + 1, lang="ar")
    assert again is ticket and again.interpreter


def test_a_retried_draw_returns_the_first_ticket_whatever_the_second_says():
    office = Office(make_site(), always_open=True)
    _, first = office.draw(kiosk="kiosk-1", service="info", lang="fa", request="same", token="t1", now=T0,
                           interpreter=True)
    events, again = office.draw(kiosk="kiosk-1", service="info", lang="fa", request="same", token="t2", now=T0 + 1)
    assert again is first and again.interpreter and events == []


def test_the_store_keeps_the_need_and_a_restart_rebuilds_it(tmp_path):
    office = Office(make_site(), always_open=True)
    office.draw(kiosk="kiosk-1", service="residence", lang="ar", request="r1", token="t1", now=T0, interpreter=True)
    office.draw(kiosk="kiosk-1", service="residence", lang="uk", request="r2", token="t2", now=T0 + 1)
    store = Store(tmp_path / "o.sqlite3", timezone="Europe/Berlin")
    store.append(office.take_journal(), office.tickets.values())
    assert (store.ticket_row(token="t1")["interpreter"], store.ticket_row(token="t2")["interpreter"]) == (1, 0)
    rebuilt = Office(make_site(), always_open=True)
    for event in store.events_since(office.day):
        rebuilt.apply(event)
    assert rebuilt.tickets == office.tickets and rebuilt.interpreters("residence") == {"ar": 1}
    store.close()


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["de", "ar", "fa", "uk", "ti"]), st.booleans()), max_size=12))
def test_the_waiting_count_per_language_is_the_tickets_that_asked(draws):
    office = Office(make_site(), always_open=True)
    for i, (lang, needed) in enumerate(draws):
        office.draw(kiosk="kiosk-1", service="info", lang=lang, request=f"r{i}", token=f"t{i}", now=T0 + i,
                    interpreter=needed)
    expected: dict[str, int] = {}
    for lang, needed in draws:
        if needed:
            expected[lang] = expected.get(lang, 0) + 1
    assert office.interpreters("info") == expected


# ---- over the real server --------------------------------------------------------------------

async def reply_to(ws) -> dict:
    """The next reply or error (a kiosk is pushed queue changes between them)."""
    while True:
        message = json.loads(await ws.recv())
        if message["type"] in ("reply", "error"):
            return message


async def test_an_old_kiosk_without_the_field_still_draws(server):
    async with connect(f"ws://127.0.0.1:{server.port}/") as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": token("kiosk-1")}))
        assert json.loads(await ws.recv())["type"] == "welcome"
        await ws.send(json.dumps({"type": "draw", "id": 1, "service": "info", "lang": "ar", "request": "old-1"}))
        reply = await reply_to(ws)
        await ws.send(json.dumps({"type": "draw", "id": 2, "service": "info", "lang": "ar", "request": "new-1",
                                  "interpreter": True}))
        second = await reply_to(ws)
    assert reply["type"] == "reply" and "interpreter" not in reply["ticket"]
    assert second["ticket"]["interpreter"] is True
    assert [t.interpreter for t in server.office.tickets.values()] == [False, True]


def test_the_board_names_the_partners_that_interpret_a_language():
    site = make_site()
    site = dataclasses.replace(site, partners=(
        Partner(id="mediation", names={"de": "Sprachmittlung"}, helps={"de": "Dolmetscher"},
                hours={"de": "Mo–Fr 8–13 Uhr"}, interprets=("ar", "fa", "uk"), phone="+49 611 1", web="https://m.example"),
        Partner(id="dari", names={"de": "Dari-Dienst"}, helps={"de": "Dari"}, interprets=("prs",)),
        Partner(id="counselling", names={"de": "Beratung"}, helps={"de": "Beratung"}, service="residence")))
    office = Office(site, always_open=True)
    for i, (lang, needed, minute) in enumerate([("fa", True, 0), ("prs", True, 1), ("ti", True, 2),
                                                 ("fa", True, 5), ("uk", False, 6)]):
        office.draw(kiosk="kiosk-1", service="residence" if i % 2 else "info", lang=lang, request=f"r{i}",
                    token=f"t{i}", now=T0 + minute * 60, interpreter=needed)
    rows = interpreters.waiting(office, T0 + 10 * 60)
    assert [(r["lang"], r["waiting"], r["longest_wait"], r["numbers"]) for r in rows] == [
        ("fa", 2, 600, ["F001", "A002"]), ("prs", 1, 540, ["A001"]), ("ti", 1, 480, ["F002"])]  # across services
    assert [[p["id"] for p in r["partners"]] for r in rows] == [["mediation"], ["dari"], []]
    assert rows[0]["partners"][0] == {"id": "mediation", "name": "Sprachmittlung", "phone": "+49 611 1",
                                      "web": "https://m.example", "hours": "Mo–Fr 8–13 Uhr"}
    assert [p["id"] for p in interpreters.partners_for(site, "fa-AF")] == ["mediation"]  # same language subtag


# ---- the kiosk asks, in every language -------------------------------------------------------

async def test_the_question_stands_in_every_language_with_large_answers(visitors_server):
    site = visitors_server.site
    session = ClientSession(f"ws://127.0.0.1:{visitors_server.port}/", role="kiosk", terminal="kiosk-1",
                            token=site.terminal("kiosk-1").token)
    app = KioskApp(session, printer=open_printer("dummy:"), idle_seconds=60)
    asked = [lang for lang in site.languages if asks(lang)]
    assert set(EVERY_SCRIPT) | {"ar", "fa"} <= set(asked) and "de" not in asked
    async with app.run_test(size=SIZE) as pilot:
        for lang in asked:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
            await pilot.click(f"#lang-{lang}")
            await until(pilot, lambda: laid_out(app, "#service-info"))
            await pilot.click("#service-info")
            await until(pilot, lambda: isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-yes"))
            screen, words = app.screen, site.words(lang)
            assert str(screen.query_one("#interpreter-question").render()) == app.shown(lang, words["interpreter.question"])
            yes, no = screen.query_one("#interpreter-yes"), screen.query_one("#interpreter-no")
            for button, key in ((yes, "interpreter.yes"), (no, "interpreter.no")):
                assert str(button.label) == app.shown(lang, words[key])
                assert button.region.height >= 5 and button.region.width >= 30, (lang, key)  # large, for a finger
                assert button.content_region.width >= cell_len(str(button.label)), (lang, key)  # not cut off
            assert laid_out(app, "#interpreter-skip") and laid_out(app, "#interpreter-back")
            rtl = words["direction"] == "rtl"
            assert (yes.region.x > no.region.x) == rtl, lang  # "yes" comes first in reading order
            await pilot.click("#interpreter-back")  # back to the services, the one tapped usable again
            await until(pilot, lambda: isinstance(app.screen, ServiceScreen))
            assert not app.screen.query_one("#service-info").disabled
            await pilot.click("#back")
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-de"))
        await pilot.click("#lang-de")  # a visitor in German is not asked
        await until(pilot, lambda: laid_out(app, "#service-info"))
        await pilot.click("#service-info")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
    assert [(t.lang, t.interpreter) for t in visitors_server.office.tickets.values()] == [("de", False)]


# ---- on the ticket ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", [lang for lang in visitors_site().languages if asks(lang)])
def test_the_ticket_says_the_interpreter_was_asked_for_in_the_visitors_language(lang):
    site, words = visitors_site(), visitors_site().words(lang)
    asked, plain = reply(lang), reply(lang)
    asked.ticket.interpreter = True
    said = [b.text for b in layout(views.site(site), asked, lang=lang, words=words) if isinstance(b, Text)]
    unsaid = [b.text for b in layout(views.site(site), plain, lang=lang, words=words) if isinstance(b, Text)]
    assert said == unsaid[:unsaid.index(words["ticket.documents"])] + [words["interpreter.on_ticket"]] + \
        unsaid[unsaid.index(words["ticket.documents"]):]  # after the wait, before the documents


# ---- from the kiosk to the counter and the floor board ---------------------------------------

async def test_an_arabic_visitor_asks_a_ukrainian_skips_the_counter_and_board_know(server, url, browser):
    kiosk = kiosk_app(url, printer=open_printer("dummy:"))
    async with kiosk.run_test(size=SIZE) as pilot:
        await touch_ticket(pilot, "ar", "residence", interpreter="yes")
        assert kiosk.screen.query_one("#number").value == "A001"
        assert str(kiosk.screen.query_one("#interpreter-asked").render()) == kiosk.word("ar", "interpreter.on_ticket")
        kiosk.switch_to_start()
        await touch_ticket(pilot, "uk", "residence", interpreter="skip")
        assert not kiosk.screen.query("#interpreter-asked")  # skipped: nothing promised
        kiosk.switch_to_start()
        await touch_ticket(pilot, "fa", "extension", interpreter="no")
    tickets = server.office.tickets
    assert [(n, t.lang, t.interpreter) for n, t in tickets.items()] == [
        ("A001", "ar", True), ("A002", "uk", False), ("B001", "fa", False)]

    page = await signed_in_page(browser, server)
    row = "#interpreters tr[data-lang='ar']"
    await page.wait_for_selector(row)
    cells = await page.eval_on_selector(row, "r => [...r.children].map(c => c.textContent.trim())")
    assert cells[0] == "Arabisch" and cells[1] == "1" and cells[3] == "A001" and cells[2].endswith("min")  # German board
    mediators = [partner for partner in server.site.partners if "ar" in partner.interprets]
    assert mediators  # the demo office has a language mediation service for Arabic
    for mediator in mediators:  # next to the language: who interprets it and how to reach them
        shown = await page.inner_text(f"{row} [data-partner='{mediator.id}']")
        assert mediator.names["de"] in shown  # the board language and mediator.phone in shown
        assert await page.get_attribute(f"{row} [data-partner='{mediator.id}'] a[href^='tel:']", "href") == \
            "tel:" + mediator.phone.replace(" ", "")
    assert await page.locator("#interpreters tbody tr").count() == 1  # nobody else asked
    assert await axe_violations(page) == []

    counter = counter_app(url, lang="de")
    async with counter.run_test(size=(130, 40)) as pilot:
        await counter_until(pilot, lambda: counter.board.desk is not None and counter.board.queues)
        queues = counter.query_one("#queues")
        row = [str(cell) for cell in queues.get_row_at(0)]  # residence, before anyone is called
        assert row[1] == "2" and row[4] == "Arabisch 1"  # the note in a column of its own
        assert [str(cell) for cell in queues.get_row_at(1)][1::3] == ["1", ""]  # extension: the Persian said no
        await pilot.press("o", "o")
        await counter_until(pilot, lambda: counter.sub_title == "geöffnet")
        await pilot.press("n")
        await counter_until(pilot, lambda: "A001" in text(counter, "#current"))
        assert "Dolmetscher: Arabisch" in text(counter, "#current")  # on the call, before the visitor arrives
        await page.wait_for_function("document.querySelectorAll('#interpreters tbody tr[data-lang]').length === 0")
        assert "Niemand Wartendes braucht einen Dolmetscher" in await page.inner_text("#interpreters")
        at_desk = await page.inner_text("#counters tr[data-counter='5']")
        assert "A001" in at_desk and "Arabisch (braucht Dolmetscher)" in at_desk  # where to send the interpreter
        await pilot.press("f", "1")
        await counter_until(pilot, lambda: counter.board.current is None)
        await pilot.press("n")
        await counter_until(pilot, lambda: "A002" in text(counter, "#current"))
        assert "Dolmetscher" not in text(counter, "#current")
        await page.wait_for_function("document.querySelector(\"#counters tr[data-counter='5']\").textContent"
                                     ".includes('A002')")
        assert "interpreter" not in await page.inner_text("#counters tr[data-counter='5']")


# ---- statistics ------------------------------------------------------------------------------

DAY = "2026-11-24"
# by hand: Arabic asked at 08:10 and 08:40, not at 09:05; Persian asked at 09:30; Ukrainian not
# (08:20); a German visitor is never asked. Arabic: 2 of 3 visitors = 67 %.
NEED = [["Sprache", "08 Uhr", "09 Uhr", "gesamt", "Anteil an den Besuchenden der Sprache (%)"],
        ["Arabisch", 2, 0, 2, 67], ["Persisch", 0, 1, 1, 100]]


def interpreter_day(path, site) -> None:
    office, store = Office(site, always_open=True), Store(path, timezone=site.timezone)
    for i, (clock, lang, needed) in enumerate([("08:10", "ar", True), ("08:20", "uk", False), ("08:40", "ar", True),
                                               ("09:05", "ar", False), ("09:30", "fa", True), ("09:50", "de", False)]):
        office.draw(kiosk="kiosk-1", service="residence", lang=lang, request=f"r{i}", token=f"t{i}",
                    now=stats_at(DAY, f"{clock}:00"), interpreter=needed)
    store.append(office.take_journal(), office.tickets.values())
    store.close()


async def test_statistics_count_the_need_by_language_and_hour_kept_and_exported(tmp_path):
    site, path = make_site(), tmp_path / "office.sqlite3"
    interpreter_day(path, site)
    now = stats_at("2026-11-26", "10:00:00")
    assert stats_tables(path, site, now)["interpreters"] == NEED
    store = Store(path, timezone=site.timezone)
    store.purge("2026-11-26", retention_days=1)  # the day's tickets leave the file; its figures stay
    assert store.db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    store.close()
    assert stats_tables(path, site, now)["interpreters"] == NEED

    server = Server(site, path, always_open=True, clock=lambda: now)
    await server.start("127.0.0.1", 0)
    try:
        cookie = await cookie_for(server.port)
        base = f"http://127.0.0.1:{server.port}"
        status, _, body = await get_with(f"{base}/stats.csv?period=month&value=2026-11&table=interpreters", cookie)
        assert status == 200 and read_csv(body) == [csv_row(r) for r in NEED]
        _, _, body = await get_with(f"{base}/stats?period=month&value=2026-11", cookie)
        assert "Dolmetschbedarf nach Sprache und Uhrzeit".encode() in body
    finally:
        await server.stop()
