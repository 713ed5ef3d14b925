"""Make the README's pictures: the waiting-room screen of the running demo office in German,
Arabic and Ukrainian, the visitor's phone page waiting and called, and the printed tickets.

    .venv/bin/pip install -e '.[test]'     # Playwright (in the test extra) drives Debian's chromium
    .venv/bin/python docs/screenshots.py   # ~40 s; add --all for every language at 720p/1080p/2160p
                                           # (into tests/artifacts/, to look at, not for the README)
"""

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
ROOT = DOCS.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080), "2160p": (3840, 2160)}
LANGS = ("de", "en", "ar", "fa", "tr", "uk", "ru", "fr")
HUMAN = "counter-3"  # left to this script: it calls an Arabic visitor for the phone picture


def token_of(db: Path, where: str) -> tuple[str, str]:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT number, token FROM tickets WHERE {where} ORDER BY id DESC LIMIT 1").fetchone()


async def call_arabic_visitor(port: int, db: Path) -> str:
    """Counter 3 (left to a person in this demo) calls a waiting Arabic visitor; their token."""
    sys.path.insert(0, str(ROOT))
    from config import load_site
    from server import protocol as p
    from server.client import ClientSession

    terminal = load_site().terminal(HUMAN)
    services = "('passport', 'card-pickup', 'extension')"  # what counter 3 serves
    number, token = token_of(db, f"state = 'waiting' AND lang = 'ar' AND service IN {services}")
    url = f"ws://127.0.0.1:{port}/"
    async with ClientSession(url, role="counter", terminal=HUMAN, token=terminal.token) as counter:
        await counter.ready()
        await counter.request(p.Open(id=0))
        await counter.request(p.Call(id=0, ticket=number))
    return token


async def shoot(port: int, db: Path, every_size: bool) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        page = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await page.goto(f"http://127.0.0.1:{port}/display")
        await page.wait_for_function("window.willkommen.calls.length >= 5", timeout=60_000)
        for lang in ("de", "ar", "uk"):
            await page.goto(f"http://127.0.0.1:{port}/display?lang={lang}")
            await page.wait_for_selector("body[data-state=online]")
            await page.wait_for_timeout(500)
            await page.screenshot(path=str(DOCS / f"display-{lang}.png"))
        if every_size:
            ARTIFACTS.mkdir(exist_ok=True)
            for size, (width, height) in SIZES.items():
                await page.set_viewport_size({"width": width, "height": height})
                for lang in LANGS:
                    await page.goto(f"http://127.0.0.1:{port}/display?lang={lang}")
                    await page.wait_for_selector("body[data-state=online]")
                    await page.screenshot(path=str(ARTIFACTS / f"demo-{lang}-{size}.png"))

        phone = await browser.new_page(viewport={"width": 390, "height": 760}, device_scale_factor=2)
        _, waiting = token_of(db, "state = 'waiting' AND lang = 'ar'")
        await phone.goto(f"http://127.0.0.1:{port}/t/{waiting}")
        await phone.screenshot(path=str(DOCS / "status-ar.png"))
        await phone.goto(f"http://127.0.0.1:{port}/t/{await call_arabic_visitor(port, db)}")
        await phone.wait_for_selector("body.turn")
        await phone.screenshot(path=str(DOCS / "status-ar-called.png"))
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
                                   "--human", HUMAN, "--db", str(db)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        try:
            port = next(json.loads(line)["port"] for line in server.stderr
                        if line.startswith("{") and json.loads(line).get("msg") == "serving")
            threading.Thread(target=server.stderr.read, daemon=True).start()  # a full pipe would block it
            time.sleep(20)  # let the morning fill the waiting room
            asyncio.run(shoot(port, db, "--all" in sys.argv))
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
