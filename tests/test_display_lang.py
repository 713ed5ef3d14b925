"""`?lang=` on the waiting-room page, in headless Chromium on a real server: the labels turn
through the languages it names, in its order, and through no other; without it, through the
site's languages from German on."""

from __future__ import annotations

from config import strings

from .test_display_page import SCREEN

LABELS = ("display.now", "display.last", "display.queues")  # the page's headings


async def labels(page) -> list[tuple[str, str | None]]:
    return [(await page.inner_text(f"[data-word='{key}']"), await page.get_attribute(f"[data-word='{key}']", "lang"))
            for key in LABELS]


def expected(lang: str) -> list[tuple[str, str | None]]:
    words = strings(lang)
    return [(words[key], None if lang == "de" else lang) for key in LABELS]  # German is the page's own


async def opened(browser, url: str):
    """The page on a clock of the test's: its labels turn only when the test says so."""
    page = await browser.new_page(viewport=SCREEN)
    await page.clock.install()
    await page.goto(url)
    await page.wait_for_selector("body[data-state=online]")
    return page


async def rotate(page) -> None:
    """The page's turn of the labels, every 6 seconds."""
    await page.clock.run_for(6000)


async def test_lang_names_the_labels_languages_and_their_order(server, browser):
    page = await opened(browser, f"http://127.0.0.1:{server.port}/display?lang=tr,uk")
    assert await labels(page) == expected("tr")
    await rotate(page)
    assert await labels(page) == expected("uk")
    await rotate(page)
    assert await labels(page) == expected("tr")  # back to the first: German never comes


async def test_without_lang_the_labels_turn_through_the_sites_languages(server, site, browser):
    page = await opened(browser, f"http://127.0.0.1:{server.port}/display")
    assert site.languages[:2] == ("de", "en")  # the demo office's first two
    assert await labels(page) == expected("de")
    await rotate(page)
    assert await labels(page) == expected("en")
