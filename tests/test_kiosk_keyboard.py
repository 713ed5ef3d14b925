"""The kiosk as a visitor meets it with a keyboard or a finger, under Pilot against a real
server: the idle limit on a clock the test turns (taps and keys just before the limit), a
booking code typed at a person's speed (0.8 s between keys, on the kiosk's key clock) and at
a scanner's, the interpreter question only for a code that gives a ticket, Enter on a yes/no
question in both reading directions, the Arabic service grid, and no key that ends the kiosk."""

from __future__ import annotations

import ast

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Button, Digits, Input, Label, RadioButton, RadioSet, Static

from kiosk.app import OutOfService, ServiceScreen, StartScreen, TicketScreen, mirrored
from kiosk.appointment import SCANNER_KEY_GAP, AppointmentTicketScreen, KeypadScreen, Scanner
from kiosk.interpreter import InterpreterScreen
from printing.printers import open_printer
from server.edge.app import Server

from .conftest import ROOT, examples
from .test_kiosk_app import SIZE, kiosk_app, laid_out, until
from .test_kiosk_appointments import MIN, T0, Clock, Keys, book, keypad, kiosk, office, shown

IDLE = 30.0


async def idle_checks(pilot, n: int = 3) -> None:
    """Let the kiosk look at its idle limit a few times (it does every 0.25 s)."""
    for _ in range(n):
        await pilot.pause(0.3)


async def test_taps_and_keys_just_before_the_idle_limit_keep_the_visitor_on_the_keypad(tmp_path):
    server, _ = await office(tmp_path)
    clock, keys = Clock(0.0), Keys(step=0.8)
    app = kiosk(server, open_printer("dummy:"), key_clock=keys, clock=clock)
    app.idle_seconds = IDLE
    try:
        async with app.run_test(size=SIZE) as pilot:
            await keypad(pilot, "en")
            for step, key in enumerate("HD-4"):  # a slow visitor: each key a second before the limit
                clock.now += IDLE - 1
                if step % 2:
                    await pilot.click(f"#key-{key}")  # a tap on the screen's key
                else:
                    await pilot.press(key.lower())    # a key of a keyboard
                await idle_checks(pilot)
                assert isinstance(app.screen, KeypadScreen), step
            assert shown(app, "#code") == "hD-4"  # what the hand typed and the finger tapped
            clock.now += IDLE  # then they walk away
            await until(pilot, lambda: isinstance(app.screen, StartScreen))
    finally:
        await server.stop()


