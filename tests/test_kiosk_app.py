"""The kiosk via Pilot against a real server: touches, tickets, printers failing, no server."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import strings
from kiosk.app import KioskApp, OutOfService, StartScreen, TicketScreen, for_terminal
from kiosk.interpreter import InterpreterScreen, asks
from printing.printers import open_printer
from server.edge.app import Server
from textual.widgets import Button
from server.wire.session import ClientSession

from .conftest import token
from .printer_emulator import NetworkPrinter, SerialPrinter
from .proxy import LossyProxy

SIZE = (120, 40)


def kiosk_app(url: str, **options) -> KioskApp:
    session = ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1"), backoff=(0.05, 0.2))
    return KioskApp(session, idle_seconds=60, **options)


async def until(pilot, condition, timeout: float = 30.0) -> None:  # generous: a loaded CI machine
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def message(app: KioskApp) -> str:
    return str(app.screen.query_one("#message").render())


def laid_out(app: KioskApp, selector: str) -> bool:
    """The widget is on the current screen and has a place on it (a click can reach it)."""
    found = app.screen.query(selector)
    return bool(found) and found.first().region.area > 0


async def touch_ticket(pilot, lang: str, service: str, interpreter: str = "skip") -> None:
    """Language, service and (for a visitor not in German) the interpreter question:
    `interpreter` is the answer tapped, "yes", "no" or "skip"; then the ticket's screen."""
    app = pilot.app
    await choose(pilot, lang, service, interpreter)
    # pushed is not yet composed: under load a query right after the push found no #message
    await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#message"))


