"""Check-in at the kiosk (Pilot) against a real server on 127.0.0.1 whose clock the test sets:
the code typed on the keypad and a scanner's keystrokes, early, on time, late (both site
choices) and unknown codes; what the printer receives, read back by tests/escpos_decoder."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config.site import Appointments
from kiosk.app import KioskApp, StartScreen
from kiosk.appointment import AppointmentTicketScreen, CheckinProblem, KeypadScreen, LanguageScreen
from kiosk.interpreter import InterpreterScreen, asks
from printing.printers import open_printer
from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import make_site, token
from .escpos_decoder import CODE_PAGES, Paper

SIZE = (120, 40)
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN).timestamp()   # a Wednesday, 10:00
MIN = 60.0


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Keys:
    """A keyboard clock: each reading is `step` seconds after the last (a scanner: 10 ms)."""

    def __init__(self, step: float = 0.01):
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


async def office(tmp_path, *, late: str = "walk_in") -> tuple[Server, Clock]:
    site = make_site()
    site = dataclasses.replace(site, appointments=Appointments(grace_minutes=15, late=late))
    clock = Clock(T0)
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=clock)
    await server.start("127.0.0.1", 0)
    return server, clock


async def book(server: Server, code: str, due_at: float, lang: str = "de", service: str = "residence") -> None:
    async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="admin", terminal="admin",
                             token=token("admin")) as admin:
        await admin.ready()
        await admin.request(p.Book(id=0, booking=code, service=service, lang=lang, due_at=due_at))


def kiosk(server: Server, printer, **options) -> KioskApp:
    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                            token=token("kiosk-1"), backoff=(0.05, 0.2))
    return KioskApp(session, printer=printer, idle_seconds=60, **options)


async def until(pilot, condition, timeout: float = 30.0) -> None:  # generous: a loaded CI machine
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def shown(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def laid_out(app: KioskApp, selector: str) -> bool:
    found = app.screen.query(selector)
    return bool(found) and found.first().region.area > 0


def ticket_shown(app: KioskApp) -> bool:
    """The answer to a check-in is on the screen, composed (a pushed screen is not at once)."""
    return isinstance(app.screen, AppointmentTicketScreen) and laid_out(app, "#message")


def paper(printer) -> list[str]:
    sheet = Paper(CODE_PAGES["TM-T20II"])
    sheet.feed(printer.output)
    return sheet.lines


async def keypad(pilot, lang: str) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#appointment"))
    await pilot.click("#appointment")
    await until(pilot, lambda: isinstance(app.screen, LanguageScreen) and laid_out(app, f"#code-lang-{lang}"))
    await pilot.click(f"#code-lang-{lang}")
    await until(pilot, lambda: isinstance(app.screen, KeypadScreen) and laid_out(app, "#key-ok"))


async def type_code(pilot, code: str, *, needs: bool = False, asked: bool = True) -> None:
    """Type and OK a code; a visitor who chose a language other than German then answers the
    interpreter question (`needs`) when it is `asked` (not for a code the server refuses,
    nor for one whose ticket is out already)."""
    lang = pilot.app.screen.lang
    for key in code:
        await pilot.click(f"#key-{key}")
    await pilot.click("#key-ok")
    if asks(lang) and asked:
        await answer(pilot, needs)


async def answer(pilot, needs: bool) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-yes"))
    assert shown(app, "#interpreter-question") == app.word(app.screen.lang, "interpreter.question")
    await pilot.click("#interpreter-yes" if needs else "#interpreter-no")


async def test_an_arabic_visitor_types_the_code_on_the_keypad_and_comes_early(tmp_path):
    server, clock = await office(tmp_path)
    await book(server, "HD-42", T0 + 30 * MIN, lang="de")
    printer = open_printer("dummy:")
    app = kiosk(server, printer)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screens: list[str] = []  # every screen, however briefly
            app.screen_change_signal.subscribe(app, lambda screen: screens.append(type(screen).__name__))
            await keypad(pilot, "ar")
            assert shown(app, "#question") == app.word("ar", "appointment.enter_code")
            await type_code(pilot, "HD-4X", asked=False)   # mistyped: told at once, on the keypad
            await until(pilot, lambda: isinstance(app.screen, KeypadScreen) and shown(app, "#problem") != "")
            assert shown(app, "#problem") == app.word("ar", "appointment.unknown")
            assert "InterpreterScreen" not in screens  # not asked for a code that gives no ticket
            await pilot.click("#key-delete")
            assert shown(app, "#code") == "HD-4"
            await type_code(pilot, "2", needs=True)
            await until(pilot, lambda: ticket_shown(app))
            assert app.screen.query_one("#number").value == "A001"
            assert shown(app, "#appointment-time") == app.word("ar", "appointment.time", time="10:30")
            assert shown(app, "#when") == app.word("ar", "appointment.early", time="10:30")
            assert shown(app, "#message") == app.word("ar", "kiosk.take_ticket")
    finally:
        await server.stop()
    ticket = server.office.tickets["A001"]
    assert (ticket.lang, ticket.booking, ticket.appointment_at) == ("ar", "HD-42", T0 + 30 * MIN)
    assert ticket.interpreter  # the clerk and the floor board see "Dolmetscher: Arabisch"
    lines = paper(printer)
    assert "A001" in lines and "Ihr Termin: 10:30 Uhr" in lines  # the Arabic lines are images
    assert not any(line.startswith("Bitte") and "warten" in line for line in lines)


async def test_a_scanner_on_the_start_screen_checks_in_in_the_bookings_language(tmp_path):
    server, clock = await office(tmp_path)
    await book(server, "QR-7781", T0 - 5 * MIN, lang="ar")   # due five minutes ago: on time
    printer = open_printer("dummy:")
    app = kiosk(server, printer, key_clock=Keys())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-ar"))
            await pilot.press(*"qr-7781", "enter")
            await until(pilot, lambda: ticket_shown(app))
            assert shown(app, "#appointment-time") == app.word("ar", "appointment.time", time="09:55")
            assert shown(app, "#when") == app.word("ar", "appointment.on_time")
            assert [type(s).__name__ for s in app.screen_stack[1:]] == ["StartScreen", "AppointmentTicketScreen"]
    finally:
        await server.stop()
    ticket = server.office.tickets["A001"]
    assert (ticket.lang, ticket.appointment_at) == ("ar", T0 - 5 * MIN)
    assert "Ihr Termin: 09:55 Uhr" in paper(printer)
    assert len(server.office.tickets) == 1  # the Enter did not also press a language button


async def test_a_scanner_on_the_keypad_wins_over_what_was_touched(tmp_path):
    server, clock = await office(tmp_path)
    await book(server, "K7Q2", T0 + 10 * MIN, lang="fa")
    app = kiosk(server, open_printer("dummy:"), key_clock=Keys())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await keypad(pilot, "ar")
            await pilot.click("#key-9")
            await pilot.press(*"K7Q2", "enter")
            pad = next(s for s in app.screen_stack if isinstance(s, KeypadScreen))
            assert str(pad.query_one("#code").render()) == "K7Q2"  # what was scanned, not the 9 touched
            await answer(pilot, needs=False)
            await until(pilot, lambda: ticket_shown(app))
            assert shown(app, "#when") == app.word("ar", "appointment.early", time="10:10")
    finally:
        await server.stop()
    ticket = server.office.tickets["A001"]
    assert ticket.lang == "ar" and not ticket.interpreter  # the visitor's choice, not the booking's


async def test_slow_keystrokes_are_no_scan(tmp_path):
    """Keys a second apart: each starts a new code, so only the last character is checked."""
    server, clock = await office(tmp_path)
    await book(server, "AB", T0, lang="de")
    app = kiosk(server, open_printer("dummy:"), key_clock=Keys(step=1.0))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-ar"))
            await pilot.press("a", "b", "enter")
            await pilot.pause(0.2)
            assert not server.office.tickets
    finally:
        await server.stop()


async def test_an_unknown_code_is_said_in_the_visitors_language_and_nothing_prints(tmp_path):
    server, clock = await office(tmp_path)
    printer = open_printer("dummy:")
    app = kiosk(server, printer, key_clock=Keys())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await keypad(pilot, "ar")
            await type_code(pilot, "NOPE1", asked=False)
            await until(pilot, lambda: shown(app, "#problem") != "")
            assert shown(app, "#problem") == app.word("ar", "appointment.unknown")
            assert isinstance(app.screen, KeypadScreen) and shown(app, "#code") == "NOPE1"  # to correct it
            app.switch_to_start()
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-ar"))
            await pilot.press(*"ZZ-404", "enter")  # scanned before anyone chose a language
            await until(pilot, lambda: isinstance(app.screen, CheckinProblem) and laid_out(app, "#back"))
            lines = [str(s.render()) for s in app.screen.query(".problem-line")]
            assert lines == [app.word(lang, "appointment.unknown") for lang in server.site.languages]
    finally:
        await server.stop()
    assert printer.output == b"" and not server.office.tickets


@pytest.mark.parametrize("late", ["walk_in", "refuse"])
async def test_late_beyond_the_grace_minutes_the_site_decides(tmp_path, late):
    server, clock = await office(tmp_path, late=late)
    await book(server, "L-1", T0 - 15 * MIN, lang="uk")   # exactly at the grace: still on time
    await book(server, "L-2", T0 - 16 * MIN, lang="uk")   # beyond it
    printer = open_printer("dummy:")
    app = kiosk(server, printer)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await keypad(pilot, "uk")
            await type_code(pilot, "L-1")
            await until(pilot, lambda: ticket_shown(app))
            assert shown(app, "#when") == app.word("uk", "appointment.on_time")
            app.switch_to_start()
            await keypad(pilot, "uk")
            await type_code(pilot, "L-2", asked=late != "refuse")
            if late == "refuse":
                await until(pilot, lambda: isinstance(app.screen, KeypadScreen) and shown(app, "#problem") != "")
                assert shown(app, "#problem") == app.word("uk", "appointment.too_late")
            else:
                await until(pilot, lambda: ticket_shown(app)
                            and app.screen.query_one("#number").value == "A002")
                assert shown(app, "#when") == app.word("uk", "appointment.late_walk_in", time="09:44")
    finally:
        await server.stop()
    on_time = server.office.tickets["A001"]
    assert on_time.appointment_at == T0 - 15 * MIN
    lines = paper(printer)
    if late == "refuse":
        assert list(server.office.tickets) == ["A001"] and lines.count("Ihr Termin: 09:45 Uhr") == 1
    else:
        walk_in = server.office.tickets["A002"]
        assert (walk_in.booking, walk_in.appointment_at) == ("L-2", None)  # no precedence
        said = app.word("uk", "appointment.late_walk_in", time="09:44")
        assert said in " ".join(lines)  # Cyrillic prints as text, in lines broken at spaces


async def test_an_early_visitor_is_told_they_may_be_called_before_their_time_and_the_wait(tmp_path):
    """Early check-ins wait as walk-ins until their time: the screen and the paper say they may
    be called sooner (so they stay), with the people ahead and the estimate a walk-in gets."""
    server, clock = await office(tmp_path)
    await book(server, "E-7", T0 + 40 * MIN, lang="de")
    async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-2",
                             token=token("kiosk-2")) as other:
        await other.ready()
        await other.request(p.Draw(id=0, service="residence", lang="de", request="walk-in-1"))
    printer = open_printer("dummy:")
    app = kiosk(server, printer)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await keypad(pilot, "de")
            await type_code(pilot, "E-7")
            await until(pilot, lambda: ticket_shown(app))
            eta = app.screen.reply.eta
            said_eta = app.word("de", "ticket.eta", low=eta[0], high=eta[1]) if eta else app.word("de", "ticket.no_eta")
            early = app.word("de", "appointment.early", time="10:40")
            assert "vor 10:40 Uhr" in early and "Wartebereich" in early
            assert shown(app, "#when") == early
            assert shown(app, "#ahead") == "Personen vor Ihnen: 1"
            assert shown(app, "#eta") == said_eta
    finally:
        await server.stop()
    lines = paper(printer)
    text = " ".join(lines)  # long lines are broken at spaces
    assert "Personen vor Ihnen: 1" in lines and said_eta in text and early in text
    assert "Sie werden zu Ihrem Termin um 10:40 Uhr aufgerufen." not in text


@pytest.mark.parametrize("ending", ["finish", "noshow"])
async def test_a_code_whose_visit_is_over_is_refused_and_nothing_prints(tmp_path, ending):
    server, clock = await office(tmp_path)
    await book(server, "F-1", T0 - 5 * MIN, lang="ar")
    await book(server, "F-2", T0 + 20 * MIN, lang="ar")
    printer = open_printer("dummy:")
    app = kiosk(server, printer, key_clock=Keys())
    try:
        async with app.run_test(size=SIZE) as pilot:
            for code, number in (("F-1", "A001"), ("F-2", "A002")):
                await keypad(pilot, "ar")
                await type_code(pilot, code)
                await until(pilot, lambda: ticket_shown(app) and app.screen.reply.ticket.number == number)
                app.switch_to_start()
            async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="counter", terminal="counter-5",
                                     token=token("counter-5")) as clerk:
                await clerk.ready()
                await clerk.request(p.Open(id=0))
                await clerk.request(p.Call(id=0, ticket="A001"))
                await clerk.request(p.Finish(id=0, outcome="done") if ending == "finish" else p.NoShow(id=0))
            printed = len(printer.output)
            await keypad(pilot, "ar")
            await type_code(pilot, "F-1", asked=False)
            await until(pilot, lambda: shown(app, "#problem") != "")
            assert shown(app, "#problem") == app.word("ar", "appointment.finished")
            app.switch_to_start()
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-ar"))
            await pilot.press(*"F-1", "enter")  # scanned: said in every site language
            await until(pilot, lambda: isinstance(app.screen, CheckinProblem) and laid_out(app, "#back"))
            lines = [str(s.render()) for s in app.screen.query(".problem-line")]
            assert lines == [app.word(lang, "appointment.finished") for lang in server.site.languages]
            assert len(printer.output) == printed  # nothing printed for a finished visit
            app.switch_to_start()
            await keypad(pilot, "ar")  # a visitor still waiting gets their ticket again, not asked again
            await type_code(pilot, "F-2", asked=False)
            await until(pilot, lambda: ticket_shown(app) and app.screen.reply.ticket.number == "A002")
            assert app.screen.query_one("#number").value == "A002"
    finally:
        await server.stop()
    assert list(server.office.tickets) == ["A001", "A002"]
    assert server.office.tickets["A001"].state == ("done" if ending == "finish" else "no_show")
