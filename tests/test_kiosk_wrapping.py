"""A long right-to-left text on the kiosk's terminal reads from its first line down: it is broken
into lines in reading order at the widget's width, and each line is then put in display order
(kiosk/paragraph.py). Broken after reordering, a two-line Arabic hint showed its end on top."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.geometry import Region

from config import parse_site
from kiosk.app import KioskApp, PrivacyScreen, StartScreen
from kiosk.shaping import for_terminal, lines_for_terminal
from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import demo_data, examples, token

HINTS = {  # long enough to take two or three lines of a service button at every size below
    "ar": "يرجى إحضار جواز السفر الساري وصورة بيومترية حديثة وشهادة تسجيل السكن قبل موعدك",
    "fa": "لطفاً گذرنامه معتبر و عکس بیومتریک جدید و گواهی ثبت محل سکونت را همراه بیاورید",
}
SIZES = [(80, 24), (100, 30), (120, 40)]


@pytest.fixture
async def office(tmp_path):
    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = 100_000
    data["services"][0]["hints"].update(HINTS)
    site = parse_site(data, file="default.toml")
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def kiosk(server) -> KioskApp:
    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                            token=token("kiosk-1"), backoff=(0.05, 0.2))
    return KioskApp(session, idle_seconds=60)


async def until(pilot, condition, timeout: float = 30.0) -> None:  # generous: a loaded CI machine
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def laid_out(app, selector: str) -> bool:
    found = app.screen.query(selector)
    return bool(found) and found.first().region.area > 0


def lines_on_screen(widget) -> list[str]:
    """What the terminal shows of `widget`, line by line, without its border and blanks."""
    strips = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    return [line for strip in strips if (line := strip.text.strip(" ▔▁▊▎"))]


def words_in_display_order(text: str, first: bool) -> str:
    """The first (or last) two words of `text` as a terminal shows them."""
    words = text.split()
    return for_terminal(" ".join(words[:2] if first else words[-2:]))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["ar", "fa"])
async def test_a_long_service_hint_reads_from_its_first_line_down(office, lang, size):
    app = kiosk(office)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
        await pilot.click(f"#lang-{lang}")
        await until(pilot, lambda: laid_out(app, "#service-residence"))
        await pilot.pause()
        shown = lines_on_screen(app.screen.query_one("#service-residence"))
        hint = shown[1:]   # the service's name, then its hint
        assert len(hint) >= 2, shown   # the hint does take more than one line here
        assert words_in_display_order(HINTS[lang], first=True) in hint[0], shown
        assert words_in_display_order(HINTS[lang], first=False) in hint[-1], shown


@pytest.mark.parametrize("size", [(100, 30), (120, 40)])
@pytest.mark.parametrize("lang", ["ar", "fa"])
async def test_the_privacy_notice_reads_from_its_first_line_down(office, lang, size):
    app = kiosk(office)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
        await pilot.click(f"#lang-{lang}")
        await until(pilot, lambda: laid_out(app, "#privacy"))
        await pilot.click("#privacy")
        await until(pilot, lambda: isinstance(app.screen, PrivacyScreen) and laid_out(app, "#privacy-text"))
        await pilot.pause()
        shown = lines_on_screen(app.screen.query_one("#privacy-text"))
        first = app.words(lang)["privacy.text"].format(days=90).split("\n")[0]
        assert len(shown) >= 2
        assert words_in_display_order(first, first=True) in shown[0], shown


LETTERS = st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
WORDS = st.lists(st.text(LETTERS, min_size=1, max_size=8), min_size=1, max_size=30)


@given(words=WORDS, width=st.integers(min_value=8, max_value=60))
@settings(max_examples=examples(200))
def test_lines_keep_the_reading_order_and_the_width(words, width):
    shown = lines_for_terminal(" ".join(words), width, joined=False)
    assert all(cell_len(line) <= width for line in shown)
    # unjoined, a line of letters and spaces is its reading order reversed
    assert " ".join(line[::-1] for line in shown).split() == words
