"""Make the README's pictures: the waiting-room screen of the running demo office in German,
Arabic and Ukrainian, the visitor's phone page waiting and called, and the printed tickets.

    .venv/bin/pip install -e '.[test]'     # Playwright (in the test extra) drives Debian's chromium
    .venv/bin/python docs/screenshots.py   # ~1 min; add --all to look at every site language at
                                           # 720p/1080p/2160p and the phone page waiting, called,
                                           # offline and 404 at 360x640 and 412x915
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
PHONES = {"360x640": (360, 640), "412x915": (412, 915)}
HUMAN = "counter-3"  # left to this script: it calls visitors for the phone pictures
HUMAN_SERVES = "('passport', 'card-pickup', 'extension')"  # what counter 3 serves

sys.path.insert(0, str(ROOT))


def site_languages() -> tuple[str, ...]:
    from config import load_site

    return load_site().languages


def token_of(db: Path, where: str) -> tuple[str, str] | None:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT number, token FROM tickets WHERE {where} ORDER BY id DESC LIMIT 1").fetchone()


class Counter3:
    """Counter 3, worked by this script: calls a waiting visitor of a language, then finishes."""

    def __init__(self, port: int, db: Path):
        from config import load_site
        from server.wire.session import ClientSession

        self.db = db
        self.session = ClientSession(f"ws://127.0.0.1:{port}/", role="counter", terminal=HUMAN,
                                     token=load_site().terminal(HUMAN).token)

    async def __aenter__(self) -> "Counter3":
        from server.wire import protocol as p

        self.session.start()
        await self.session.ready()
        await self.session.request(p.Open(id=0))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    async def call(self, lang: str) -> str | None:
        """The token of a visitor of `lang` counter 3 has just called (None: nobody waits)."""
        from server.wire import protocol as p

        found = token_of(self.db, f"state = 'waiting' AND lang = '{lang}' AND service IN {HUMAN_SERVES}")
        if not found:
            return None
        await self.session.request(p.Call(id=0, ticket=found[0]))
        return found[1]

    async def finish(self) -> None:
        from server.wire import protocol as p

        await self.session.request(p.Finish(id=0, outcome="done"))


async def settled(page) -> None:
    """A script's web font loads when its first letter shows, and the page fits again then."""
    await page.evaluate("""async () => { await document.fonts.ready;
        await new Promise(done => requestAnimationFrame(() => setTimeout(done, 100))); }""")


async def display(page, port: int, lang: str, path: Path) -> None:
    await page.goto(f"http://127.0.0.1:{port}/display?lang={lang}")
    await page.wait_for_selector("body[data-state=online]")
    await page.wait_for_function("window.willkommen.calls.length >= 5", timeout=60_000)
    await settled(page)
    await page.screenshot(path=str(path))


async def readme(browser, port: int, counter: Counter3) -> None:
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    for lang in ("de", "ar", "uk"):
        await display(page, port, lang, DOCS / f"display-{lang}.png")
    await page.close()
    phone = await browser.new_page(viewport={"width": 390, "height": 760}, device_scale_factor=2)
    _, waiting = token_of(counter.db, "state = 'waiting' AND lang = 'ar'")
    await phone.goto(f"http://127.0.0.1:{port}/t/{waiting}")
    await settled(phone)
    await phone.screenshot(path=str(DOCS / "status-ar.png"))
    await phone.goto(f"http://127.0.0.1:{port}/t/{await counter.call('ar')}")
    await phone.wait_for_selector("body.turn")
    await settled(phone)
    await phone.screenshot(path=str(DOCS / "status-ar-called.png"))
    await counter.finish()
    await phone.close()


async def every_language(browser, port: int, counter: Counter3) -> None:
    """Every site language at every screen size, and the phone page in all its states."""
    ARTIFACTS.mkdir(exist_ok=True)
    for size, (width, height) in SIZES.items():
        page = await browser.new_page(viewport={"width": width, "height": height})
        for lang in site_languages():
            await display(page, port, lang, ARTIFACTS / f"demo-{lang}-{size}.png")
        await page.close()
    for lang in site_languages():
        for size, (width, height) in PHONES.items():
            context = await browser.new_context(viewport={"width": width, "height": height},
                                                extra_http_headers={"Accept-Language": lang})
            phone = await context.new_page()
            await phone.goto(f"http://127.0.0.1:{port}/t/not-a-ticket")
            await settled(phone)
            await phone.screenshot(path=str(ARTIFACTS / f"phone-{lang}-{size}-404.png"))
            found = token_of(counter.db, f"state = 'waiting' AND lang = '{lang}'")
            if found:
                await phone.goto(f"http://127.0.0.1:{port}/t/{found[1]}")
                await settled(phone)
                await phone.screenshot(path=str(ARTIFACTS / f"phone-{lang}-{size}-waiting.png"))
                await phone.route("**/t/*.json", lambda route: route.abort())  # the server out of reach
                await phone.evaluate("ticketPage.refresh()")
                await phone.wait_for_selector("#offline:not([hidden])")
                await settled(phone)
                await phone.screenshot(path=str(ARTIFACTS / f"phone-{lang}-{size}-offline.png"))
                await phone.unroute("**/t/*.json")
            token = await counter.call(lang)
            if token:
                await phone.goto(f"http://127.0.0.1:{port}/t/{token}")
                await phone.wait_for_selector("body.turn")
                await settled(phone)
                await phone.screenshot(path=str(ARTIFACTS / f"phone-{lang}-{size}-called.png"))
                await counter.finish()
            await context.close()


async def shoot(port: int, db: Path, every: bool) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        async with Counter3(port, db) as counter:
            await readme(browser, port, counter)
            if every:
                await every_language(browser, port, counter)
        await browser.close()


def tickets() -> None:
    """A German and an Arabic ticket as the preview printer draws them (80 mm, 576 dots)."""
    from datetime import datetime

    from config import load_site
    from printing.preview import draw
    from kiosk.ticket import layout
    from server.wire import protocol as p
    from server.edge import views

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
