"""Layout guards: SVG snapshots of the clerk's main screen and the transfer dialog, against a
real server process. Update on purpose with `pytest --snapshot-update` and look at the SVGs."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from websockets.sync.client import connect

from counter.app import CounterApp
from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import make_site, token
from .test_counter_app import until

SIZE = (120, 34)


T0 = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()  # a Wednesday


@pytest.fixture
def office(tmp_path):
    """A server with three visitors waiting: Arabic, Ukrainian, Persian. It runs on an event
    loop in a thread (snap_compare runs the app on a loop of its own), its clock held at T0: the
    screen shows minutes waited, and on a loaded machine more than half a minute passed between
    the draws and the call ("1 min" where the snapshot has "0 min")."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    run = lambda coroutine: asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)  # noqa: E731
    server = Server(make_site(), tmp_path / "snap.sqlite3", always_open=True, clock=lambda: T0)
    run(server.start("127.0.0.1", 0))
    try:
        yield drawn(server.port)
    finally:
        run(server.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def drawn(port: int) -> str:
    with connect(f"ws://127.0.0.1:{port}/") as kiosk:
        kiosk.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": token("kiosk-1")}))
        kiosk.recv()
        for n, (service, lang) in enumerate([("residence", "ar"), ("extension", "uk"), ("residence", "fa")]):
            kiosk.send(json.dumps({"type": "draw", "id": n, "service": service, "lang": lang, "request": f"s{n}"}))
            while json.loads(kiosk.recv())["type"] != "reply":
                pass
    return f"ws://127.0.0.1:{port}/"


def app_for(url: str) -> CounterApp:
    return CounterApp(ClientSession(url, role="counter", terminal="counter-5", token=token("counter-5")),
                      lang="de", clock=lambda: 0.0)


async def call_first(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.board.desk is not None)
    await pilot.press("o", "o")
    await until(pilot, lambda: app.sub_title == "geöffnet")
    await pilot.press("n")
    # the coalesced queue push after the call (the app renders as it takes it in)
    await until(pilot, lambda: app.board.current is not None and app.board.queues["residence"].waiting == 1)


def test_main_screen_with_a_called_visitor(office, snap_compare):
    assert snap_compare(app_for(office), terminal_size=SIZE, run_before=call_first)


def test_transfer_dialog(office, snap_compare):
    async def open_transfer(pilot):
        await call_first(pilot)
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(app_for(office), terminal_size=SIZE, run_before=open_transfer)
