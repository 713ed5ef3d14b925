"""Keys typed as fast as a practised clerk types them: C and the number, with no wait for the
dialog to appear, call that number; T or V and a choice likewise. Pilot against a real server."""

from __future__ import annotations

import pytest

from textual import events

from server.wire import protocol as p

from .test_counter_app import counter_app, text, until


def type_ahead(app, *keys: str) -> None:
    """Keys as a terminal delivers them to a busy app: all in its queue before it handles the
    first (Pilot's `press` waits for the app to settle after each key, a clerk does not)."""
    for key in keys:
        character = " " if key == "space" else key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


async def open_counter(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.board.desk is not None)
    await pilot.press("o", "o")
    await until(pilot, lambda: app.sub_title == app.words("state.open"))


@pytest.mark.parametrize("typed", ["A003", "a003", " A003 "])
async def test_a_number_typed_right_after_c_is_called(server, url, terminal, typed):
    kiosk = await terminal("kiosk-1")
    for n in range(4):
        await kiosk.request(p.Draw(id=0, service="residence", lang="de", request=f"k{n}"))
    app = counter_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_counter(pilot)
        type_ahead(app, "c", *("space" if ch == " " else ch for ch in typed), "enter")
        await until(pilot, lambda: "A003" in text(app, "#current"))
        assert server.office.tickets["A003"].state == "called"


async def test_a_choice_typed_right_after_its_key_lands_in_the_dialog(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    for n in range(2):
        await kiosk.request(p.Draw(id=0, service="residence", lang="de", request=f"k{n}"))
    app = counter_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_counter(pilot)
        await pilot.press("n")
        await until(pilot, lambda: "A001" in text(app, "#current"))
        type_ahead(app, "x", "n")  # no-show? N: no (not "next": the action keys wait while a dialog is open)
        await pilot.pause()
        await until(pilot, lambda: len(app.screen_stack) == 1)
        type_ahead(app, "f", "2")  # finish with the second outcome
        await until(pilot, lambda: "A001 done" in text(app, "#handled"))
        assert server.office.tickets["A001"].outcome == "documents-missing"
        assert server.office.tickets["A002"].state == "waiting"
        type_ahead(app, "w", *"lunch", "enter")  # a pause reason with N in it
        await until(pilot, lambda: app.sub_title == "paused: lunch")
        assert server.office.tickets["A002"].state == "waiting"
