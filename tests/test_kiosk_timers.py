"""The kiosk's own clocks under Pilot, against a real server and an emulated printer on a pty:
the start screen comes back after `idle_seconds` (`--idle`, 30 s), and the printer is asked
for its state every `health_seconds` (30 s) without anyone drawing. Both are the app's own
settings, set short here; the tests await the state they expect, never a time."""

from __future__ import annotations

from config import strings
from kiosk.app import KioskApp, ServiceScreen, StartScreen, TicketScreen
from printing.printers import open_printer
from server.wire.session import ClientSession

from .conftest import token
from .printer_emulator import SerialPrinter
from .test_kiosk_app import SIZE, laid_out, touch_ticket, until


def kiosk(url: str, **options) -> KioskApp:
    session = ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1"), backoff=(0.05, 0.2))
    return KioskApp(session, **options)


async def test_a_visitor_who_walks_away_leaves_the_start_screen_for_the_next(server, url):
    app = kiosk(url, printer=open_printer("dummy:"), idle_seconds=0.3)
    async with app.run_test(size=SIZE) as pilot:
        shown: list[str] = []  # every screen, however briefly (a loaded machine may not let a poll see it)
        app.screen_change_signal.subscribe(app, lambda screen: shown.append(type(screen).__name__))
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-tr"))
        await pilot.click("#lang-tr")  # chose a language, then left without a service
        await until(pilot, lambda: "ServiceScreen" in shown and isinstance(app.screen, StartScreen))

        app.idle_seconds = 60  # the next visitor takes their time choosing ...
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-de"))
        await pilot.click("#lang-de")
        await until(pilot, lambda: isinstance(app.screen, ServiceScreen) and laid_out(app, "#service-info"))
        await pilot.click("#service-info")
        app.idle_seconds = 0.3  # ... and walks away from the ticket screen (set after the tap: on a
        # loaded machine the service screen itself could time out before the tap, as CI once saw)
        await until(pilot, lambda: "TicketScreen" in shown and isinstance(app.screen, StartScreen))
        assert len(app.screen_stack) == 2  # the screen under it, not a pile of screens
    assert list(server.office.tickets) == ["F001"]  # nothing drawn for the one who left


async def test_an_open_cover_is_noticed_between_visitors_and_its_closing_too(server, url):
    emulator = SerialPrinter()
    app = kiosk(url, printer_url=f"serial://{emulator.path}?baudrate=115200", idle_seconds=60, health_seconds=0.2)
    state = lambda: server.terminals.printers.get("kiosk-1", {}).get("state")  # noqa: E731
    warning = lambda: str(app.screen.query_one("#printer-warning").render())  # noqa: E731
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: state() == "ok" and isinstance(app.screen, StartScreen)
                        and app.screen.query("#printer-warning"))  # composed: the screen is pushed first
            assert warning() == ""
            emulator.cover_open = True  # a clerk opens it to change the roll; nobody draws
            await until(pilot, lambda: state() == "cover_open")
            assert strings("de")["kiosk.no_printer"] in warning()
            emulator.cover_open = False
            await until(pilot, lambda: state() == "ok")
            assert warning() == ""
            await touch_ticket(pilot, "de", "info")  # and it prints again
            assert isinstance(app.screen, TicketScreen) and b"F001" in emulator.received
    finally:
        emulator.close()
