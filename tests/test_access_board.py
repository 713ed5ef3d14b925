"""The floor board's lottery panel (README "Fair access"), in headless Chromium against the real
server on a clock the test moves: the entries per service and their urgent share, the window and
the draw, the day's proof and its seed hash, who came, no-shows, places offered again and
"not the registered person" — as the server counts them, German-formatted, in the staff
catalogue's words, fitting the team leader's screens and axe-clean; no panel without a lottery."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from config.access import Access
from server.wire import protocol as p
from server.wire.session import ClientSession

from .access_office import DAY, Clock, access_site, at, page, start
from .browser import axe_violations
from .conftest import make_site, token
from .test_board_fit import CUT
from .test_manager_board import signed_in_page
from .test_staff_words import PAGE_TEXT, catalogue_words, data_words, stray

NAMES = ["Amina Haddad", "Omar Karimi", "Sara Tesfay", "Ali Haddad", "Hana Karimi", "Yusuf Tesfay"]
PANEL = f'#lottery .lottery-day[data-day="{DAY}"]'


async def figure(board, name: str) -> str:
    return (await board.inner_text(f'{PANEL} [data-figure="{name}"] td')).strip()


async def shown_after(board, name: str, value: str) -> None:
    await board.wait_for_function(
        f"""() => (document.querySelector('{PANEL} [data-figure="{name}"] td') || {{}}).textContent === {json.dumps(value)}""")


@pytest.fixture
async def lottery_day(tmp_path):
    """The demo office's lottery (residence, 2 places here) with six entries, two of them urgent."""
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(contingent={"residence": 2}))
    await server.access.tick()
    async with page(server) as visitor:
        for i, name in enumerate(NAMES):
            urgent = {"urgent_until": "2026-12-12"} if i < 2 else {}
            assert (await visitor.register(name, contact=f"+49 170 {1000 + i}", **urgent))["type"] == "registered"
    yield server, clock
    await server.stop()


async def test_the_panel_shows_the_servers_figures_before_and_after_the_draw(lottery_day, browser):
    server, clock = lottery_day
    board = await signed_in_page(browser, server)
    await board.wait_for_selector(PANEL)
    services = await board.inner_text(f"{PANEL} .lottery-services tbody")
    # residence: 6 entries, 2 urgent (33 %, German: a narrow space before the sign), 2 places, none drawn yet
    assert services == "Aufenthaltserlaubnis (Erstantrag)\t6\t2 (33\u00a0%)\t2\t0"
    state = await board.inner_text(f"{PANEL} [data-drawn] td")
    assert state == "Anmeldung offen bis 06:00, Verlosung um 06:05"
    seed_hash = server.office.access_days[DAY].seed_hash
    assert await board.inner_text(f"{PANEL} code.hash") == seed_hash
    assert await board.get_attribute(f"{PANEL} a", "href") == f"/draw/{DAY}.json"

    # the information desk registers a caller on the board's own form: counted as the desk's
    await board.select_option("#desk-service", "residence")
    await board.select_option("#desk-lang", "ar")
    await board.fill("#desk-name", "Karim Nouri")
    await board.fill("#desk-birth", "1985-03-04")
    await board.click("#desk-form button[type=submit]")
    await board.wait_for_function("document.getElementById('desk-answer').textContent.startsWith('Angemeldet')")
    await shown_after(board, "via", "Handy oder Web: 6Infotheke: 1")
    clock.t = at(DAY, "06:02")  # the window is closed, the draw not yet made
    await server.access.tick()
    await board.wait_for_function(f"""() => document.querySelector('{PANEL} [data-drawn] td').textContent
        === 'Anmeldung geschlossen, Verlosung um 06:05'""")
    clock.t = at(DAY, "07:35")
    await server.access.tick()  # the draw (late: the windows start from now)
    await board.wait_for_selector(f'{PANEL} [data-drawn="true"]')
    assert await figure(board, "given") == "2" and await figure(board, "won_after") == "beim ersten Mal: 2"
    day = server.office.access_days[DAY]
    first, second = day.drawn.places
    url = f"ws://127.0.0.1:{server.port}/"
    async with ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1")) as kiosk, \
            ClientSession(url, role="counter", terminal="counter-5", token=token("counter-5")) as counter:
        await kiosk.ready()
        await counter.ready()
        ticket = (await kiosk.request(p.Checkin(id=0, booking=first.code))).ticket
        await counter.request(p.Open(id=0))
        await counter.request(p.Call(id=0, ticket=ticket.number))
        await counter.request(p.RefuseIdentity(id=0))
    await shown_after(board, "refused", "1")
    assert await figure(board, "came") == "1" and await figure(board, "no_shows") == "0"

    clock.t = second.window_end + 60  # the second winner's window is over: the place goes to the next
    await server.access.tick()
    await shown_after(board, "offered", "1")
    assert await figure(board, "no_shows") == "1"
    assert (await board.inner_text(f"{PANEL} [data-drawn] td")).startswith("Verlost (")

    # the proof the panel links to is the day's published file: its seed gives the hash shown
    proof = await board.evaluate(f"fetch('/draw/{DAY}.json').then(r => r.json())")
    assert hashlib.sha256(bytes.fromhex(proof["seed"])).hexdigest() == seed_hash

    assert await axe_violations(board) == []
    floor = await board.evaluate("window.willkommenBoard.floor")
    url = (await board.inner_text("#desk-answer")).rsplit(" ", 1)[-1]  # the caller's result page: data
    assert stray(await board.evaluate(PAGE_TEXT), catalogue_words("de") | data_words(floor) | data_words(url)
                 | {"manager"}) == []
    for size in ({"width": 1366, "height": 768}, {"width": 1920, "height": 1080}):
        await board.set_viewport_size(size)
        assert await board.evaluate(CUT) == [], size


