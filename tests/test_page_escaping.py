"""Text from outside stays text on every page, in Chromium against the real server: a
supervisor's announcement that looks like HTML on the floor board and in the waiting room's
banner, and a feedback terminal's id from the URL inside the page's inline JSON. Each test
fails if its page puts that text in as markup (innerHTML, a missing escape)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from websockets.asyncio.client import connect

from server.edge.app import Server

from .conftest import make_site, noon_clock, visitors_site
from .test_manager_board import act, cookie_for, signed_in_page

HOSTILE = '<img src="x" id="injected" onerror="window.__pwned = 1"><b id="bold">Achtung</b>'


@pytest.fixture
async def server(tmp_path):
    site = make_site()
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=noon_clock(site))
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def announce(server, text: str) -> None:
    async with connect(f"ws://127.0.0.1:{server.port}/board/ws",
                       additional_headers={"Cookie": await cookie_for(server.port)}) as ws:
        await ws.recv()
        answer = await act(ws, type="announce", texts={"de": text}, until=server.clock() + 3600)
        assert answer["type"] == "reply", answer


async def not_injected(page) -> None:
    assert await page.locator("#injected, #bold").count() == 0
    assert await page.evaluate("window.__pwned === undefined")


async def test_an_announcement_is_text_on_the_floor_board_and_in_the_waiting_room(server, browser):
    board = await signed_in_page(browser, server)
    display = await browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        await display.goto(f"http://127.0.0.1:{server.port}/display")
        await announce(server, HOSTILE)
        await board.wait_for_function(f"document.getElementById('announcements').textContent.includes({json.dumps(HOSTILE)})")
        await not_injected(board)
        await display.wait_for_selector("#announcement:not([hidden])")
        await display.wait_for_function(f"document.getElementById('announcement').textContent === {json.dumps(HOSTILE)}")
        assert await display.evaluate("document.getElementById('announcement').children.length") == 0
        await not_injected(display)
    finally:
        await board.context.close()
        await display.close()


async def test_the_feedback_terminals_id_from_the_url_cannot_end_the_pages_script(tmp_path, browser):
    site = visitors_site()
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    page = await browser.new_page()
    try:
        terminal = '</script><script>window.__pwned = 1</script><b id="bold">x</b>'
        await page.goto(f"http://127.0.0.1:{server.port}/feedback?terminal={quote(terminal)}&token=t")
        config = await page.evaluate("JSON.parse(document.getElementById('config').textContent)")
        assert config["terminal"] == terminal  # the id arrives whole, as data
        await not_injected(page)
    finally:
        await page.close()
        await server.stop()
