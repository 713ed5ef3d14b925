"""A kiosk never ends on a network fault: a ticket whose printing failed is cancelled on the
server (`--on-print-failure cancel`), and when the server is away or refuses at that moment,
the visitor keeps the ticket and sees its number; the kiosk goes on. Pilot against a real
server; the printer is the hardware edge, held in the test's hand until the fault is set up."""

from __future__ import annotations

import threading

import pytest

from kiosk.app import OutOfService, ServiceScreen, StartScreen, TicketScreen
from printing.printers import Printer, PrinterError
from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import token
from .test_kiosk_app import SIZE, kiosk_app, laid_out, message, until
from .test_kiosk_appointments import Clock
from .test_kiosk_keyboard import idle_checks


class JammingPrinter(Printer):
    """Says it is fine, then jams on the ticket once the test lets it go on."""

    def __init__(self):
        super().__init__("dummy:", None)
        self.asked, self.go_on = threading.Event(), threading.Event()

    def status(self) -> str:
        return "ok"

    def print(self, blocks) -> None:
        self.asked.set()
        self.go_on.wait(30)
        raise PrinterError("paper jam")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("fault", ["server_away", "server_refuses"])
async def test_a_cancel_that_fails_leaves_the_number_on_screen_and_the_kiosk_running(tmp_path, site, fault):
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    printer = JammingPrinter()
    app = kiosk_app(f"ws://127.0.0.1:{port}/", printer=printer, on_print_failure="cancel")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-de"))
            await pilot.click("#lang-de")
            await until(pilot, lambda: laid_out(app, "#service-info"))
            await pilot.click("#service-info")
            await until(pilot, printer.asked.is_set)  # drawn; the printer has the ticket
            if fault == "server_away":
                await server.stop()
                await until(pilot, lambda: not app.session.connected)
            else:  # a clerk calls the ticket before the kiosk's cancel: the server refuses it
                async with ClientSession(f"ws://127.0.0.1:{port}/", role="admin", terminal="admin",
                                         token=token("admin")) as admin:
                    await admin.ready()
                    await admin.request(p.Open(id=0, counter="1"))
                    await admin.request(p.Call(id=0, counter="1", ticket="F001"))
            printer.go_on.set()
            await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#message"))
            assert app.screen.query_one("#number").value == "F001"
            assert message(app) == app.word("de", "kiosk.print_failed_show")  # keep the number: it is valid
            app.switch_to_start()  # the next visitor
            await pilot.pause()
            assert app.is_running
            if fault == "server_away":
                assert isinstance(app.screen, OutOfService)  # not a start screen that cannot draw
                server = Server(site, tmp_path / "o.sqlite3", always_open=True)
                await server.start("127.0.0.1", port)
                await until(pilot, lambda: isinstance(app.screen, StartScreen), timeout=60)
            assert server.office.tickets["F001"].state != "cancelled"
    finally:
        printer.go_on.set()
        await server.stop()


class SlowPrinter(JammingPrinter):
    """A ticket that takes longer than the idle limit to go down a serial line, then prints."""

    def print(self, blocks) -> None:
        self.asked.set()
        self.go_on.wait(30)


async def test_a_ticket_slower_than_the_idle_limit_is_waited_for_then_shown_its_full_time(server, url):
    clock, printer = Clock(0.0), SlowPrinter()
    app = kiosk_app(url, printer=printer, clock=clock)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-de"))
            await pilot.click("#lang-de")
            await until(pilot, lambda: laid_out(app, "#service-info"))
            await pilot.click("#service-info")
            await until(pilot, printer.asked.is_set)
            clock.now += 3 * app.idle_seconds  # 38 s for a raster ticket at 19200 baud
            await idle_checks(pilot)
            assert isinstance(app.screen, ServiceScreen)  # not the start screen under a visitor still waiting
            printer.go_on.set()
            await until(pilot, lambda: isinstance(app.screen, TicketScreen))
            await idle_checks(pilot)
            assert isinstance(app.screen, TicketScreen)  # the number stays its full time
            clock.now += app.idle_seconds
            await until(pilot, lambda: isinstance(app.screen, StartScreen))
    finally:
        printer.go_on.set()
