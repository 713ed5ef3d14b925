"""Visitor feedback in headless Chromium on a real server: the phone page asks "How was your
visit?" once the visit is done and sends one answer (Arabic, and the language whose words are
longest); it fits 360 x 640 and 412 x 915 in every site language and passes axe-core, asking
and thanked. The exit terminal fits 1280 x 720, 1920 x 1080 and a portrait 800 x 1280 in
every language, passes axe-core, takes one tap per visitor, and keeps a tap the server's rate
refused until the server takes it.

Set WILLKOMMEN_SCREENSHOTS=1 to keep PNGs of both pages in tests/artifacts/."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
import pytest_asyncio

from config import strings

from .browser import FIT_PROBLEMS, axe_violations, chromium
from .conftest import ARTIFACTS, make_site
from .test_display_fit import FAST, LANGS, Office, settled
from .test_feedback import Clock
from server.edge.app import Server

pytestmark = pytest.mark.asyncio(loop_scope="module")

PHONES = {"360x640": {"width": 360, "height": 640}, "412x915": {"width": 412, "height": 915}}
TERMINALS = {"720p": {"width": 1280, "height": 720}, "1080p": {"width": 1920, "height": 1080},
             "portrait": {"width": 800, "height": 1280}}
SCREENSHOTS = bool(os.environ.get("WILLKOMMEN_SCREENSHOTS"))


def longest_language() -> str:
    """The site language whose feedback words are longest: it fits if every other one does."""
    return max(LANGS, key=lambda lang: sum(len(v) for k, v in strings(lang).items() if k.startswith("feedback.")))


def answers(path) -> list[dict]:
    conn = sqlite3.connect(path)
    try:
        return [json.loads(d) for (d,) in conn.execute("SELECT data FROM events WHERE kind = 'feedback_given'")]
    finally:
        conn.close()


def shot(name: str) -> str | None:
    if not SCREENSHOTS:
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def office(tmp_path_factory):
    ticks = Clock(1000.0)  # the server's monotonic clock: the terminal's rate moves only when the test says
    server = Server(make_site(kiosk_draws_per_minute=FAST), tmp_path_factory.mktemp("feedback") / "office.sqlite3",
                    always_open=True, monotonic=ticks)
    await server.start("127.0.0.1", 0)
    office = await Office(server).start()
    office.ticks = ticks
    yield office
    await office.close()
    await server.stop()


async def draw(office: Office, service: str, lang: str):
    office.ticks.now += 1.0  # the kiosk's burst refills (draws a minute: FAST)
    return await office.draw(service, lang)


async def finished(office: Office, lang: str) -> str:
    reply = await draw(office, "residence", lang)
    await office.call(reply.ticket.number, "3")
    await office.finish("3")
    return reply.ticket.token


async def look(page, name: str) -> list[str]:
    """Fit problems and axe-core violations of the page as it is now."""
    await settled(page)
    if SCREENSHOTS:
        await page.screenshot(path=shot(name))
    return [*await page.evaluate(FIT_PROBLEMS), *await axe_violations(page)]


# ---- the phone page ------------------------------------------------------------------------

async def test_the_question_fits_every_language_at_phone_sizes_and_passes_axe(browser, office):
    page = await browser.new_page()
    found = {}
    for lang in LANGS:  # the page loaded once a language, looked at in each phone's size
        token = await finished(office, lang)
        await page.goto(f"{office.url}/t/{token}")
        for size, viewport in PHONES.items():
            await page.set_viewport_size(viewport)
            assert await page.is_visible("#feedback-form") and await page.is_visible(".face-5")
            assert await page.inner_text("#feedback-question") == strings(lang)["feedback.question"]
            problems = await look(page, f"feedback-phone-{lang}-{size}")
            if problems:
                found[f"{lang} {size}"] = problems
    await page.close()
    assert not found, found


@pytest.mark.parametrize("lang", ["ar", longest_language()])
async def test_a_visitor_answers_on_the_phone_once(browser, office, lang):
    words = strings(lang)
    page = await browser.new_page(viewport=PHONES["360x640"])
    reply = await draw(office, "info", lang)
    await page.goto(f"{office.url}/t/{reply.ticket.token}")
    assert await page.is_hidden("#feedback")  # waiting: no question yet
    await office.call(reply.ticket.number, "2")
    await office.finish("2")
    await page.evaluate("ticketPage.refresh()")  # the page left open since the waiting room asks
    await page.wait_for_selector("#feedback-form", state="visible")
    before = len(answers(office.server.db_path))

    send = page.get_by_role("button", name=words["feedback.send"], exact=True)
    assert await send.is_disabled()  # a face first
    await page.get_by_role("radio", name=words["feedback.good"], exact=True).check()  # faces are named, not colours
    await page.get_by_role("checkbox", name=words["feedback.reason.friendly"], exact=True).check()
    await page.get_by_role("checkbox", name=words["feedback.reason.waited_too_long"], exact=True).check()
    await send.click()
    await page.wait_for_selector("#feedback-thanks:not(:empty)")
    assert await page.inner_text("#feedback-thanks") == words["feedback.thanks"]
    assert await page.is_hidden("#feedback-form")
    assert await look(page, f"feedback-phone-{lang}-thanked") == []
    stored = answers(office.server.db_path)[before:]
    assert [(a["service"], a["lang"], a["score"], a["reasons"], a["source"]) for a in stored] == [
        ("info", lang, 4, ["waited_too_long", "friendly"], "phone")]

    await page.reload()  # answered: the thank-you, not the question again
    assert await page.is_hidden("#feedback-form")
    assert await page.inner_text("#feedback-thanks") == words["feedback.thanks"]
    await page.close()
    assert len(answers(office.server.db_path)) == before + 1


async def test_two_open_pages_of_one_ticket_count_once(browser, office):
    token = await finished(office, "fa")
    first, second = [await browser.new_page(viewport=PHONES["412x915"]) for _ in range(2)]
    before = len(answers(office.server.db_path))
    for page in (first, second):  # both open before either answers (two tabs, a forwarded link)
        await page.goto(f"{office.url}/t/{token}")
    for page, score in ((first, "1"), (second, "5")):
        await page.check(f".face-{score} input")
        await page.click("#feedback-send")
        await page.wait_for_selector("#feedback-thanks:not(:empty)")
    assert await second.evaluate("ticketFeedback.answer.code") == "already_answered"  # thanked all the same
    assert [a["score"] for a in answers(office.server.db_path)[before:]] == [1]
    for page in (first, second):
        await page.close()


# ---- the exit terminal ---------------------------------------------------------------------

TERMINAL = "/feedback?terminal=feedback-exit&token=demo-feedback-exit"


async def test_the_terminal_fits_every_language_and_size_and_passes_axe(browser, office):
    found = {}
    for size, viewport in TERMINALS.items():
        page = await browser.new_page(viewport=viewport)
        await page.goto(office.url + TERMINAL)
        for lang in LANGS:
            await page.evaluate("lang => feedbackTerminal.hold(lang)", lang)
            assert await page.get_attribute("#question", "lang") == lang
            assert await page.get_attribute("#question", "dir") == strings(lang)["direction"]
            assert await page.inner_text(".face-1 .label") == strings(lang)["feedback.very_bad"]
            problems = await look(page, f"feedback-terminal-{lang}-{size}")
            if problems:
                found[f"{lang} {size}"] = problems
        await page.close()
    assert not found, found


async def test_one_tap_per_visitor_and_a_tap_over_the_rate_waits_its_turn(browser, office):
    page = await browser.new_page(viewport=TERMINALS["720p"])
    await page.goto(office.url + TERMINAL)
    await page.evaluate("feedbackTerminal.hold('tr')")
    before = len(answers(office.server.db_path))
    thanked = await page.evaluate("feedbackTerminal.thanked")
    await page.get_by_role("button", name=strings("tr")["feedback.very_good"], exact=True).click()
    await page.wait_for_function(f"feedbackTerminal.thanked === {thanked + 1}")
    assert await page.inner_text("#thanks") == strings("tr")["feedback.thanks"]
    assert await look(page, "feedback-terminal-thanks") == []
    await page.click(".face-1", force=True)  # during the thank-you: the next visitor's tap is not taken
    assert await page.evaluate("feedbackTerminal.pending.length") == 0

    for _ in range(3):  # the server's burst is 3 taps: the third of these is one too many
        await page.evaluate("feedbackTerminal.ready()")  # as the thank-you's timer does
        await page.click(".face-2")
    await page.wait_for_function("feedbackTerminal.pending.length === 1 && feedbackTerminal.thanked === "
                                 f"{thanked + 3}")
    assert await page.is_hidden("#staff")  # the visitor saw thanks; nothing for staff to do
    assert len(answers(office.server.db_path)) == before + 3
    office.ticks.now += 5.0  # 12 a minute: room for one more
    await page.evaluate("feedbackTerminal.send()")  # the page's retry timer, without waiting for it
    await page.wait_for_function(f"feedbackTerminal.pending.length === 0 && feedbackTerminal.thanked === {thanked + 4}")
    assert [(a["score"], a["source"], a["service"], a["lang"]) for a in answers(office.server.db_path)[before:]] == [
        (5, "terminal", "", ""), (2, "terminal", "", ""), (2, "terminal", "", ""), (2, "terminal", "", "")]
    await page.close()


async def test_a_terminal_with_a_wrong_token_tells_staff_and_counts_nothing(browser, office):
    page = await browser.new_page(viewport=TERMINALS["1080p"])
    await page.goto(office.url + "/feedback?terminal=feedback-exit&token=not-the-token")
    before = len(answers(office.server.db_path))
    await page.click(".face-3")
    await page.wait_for_selector("#staff:not([hidden])")
    assert await page.inner_text("#staff") == strings("de", "staff")["feedback.terminal_refused"]
    assert await page.evaluate("feedbackTerminal.refused.code") == "not_allowed"
    assert await axe_violations(page) == []
    assert len(answers(office.server.db_path)) == before
    await page.close()


async def test_taps_made_while_the_server_is_away_are_sent_when_it_is_back(browser, tmp_path):
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    page = await browser.new_page(viewport=TERMINALS["720p"])
    await page.clock.install()  # the page's clock runs on, but the test can skip it ahead
    try:
        await page.goto(f"http://127.0.0.1:{port}{TERMINAL}")
        await page.wait_for_function("feedbackTerminal.connected")
        await server.stop()
        await page.wait_for_function("!feedbackTerminal.connected")
        await page.click(".face-5")
        await page.wait_for_selector("#staff:not([hidden])")  # staff learn that answers wait
        assert await page.inner_text("#staff") == strings("de", "staff")["feedback.offline"]
        assert await page.evaluate("feedbackTerminal.pending.length") == 1

        server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
        await server.start("127.0.0.1", port)
        await page.clock.fast_forward(5_000)  # the page's next try (feedback-terminal.js RETRY_MS) is due now
        await page.wait_for_function("feedbackTerminal.thanked === 1 && feedbackTerminal.pending.length === 0",
                                     timeout=60_000)  # the page's reconnect brings it
        assert await page.is_hidden("#staff")
        assert [a["score"] for a in answers(server.db_path)] == [5]
    finally:
        await page.close()
        await server.stop()


FACE_SIDES = """() => [...document.querySelectorAll('.face')].map(face => {
    const svg = face.querySelector('svg').getBoundingClientRect(), label = face.querySelector('.label').getBoundingClientRect();
    return svg.left >= label.right ? 'right' : svg.right <= label.left ? 'left' : 'over';
})"""


@pytest.mark.parametrize("lang", ["ar", "de"])
async def test_in_portrait_each_face_stands_where_its_words_start(browser, office, lang):
    """Portrait puts each face beside its word: on the right in a right-to-left language, where
    reading starts, on the left in a left-to-right one. The row of faces itself keeps its order."""
    page = await browser.new_page(viewport=TERMINALS["portrait"])
    await page.goto(office.url + TERMINAL)
    for shown in (lang, "de" if lang == "ar" else "ar", lang):  # and after a turn of the language
        await page.evaluate("lang => feedbackTerminal.hold(lang)", shown)
        await settled(page)
    side = "right" if strings(lang)["direction"] == "rtl" else "left"
    assert await page.evaluate(FACE_SIDES) == [side] * 5
    tops = await page.evaluate("[...document.querySelectorAll('.face')].map(f => f.getBoundingClientRect().top)")
    assert tops == sorted(tops)  # very bad on top, very good at the bottom, in every language
    await page.set_viewport_size(TERMINALS["720p"])
    lefts = await page.evaluate("[...document.querySelectorAll('.face')].map(f => f.getBoundingClientRect().left)")
    assert lefts == sorted(lefts)  # landscape: very bad on the left, in Arabic too
    await page.close()
