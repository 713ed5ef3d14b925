"""The demo's `/` leads to every page and says how to sign in (it listed the display and
/healthz only); an office's `/` lists no account and no staff page."""

from __future__ import annotations

import pytest

from server.edge.app import Server

from .browser import FIT_PROBLEMS, SIZES, axe_violations
from .conftest import http_get, make_site


@pytest.fixture
async def demo(tmp_path):
    """A server as `--demo` starts it: the bundled office, always open (server/cli.py)."""
    server = Server(make_site(), tmp_path / "demo.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def test_an_offices_home_lists_no_account_and_no_staff_page(tmp_path):
    server = Server(make_site(), tmp_path / "office.sqlite3")
    await server.start("127.0.0.1", 0)
    try:
        status, _, body = await http_get(f"http://127.0.0.1:{server.port}/")
    finally:
        await server.stop()
    text = body.decode()
    assert status == 200 and "/display" in text
    for hidden in ("demo-manager", "demo-anna", "/board", "/counter", "/stats", "Passwort"):
        assert hidden not in text


async def test_the_demos_home_links_every_page_and_its_accounts_sign_in(demo, browser):
    page = await browser.new_page(viewport=SIZES["720p"])
    await page.goto(f"http://127.0.0.1:{demo.port}/")
    links = await page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert {"/display", "/board", "/counter", "/stats", "/register"} <= set(links)
    accounts = await page.inner_text("table")
    assert "manager\tdemo-manager" in accounts and "anna\tdemo-anna" in accounts and "1, 2, 3" in accounts
    assert await page.evaluate(FIT_PROBLEMS, True) == []
    assert await axe_violations(page) == []
    await page.click("text=Saalübersicht")  # the board asks for a sign-in, which the page gave
    await page.wait_for_url("**/signin")
    await page.fill("#name", "manager")
    await page.fill("#password", "demo-manager")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/board")
    await page.wait_for_selector("#status[data-state=online]")
    for size in ("1080p", "2160p"):
        await page.goto(f"http://127.0.0.1:{demo.port}/")
        await page.set_viewport_size(SIZES[size])
        assert await page.evaluate(FIT_PROBLEMS, True) == [], size
