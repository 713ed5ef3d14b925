"""Make the README's pictures, or an office's own: the waiting-room screen, the visitor's phone
page waiting and called, and the printed ticket, in the languages asked for.

    .venv/bin/pip install -e '.[test]'          # Playwright (in the test extra) drives Debian's chromium
    .venv/bin/python docs/screenshots.py        # the README's pictures of the demo office into docs/
    .venv/bin/python docs/screenshots.py --config /etc/willkommen/office.toml --out ~/pictures
                                                # an office's own site file: every site language

It starts its own demo server (`--demo` on a free port, a temporary database) with the site
file, works one counter and one kiosk of it itself (the first of each in the file), and stops
it again; nothing of the office's real database is touched. `--all` also writes every site
language at 720p/1080p/2160p and the phone page waiting, called, offline and 404 at 360x640
and 412x915 (into tests/artifacts/, or OUT/all with --out), to look at.
"""

from __future__ import annotations

import argparse
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
DEMO_LANGUAGES = ("de", "ar", "uk")   # the README's pictures of the demo office

sys.path.insert(0, str(ROOT))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="docs/screenshots.py", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=None,
                        help="the site file to picture (default: the bundled demo office)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the pictures, made if missing (default: docs/ for the demo office; "
                             "with --config: ./screenshots)")
    parser.add_argument("--languages", default=None,
                        help="comma-separated site languages to picture (default: de,ar,uk for the demo office, "
                             "every site language with --config)")
    parser.add_argument("--all", action="store_true",
                        help="also every site language at three screen sizes and the phone page in all its states")
    parser.add_argument("--wait", type=float, default=20.0,
                        help="seconds the demo runs before the first picture, to fill the waiting room (default 20)")
    args = parser.parse_args(argv)
    site = load(args.config)
    args.out = args.out or (Path("screenshots") if args.config else DOCS)
    args.all_out = (args.out / "all") if args.config or args.out != DOCS else ARTIFACTS
    wanted = args.languages.split(",") if args.languages else (site.languages if args.config else DEMO_LANGUAGES)
    unknown = [lang for lang in wanted if lang not in site.languages]
    if unknown:
        parser.error(f"not a language of the site: {', '.join(unknown)} (it has {', '.join(site.languages)})")
    args.languages = tuple(wanted)
    return args


def load(config: Path | None):
    from config import load_site

    return load_site(config)


def first(site, role: str) -> str:
    return next(t.id for t in site.terminals if t.role == role and (role != "counter" or t.counter))


def token_of(db: Path, where: str, params: tuple = ()) -> tuple[str, str] | None:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT number, token FROM tickets WHERE {where} ORDER BY id DESC LIMIT 1",
                            params).fetchone()


class Desk:
    """One counter and one kiosk of the site, worked by this script: the kiosk draws a ticket
    in a language, the counter calls it, then finishes."""

    def __init__(self, site, port: int, db: Path):
        from server.wire.session import ClientSession

        self.site, self.db = site, db
        self.counter_id, kiosk = first(site, "counter"), first(site, "kiosk")
        counter = site.counter(site.terminal(self.counter_id).counter)
        self.service = counter.services[0]
        url = f"ws://127.0.0.1:{port}/"
        self.session = ClientSession(url, role="counter", terminal=self.counter_id,
                                     token=site.terminal(self.counter_id).token)
        self.kiosk = ClientSession(url, role="kiosk", terminal=kiosk, token=site.terminal(kiosk).token)
        self.drawn = 0

    async def __aenter__(self) -> "Desk":
        from server.wire import protocol as p

        for session in (self.session, self.kiosk):
            session.start()
            await session.ready()
        await self.session.request(p.Open(id=0, services=[self.service]))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()
        await self.kiosk.close()

    async def draw(self, lang: str) -> str:
        """A waiting visitor of `lang`: its status token."""
        from server.wire import protocol as p

        self.drawn += 1
        reply = await self.kiosk.request(p.Draw(id=0, service=self.service, lang=lang, request=f"pictures-{self.drawn}"))
        return reply.ticket.token

    async def call(self, lang: str) -> str:
        """The token of a visitor of `lang` this counter has just called."""
        from server.wire import protocol as p

        await self.draw(lang)
        number, token = token_of(self.db, "state = 'waiting' AND lang = ? AND service = ?", (lang, self.service))
        await self.session.request(p.Call(id=0, ticket=number))
        return token

    async def finish(self) -> None:
        from server.wire import protocol as p

        await self.session.request(p.Finish(id=0, outcome=next(iter(self.site.outcomes))))


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


