"""The terminal board via Pilot: calls pushed by a real server appear, zones filter them."""

from __future__ import annotations

import asyncio

from display.app import DisplayApp
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import token


async def until(pilot, condition, timeout: float = 30.0) -> None:  # generous: a loaded CI machine
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def shown(app: DisplayApp, selector: str) -> str:
    widget = app.query_one(selector)
    return str(getattr(widget, "value", "") or widget.render())


async def test_the_board_shows_a_call_pushed_by_the_server(url, terminal):
    kiosk, admin = await terminal("kiosk-1"), await terminal("admin")
    for counter in ("3", "5"):
        await admin.request(p.Open(id=0, counter=counter))
    await kiosk.request(p.Draw(id=0, service="passport", lang="tr", request="b-1"))
    await kiosk.request(p.Draw(id=0, service="residence", lang="tr", request="b-2"))
    app = DisplayApp(ClientSession(url, role="display", terminal="display-ground", token=token("display-ground")),
                     rotate_seconds=3600)   # the labels stay German while this test looks
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.board.site is not None)
        assert app.board.zones == ["ground-floor"]  # from the site config of this terminal
        await admin.request(p.Next(id=0, counter="3"))
        await until(pilot, lambda: app.query_one("#now-digits").value == "D001")
        assert shown(app, "#now-counter") == "Schalter 3"
        await admin.request(p.Next(id=0, counter="5"))  # first floor: another screen's call
        await admin.request(p.Recall(id=0, counter="3"))
        await until(pilot, lambda: shown(app, "#now-repeat") == "Wiederholung")
        assert app.query_one("#now-digits").value == "D001" and [c.number for c in app.board.calls] == ["D001"]
        queues = app.query_one("#queues")
        first_row = lambda: [str(cell) for cell in queues.get_row(next(iter(queues.rows)))]
        await until(pilot, lambda: first_row()[2] == "0 wartend")  # residence: A001 is called, none left
        assert first_row()[0] == "Aufenthaltserlaubnis (Erstantrag)"


async def test_the_terminal_board_speaks_the_sites_languages_as_the_page_does(url, terminal, site):
    """Issue 23: `willkommen-display` was German only. Its labels, the second name of each
    service and the counts turn through the display terminal's label languages (display-ground:
    de, ar, uk, ...); the called visitor's counter stands in their language too; Arabic is
    shaped and in display order for the terminal."""
    from printing.raster import visual_order

    kiosk, admin = await terminal("kiosk-1"), await terminal("admin")
    await admin.request(p.Open(id=0, counter="3"))
    await kiosk.request(p.Draw(id=0, service="passport", lang="ar", request="ar-1"))
    app = DisplayApp(ClientSession(url, role="display", terminal="display-ground", token=token("display-ground")),
                     rotate_seconds=3600)
    async with app.run_test(size=(120, 34)) as pilot:
        await until(pilot, lambda: app.board.site is not None)
        assert app.languages == list(site.terminal("display-ground").languages)   # de, ar, uk, ...
        await admin.request(p.Next(id=0, counter="3"))
        await until(pilot, lambda: app.query_one("#now-digits").value == "D001")
        ar = site.words("ar")
        assert shown(app, "#now-counter-own") == visual_order(ar["call.counter"].format(counter="3"))
        queues = app.query_one("#queues")
        row = lambda: [str(cell) for cell in queues.get_row(list(queues.rows)[3])]   # passport
        assert row()[1] == visual_order(site.service("passport").names["ar"])  # German's line: the next language
        for lang in app.languages[1:]:
            app.rotate()
            await pilot.pause()
            words = site.words(lang)
            assert shown(app, "#now-label") == visual_order(words["display.now"]), lang
            assert app.query_one("#queues").border_title == visual_order(words["display.queues"]), lang
            assert row()[0] == site.service("passport").names["de"]
            assert row()[1] == visual_order(site.service("passport").names[lang]), lang
            nobody = visual_order(words["display.waiting"].format(n=0))   # D001 called: the queue push may come later
            await until(pilot, lambda: row()[2] == nobody)


async def test_the_terminal_board_shows_the_sites_time_not_the_machines(url, site):
    """The machine runs on UTC (as servers often do); the office is in Europe/Berlin."""
    from datetime import datetime, timezone
    noon_utc = datetime(2026, 12, 7, 11, 5, tzinfo=timezone.utc).timestamp()   # 12:05 in Berlin (CET)
    app = DisplayApp(ClientSession(url, role="display", terminal="display-ground", token=token("display-ground")),
                     clock=lambda: noon_utc)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.board.site is not None)
        await pilot.pause()
        assert site.timezone == "Europe/Berlin" and shown(app, "#clock") == "12:05"
        assert not app.query("HeaderClock")   # no second clock in the machine's time
