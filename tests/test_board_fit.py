"""The floor board on the screens a team leader has (1280×720, 1366×768, 1920×1080, 3840×2160)
on a busy day: no cell of its tables is cut or runs out of its section ("Heute gezogen pro
Stunde" was cut at 1920×1080, and by 12 px at 1280×720), and its alerts and tables name zones and counters as the site file does, never
by their ids ("ground-floor", "mbe")."""

from __future__ import annotations

import asyncio

import pytest

from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .conftest import make_site, token
from .test_manager_board import signed_in_page

# every table cell inside its own box, every section's content inside the section
CUT = r"""
() => {
  const problems = [];
  for (const section of document.querySelectorAll('main section')) {
    if (section.scrollWidth > section.clientWidth + 1)
      problems.push(`${section.getAttribute('aria-labelledby')}: ${section.scrollWidth} in ${section.clientWidth}`);
    for (const cell of section.querySelectorAll('th, td')) {
      if (cell.getClientRects().length === 0) continue;
      const box = cell.getBoundingClientRect(), outer = section.getBoundingClientRect();
      if (cell.scrollWidth > cell.clientWidth + 1 || box.right > outer.right + 1)
        problems.push(`${section.getAttribute('aria-labelledby')}: "${cell.textContent.trim().slice(0, 40)}" cut`);
    }
  }
  return problems;
}
"""


async def draw(kiosk: ClientSession, message: p.Draw) -> None:
    """A draw, again after the kiosk's burst (10 at once) is spent: the site allows 100,000 a minute."""
    while True:
        try:
            await kiosk.request(message)
            return
        except ServerError as exc:
            if exc.code != "rate_limited":
                raise
            await asyncio.sleep(0.01)


@pytest.fixture
async def busy_day(tmp_path):
    """Every service drawn from 7 to 16 o'clock (the per-hour column at its longest), counters
    open with visitors, a display zone with no screen (an alert naming the zone)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    site = make_site()
    day = datetime.now(ZoneInfo(site.timezone)).replace(hour=7, minute=5, second=0, microsecond=0)
    now = [day.timestamp()]
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=lambda: now[0])
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}/"
    async with ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1")) as kiosk:
        await kiosk.ready()
        for hour in range(10):
            for service in site.services:
                await draw(kiosk, p.Draw(id=0, service=service.id, lang="ar", request=f"{hour}-{service.id}"))
            now[0] += 3600
        now[0] -= 3600 - 60
        for counter in ("counter-1", "counter-5"):
            async with ClientSession(url, role="counter", terminal=counter, token=token(counter)) as clerk:
                await clerk.ready()
                await clerk.request(p.Open(id=0))
                await clerk.request(p.Next(id=0))
    yield server
    await server.stop()


@pytest.mark.parametrize("size", [{"width": 1280, "height": 720}, {"width": 1366, "height": 768},
                                  {"width": 1920, "height": 1080}, {"width": 3840, "height": 2160}])
async def test_no_cell_of_the_board_is_cut_on_a_busy_day(busy_day, browser, size):
    page = await signed_in_page(browser, busy_day)
    await page.set_viewport_size(size)
    await page.wait_for_function("document.querySelectorAll('#queues tbody tr').length > 0")
    assert "16 Uhr" in await page.inner_text("#queues")  # the longest per-hour trend of the day
    assert await page.evaluate(CUT) == []


async def test_the_board_names_zones_and_counters_as_the_site_file_does(busy_day, browser):
    page = await signed_in_page(browser, busy_day)
    await page.wait_for_function("document.querySelectorAll('#alerts li').length > 0")
    shown = " ".join([await page.inner_text(selector) for selector in ("#alerts", "#counters", "#displays")])
    assert "Bereich Erdgeschoss: keine Anzeige verbunden" in shown and "1. Stock" in shown
    for raw in ("ground-floor", "first-floor", "mbe"):
        assert raw not in shown


def test_an_alert_names_the_counter_not_its_id():
    from server.manager.board import Alert
    from server.manager.words import StaffWords

    site = make_site()
    alert = Alert("plan_unplanned:mbe", "plan_unplanned", {"counter": "mbe"}, 0.0)
    said = alert.text(StaffWords("de"), counter_name=site.counter_name)
    assert said == "Schalter 9 ist geöffnet, steht aber nicht im Plan"


def test_a_zone_name_needs_a_zone_of_the_counters_and_a_german_name():
    from .test_config import broken

    assert 'no counter stands in zone "cellar"' in broken(lambda d: d["zones"].update(cellar={"de": "Keller"}))
    assert 'missing "de"' in broken(lambda d: d["zones"].update({"ground-floor": {"en": "Ground floor"}}))
    assert make_site().zone_name("first-floor", "en") == "First floor"
    assert make_site().zone_name("first-floor", "ar") == "1. Stock"  # German where the file has none
