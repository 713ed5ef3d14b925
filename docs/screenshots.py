"""Make the README's pictures: the display with the demo office running, a ticket status page
in Arabic, and a clerk's counter screen. `python docs/screenshots.py` (needs Debian's chromium)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.async_api import async_playwright

DOCS = Path(__file__).resolve().parent
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]


async def shoot(port: int, db: Path) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        page = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await page.goto(f"http://127.0.0.1:{port}/display")
        await page.wait_for_function("window.willkommen.calls.length >= 5", timeout=60_000)
        await page.wait_for_timeout(1500)
        await page.screenshot(path=str(DOCS / "display.png"))
        with sqlite3.connect(db) as conn:
            (token,) = conn.execute("SELECT token FROM tickets WHERE lang = 'ar' "
                                    "ORDER BY state = 'waiting' DESC, id DESC LIMIT 1").fetchone()
        phone = await browser.new_page(viewport={"width": 390, "height": 760}, device_scale_factor=2)
        await phone.goto(f"http://127.0.0.1:{port}/t/{token}")
        await phone.screenshot(path=str(DOCS / "status-ar.png"))
        await browser.close()


def tickets() -> None:
    """A German and an Arabic ticket as the preview printer draws them (80 mm, 576 dots)."""
    from datetime import datetime

    from config import load_site
    from kiosk.preview import draw
    from kiosk.ticket import layout
    from server import protocol as p
    from server import views

    site = views.site(load_site())
    issued = datetime(2026, 11, 24, 8, 41).timestamp()
    for lang, number, service in (("de", "B012", "extension"), ("ar", "A017", "residence")):
        ticket = p.TicketView(number=number, service=service, lang=lang, state="waiting", issued_at=issued,
                              token="GzT0ken-for-the-README")
        blocks = layout(site, p.Reply(re=1, ticket=ticket, ahead=4, eta=(15, 25)), lang=lang)
        draw(blocks, 576).save(DOCS / f"ticket-{lang}.png")


def main() -> None:
    tickets()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.sqlite3"
        server = subprocess.Popen([sys.executable, "-m", "server", "--demo", "--speed", "40", "--port", "0",
                                   "--db", str(db)], stderr=subprocess.PIPE, text=True)
        try:
            port = next(json.loads(line)["port"] for line in server.stderr
                        if line.startswith("{") and json.loads(line).get("msg") == "serving")
            threading.Thread(target=server.stderr.read, daemon=True).start()  # a full pipe would block it
            time.sleep(20)  # let the morning fill the waiting room
            asyncio.run(shoot(port, db))
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
