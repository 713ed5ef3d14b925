"""Call to screen: from a counter sending `next` until the display page in headless Chromium
has drawn the call, measured N times; beside it the counter's own round trip (`next` to its
reply) in the same run. Both clocks are this machine's wall clock (Date.now, time.time)."""

from __future__ import annotations

import asyncio
import statistics
import time

from server.wire import protocol as p
from server.wire.session import ClientSession

from .common import emit, willkommen_server

CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


async def measure(port: int, calls: int) -> tuple[list[float], list[float]]:
    from playwright.async_api import async_playwright

    url = f"ws://127.0.0.1:{port}/"
    admin = ClientSession(url, role="admin", terminal="admin", token="demo-admin-token")
    kiosk = ClientSession(url, role="kiosk", terminal="kiosk-1", token="demo-kiosk-1")
    async with admin, kiosk, async_playwright() as playwright:
        await admin.ready(), await kiosk.ready()
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        page = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await page.goto(f"http://127.0.0.1:{port}/display")
        await page.wait_for_selector("body[data-state=online]")
        await admin.request(p.Open(id=0, counter="1"))
        for i in range(calls):
            await kiosk.request(p.Draw(id=0, service="info", lang="ar", request=f"c2s-{i}"))
        to_screen, round_trip = [], []
        for i in range(calls):
            sent = time.time()
            reply = await admin.request(p.Next(id=0, counter="1"))
            round_trip.append((time.time() - sent) * 1000)
            number = reply.ticket.number
            shown = await page.wait_for_function(
                f"window.willkommen.shown.find(s => s.number === '{number}')?.at")
            to_screen.append(await shown.json_value() - sent * 1000)
            await admin.request(p.Finish(id=0, counter="1", outcome="done"))
            await asyncio.sleep(0.2)  # calls minutes apart in life; here far enough not to queue
        await browser.close()
    return to_screen, round_trip


def run(calls: int = 20) -> list[dict]:
    with willkommen_server() as (_, port):
        to_screen, round_trip = asyncio.run(measure(port, calls))
    return [emit("call_to_screen_ms", calls=calls, median=round(statistics.median(to_screen), 1),
                 max=round(max(to_screen), 1), counter_round_trip_median=round(statistics.median(round_trip), 1))]
