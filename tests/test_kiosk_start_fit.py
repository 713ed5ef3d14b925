"""The start screen at every kiosk size the README names (80x24, 100x30, 120x40), for the demo
office and the test sites (tests/sites): "I have an appointment" and the registration button
are always on the screen (the languages scroll between the greeting and them), Tab reaches
every language in order with each one in view, then those two buttons, and Enter on the
appointment button leads to its keypad. At 80x24 the thirteen languages once pushed both
buttons below the screen's edge."""

from __future__ import annotations

import pytest

from config import load_site
from kiosk.app import StartScreen
from kiosk.appointment import KeypadScreen, LanguageScreen
from printing.printers import open_printer

from .access_office import Clock, access_site, start
from .conftest import visitors_site
from .test_kiosk_app import laid_out, until
from .test_kiosk_register import OPEN, kiosk
from .test_kiosk_service_fit import SIZES, wholly_inside
from .test_language_added import add_sorani


@pytest.fixture(params=["demo", "visitors", "sorani"])
async def office(request, tmp_path):
    """The demo office; its languages with Kurmanji and Somali (13); and with Sorani — all with
    registration open, so the kiosk shows both buttons under the languages."""
    site = {"demo": access_site, "visitors": visitors_site,
            "sorani": lambda: load_site(add_sorani(tmp_path))}[request.param]()
    server = await start(tmp_path / "office.sqlite3", Clock(OPEN), site=site)
    yield server
    await server.stop()


@pytest.mark.parametrize("size", SIZES)
async def test_appointment_and_registration_stay_on_the_screen_and_every_language_comes_into_view(office, size):
    app = kiosk(office, open_printer("dummy:"), Clock(OPEN))
    languages = office.site.languages
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#register"))
        await pilot.pause()
        screen = app.screen
        buttons = [screen.query_one("#appointment"), screen.query_one("#register")]
        for button in buttons:
            assert wholly_inside(screen.region, button), (size, button.id, button.region)
        shown = screen.query_one("#languages-scroll").region  # where the languages are seen
        for n, lang in enumerate(languages):  # the first has the focus; Tab brings each into view
            if n:
                await pilot.press("tab")
                await pilot.pause()
            assert app.focused is screen.query_one(f"#lang-{lang}"), (size, lang, app.focused)
            assert wholly_inside(shown, app.focused), (size, lang, app.focused.region, shown)
            for button in buttons:
                assert wholly_inside(screen.region, button), (size, lang, button.id)
        for button in buttons:  # after the last language: the appointment, then registration
            await pilot.press("tab")
            assert app.focused is button, (size, app.focused)
        await pilot.press("shift+tab", "enter")  # back to "I have an appointment", pressed by key
        await until(pilot, lambda: isinstance(app.screen, LanguageScreen) and laid_out(app, f"#code-lang-{languages[0]}"))
        app.screen.query_one(f"#code-lang-{languages[0]}").focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, KeypadScreen))
