"""The kiosk, the counter and the display never end on a network fault: while their server is
away, or something else answers at its address (a proxy's error page, a half-started service
that closes at once), they keep trying, and they are back when the server is. Pilot, all three
apps at once, against a real server that comes up late on the port they were given."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from websockets.asyncio.server import serve

from counter.app import CounterApp
from display.app import DisplayApp
from kiosk.app import OutOfService, StartScreen
from printing.printers import open_printer
from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import token
from .test_kiosk_app import SIZE, kiosk_app, until


async def not_a_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers every request with a plain page, or with garbage, and hangs up."""
    with contextlib.suppress(OSError):
        request = await reader.read(4096)
        if b"Upgrade" in request and writer.get_extra_info("peername")[1] % 2:
            writer.write(b"\x00\xffnot http at all\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\n\r\nBad Gateway")
        await writer.drain()
    writer.close()


async def babbler(ws) -> None:
    """A websocket service that is not ours: it answers a hello with what no client can read."""
    await ws.recv()
    await ws.send('{"type": "welcome", "v": "not a version"}')
    await ws.wait_closed()


async def tries(pilot, *sessions: ClientSession, more: int = 3) -> None:
    """Until each session has tried `more` more times."""
    start = [session.tries for session in sessions]
    await until(pilot, lambda: all(s.tries >= n + more for s, n in zip(sessions, start)))


# the impostors hang up on the clients mid-handshake, and under load asyncio may collect such a
# connection's transport only while this test runs (one event loop per test module): what is
# asserted here is that the clients keep trying, not the impostors' tidiness
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_kiosk_counter_and_display_keep_trying_until_their_server_is_there(tmp_path, site):
    impostor = await asyncio.start_server(not_a_server, "127.0.0.1", 0)
    port = impostor.sockets[0].getsockname()[1]
    url = f"ws://127.0.0.1:{port}/"
    kiosk = kiosk_app(url, printer=open_printer("dummy:"))
    counter = CounterApp(ClientSession(url, role="counter", terminal="counter-5", token=token("counter-5"),
                                       backoff=(0.05, 0.2)), lang="en")
    display = DisplayApp(ClientSession(url, role="display", terminal="display-ground", token=token("display-ground"),
                                       backoff=(0.05, 0.2)))
    server = None
    try:
        async with kiosk.run_test(size=SIZE) as kiosk_pilot, counter.run_test(size=(130, 40)) as counter_pilot, \
                display.run_test(size=(100, 30)) as display_pilot:
            sessions = (kiosk.session, counter.session, display.session)
            await until(kiosk_pilot, lambda: isinstance(kiosk.screen, OutOfService))
            await tries(kiosk_pilot, *sessions)  # turned away, again and again
            impostor.close()
            await impostor.wait_closed()
            async with serve(babbler, "127.0.0.1", port):
                await tries(kiosk_pilot, *sessions)
            await counter_pilot.pause(0.1)
            await display_pilot.pause(0.1)
            assert all(app.is_running for app in (kiosk, counter, display))
            assert isinstance(kiosk.screen, OutOfService)
            server = Server(site, tmp_path / "o.sqlite3", always_open=True)
            await server.start("127.0.0.1", port)
            await until(kiosk_pilot, lambda: isinstance(kiosk.screen, StartScreen), timeout=60)
            await until(counter_pilot, lambda: counter.board.desk is not None, timeout=60)
            await until(display_pilot, lambda: display.board.site is not None, timeout=60)
    finally:
        impostor.close()
        if server is not None:
            await server.stop()


async def test_a_counter_whose_token_is_refused_says_so_at_every_key_and_stays(server, url):
    app = CounterApp(ClientSession(url, role="counter", terminal="counter-5", token="not-the-token",
                                   backoff=(0.05, 0.2)), lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.session.refused is not None)
        refused = app.words("refused", reason=app.session.refused.reason)
        for key in ("n", "c"):  # next, and a number to call
            await pilot.press(key)
            if key == "c":
                await pilot.press(*"A001", "enter")
            await until(pilot, lambda: str(app.query_one("#message").render()) == refused)
            assert app.is_running
