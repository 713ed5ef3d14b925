"""More services than the waiting-room screen holds at full size: the queues turn in pages
with the label language instead of shrinking below what reads from 5 m, and every page is full
down to the bottom of the screen (issue 23: 4 + 3 left the bottom fifth empty)."""

from __future__ import annotations

import dataclasses

import pytest

from .browser import SIZES

VISIBLE = ("() => [...document.querySelectorAll('#queues li')].filter(e => !e.hidden)"
           ".sort((a, b) => a.style.order - b.style.order).map(e => e.dataset.service)")
SMALLEST = ("() => Math.min(...[...document.querySelectorAll('#queues li:not([hidden]) *')]"
            ".map(e => parseFloat(getComputedStyle(e).fontSize))) / innerHeight")


def first_services(site, count: int):
    """The demo office with only its first `count` services (counters keep those they serve,
    or the first service)."""
    kept = site.services[:count]
    counters = tuple(dataclasses.replace(c, services=tuple(s for s in c.services if s in {k.id for k in kept})
                                         or (kept[0].id,)) for c in site.counters)
    return dataclasses.replace(site, services=kept, counters=counters)


@pytest.mark.parametrize("count, pages", [(6, [6]), (7, [6, 6]), (3, [3])])
async def test_queues_turn_in_full_pages_and_keep_their_size(tmp_path, count, pages, site, browser):
    from server.edge.app import Server

    site = first_services(site, count)
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        page = await browser.new_page(viewport=SIZES["1080p"])
        await page.goto(f"http://127.0.0.1:{server.port}/display?lang=de")
        await page.wait_for_selector("#queues li")
        seen = []
        for _ in pages:
            seen.append(await page.evaluate(VISIBLE))
            assert await page.evaluate(SMALLEST) >= 0.035   # queue rows read from five metres
            await page.evaluate("willkommen.rotate()")
        assert [len(shown) for shown in seen] == pages
        ids = [s.id for s in site.services]   # every one, in order, the last page filled from the first
        assert [s for shown in seen for s in shown] == (ids + ids)[:sum(pages)]
        assert await page.evaluate(VISIBLE) == seen[0]     # and round again
    finally:
        await server.stop()


# Per page: the services shown, the lowest box's bottom and the smallest text, as shares of the height.
PAGE = """() => {
  const shown = [...document.querySelectorAll('#queues li:not([hidden])')];
  return [shown.map(li => li.dataset.service),
          Math.max(...shown.map(li => li.getBoundingClientRect().bottom)) / innerHeight,
          Math.min(...[...document.querySelectorAll('#queues li:not([hidden]) *')]
                   .map(e => parseFloat(getComputedStyle(e).fontSize))) / innerHeight];
}"""


async def test_the_queues_use_the_screen_down_to_its_bottom_fifth(tmp_path, site, browser):
    """The demo office's seven services with visitors waiting (estimates shown), at every size
    and in every label language: each page of queues reaches into the bottom fifth of the
    screen, every service is on a page, rows stay at 3.5 % of the height, nothing overflows.
    The page is loaded once a language and measured at each size in turn (the screen lays its
    queue pages out again when its size changes: display.js `relayout`)."""
    from server.edge.app import Server
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    from .browser import FIT_PROBLEMS
    from .conftest import token
    from .test_display_fit import settled

    site = dataclasses.replace(site, kiosk_draws_per_minute=10**6)
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        kiosk.start()
        await kiosk.ready()
        for n, service in enumerate(s.id for s in site.services for _ in range(3)):
            await kiosk.request(p.Draw(id=0, service=service, lang="de", request=f"q-{n}"))
        empty, small, unseen, found = {}, {}, {}, {}
        page = await browser.new_page()
        for lang in site.languages:
            await page.goto(f"http://127.0.0.1:{server.port}/display?lang={lang}")
            await page.wait_for_selector("#queues li")
            for size, viewport in SIZES.items():
                await page.set_viewport_size(viewport)
                await settled(page)
                seen = set()
                for _ in range(2):
                    services, bottom, text = await page.evaluate(PAGE)
                    seen |= set(services)
                    where = f"{size} {lang} {services}"
                    if bottom < 0.8:
                        empty[where] = round(bottom, 3)
                    if text < 0.035:
                        small[where] = round(text, 4)
                    found |= {where: problem for problem in await page.evaluate(FIT_PROBLEMS)}
                    await page.evaluate("willkommen.rotate()")
                    await settled(page)
                if missing := {s.id for s in site.services} - seen:
                    unseen[f"{size} {lang}"] = missing
        assert not empty and not small and not unseen and not found, (empty, small, unseen, found)
    finally:
        await kiosk.close()
        await server.stop()
