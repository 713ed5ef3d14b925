"""Keys typed as fast as a practised clerk types them: C and the number, with no wait for the
dialog to appear, call that number; T or V and a choice likewise. The keys' labels in the
clerk's language, bound through Textual's public API only. Pilot against a real server."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Static

from config import strings
from counter.app import KEYS, label_of
from server.wire import protocol as p

from .test_counter_app import counter_app, text, until

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize("lang, catalogue", [("de", "de"), ("en", "en"), ("tr", "de")])
async def test_each_key_is_labelled_once_in_the_clerks_language_and_works(server, url, lang, catalogue):
    app = counter_app(url, lang=lang)
    async with app.run_test(size=(200, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        labels = {key: active.binding.description for key, active in app.screen.active_bindings.items()
                  if key in dict(KEYS)}
        assert labels == {key: strings(catalogue, "staff")[label_of(action)] for key, action in KEYS}
        await open_counter(pilot)  # O, then O in the dialog: the clerk's language's binding runs


def test_the_counter_uses_no_private_attribute_of_textual():
    """What Textual keeps private (`_bindings` ...) may change in any release."""
    private = {name for node in (App(), Screen(), Widget(), Button(), DataTable(), Static())
               for name in dir(node) if name.startswith("_") and not name.startswith("__")}
    found = []
    for path in sorted((ROOT / "counter").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        own |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)}
        found += [f"{path.name}:{node.lineno} .{node.attr}" for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and node.attr in private and node.attr not in own]
    assert found == []
