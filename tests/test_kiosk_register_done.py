"""A registration's QR code leaves the kiosk when its visitor is done (kiosk/register.py,
`RegisteredScreen`): the code leads to their outcome page (after the draw, their place's code),
so the next person at the kiosk must not find it there. Done is: Back tapped; or, the slip
printed (the same QR code on it), the kiosk left alone for `TAKE_SLIP_SECONDS`; without a slip
the screen is the visitor's only copy and stays for the kiosk's idle limit.

Pilot against a real server on a clock the test sets; the kiosk's idle clock is the test's too,
so nothing here waits for real seconds to pass."""

from __future__ import annotations

from kiosk.app import StartScreen
from kiosk.register import TAKE_SLIP_SECONDS, RegisteredScreen
from printing.printers import open_printer

from .access_office import Clock, access_site, page, start
from .escpos_decoder import QRCode
from .printer_emulator import SerialPrinter
from .test_kiosk_appointments import Keys, until
from .test_kiosk_register import OPEN, SIZE, fill_in, form, kiosk, paper

IDLE = 60.0  # the kiosk's idle limit here: well beyond the slip's


def no_qr_on_screen(app) -> bool:
    return isinstance(app.screen, StartScreen) and not any(
        isinstance(screen, RegisteredScreen) for screen in app.screen_stack)


async def registered(pilot, name: str) -> None:
    app = pilot.app
    await form(pilot, "ar")
    await fill_in(pilot, name, "7", "3", "1991")
    await until(pilot, lambda: isinstance(app.screen, RegisteredScreen) and app.screen.query("#registered-qr"))


async def test_with_the_slip_printed_the_qr_code_goes_once_the_visitor_leaves_the_kiosk(tmp_path):
    wall, idle = Clock(OPEN), Clock(1000.0)
    server = await start(tmp_path / "o.sqlite3", wall, site=access_site())
    printer = open_printer("dummy:")
    app = kiosk(server, printer, wall, key_clock=Keys(step=0.01), clock=idle)
    app.idle_seconds = IDLE
    try:
        await server.access.tick()
        async with app.run_test(size=SIZE) as pilot:
            await registered(pilot, "Amina Haddad")
            url = app.screen.url
            idle.t += TAKE_SLIP_SECONDS - 1  # still reading, or scanning it off the screen
            await pilot.pause(0.6)
            assert isinstance(app.screen, RegisteredScreen)
            idle.t += 1  # walked away with the slip: the next visitor finds the start screen
            await until(pilot, lambda: no_qr_on_screen(app))
    finally:
        await server.stop()
    assert [q.data for q in paper(printer).items if isinstance(q, QRCode)] == [url]  # it went with the slip


async def test_without_a_slip_the_qr_code_stays_for_the_idle_limit_and_goes_at_back(tmp_path):
    """The printer failed: the screen is the only copy. It stays while the visitor scans it
    (the idle limit), and goes at once when they tap Back, or at the idle limit."""
    wall, idle = Clock(OPEN), Clock(1000.0)
    server = await start(tmp_path / "o.sqlite3", wall, site=access_site())
    emulator = SerialPrinter()
    emulator.paper = "out"  # the slip cannot print
    app = kiosk(server, None, wall, key_clock=Keys(step=0.01), clock=idle,
                printer_url=f"serial://{emulator.path}?baudrate=115200")
    app.idle_seconds = IDLE
    try:
        await server.access.tick()
        async with app.run_test(size=SIZE) as pilot:
            await registered(pilot, "Amina Haddad")
            idle.t += TAKE_SLIP_SECONDS + 1
            await pilot.pause(0.6)
            assert isinstance(app.screen, RegisteredScreen)  # no slip: still there to be scanned
            await pilot.click("#back")
            await until(pilot, lambda: no_qr_on_screen(app))
            await registered(pilot, "Omar Karimi")
            idle.t += IDLE
            await until(pilot, lambda: no_qr_on_screen(app))
    finally:
        emulator.close()
        await server.stop()
    assert b"/register/" not in emulator.received  # nothing printed on an empty roll


async def test_the_qr_code_goes_once_the_visitor_opened_it_on_their_phone(tmp_path, browser):
    """No slip (paper out): the visitor scans the code off the screen, their phone opens the
    result page, and the kiosk that showed it is told and goes back to the start at once (its
    idle clock never moves here). Another visitor's page opened meanwhile changes nothing."""
    wall, idle = Clock(OPEN), Clock(1000.0)
    server = await start(tmp_path / "o.sqlite3", wall, site=access_site())
    emulator = SerialPrinter()
    emulator.paper = "out"
    app = kiosk(server, None, wall, key_clock=Keys(step=0.01), clock=idle,
                printer_url=f"serial://{emulator.path}?baudrate=115200")
    app.idle_seconds = IDLE
    try:
        await server.access.tick()
        async with page(server) as other:  # registered on their own phone: not the kiosk's
            others = (await other.register("Sara Tesfay"))["entry"]
        async with app.run_test(size=SIZE) as pilot:
            await registered(pilot, "Amina Haddad")
            entry = app.screen.entry
            assert entry in app.screen.url
            phone = await (await browser.new_context(viewport={"width": 360, "height": 640})).new_page()
            answers: list[str] = []  # the outcome frames the phone's page was sent
            phone.on("websocket", lambda ws: ws.on("framereceived", lambda payload: answers.append(str(payload))))
            await phone.goto(f"http://127.0.0.1:{server.port}/register/{others}?lang=ar")
            await until(pilot, lambda: any("outcome_view" in answer for answer in answers))
            await pilot.pause(0.3)
            assert isinstance(app.screen, RegisteredScreen)  # someone else's page: the code stays
            await phone.goto(f"http://127.0.0.1:{server.port}/register/{entry}?lang=ar")  # scanned
            await until(pilot, lambda: no_qr_on_screen(app))
    finally:
        emulator.close()
        await server.stop()