async def readme(browser, port: int, desk: Desk, languages: tuple[str, ...], out: Path) -> None:
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    for lang in languages:
        await display(page, port, lang, out / f"display-{lang}.png")
    await page.close()
    phone = await browser.new_page(viewport={"width": 390, "height": 760}, device_scale_factor=2)
    for lang in [lang for lang in languages if lang != "de"] if out != DOCS else ["ar"]:
        await phone.goto(f"http://127.0.0.1:{port}/t/{await desk.draw(lang)}")
        await settled(phone)
        await phone.screenshot(path=str(out / f"status-{lang}.png"))
        await phone.goto(f"http://127.0.0.1:{port}/t/{await desk.call(lang)}")
        await phone.wait_for_selector("body.turn")
        await settled(phone)
        await phone.screenshot(path=str(out / f"status-{lang}-called.png"))
        await desk.finish()
    await phone.close()


async def every_language(browser, port: int, desk: Desk, out: Path) -> None:
    """Every site language at every screen size, and the phone page in all its states."""
    out.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page = await browser.new_page(viewport={"width": width, "height": height})
        for lang in desk.site.languages:
            await display(page, port, lang, out / f"demo-{lang}-{size}.png")
        await page.close()
    for lang in desk.site.languages:
        for size, (width, height) in PHONES.items():
            context = await browser.new_context(viewport={"width": width, "height": height},
                                                extra_http_headers={"Accept-Language": lang})
            phone = await context.new_page()
            await phone.goto(f"http://127.0.0.1:{port}/t/not-a-ticket")
            await settled(phone)
            await phone.screenshot(path=str(out / f"phone-{lang}-{size}-404.png"))
            await phone.goto(f"http://127.0.0.1:{port}/t/{await desk.draw(lang)}")
            await settled(phone)
            await phone.screenshot(path=str(out / f"phone-{lang}-{size}-waiting.png"))
            await phone.route("**/t/*.json", lambda route: route.abort())  # the server out of reach
            await phone.evaluate("ticketPage.refresh()")
            await phone.wait_for_selector("#offline:not([hidden])")
            await settled(phone)
            await phone.screenshot(path=str(out / f"phone-{lang}-{size}-offline.png"))
            await phone.unroute("**/t/*.json")
            await phone.goto(f"http://127.0.0.1:{port}/t/{await desk.call(lang)}")
            await phone.wait_for_selector("body.turn")
            await settled(phone)
            await phone.screenshot(path=str(out / f"phone-{lang}-{size}-called.png"))
            await desk.finish()
            await context.close()


async def shoot(site, port: int, db: Path, args: argparse.Namespace) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        async with Desk(site, port, db) as desk:
            await readme(browser, port, desk, args.languages, args.out)
            if args.all:
                await every_language(browser, port, desk, args.all_out)
        await browser.close()


def ticket_blocks(site, lang: str, number: str, service: str) -> list:
    """A ticket as the kiosk lays it out, in the site's catalogue of `lang` (the kiosk gets the
    site's own words from the server, an added language's too)."""
    from datetime import datetime

    from kiosk.ticket import layout
    from server.wire import protocol as p
    from server.edge import views

    issued = datetime(2026, 11, 24, 8, 41).timestamp()
    ticket = p.TicketView(number=number, service=service, lang=lang, state="waiting", issued_at=issued,
                          token="GzT0ken-for-the-README")
    return layout(views.site(site), p.Reply(re=1, ticket=ticket, ahead=4, eta=(15, 25)), lang=lang,
                  words=site.words(lang))


def tickets(site, languages: tuple[str, ...], out: Path, demo: bool) -> None:
    """Tickets as the preview printer draws them (80 mm, 576 dots): for the README a German
    and an Arabic one, for an office one per language asked for."""
    from printing.preview import draw

    shown = [("de", "B012", "extension"), ("ar", "A017", "residence")] if demo else [
        (lang, f"{site.services[0].prefix}017", site.services[0].id) for lang in languages]
    for lang, number, service in shown:
        draw(ticket_blocks(site, lang, number, service), 576).save(out / f"ticket-{lang}.png")


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    site = load(args.config)
    args.out.mkdir(parents=True, exist_ok=True)
    tickets(site, args.languages, args.out, demo=args.config is None and args.out == DOCS)
    humans = [arg for terminal in (first(site, "counter"), first(site, "kiosk")) for arg in ("--human", terminal)]
    config = ["--config", str(args.config.resolve())] if args.config else []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.sqlite3"
        server = subprocess.Popen([sys.executable, "-m", "server", "--demo", "--speed", "40", "--port", "0",
                                   *config, *humans, "--db", str(db)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        try:
            port = next(json.loads(line)["port"] for line in server.stderr
                        if line.startswith("{") and json.loads(line).get("msg") == "serving")
            threading.Thread(target=server.stderr.read, daemon=True).start()  # a full pipe would block it
            time.sleep(args.wait)  # let the morning fill the waiting room
            asyncio.run(shoot(site, port, db, args))
        finally:
            server.terminate()
            server.wait()
    print(f"screenshots.py: pictures in {args.out}" + (f" and {args.all_out}" if args.all else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
