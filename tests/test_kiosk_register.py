"""Registering for a place by lot at the kiosk (Pilot) against a real server whose clock the test
moves: the button only while the window is open; an Arabic visitor fills in the form with the
keyboard (at a person's speed and at a scanner's) and takes away the result page as a QR code on
the screen and on a printed slip; a second registration of the same person is refused in their
language with what they typed kept. And the whole day end to end: a visitor registers on the
phone page in Arabic, the draw gives them a place, they scan the code the page shows at the
kiosk, take their ticket, and the counter that calls it sees the name they registered with."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from kiosk.app import KioskApp, StartScreen
from kiosk.appointment import AppointmentTicketScreen
from kiosk.register import RegisteredScreen, RegisterLanguageScreen, RegisterScreen, birth_date, window_open
from printing.printers import open_printer
from server.wire import protocol as p
from server.wire.session import ClientSession

from .access_office import DAY, Clock, access_site, at, start
from .browser import chromium
from .conftest import token
from .escpos_decoder import CODE_PAGES, Paper, QRCode
from .test_feedback_pages import PHONES
from .test_kiosk_appointments import Keys, laid_out, shown, until

SIZE = (120, 40)
OPEN, CLOSED = at("2026-12-07", "16:00"), at("2026-12-07", "10:00")


def kiosk(server, printer, wall: Clock, **options) -> KioskApp:
    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                            token=token("kiosk-1"), backoff=(0.05, 0.2))
    app = KioskApp(session, printer=printer, idle_seconds=60, **options)
    app.wall_clock = wall
    return app


async def form(pilot, lang: str) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#register"))
    await pilot.click("#register")
    await until(pilot, lambda: isinstance(app.screen, RegisterLanguageScreen) and laid_out(app, f"#register-lang-{lang}"))
    await pilot.click(f"#register-lang-{lang}")
    await until(pilot, lambda: isinstance(app.screen, RegisterScreen) and laid_out(app, "#register-send"))


async def fill_in(pilot, name: str, day: str, month: str, year: str, contact: str = "",
                  urgent: tuple[str, str, str] = ("", "", "")) -> None:
    """Typed as on a keyboard: each field, then Enter to the next; Enter on the last registers."""
    for text in (name, day, month, year, contact, *urgent):
        await pilot.press(*text, "enter")


def paper(printer) -> Paper:
    sheet = Paper(CODE_PAGES["TM-T20II"])
    sheet.feed(printer.output)
    return sheet


def test_the_window_and_the_birth_date_as_the_kiosk_reads_them():
    access = p.AccessView(services=["residence"], opens="14:00", closes="06:00", draw_at="06:05", urgent_days=14)
    tz = "Europe/Berlin"
    assert [window_open(access, at("2026-12-07", t), tz) for t in ("13:59", "14:00", "23:59", "05:59", "06:00")] \
        == [False, True, True, True, False]
    assert not window_open(None, OPEN, tz)
    assert birth_date("7", "3", "1991") == "1991-03-07"
    assert [birth_date(*d) for d in (("31", "2", "1990"), ("1", "1", "91"), ("1", "1", "2999"), ("", "", ""))] \
        == ["", "", "", ""]


async def test_an_arabic_visitor_registers_at_the_kiosk_and_takes_the_result_page_away(tmp_path):
    clock = Clock(OPEN)
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    printer = open_printer("dummy:")
    app = kiosk(server, printer, clock, key_clock=Keys(step=0.25))   # a person's pace
    try:
        await server.access.tick()
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#register"))
            await pilot.click("#register")
            await until(pilot, lambda: isinstance(app.screen, RegisterLanguageScreen) and laid_out(app, "#back"))
            back = str(app.screen.query_one("#back").label)   # no language chosen yet: not German alone
            assert all(app.word(lang, "kiosk.back") in back for lang in app.screen.languages[:3]) and "·" in back
            assert app.screen.query_one("#back").content_region.width >= cell_len(back)   # whole, not cut
            await pilot.click("#back")
            await form(pilot, "ar")
            assert shown(app, "#question") == app.word("ar", "register.title")
            assert app.screen.query_one("#register-service-residence").value  # the only service: chosen
            # at the kiosk there is no "page" to open again: without a contact the slip's QR code tells
            assert app.screen.query_one("#register-contact").placeholder == app.word("ar", "register.kiosk_contact_hint")
            await fill_in(pilot, "Amina Haddad", "7", "3", "1991", "+49 170 1234567", ("14", "12", "2026"))
            await until(pilot, lambda: isinstance(app.screen, RegisteredScreen) and laid_out(app, "#registered-qr"))
            url = app.screen.url
            await pilot.resize_terminal(80, 24)   # the smallest kiosk screen: the QR code scrolls, whole
            await pilot.pause()
            qr = app.screen.query_one("#registered-qr")
            assert qr.region.width == 37 and qr.virtual_region.height == 19
            assert "▀" in shown(app, "#registered-qr") and shown(app, "#registered-scan") == app.word("ar", "register.scan")
            assert app.word("ar", "register.kiosk_contact") in shown(app, "#registered-waiting")  # by text
    finally:
        await server.stop()
    entry = url.split("/register/")[1].split("?")[0]
    assert url == f"{server.site.public_url}/register/{entry}?lang=ar"
    day, entrant = server.office.entrant(entry)
    assert (entrant.via, entrant.lang, entrant.service, entrant.contact) == ("kiosk", "ar", "residence", "sms")
    assert entrant.urgent  # the permit expires within [access] urgent_days of the lottery's day
    assert (day.people[entry].name, day.people[entry].birth_date) == ("Amina Haddad", "1991-03-07")
    assert [q.data for q in paper(printer).items if isinstance(q, QRCode)] == [url]  # the slip


async def test_registration_is_offered_only_while_the_window_is_open(tmp_path):
    clock = Clock(CLOSED)
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    app = kiosk(server, open_printer("dummy:"), clock)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#appointment"))
            assert not app.screen.query_one("#register").display
            clock.t = OPEN
            await until(pilot, lambda: laid_out(app, "#register"))  # the next turn of its label shows it
    finally:
        await server.stop()


async def test_a_second_registration_is_refused_in_the_visitors_language_and_the_form_kept(tmp_path):
    clock = Clock(OPEN)
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    app = kiosk(server, open_printer("dummy:"), clock, key_clock=Keys(step=0.01))   # a scanner's pace
    try:
        await server.access.tick()
        async with app.run_test(size=SIZE) as pilot:
            for attempt in range(2):
                await form(pilot, "uk")
                await fill_in(pilot, "Olena Kovalenko", "4", "3", "1985")
                if attempt == 0:
                    await until(pilot, lambda: isinstance(app.screen, RegisteredScreen))
                    # a heading that confirms, with the date; no phone number: the result comes through the slip
                    assert "8 грудня 2026" in shown(app, "#registered-title")
                    said = shown(app, "#registered-waiting")
                    assert "8 грудня 2026" in said and "06:05" in said
                    assert app.word("uk", "register.kiosk_no_contact") in said
                    await pilot.click("#back")
            await until(pilot, lambda: shown(app, "#problem") != "")
            assert shown(app, "#problem") == app.word("uk", "register.error.already_registered")
            assert app.screen.query_one("#register-name").value == "Olena Kovalenko"
    finally:
        await server.stop()
    assert len(server.office.access_days[DAY].entries) == 1


@pytest.fixture
async def window_open_at_the_kiosk(tmp_path):
    """The demo office with registration open, and a kiosk (dummy printer) on the same clock."""
    clock = Clock(OPEN)
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    await server.access.tick()
    yield server, kiosk(server, open_printer("dummy:"), clock)
    await server.stop()


async def test_a_name_in_cyrillic_is_refused_at_the_kiosk_as_in_the_passport(window_open_at_the_kiosk):
    """The same person in Cyrillic and in Latin letters would be two entries: the kiosk asks for the
    passport's Latin letters before sending (the server refuses it too: `bad_name`)."""
    server, app = window_open_at_the_kiosk
    async with app.run_test(size=SIZE) as pilot:
        await form(pilot, "uk")
        app.screen.query_one("#register-name").value = "Олена Коваленко"   # a Cyrillic keyboard layout
        app.screen.query_one("#register-day").focus()
        await pilot.press("4", "enter", "3", "enter", "1", "9", "8", "5", "enter", "enter", "enter", "enter", "enter")
        await until(pilot, lambda: shown(app, "#problem") != "")
        assert shown(app, "#problem") == app.word("uk", "register.error.bad_name")
        assert "латинськими" in shown(app, "#problem")
    assert server.office.access_days[DAY].entries == {}


