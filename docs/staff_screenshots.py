"""Make the pictures of the staff guides (docs/anleitung/) and the README from the demo office:
the sign-in, the counter in the browser (picker, a called visitor, the finish and transfer
dialogs, a pause), the floor board with an announcement form, all in German.
`python docs/staff_screenshots.py` (needs Debian's chromium); counters 1-3 are left to the
script (`--human`), the others are the demo's simulated clerks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from demo_server import running_demo, signed_in
from playwright.async_api import async_playwright

DOCS = Path(__file__).resolve().parent
PICTURES = DOCS / "anleitung" / "bilder"
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
DESK = {"width": 1366, "height": 768}


async def shot(page, name: str) -> None:
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(PICTURES / f"{name}.png"))


async def call_next(page) -> None:
    """N until someone is at the desk (the demo's queues may be empty for a moment)."""
    await page.wait_for_function("!window.willkommenCounter.screen?.current")
    for _ in range(60):
        await page.keyboard.press("n")
        try:
            await page.wait_for_selector("#current .number", timeout=3000)
            return
        except Exception:
            continue
    raise RuntimeError("nobody came to the counter in three minutes")


async def counter(browser, port: int) -> None:
    page = await browser.new_page(viewport=DESK, locale="de-DE")
    await page.goto(f"http://127.0.0.1:{port}/counter")
    await page.wait_for_selector("#signin")
    await page.fill("#name", "anna")
    await page.fill("#password", "demo-anna")
    await shot(page, "anmelden")
    await page.press("#password", "Enter")
    await page.wait_for_selector("#picker:not([hidden]) button")
    await shot(page, "schalter-waehlen")
    await page.keyboard.press("3")
    await page.wait_for_selector("body[data-state=online]")
    await page.keyboard.press("o")
    await page.wait_for_selector("#dialog[open]")
    await shot(page, "schalter-oeffnen")
    await page.keyboard.press("o")
    await page.wait_for_function("document.getElementById('desk-state').textContent.startsWith('geöffnet')")
    await call_next(page)
    await shot(page, "schalter-aufgerufen")
    await page.keyboard.press("s")
    await page.keyboard.press("f")
    await page.wait_for_selector("#dialog[open]")
    await shot(page, "schalter-abschliessen")
    await page.keyboard.press("1")
    await call_next(page)
    await page.keyboard.press("t")
    await page.wait_for_selector("#dialog[open]")
    await shot(page, "schalter-weiterleiten")
    await page.keyboard.press("Escape")
    await page.keyboard.press("v")
    await page.wait_for_selector("#dialog[open]")
    await shot(page, "schalter-verweisen")
    await page.keyboard.press("Escape")
    await page.keyboard.press("f")
    await page.keyboard.press("1")
    await page.keyboard.press("w")
    await page.wait_for_selector("#dialog-input")
    await page.keyboard.type("Rückfrage Teamleitung")
    await page.keyboard.press("Enter")
    await page.wait_for_function("document.getElementById('desk-state').textContent.startsWith('Pause')")
    await shot(page, "schalter-pause")
    await page.keyboard.press("w")
    await page.close()


async def board(browser, port: int) -> None:
    page = await browser.new_page(viewport={"width": 1600, "height": 1000}, locale="de-DE")
    await signed_in(page, port)
    await page.wait_for_selector("#status[data-state=online]")
    await page.wait_for_timeout(1500)
    await shot(page, "saaluebersicht")
    await page.fill("#text-de", "Heute schließt das Amt um 12 Uhr.")
    await page.fill("#announce-until", "12:00")
    await page.locator("#announce").scroll_into_view_if_needed()
    await shot(page, "durchsage")
    await page.goto(f"http://127.0.0.1:{port}/stats?period=day&by=hour")
    await shot(page, "statistik")
    await page.close()


async def shoot(port: int) -> None:
    PICTURES.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        await counter(browser, port)
        await board(browser, port)
        await browser.close()


def main() -> None:
    humans = [arg for n in (1, 2, 3) for arg in ("--human", f"counter-{n}")]
    with running_demo(*humans, speed=20, settle=20) as port:
        asyncio.run(shoot(port))


if __name__ == "__main__":
    main()
