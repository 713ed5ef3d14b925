"""The floor board after a kiosk disconnects: the kiosk offline, its printer unknown (its
last report said nothing any more), until it reconnects and reports again."""

from __future__ import annotations

import json

from server.wire import protocol as p

from .conftest import http_get
from .test_manager_board import signed_in_page

ROW = "#kiosks tr[data-kiosk='kiosk-1']"


def kiosk(floor: dict, terminal: str = "kiosk-1") -> dict:
    return next(k for k in floor["kiosks"] if k["id"] == terminal)


async def test_a_gone_kiosk_is_offline_and_its_printer_unknown_until_it_reports_again(server, terminal, browser):
    first = await terminal("kiosk-1")
    await first.request(p.Printer(id=0, state="ok"))
    page = await signed_in_page(browser, server)
    await page.wait_for_function(f"document.querySelector(\"{ROW}\").textContent.includes('ja')")
    assert (await page.inner_text(ROW)).split("\t")[1:3] == ["ja", "in Ordnung"]

    second = await terminal("kiosk-1")  # a reconnect racing the old connection's close
    await second.request(p.Printer(id=0, state="paper_near_end"))
    await first.close()
    assert kiosk(server.manager.board.floor(server.clock()))["printer"] == "paper_near_end"  # still watched

    await second.close()
    await page.wait_for_function(f"document.querySelector(\"{ROW}\").textContent.includes('offline')")
    cells = (await page.inner_text(ROW)).split("\t")
    assert cells[1] == "nein (offline)" and cells[2] == "unbekannt (Kiosk offline)"
    assert kiosk(server.manager.board.floor(server.clock()))["printer"] == "unknown"
    _, _, body = await http_get(f"http://127.0.0.1:{server.port}/healthz")
    assert "kiosk-1" not in json.loads(body)["printers"]
    assert await page.locator("#alerts li[data-key='kiosk:kiosk-1']").count() == 1
    assert await page.locator("#alerts li[data-key='printer:kiosk-1']").count() == 0

    back = await terminal("kiosk-1")
    await page.wait_for_function(f"document.querySelector(\"{ROW}\").textContent.includes('ja')")
    assert (await page.inner_text(ROW)).split("\t")[2] == "unbekannt"  # not the report from before
    await back.request(p.Printer(id=0, state="paper_out"))
    await page.wait_for_function(f"document.querySelector(\"{ROW}\").textContent.includes('Papier leer')")
