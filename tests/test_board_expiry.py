"""A sign-in that expires while the floor board is open: the server closes the board's socket
(4401), no more of the office's data reaches it, and the page in Chromium sends the person to
sign in again. The session's minutes pass on the server's monotonic clock, which the test moves."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import make_site, token
from .test_manager_board import cookie_for, signed_in_page


async def test_an_expired_session_closes_the_open_board_and_the_page_asks_to_sign_in(tmp_path, browser):
    site = make_site()
    steady = [1000.0]
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, monotonic=lambda: steady[0])
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}"
    kiosk = ClientSession(f"{url}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        kiosk.start()
        await kiosk.ready()
        page = await signed_in_page(browser, server)
        cookie = await cookie_for(server.port)
        async with connect(f"{url}/board/ws", additional_headers={"Cookie": cookie}) as board:
            first = json.loads(await board.recv())
            assert first["type"] == "board" and first["floor"]["counters"]  # it shows the office

            steady[0] += site.manager.session_minutes * 60  # both sign-ins' minutes have passed
            await page.wait_for_url("**/signin", timeout=15_000)
            with pytest.raises(ConnectionClosed) as closed:
                while True:  # frames already on the way, then the close
                    await board.recv()
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "your sign-in has expired")
        await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="after-expiry"))
        try:  # the same cookie opens no board any more
            async with connect(f"{url}/board/ws", additional_headers={"Cookie": cookie}) as again:
                frame = await again.recv()
            raise AssertionError(f"an expired sign-in still gets the board: {frame[:80]}")
        except (ConnectionClosed, InvalidStatus):
            pass
        assert await page.locator("#counters").count() == 0  # the sign-in page: no board data
        assert await page.locator("#password").count() == 1
        await page.goto(f"http://127.0.0.1:{server.port}/board")  # and the board stays shut
        assert page.url.endswith("/signin")
    finally:
        await kiosk.close()
        await server.stop()
