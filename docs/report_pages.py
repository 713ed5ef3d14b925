"""The monthly report's pages as pictures for the README: a month of the demo office
(`willkommen-server demo-month`), its report as the server's report worker makes it, each page
through poppler's `pdftoppm` (Debian's poppler-utils) into docs/report-page-N.png; and the
statistics page of that month (docs/stats.png), signed in to the real server in Debian's
chromium.

    .venv/bin/python docs/report_pages.py [--month 2026-11] [--pages 1,2,11]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import load_site  # noqa: E402
from server.demo.month import fill  # noqa: E402
from server.manager.stats.tables import Period  # noqa: E402
from server.manager.stats.worker import Job, make  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--pages", default="", help="which pages to keep, e.g. 1,2,11 (default: all)")
    args = parser.parse_args()
    site = load_site()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "month.sqlite3"
        fill(site, db, args.month)
        month = Period.parse("month", args.month, today=f"{args.month}-01")
        made = make(Job("/report.pdf", str(db), site, month.first, month.last, "service", "9999-12-31", time.time()))
        pdf = Path(folder) / "report.pdf"
        pdf.write_bytes(made.body)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(Path(folder) / "page")], check=True)
        pages = sorted(Path(folder).glob("page-*.png"))
        keep = {int(n) for n in args.pages.split(",") if n} or set(range(1, len(pages) + 1))
        for old in (ROOT / "docs").glob("report-page-*.png"):
            old.unlink()
        for n, page in enumerate(pages, 1):
            if n in keep:
                (ROOT / "docs" / f"report-page-{n}.png").write_bytes(page.read_bytes())
        stats_page(db, args.month)
    print(f"{len(pages)} pages; kept {sorted(keep)} in docs/report-page-N.png; docs/stats.png")


def stats_page(db: Path, month: str) -> None:
    import asyncio
    import json

    from demo_server import signed_in
    from playwright.async_api import async_playwright

    async def shoot(port: int) -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = await browser.new_page(viewport={"width": 1400, "height": 1100})
            await signed_in(page, port)
            await page.goto(f"http://127.0.0.1:{port}/stats?period=month&value={month}&by=service")
            await page.screenshot(path=str(ROOT / "docs" / "stats.png"))
            await browser.close()

    server = subprocess.Popen([sys.executable, "-m", "server", "--port", "0", "--db", str(db)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True)
    try:
        port = next(json.loads(line)["port"] for line in server.stderr
                    if line.startswith("{") and json.loads(line).get("msg") == "serving")
        asyncio.run(shoot(port))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
