"""The kiosk: ESC/POS bytes of a ticket per language (80 mm), and the time from a visitor's
touch that draws (on a service, or for a visitor not in German on the answer to the interpreter
question that follows it) to the last ticket byte handed to the printer (a Dummy printer, so the
figure is the software's share; a serial line adds bytes ÷ (baud ÷ 10) on top)."""

from __future__ import annotations

import asyncio
import statistics
import time

from config import load_site
from kiosk.app import KioskApp, StartScreen, TicketScreen
from kiosk.interpreter import InterpreterScreen, asks
from printing.printers import open_printer
from kiosk.ticket import layout
from server.wire import protocol as p
from server.edge import views
from server.wire.session import ClientSession

from .common import emit, willkommen_server

LANGUAGES = ("de", "en", "ar", "fa", "tr", "uk", "ru", "fr")


def ticket_bytes() -> dict[str, int]:
    site = views.site(load_site())
    sizes = {}
    for lang in LANGUAGES:
        ticket = p.TicketView(number="A017", service="residence", lang=lang, state="waiting",
                              issued_at=time.time(), token="x" * 16)
        printer = open_printer("dummy:")
        printer.print(layout(site, p.Reply(re=1, ticket=ticket, ahead=4, eta=(15, 25)), lang=lang))
        sizes[lang] = len(printer.output)
    return sizes


async def touches(port: int, count: int) -> list[float]:
    printer = open_printer("dummy:")
    session = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token="demo-kiosk-1")
    app = KioskApp(session, printer=printer, idle_seconds=600)
    timings = []
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(count):
            async with asyncio.timeout(30):  # a touch that never prints is an error, not a hang
                timings.append(await touch(pilot, printer, LANGUAGES[i % len(LANGUAGES)]))
            app.switch_to_start()
    return timings


def laid_out(app: KioskApp, selector: str) -> bool:
    """On the current screen and with a place on it: a click reaches it."""
    found = app.screen.query(selector)
    return bool(found) and found.first().region.area > 0


async def touch(pilot, printer, lang: str) -> float:
    app = pilot.app
    while not (isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}")):
        await pilot.pause(0.01)
    await pilot.click(f"#lang-{lang}")
    while not laid_out(app, "#service-residence"):
        await pilot.pause(0.005)
    cuts = printer.output.count(b"\x1dV")
    if asks(lang):  # the last touch is the answer to "Do you need help with German?"
        await pilot.click("#service-residence")
        while not (isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-no")):
            await pilot.pause(0.005)
    touched = time.perf_counter()
    await pilot.click("#interpreter-no" if asks(lang) else "#service-residence")
    while printer.output.count(b"\x1dV") == cuts:
        await asyncio.sleep(0.001)
    elapsed = (time.perf_counter() - touched) * 1000
    while not isinstance(app.screen, TicketScreen):
        await pilot.pause(0.01)
    return elapsed


def run(count: int = 16) -> list[dict]:
    rows = [emit("ticket_bytes_80mm", **ticket_bytes())]
    with willkommen_server() as (_, port):
        timings = asyncio.run(touches(port, count))
    rows.append(emit("touch_to_printed_ms", touches=count, median=round(statistics.median(timings), 1),
                     max=round(max(timings), 1)))
    return rows