async def test_no_panel_without_a_lottery(tmp_path, browser):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=replace(make_site(), access=Access()))
    try:
        await server.access.tick()
        board = await signed_in_page(browser, server)
        await board.wait_for_selector("body[data-rendered]")
        assert await board.is_hidden("#lottery")
        assert "Verlosung" not in await board.inner_text("main")
    finally:
        await server.stop()



async def test_a_reader_registers_nobody_neither_on_the_page_nor_on_the_socket(lottery_day, browser):
    """The staff council's read-only account looks at the lottery (and may give a witness's
    words for the draw) but writes no visitor's name and birth date: no desk form, and the
    server refuses a registration sent anyway, in German."""
    from .test_manager_board import act, board_socket, cookie_for

    server, _ = lottery_day
    board = await signed_in_page(browser, server, "reader", "demo-reader")
    await board.wait_for_selector(PANEL)
    assert await board.is_hidden("#desk")
    entries = dict(server.office.access_days[DAY].entries)
    ws, _ = await board_socket(server, await cookie_for(server.port, "reader", "demo-reader"))
    answer = await act(ws, type="register", service="residence", lang="de", name="Testperson Prüfung",
                       birth_date="1990-01-02", contact="0170 0000000")
    await ws.close()
    assert answer["code"] == "not_allowed"
    assert answer["text"] == ("Mit Lesezugriff lässt sich niemand zur Verlosung anmelden: "
                              "das macht die Infotheke oder die Teamleitung.")
    await board.reload()
    await shown_after(board, "via", "Handy oder Web: 6")   # the six of the phone, none of a desk
    assert server.office.access_days[DAY].entries == entries
    manager = await signed_in_page(browser, server)   # a team leader has the form
    await manager.wait_for_selector(PANEL)
    assert await manager.is_visible("#desk")


async def test_a_person_whose_board_language_is_english_reads_the_panel_in_english(tmp_path, browser):
    from .test_staff_words import site_with

    clock = Clock(at("2026-12-07", "16:00"))
    site = site_with()  # the demo office with its lottery; the reader's `lang` is "en"
    server = await start(tmp_path / "o.sqlite3", clock, site=replace(site, access=replace(site.access,
                                                                                         contingent={"residence": 2})))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            assert (await visitor.register(NAMES[0], urgent_until="2026-12-12"))["type"] == "registered"
        board = await signed_in_page(browser, server, "reader", "demo-reader")
        await board.wait_for_selector(PANEL)
        assert await board.inner_text(f"{PANEL} [data-drawn] td") == "Registration open until 06:00, draw at 06:05"
        assert "1\t1 (100%)\t2\t0" in await board.inner_text(f"{PANEL} .lottery-services tbody")
        floor = await board.evaluate("window.willkommenBoard.floor")
        text = await board.evaluate(PAGE_TEXT)
        assert stray(text, catalogue_words("en") | data_words(floor) | {"reader"}) == []
        assert await axe_violations(board) == []
    finally:
        await server.stop()
