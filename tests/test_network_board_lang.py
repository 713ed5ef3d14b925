"""The floor board's network panel in the signed-in supervisor's own language, as the rest of
the board (`[[people]] lang`; German by default, tests/test_network_board.py): its words, a
service's name in that language where the site file has it (German where not), and what the
network itself says when it refuses (asked in the supervisor's language, `Accept-Language`).
A real network endpoint, Wetzlar's and Giessen's servers, and Wetzlar's board in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.network.listener import NetworkServer
from server.network.settings import parse_network

from .conftest import ARTIFACTS
from .test_network_board import axe_violations_in, board_page, office_file, office_server, panel_problems, share
from .test_network_send import network_file

RESIDENCE_EN = "Residence permit (first application)"


def in_english(path: Path) -> Path:
    """Wetzlar's supervisor reads the board in English (the rest of the site file as it is)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('name = "manager"\n', 'name = "manager"\nlang = "en"\n', 1), encoding="utf-8")
    return path


def residence_renamed(path: Path) -> Path:
    """Giessen calls its residence permit otherwise in English: a service group that differs."""
    text = path.read_text(encoding="utf-8")
    assert f'en = "{RESIDENCE_EN}"' in text
    path.write_text(text.replace(f'en = "{RESIDENCE_EN}"', 'en = "Residence permit (first time, Giessen)"', 1),
                    encoding="utf-8")
    return path


@pytest.fixture
async def offices(tmp_path):
    network = NetworkServer(parse_network(network_file()), tmp_path / "network.sqlite3")
    await network.start("127.0.0.1", 0)
    wetzlar = await office_server(in_english(office_file(tmp_path, "wetzlar", network.port)))
    giessen = await office_server(residence_renamed(office_file(tmp_path, "giessen", network.port, tigrinya=True)))
    assert await share(network, "publish", "giessen", "--config", str(giessen.site.network.site_file)) == 0
    yield network, wetzlar
    for server in (wetzlar, giessen):
        await server.stop()
    await network.stop()


async def answer_of(page, selector: str, before: str = "") -> str:
    """The panel's answer line once it changed from `before` and is not a '…' of waiting."""
    await page.wait_for_function("([s, b]) => { const t = document.querySelector(s).textContent; "
                                 "return t !== b && t !== '' && !t.endsWith('…'); }", arg=[selector, before])
    return await page.inner_text(selector)


async def test_an_english_supervisor_reads_the_network_panel_in_english(offices, browser):
    network, wetzlar = offices
    page = await board_page(browser, wetzlar, size=(1280, 720))
    tigrinya = page.locator("#knowledge .knowledge-group[data-office=giessen][data-what='strings.ti']")
    residence = page.locator("#knowledge .knowledge-group[data-office=giessen][data-what='services.residence']")
    await residence.wait_for()
    assert await page.inner_text("#knowledge-title") == "Knowledge from the network"
    assert (await page.inner_text("#knowledge h3[data-office=giessen]")).startswith(
        "Ausländerbehörde Giessen (giessen), published 20")
    # the service by its English name, as the board's queues name it for this supervisor
    assert (await residence.locator("summary").inner_text()).startswith(f"Service “{RESIDENCE_EN}” – 1 differ")
    assert await residence.locator("button.adopt").get_attribute("aria-label") == (
        f"Adopt Service “{RESIDENCE_EN}” from Ausländerbehörde Giessen")
    assert (await tigrinya.locator("summary").inner_text()).startswith("Language file Tigrinya – 2 differ")
    assert await axe_violations_in(page, "#knowledge") == []
    assert await panel_problems(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.locator("#knowledge").screenshot(path=str(ARTIFACTS / "network-board-english-720p.png"))

    await tigrinya.locator("button.adopt").click()
    said = await answer_of(page, "[data-what='strings.ti'] .adopt-answer")
    assert said.startswith("Language file Tigrinya: 2 texts of Ausländerbehörde Giessen adopted – kiosks, displays "
                           "and phones show them from now on. Put down in "), said
    await page.locator("#knowledge-undo").click()  # asked first, in English too
    asked = await answer_of(page, "#knowledge-undone")
    assert asked.startswith("Really take back the newest adoption"), asked
    await page.locator("#knowledge-undo").click()
    assert (await answer_of(page, "#knowledge-undone", asked)).startswith("Undone: Tigrinya as before the adoption in ")
    await page.locator("#knowledge-publish").click()
    assert (await answer_of(page, "#knowledge-published")).endswith(
        "texts of this office (wetzlar) published to the network: the other offices see them when they next ask.")

    # the network's own refusal, in the supervisor's language too: Giessen's texts gone from it
    with network.store.transaction() as sql:
        sql("DELETE FROM network_knowledge WHERE office = ?", ("giessen",))
    await residence.locator("button.adopt").click()
    assert await answer_of(page, "[data-what='services.residence'] .adopt-answer") == (
        "The network refused (404: Office 'giessen' has published nothing.). Nothing was adopted.")
    assert await panel_problems(page) == []