async def test_a_missing_field_is_said_before_anything_is_sent(window_open_at_the_kiosk):
    server, app = window_open_at_the_kiosk
    async with app.run_test(size=SIZE) as pilot:
        await form(pilot, "de")
        await fill_in(pilot, "Ali [b]Karimi[/b]", "31", "2", "1990")   # no such day; markup is text
        await until(pilot, lambda: shown(app, "#problem") != "")
        assert shown(app, "#problem") == app.word("de", "register.error.bad_birth_date")
        app.screen.query_one("#register-day").focus()
        await pilot.press("end", "backspace", "backspace", "2", "8", "enter", "enter", "enter", "enter",
                          "3", "1", "enter", "1", "3", "enter", "2", "0", "2", "6", "enter")   # the 31st of the 13th
        await until(pilot, lambda: shown(app, "#problem") == app.word("de", "register.error.bad_urgent"))
        assert app.screen.query_one("#register-name").value == "Ali [b]Karimi[/b]"
    assert server.office.access_days[DAY].entries == {}


async def test_registered_on_the_phone_drawn_checked_in_at_the_kiosk_and_called_with_the_name(tmp_path):
    clock = Clock(OPEN)
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    printer = open_printer("dummy:")
    try:
        await server.access.tick()
        async with chromium() as browser:   # the visitor's phone, in Arabic
            phone = await browser.new_page(viewport=PHONES["360x640"])
            await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=ar")
            await phone.fill("#name", "Amina Haddad")
            for selector, text in zip(("#birth-day", "#birth-month", "#birth-year"), ("7", "3", "1991")):
                await phone.fill(selector, text)
            await phone.click("#send")
            await phone.wait_for_url("**/register/*?lang=ar")
            clock.t = at(DAY, "06:05")
            await server.access.tick()   # the draw
            await phone.reload()
            await phone.wait_for_function("document.body.dataset.state === 'won'")
            code = await phone.inner_text("#code")
            entry = phone.url.split("/register/")[1].split("?")[0]
        clock.t = server.office.entrant(entry)[1].window[0]
        app = kiosk(server, printer, clock, key_clock=Keys(step=0.01))
        async with app.run_test(size=SIZE) as pilot:   # the code the phone shows, under the scanner
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-ar"))
            await pilot.press(*code, "enter")
            await until(pilot, lambda: isinstance(app.screen, AppointmentTicketScreen) and laid_out(app, "#message"))
            number = app.screen.reply.ticket.number
            assert shown(app, "#message") == app.word("ar", "kiosk.take_ticket")
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="counter", terminal="counter-5",
                                 token=token("counter-5")) as clerk:
            await clerk.ready()
            await clerk.request(p.Open(id=0, services=["residence"]))
            called = await clerk.request(p.Next(id=0))
    finally:
        await server.stop()
    assert called.ticket.number == number and called.ticket.lang == "ar"
    assert called.desk.person == p.PersonView(name="Amina Haddad", birth_date="1991-03-07")
    assert number in paper(printer).lines
