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
    app = DisplayApp(ClientSession(url, role="display", terminal="display-ground", token=token("display-ground")))
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
        first_row = lambda: queues.get_row(next(iter(queues.rows)))
        await until(pilot, lambda: first_row()[1] == "0 wartend")  # residence: A001 is called, none left
        assert first_row()[0] == "Aufenthaltserlaubnis (Erstantrag)"