async def test_a_stale_idle_limit_never_takes_out_of_service_away(tmp_path, site):
    """The visitor left the services; the server goes away before the limit: "out of service"
    stays, however long, and the start screen comes back only with the server."""
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    clock = Clock(0.0)
    app = kiosk_app(f"ws://127.0.0.1:{server.port}/", printer=open_printer("dummy:"), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-uk"))
        await pilot.click("#lang-uk")
        await until(pilot, lambda: isinstance(app.screen, ServiceScreen))
        await server.stop()
        await until(pilot, lambda: isinstance(app.screen, OutOfService))
        clock.now += 10 * app.idle_seconds
        await idle_checks(pilot)
        assert isinstance(app.screen, OutOfService)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_code_typed_on_a_keyboard_at_a_persons_speed(tmp_path, lang):
    """0.8 s between keys: each appears, Backspace deletes, Enter with nothing typed says what
    to do, a mistyped code is told at once (no question), the right one asks once."""
    server, _ = await office(tmp_path)
    await book(server, "HD-42", T0 + 30 * MIN, lang="de")
    app = kiosk(server, open_printer("dummy:"), key_clock=Keys(step=0.8))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screens: list[str] = []
            app.screen_change_signal.subscribe(app, lambda screen: screens.append(type(screen).__name__))
            await keypad(pilot, lang)
            await pilot.press("enter")
            assert shown(app, "#problem") == app.word(lang, "appointment.enter_code")
            for typed, key in zip(["H", "HD", "HD-", "HD-4", "HD-4X"], ["H", "D", "minus", "4", "X"]):
                await pilot.press(key)
                assert shown(app, "#code") == typed
            await pilot.press("enter")
            await until(pilot, lambda: shown(app, "#problem") == app.word(lang, "appointment.unknown"))
            assert isinstance(app.screen, KeypadScreen) and "InterpreterScreen" not in screens
            await pilot.press("backspace")
            assert shown(app, "#code") == "HD-4" and shown(app, "#problem") == ""
            await pilot.press("2", "enter")
            await until(pilot, lambda: isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-yes"))
            await pilot.press("enter")  # "yes" has the focus
            await until(pilot, lambda: isinstance(app.screen, AppointmentTicketScreen) and laid_out(app, "#message"))
            assert screens.count("InterpreterScreen") == 1
            assert shown(app, "#interpreter-asked") == app.word(lang, "interpreter.on_ticket")  # told, as on paper
    finally:
        await server.stop()
    ticket = server.office.tickets["A001"]
    assert (ticket.booking, ticket.lang, ticket.interpreter) == ("HD-42", lang, True)


async def test_a_scanner_on_the_keypad_checks_in_after_the_question(tmp_path):
    server, _ = await office(tmp_path)
    await book(server, "QR-55", T0 + 30 * MIN, lang="de")
    app = kiosk(server, open_printer("dummy:"), key_clock=Keys(step=0.01))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await keypad(pilot, "fa")
            await pilot.press(*"QR-55", "enter")
            await until(pilot, lambda: isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-no"))
            await pilot.click("#interpreter-no")
            await until(pilot, lambda: isinstance(app.screen, AppointmentTicketScreen))
    finally:
        await server.stop()
    assert server.office.tickets["A001"].booking == "QR-55" and not server.office.tickets["A001"].interpreter


@pytest.mark.parametrize("lang", ["en", "ar", "fa"])
async def test_enter_on_the_interpreter_question_means_yes_in_every_language(server, url, lang):
    app = kiosk_app(url, printer=open_printer("dummy:"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
        await pilot.click(f"#lang-{lang}")
        await until(pilot, lambda: laid_out(app, "#service-info"))
        await pilot.click("#service-info")
        await until(pilot, lambda: isinstance(app.screen, InterpreterScreen) and laid_out(app, "#interpreter-no"))
        yes, no = (app.screen.query_one(f"#interpreter-{a}").region for a in ("yes", "no"))
        assert (yes.x > no.x) == (lang != "en")  # a right-to-left reader meets "yes" first, on the right
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
    assert server.office.tickets["F001"].interpreter


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_services_read_in_the_visitors_direction(server, url, lang):
    app = kiosk_app(url, printer=open_printer("dummy:"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
        await pilot.click(f"#lang-{lang}")
        services = [s.id for s in server.site.services]
        await until(pilot, lambda: all(laid_out(app, f"#service-{s}") for s in services))
        places = [app.screen.query_one(f"#service-{s}").region for s in services]
        rtl = lang == "ar"
        for first, second in zip(places[::2], places[1::2]):  # the two of each row
            assert first.y == second.y and (first.x > second.x) == rtl
        if len(places) % 2:  # a short last row begins where the reader begins
            last, above = places[-1], places[-2]
            assert (last.x == min(p.x for p in places[:2])) != rtl and last.x in (above.x, places[-3].x)
        assert app.focused is app.screen.query_one(f"#service-{services[0]}")
        for service in services[1:]:  # Tab goes in reading order, right to left in Arabic
            await pilot.press("tab")
            assert app.focused is app.screen.query_one(f"#service-{service}")


@pytest.mark.parametrize("keys", [["ctrl+q"], ["ctrl+c"], ["ctrl+p"]])
async def test_no_key_ends_the_kiosk(server, url, keys):
    """Textual's Ctrl+Q quits, Ctrl+C tells how to, the command palette offers "Quit": none of
    them on a kiosk (staff stop it with systemctl, README "Kiosk, counter and display as services")."""
    app = kiosk_app(url, printer=open_printer("dummy:"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-de"))
        await pilot.press(*keys)
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, StartScreen) and len(app.screen_stack) == 2
        assert not app.screen.query("Toast")  # nor a hint how to quit


@settings(max_examples=examples(200), deadline=None)
@given(code=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-[]/@=.", min_size=2, max_size=20),
       gap=st.floats(0.0005, 10.0), start=st.floats(0, 1e6))
def test_keys_are_a_scan_only_at_a_scanners_speed(code, gap, start):
    """Each key `gap` seconds after the last, then Enter: a scan below SCANNER_KEY_GAP, typing above."""
    assume(abs(gap - SCANNER_KEY_GAP) > 1e-6)  # sums of floats: the boundary itself is either
    scanner, at = Scanner(), start
    for char in code:
        scanner.key(char, at)
        at += gap
    at -= gap
    assert scanner.machine(at + gap) == (gap <= SCANNER_KEY_GAP)


@settings(max_examples=examples(200), deadline=None)
@given(items=st.lists(st.integers(1, 99), max_size=15, unique=True), columns=st.integers(1, 4))
def test_a_mirrored_grid_reads_right_to_left_row_by_row(items, columns):
    shown = mirrored(items, columns, blank=0)
    rows = [shown[i:i + columns] for i in range(0, len(shown), columns)]
    assert [x for row in rows for x in reversed(row) if x] == items  # read right to left, top down
    assert all(len(row) == columns for row in rows) and shown.count(0) == -len(items) % columns


def test_the_kiosk_uses_no_private_attribute_of_textual():
    """What Textual keeps private may change in any release (issue 21: the services' Tab order
    once overrode `_focus_sort_key`). A kiosk name that is also one of Textual's private names
    reads or overrides it, so a method or attribute of that name counts as well."""
    nodes = (App(), Screen(), Widget(), Button(), Static(), Digits(), Input(), Label(), RadioSet(),
             RadioButton(), Grid(), Vertical(), VerticalScroll(), Content(""), Strip([]))
    private = {name for node in nodes for name in dir(node) if name.startswith("_") and not name.startswith("__")}
    found = []
    for path in sorted((ROOT / "kiosk").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "name", None)
            if isinstance(node, (ast.Attribute, ast.FunctionDef, ast.AsyncFunctionDef)) and name in private:
                found.append(f"{path.name}:{node.lineno} {name}")
    assert found == []
