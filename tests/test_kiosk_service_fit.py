"""The service screen at every kiosk size the README names (80x24, 100x30, 120x40), in every
language of the demo and the test sites at 80x24 (above it the longest and Arabic), left to
right and right to left: Back is always on the screen (the services scroll between the question and Back), it takes the visitor back to
the languages, and every service comes into view when the visitor's focus reaches it. At 80x24
the demo's seven services once pushed Back below the screen's edge."""

from __future__ import annotations

import contextlib

import pytest

from config import load_site
from kiosk.app import KioskApp, ServiceScreen, StartScreen
from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import token, visitors_site
from .test_kiosk_app import laid_out, until
from .test_language_added import add_sorani

SIZES = [(80, 24), (100, 30), (120, 40)]


@contextlib.asynccontextmanager
async def every_language_office(which: str, tmp_path):
    """The demo's seven services in its languages with Kurmanji and Somali ("visitors"), or an
    office that added Sorani ("sorani"), served on 127.0.0.1."""
    site = visitors_site() if which == "visitors" else load_site(add_sorani(tmp_path))
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(params=["visitors", "sorani"])
async def office(request, tmp_path):
    async with every_language_office(request.param, tmp_path) as server:
        yield server


def wholly_inside(outer, widget) -> bool:
    return outer.contains_region(widget.region)


@pytest.mark.parametrize("size", SIZES)
async def test_back_and_every_service_are_on_the_screen_in_every_language(office, size):
    session = ClientSession(f"ws://127.0.0.1:{office.port}/", role="kiosk", terminal="kiosk-1",
                            token=token("kiosk-1"), backoff=(0.05, 0.2))
    app = KioskApp(session, idle_seconds=60)
    # the Sorani office is the demo's languages and Sorani: the others are the visitors' office's
    languages = office.site.languages if office.site.languages[-1] != "ckb" else ["ckb"]
    if size != SIZES[0]:  # every language at 80x24, the tightest; above it the longest and Arabic (RTL)
        longest = max(languages, key=lambda lang: sum(len(s.names.get(lang, "")) for s in office.site.services))
        languages = [lang for lang in languages if lang in (longest, "ar", "ckb")]
    services = [s.id for s in office.site.services]
    assert len(services) == 7
    async with app.run_test(size=size) as pilot:
        for lang in languages:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
            # at 80x24 the languages scroll (tests/test_kiosk_start_fit.py): the visitor brings theirs into view
            app.screen.query_one(f"#lang-{lang}").scroll_visible(animate=False, immediate=True)
            await pilot.pause()
            await pilot.click(f"#lang-{lang}")
            await until(pilot, lambda: isinstance(app.screen, ServiceScreen) and laid_out(app, "#back"))
            await pilot.pause()
            screen = app.screen
            for button in ("#back", "#privacy", f"#service-{services[0]}"):
                assert wholly_inside(screen.region, screen.query_one(button)), (lang, size, button)
            shown = screen.query_one("#services-scroll").region  # where the services are seen
            for service in services[1:]:  # the visitor's keys: each service scrolls into view
                await pilot.press("tab")
                await pilot.pause()
                assert app.focused is screen.query_one(f"#service-{service}"), (lang, service)
                assert wholly_inside(shown, app.focused), (lang, size, service, app.focused.region, shown)
                assert wholly_inside(screen.region, screen.query_one("#back")), (lang, size, service)
            await pilot.click("#back")
            await until(pilot, lambda: isinstance(app.screen, StartScreen))
