"""Make the README's picture of the network's page: three offices' November (two with three
demo days each, one with a day of four visitors), signed in as the coordinator.
`python docs/network_screenshot.py` (needs Debian's chromium)."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.async_api import async_playwright

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

from config import default_path, parse_site  # noqa: E402
from server.demo.month import Month  # noqa: E402
from server.network.listener import NetworkServer  # noqa: E402
from server.network.settings import parse_network  # noqa: E402
from server.network.summary import Day, from_office  # noqa: E402

CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]


async def shoot() -> None:
    import tomllib

    site = parse_site(tomllib.loads(default_path().read_text(encoding="utf-8")), file="default.toml")
    hash_ = site.person("manager").password_hash  # the demo's public password, on this machine only
    offices = {"wetzlar": "Ausländerbehörde Wetzlar", "giessen": "Ausländerbehörde Gießen",
               "marburg": "Ausländerbehörde Marburg"}
    network = parse_network({"network": {"name": "Netzwerk Willkommensbehörden Hessen"},
                             "people": [{"name": "koordination", "role": "network", "password_hash": hash_}],
                             "offices": [{"id": o, "name": n, "token": f"{o}-token-0123456789"}
                                         for o, n in offices.items()]})
    with tempfile.TemporaryDirectory() as folder:
        server = NetworkServer(network, Path(folder) / "network.sqlite3")
        for office, seed in (("wetzlar", 3), ("giessen", 9)):
            month = Month(site, Path(folder) / f"{office}.sqlite3", seed)
            for day in (2, 3, 4, 5, 6):
                month.day(date(2026, 11, day))
            month.close()
            with sqlite3.connect(Path(folder) / f"{office}.sqlite3") as conn:
                server.store.put_days(office, from_office(conn, "2026-11-01", "2026-11-30"), received_at="")
        server.store.put_days("marburg", [Day(day="2026-11-05", visitors=4, languages={"ti": 3, "de": 1})],
                              received_at="")
        await server.start("127.0.0.1", 0)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            await page.goto(f"http://127.0.0.1:{server.port}/signin")
            await page.fill("#name", "koordination")
            await page.fill("#password", "demo-manager")
            await page.click("button[type=submit]")
            await page.wait_for_url("**/network")
            await page.screenshot(path=str(DOCS / "network.png"))
            await browser.close()
        await server.stop()


if __name__ == "__main__":
    asyncio.run(shoot())
