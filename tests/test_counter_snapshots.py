"""Layout guards: SVG snapshots of the clerk's main screen and the transfer dialog, against a
real server process. Update on purpose with `pytest --snapshot-update` and look at the SVGs."""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import connect

from counter.app import CounterApp
from server.client import ClientSession

from .conftest import ServerProcess, always_open_config, token
from .test_counter_app import until

SIZE = (120, 34)


@pytest.fixture
def office(tmp_path):
    """A server process with three visitors waiting: Arabic, Ukrainian, Persian."""
    server = ServerProcess(tmp_path / "snap.sqlite3", "--config", str(always_open_config(tmp_path)))
    with connect(f"ws://127.0.0.1:{server.port}/") as kiosk:
        kiosk.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": token("kiosk-1")}))
        kiosk.recv()
        for n, (service, lang) in enumerate([("residence", "ar"), ("extension", "uk"), ("residence", "fa")]):
            kiosk.send(json.dumps({"type": "draw", "id": n, "service": service, "lang": lang, "request": f"s{n}"}))
            while json.loads(kiosk.recv())["type"] != "reply":
                pass
    yield f"ws://127.0.0.1:{server.port}/"
    server.stop()


def app_for(url: str) -> CounterApp:
    return CounterApp(ClientSession(url, role="counter", terminal="counter-5", token=token("counter-5")),
                      lang="de", clock=lambda: 0.0)


async def call_first(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.board.desk is not None)
    await pilot.press("o", "o")
    await until(pilot, lambda: app.sub_title == "geöffnet")
    await pilot.press("n")
    await until(pilot, lambda: app.board.current is not None and app.board.queues["residence"].waiting == 1)
    await pilot.pause(0.3)  # let the coalesced queue push arrive and render


def test_main_screen_with_a_called_visitor(office, snap_compare):
    assert snap_compare(app_for(office), terminal_size=SIZE, run_before=call_first)


def test_transfer_dialog(office, snap_compare):
    async def open_transfer(pilot):
        await call_first(pilot)
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(app_for(office), terminal_size=SIZE, run_before=open_transfer)
