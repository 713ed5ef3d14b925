"""More services than the waiting-room screen holds at full size: the queues turn in pages
with the label language, evenly split, instead of shrinking below what reads from 5 m."""

from __future__ import annotations

import dataclasses

import pytest

from .browser import SIZES, chromium

VISIBLE = "() => [...document.querySelectorAll('#queues li')].filter(e => !e.hidden).map(e => e.dataset.service)"
SMALLEST = ("() => Math.min(...[...document.querySelectorAll('#queues li:not([hidden]) *')]"
            ".map(e => parseFloat(getComputedStyle(e).fontSize))) / innerHeight")


def first_services(site, count: int):
    """The demo office with only its first `count` services (counters keep those they serve,
    or the first service)."""
    kept = site.services[:count]
    counters = tuple(dataclasses.replace(c, services=tuple(s for s in c.services if s in {k.id for k in kept})
                                         or (kept[0].id,)) for c in site.counters)
    return dataclasses.replace(site, services=kept, counters=counters)


@pytest.mark.parametrize("count, pages", [(6, [6]), (7, [4, 3]), (3, [3])])
async def test_queues_turn_in_even_pages_and_keep_their_size(tmp_path, count, pages, site):
    from server.edge.app import Server

    site = first_services(site, count)
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        async with chromium() as browser:
            page = await browser.new_page(viewport=SIZES["1080p"])
            await page.goto(f"http://127.0.0.1:{server.port}/display?lang=de")
            await page.wait_for_selector("#queues li")
            seen = []
            for _ in pages:
                seen.append(await page.evaluate(VISIBLE))
                assert await page.evaluate(SMALLEST) >= 0.035   # queue rows read from five metres
                await page.evaluate("willkommen.rotate()")
            assert [len(shown) for shown in seen] == pages
            assert [s for shown in seen for s in shown] == [s.id for s in site.services]  # each once, in order
            assert await page.evaluate(VISIBLE) == seen[0]     # and round again
    finally:
        await server.stop()
