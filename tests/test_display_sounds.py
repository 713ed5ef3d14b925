"""What the waiting room hears (issue 23): an announcement's recordings in its languages play
one after another, not all at once, and a call that comes meanwhile waits for the last of them
(calls and announcements share one queue). Real server with espeak-ng's recordings; the page in
Chromium, whose audio elements are timed by a stub that "plays" each for a second of the page's
clock and then ends (the test moves that clock on: no second is waited for; the announcement's
three seconds outlast the call's gong, so a call that did not wait would sound over it)."""

from __future__ import annotations

import pytest

from server.edge.app import Server
from server.visitors.speech import Speech
from server.wire import protocol as p
from server.wire.session import ClientSession

from .browser import chromium
from .conftest import make_site, noon_clock, token

pytestmark = pytest.mark.skipif(Speech().engine is None, reason="espeak-ng is not installed")

TIMED_SOUNDS = """
window.sounds = [];
HTMLMediaElement.prototype.play = function () {
  const sound = {src: this.src, start: performance.now(), end: null};
  window.sounds.push(sound);
  setTimeout(() => { sound.end = performance.now(); this.dispatchEvent(new Event('ended')); }, 1000);
  return Promise.resolve();
};
"""


async def played(page, condition: str, step: int) -> None:
    """Move the page's clock on, `step` ms at a time (its timers fire in their order within a
    step), until `condition` holds: a minute of the page's time at most."""
    for _ in range(60_000 // step):
        if await page.evaluate(condition):
            return
        await page.clock.run_for(step)
    raise AssertionError(f"not after a minute of the page's time: {condition}")


async def test_an_announcements_languages_and_a_call_never_sound_at_once(tmp_path):
    site = make_site()
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=noon_clock(site))  # an hour left today
    await server.start("127.0.0.1", 0)
    sessions = [ClientSession(f"ws://127.0.0.1:{server.port}/", role=t.split("-")[0], terminal=t, token=token(t))
                for t in ("kiosk-1", "counter-5")]
    try:
        for session in sessions:
            session.start()
            await session.ready()
        kiosk, counter = sessions
        await counter.request(p.Open(id=0))
        await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="ar-1"))
        texts = {"de": "Heute schließt das Amt um 12 Uhr.", "ar": "يغلق المكتب اليوم الساعة 12.",
                 "en": "The office closes at 12 today."}
        await server.writer.submit(lambda now: server.office.announce(announcement="a1", texts=texts,
                                                                      until=now + 3600, by="test", now=now))
        async with chromium() as browser:
            page = await browser.new_page()
            # the gong's 1.9 s and each sound's second run on the page's clock, which the test moves
            # on: the call below surely comes while the announcement's first sound still plays
            await page.clock.install()
            await page.add_init_script(TIMED_SOUNDS)
            await page.goto(f"http://127.0.0.1:{server.port}/display")
            await page.wait_for_selector("body[data-state=online]")
            await played(page, "window.sounds.length >= 1", 100)   # the announcement has begun
            await counter.request(p.Next(id=0))                      # a call comes meanwhile
            await page.wait_for_function("window.willkommen.queued.length === 1")
            await played(page, "window.sounds.length >= 6 && window.sounds.every(s => s.end)", 500)
            sounds = await page.evaluate("window.sounds")
            heard = await page.evaluate("window.willkommen.heard.map(h => (h.announcement ? 'a:' : 'c:') + h.lang)")
    finally:
        for session in sessions:
            await session.close()
        await server.stop()
    assert heard == ["a:de", "a:ar", "a:en", "c:de", "c:ar", "c:en"]   # the announcement whole, then the call
    ordered = sorted(sounds, key=lambda s: s["start"])
    overlaps = [(a["src"], b["src"]) for a, b in zip(ordered, ordered[1:]) if b["start"] < a["end"]]
    assert not overlaps, overlaps
