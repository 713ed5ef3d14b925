"""The counter in the browser: from the clerk's key press (N) on the counter page in headless
Chromium until the waiting-room display page shows the call, beside the same call sent by a
websocket counter client (`next`, as the Textual counter sends it) in the same run, on the same
display page. The ratio page / client is the counter page's cost (goal: at most 1.5).

The real server in its own process; the page signed in as the demo's clerk anna at counter 1,
the client the terminal counter-2 (both serve "info"). Calls alternate between the two, each
finished before the next. Clocks: the browser's Date.now() (key press, display) for the page,
this machine's wall clock for the client's send, the display's Date.now() for both screens:
all the same machine's wall clock."""

from __future__ import annotations

import asyncio
import statistics
import time

from server.wire import protocol as p
from server.wire.session import ClientSession

from .call_to_screen import CHROMIUM
from .common import emit, willkommen_server

PRESSED = """() => { window.pressedAt = 0;
  document.addEventListener("keydown", () => { window.pressedAt = Date.now(); }, {capture: true}); }"""


async def shown_at(display, number: str) -> float:
    handle = await display.wait_for_function(f"window.willkommen.shown.find(s => s.number === '{number}')?.at")
    return await handle.json_value()


async def measure(port: int, calls: int) -> tuple[list[float], list[float]]:
    from playwright.async_api import async_playwright

    url = f"ws://127.0.0.1:{port}/"
    client = ClientSession(url, role="counter", terminal="counter-2", token="demo-counter-2")
    kiosk = ClientSession(url, role="kiosk", terminal="kiosk-1", token="demo-kiosk-1")
    async with client, kiosk, async_playwright() as playwright:
        await client.ready(), await kiosk.ready()
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        display = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await display.goto(f"http://127.0.0.1:{port}/display")
        await display.wait_for_selector("body[data-state=online]")
        page = await browser.new_page(viewport={"width": 1366, "height": 768})
        await page.goto(f"http://127.0.0.1:{port}/counter")
        await page.fill("#name", "anna")
        await page.fill("#password", "demo-anna")
        await page.press("#password", "Enter")
        await page.wait_for_selector("#picker:not([hidden]) button")
        await page.keyboard.press("1")  # anna's first counter: 1
        await page.wait_for_selector("body[data-state=online]")
        await page.evaluate(PRESSED)
        for k in "oo":
            await page.keyboard.press(k)
        await page.wait_for_function("window.willkommenCounter.screen?.desk === 'open'")
        await client.request(p.Open(id=0, services=["info"]))
        for i in range(2 * calls):
            await kiosk.request(p.Draw(id=0, service="info", lang="ar", request=f"cp-{i}"))
        by_page, by_client = [], []
        for _ in range(calls):
            await page.keyboard.press("n")
            handle = await page.wait_for_function("window.willkommenCounter.screen?.current?.number")
            number = await handle.json_value()
            by_page.append(await shown_at(display, number) - await page.evaluate("window.pressedAt"))
            await page.keyboard.press("f")
            await page.keyboard.press("1")
            await page.wait_for_function("!window.willkommenCounter.screen?.current")
            await asyncio.sleep(0.2)  # calls minutes apart in life; here far enough not to queue
            sent = time.time() * 1000
            number = (await client.request(p.Next(id=0))).ticket.number
            by_client.append(await shown_at(display, number) - sent)
            await client.request(p.Finish(id=0, outcome="done"))
            await asyncio.sleep(0.2)
        await browser.close()
    return by_page, by_client


def run(calls: int = 20) -> list[dict]:
    with willkommen_server() as (_, port):
        by_page, by_client = asyncio.run(measure(port, calls))
    page, client = statistics.median(by_page), statistics.median(by_client)
    return [emit("counter_page_call_to_screen_ms", calls=calls, page_median=round(page, 1),
                 page_max=round(max(by_page), 1), client_median=round(client, 1),
                 client_max=round(max(by_client), 1), ratio_median=round(page / client, 2))]
