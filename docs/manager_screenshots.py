"""Make the README's picture of the floor board, with the demo office running.
`python docs/manager_screenshots.py` (needs Debian's chromium). The statistics page and the
monthly report's pages come from a month of data: docs/report_pages.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

from demo_server import running_demo, signed_in
from playwright.async_api import async_playwright

DOCS = Path(__file__).resolve().parent
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]


async def shoot(port: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        page = await browser.new_page(viewport={"width": 1600, "height": 1000})
        await signed_in(page, port)
        await page.wait_for_selector("#status[data-state=online]")
        await page.wait_for_timeout(1500)
        await page.screenshot(path=str(DOCS / "board.png"))
        await browser.close()


def main() -> None:
    with running_demo(speed=40, settle=30) as port:
        asyncio.run(shoot(port))


if __name__ == "__main__":
    main()