async def choose(pilot, lang: str, service: str, interpreter: str = "skip") -> None:
    """The visitor's taps up to the draw (its answer not awaited)."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
    await pilot.click(f"#lang-{lang}")
    await until(pilot, lambda: laid_out(app, f"#service-{service}"))
    await pilot.click(f"#service-{service}")
    if asks(lang):
        await until(pilot, lambda: isinstance(app.screen, InterpreterScreen)
                    and laid_out(app, f"#interpreter-{interpreter}"))
        await pilot.click(f"#interpreter-{interpreter}")


async def test_an_arabic_visitor_gets_a_printed_ticket_in_two_touches(server, url):
    printer = open_printer("dummy:")
    app = kiosk_app(url, printer=printer)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-ar"))
        assert str(app.screen.query_one("#lang-ar").label) == for_terminal("العربية")
        await touch_ticket(pilot, "ar", "residence")
        assert app.screen.query_one("#number").value == "A001"
        assert message(app) == for_terminal("يرجى أخذ تذكرتك.")
        assert str(app.screen.query_one("#ahead").render()) == for_terminal("عدد الأشخاص قبلك: 0")
    ticket = server.office.tickets["A001"]
    assert (ticket.lang, ticket.service, ticket.state) == ("ar", "residence", "waiting")
    assert b"A001" in printer.output and printer.output.count(b"\x1dV") == 1 and b"\x1dv0" in printer.output
    assert ticket.token.encode() in printer.output  # the QR code leads to this ticket's status page


async def test_paper_out_on_a_serial_printer_tells_the_visitor_and_cancels(server, url):
    emulator = SerialPrinter()
    emulator.paper = "out"
    app = kiosk_app(url, printer_url=f"serial://{emulator.path}?baudrate=115200", on_print_failure="cancel")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await touch_ticket(pilot, "uk", "extension")
            assert message(app) == strings("uk")["kiosk.print_failed_cancel"]
            assert server.office.tickets["B001"].state == "cancelled"
            await until(pilot, lambda: server.terminals.printers.get("kiosk-1", {}).get("state") == "paper_out")
            app.switch_to_start()
            await pilot.pause()
            assert "Der Drucker ist gestört" in str(app.screen.query_one("#printer-warning").render())
            assert b"B001" not in emulator.received  # nothing printed on an empty roll
    finally:
        emulator.close()


async def test_an_offline_network_printer_leaves_the_number_on_screen(server, url):
    emulator = NetworkPrinter()
    app = kiosk_app(url, printer_url=emulator.url)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await touch_ticket(pilot, "de", "info")
            assert message(app) == strings("de")["kiosk.take_ticket"] and b"F001" in emulator.received
            emulator.online = False  # the printer goes offline between two visitors
            app.switch_to_start()
            await touch_ticket(pilot, "fa", "info")
            assert app.screen.query_one("#number").value == "F002"
            assert message(app) == for_terminal(strings("fa")["kiosk.print_failed_show"])
            assert server.office.tickets["F002"].state == "waiting"  # the visitor keeps their place
            await until(pilot, lambda: server.terminals.printers.get("kiosk-1", {}).get("state") == "offline")
    finally:
        emulator.close()


async def test_a_lost_reply_prints_once(server):
    proxy = LossyProxy(server.port)
    port = await proxy.start()
    printer = open_printer("dummy:")
    app = kiosk_app(f"ws://127.0.0.1:{port}/", printer=printer)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and "kiosk-1" in server.terminals.printers)
            proxy.drop_next_reply = True  # the reply to the draw (the printer report came before)
            await touch_ticket(pilot, "tr", "passport")
            assert proxy.cuts == 1 and app.screen.query_one("#number").value == "D001"
    finally:
        await proxy.stop()
    assert list(server.office.tickets) == ["D001"] and printer.output.count(b"\x1dV") == 1


async def test_no_server_means_out_of_service_then_back_by_itself(tmp_path, site):
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    app = kiosk_app(f"ws://127.0.0.1:{port}/", printer=open_printer("dummy:"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        await server.stop()
        # composed: its lines are mounted after the screen is pushed
        await until(pilot, lambda: isinstance(app.screen, OutOfService) and laid_out(app, "#out-of-service Static"))
        shown = [str(s.render()) for s in app.screen.query("Static")]
        assert strings("de")["error.out_of_service"] in shown and for_terminal(strings("ar")["error.out_of_service"]) in shown
        assert len(shown) == len(site.languages)
        server = Server(site, tmp_path / "o.sqlite3", always_open=True)
        await server.start("127.0.0.1", port)
        try:
            await until(pilot, lambda: isinstance(app.screen, StartScreen), timeout=60)
            await until(pilot, lambda: "kiosk-1" in server.terminals.printers)  # told the new server again
            await touch_ticket(pilot, "ru", "settlement")
            assert app.screen.query_one("#number").value == "C001"
        finally:
            await server.stop()


@pytest.mark.parametrize("logical, visual", [
    # the joined forms from Unicode's Arabic Presentation Forms-B, in visual (left-to-right) order
    ("باب", "\ufe8f\ufe8e\ufe91"),            # beh isolated, alef final, beh initial
    ("سلام", "\ufee1\ufefc\ufeb3"),           # meem isolated, lam-alef final ligature, seen initial
    ("رقم A017", "A017 \ufee2\ufed7\ufead"),  # a number keeps its order at the line's far end
    ("Willkommen", "Willkommen"),
])
def test_right_to_left_text_is_shaped_for_the_terminal(logical, visual):
    assert for_terminal(logical) == visual


@settings(max_examples=50)
@given(low=st.integers(0, 999), high=st.integers(0, 9999), lang=st.sampled_from(["ar", "fa", "ps", "prs"]))
def test_a_wait_range_in_a_right_to_left_line_reads_from_low_to_high(low, high, lang):
    """The kiosk's Arabic screen once showed "320–130" where the ticket said 130–320."""
    words = strings(lang)
    shown = for_terminal(words["ticket.eta"].format(low=low, high=high))
    assert f"{low}–{high}" in shown and not set(shown) & set("\u200e\u200f\u2066\u2067\u2068\u2069")


def test_brackets_face_the_right_way_in_right_to_left_lines():
    shown = for_terminal("اجازه اقامت (درخواست اول)")
    assert shown.startswith("(") and shown.index("(") < shown.index(")")


def focus_shown(button) -> bool:
    """What a keyboard or switch user sees of the button that has the focus: reversed colours."""
    return bool(button.styles.text_style.reverse)


async def test_a_keyboard_user_sees_which_button_has_the_focus_on_every_screen(server, url):
    """The kiosk's buttons are bold; a bold of their own once replaced the focus's reverse, so
    a visitor answering by keyboard could not see whether "yes" or "no" was chosen."""
    app = kiosk_app(url, printer=open_printer("dummy:"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-ar"))
        screens = []
        for step in ("#lang-ar", "#service-info", None):
            buttons = list(app.screen.query(Button))
            for button in buttons:
                button.focus()
                await pilot.pause()
                assert focus_shown(button) and not any(focus_shown(b) for b in buttons if b is not button), button
            screens.append(type(app.screen).__name__)
            if step:
                await pilot.click(step)
                await until(pilot, lambda: laid_out(app, "#service-info" if step == "#lang-ar" else "#interpreter-yes"))
    assert screens == ["StartScreen", "ServiceScreen", "InterpreterScreen"]
