"""The waiting-room screen fits, reads from 5 m and stands still, in every site language, at
720p, 1080p and 2160p: one server and one Chromium for the whole module, the page's content set
by real kiosk and counter requests and the server's real pushes. `?lang=xx` holds the labels on
one language, so every language is looked at without waiting for the rotation.

Set WILLKOMMEN_SCREENSHOTS=1 to keep a PNG of every language and size in tests/artifacts/."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from config import parse_site, strings
from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession

from .browser import FIT_PROBLEMS, SIZES, axe_violations, chromium
from .conftest import ARTIFACTS, demo_data, make_site, token
from .test_manager_board import act, board_socket, cookie_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

LANGS = make_site().languages  # every site language of the demo office
FAST = 10**9  # draws a minute: a kiosk's burst of 10 refills faster than loopback can draw
SCREENSHOTS = bool(os.environ.get("WILLKOMMEN_SCREENSHOTS"))


def doubled_site():
    """The demo office with every service name twice as long."""
    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = FAST
    for service in data["services"]:
        service["names"] = {lang: f"{name} {name}" for lang, name in service["names"].items()}
    return parse_site(data, file="doubled.toml")


class Office:
    """A running server, an admin who works every counter and a kiosk."""

    def __init__(self, server: Server):
        self.server, self.url = server, f"http://127.0.0.1:{server.port}"
        self.sessions: list[ClientSession] = []
        self.drawn = 0

    async def connect(self, terminal: str) -> ClientSession:
        session = ClientSession(f"ws://127.0.0.1:{self.server.port}/", role=make_site().terminal(terminal).role,
                                terminal=terminal, token=token(terminal))
        self.sessions.append(session)
        session.start()
        await session.ready()
        return session

    async def start(self) -> "Office":
        self.admin, self.kiosk = await self.connect("admin"), await self.connect("kiosk-1")
        for counter in "12345678":
            await self.admin.request(p.Open(id=0, counter=counter))
        return self

    async def draw(self, service: str, lang: str) -> p.Reply:
        self.drawn += 1
        return await self.kiosk.request(p.Draw(id=0, service=service, lang=lang, request=f"r-{self.drawn}"))

    async def call(self, number: str, counter: str, *, recall: bool = False) -> None:
        await self.admin.request(p.Call(id=0, counter=counter, ticket=number))
        if recall:
            await self.admin.request(p.Recall(id=0, counter=counter))

    async def finish(self, counter: str) -> None:
        await self.admin.request(p.Finish(id=0, counter=counter, outcome="done"))

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()


async def busy_office(site, folder, **server_options) -> Office:
    """99 waiting for a residence permit, none for general information, four recent calls."""
    server = Server(site, folder / "office.sqlite3", always_open=True, **server_options)
    await server.start("127.0.0.1", 0)
    office = await Office(server).start()
    try:
        for _ in range(99):
            await office.draw("residence", "de")
        for service, counter in (("passport", "3"), ("extension", "4"), ("card-pickup", "1"), ("settlement", "7")):
            reply = await office.draw(service, "ar")
            await office.call(reply.ticket.number, counter)
            await office.finish(counter)
    except BaseException:
        await office.close()
        await server.stop()
        raise
    return office


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["bundled names", "names twice as long"])
async def office(request, tmp_path_factory):
    site = make_site(kiosk_draws_per_minute=FAST) if request.param == "bundled names" else doubled_site()
    office = await busy_office(site, tmp_path_factory.mktemp("office"))
    office.kind = request.param
    yield office
    await office.close()
    await office.server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def screens(browser):
    """One page per screen size, reused by every language."""
    pages = {size: await browser.new_page(viewport=viewport) for size, viewport in SIZES.items()}
    yield pages
    for page in pages.values():
        await page.close()


async def show(pages, url: str) -> None:
    async def load(page):
        await page.goto(url)
        await page.wait_for_selector("body[data-state=online]")
    await asyncio.gather(*(load(page) for page in pages.values()))


async def hold(pages, lang: str) -> None:
    """Labels in `lang` only, as `?lang=xx` would show them, without reloading."""
    for page in pages.values():
        await page.evaluate("lang => { willkommen.languages = [lang]; willkommen.rotate(); }", lang)
        await settled(page)


async def settled(page) -> None:
    """Wait until a script's web font that the new words asked for has loaded and the page has
    fitted again (its `loadingdone` handler): a visitor looks seconds later, the test at once."""
    await page.evaluate("""async () => {
        await document.fonts.ready;
        await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
    }""")


async def call_in(office: Office, pages, lang: str) -> str:
    """The newest call is a visitor of `lang`, glowing, recalled (badge)."""
    reply = await office.draw("info", lang)
    await office.call(reply.ticket.number, "2", recall=True)
    check = (f"document.getElementById('now-number').textContent === '{reply.ticket.number}'"
             " && !document.getElementById('now-repeat').hidden")
    await asyncio.gather(*(page.wait_for_function(check) for page in pages.values()))
    return reply.ticket.number


async def glowing(page) -> None:
    """Hold the newest call's glow (its first 8 s) while the test looks: on a machine so loaded
    that the look comes later, the glow would be over (the test checks the layout, not the timer)."""
    await page.evaluate("clearTimeout(glow.timer); document.getElementById('now').classList.add('fresh')")


async def problems(pages, state: str) -> dict:
    found = {}
    for size, page in pages.items():
        for problem in await page.evaluate(FIT_PROBLEMS):
            found.setdefault(f"{size} {state}", []).append(problem)
    return found


async def test_the_screen_fits_in_every_language_and_size(office, screens):
    await show(screens, f"{office.url}/display")
    found = {}
    for lang in LANGS:  # as a reload left it: four recent calls, 99 and 0 waiting
        await hold(screens, lang)
        found |= await problems(screens, f"{lang} after a reload")
    for lang in LANGS:
        await call_in(office, screens, lang)
        await hold(screens, lang)
        for page in screens.values():
            await glowing(page)
        found |= await problems(screens, f"{lang} glowing with a recall")
        if SCREENSHOTS:
            ARTIFACTS.mkdir(exist_ok=True)
            kind = "long" if "twice" in office.kind else "bundled"
            for size, page in screens.items():
                await page.screenshot(path=str(ARTIFACTS / f"display-{kind}-{lang}-{size}.png"))
        await office.finish("2")
    assert not found, f"{office.kind}: {found}"


QUEUE_SHARES = """
() => {
  const shares = [...document.querySelectorAll('#queues li:not([hidden]) *')]
    .map(e => parseFloat(getComputedStyle(e).fontSize) / innerHeight);
  return [[...document.querySelectorAll('#queues li:not([hidden])')].map(li => li.dataset.service), Math.min(...shares)];
}
"""


async def test_long_names_turn_in_more_pages_never_in_smaller_rows(office, screens):
    """Every page of queues, in every language, at 1080p: each row at 3.5 % of the height or
    more, every service on some page, and the page fits; names twice as long as the bundled
    ones take more pages, not smaller text."""
    page = screens["1080p"]
    await show({"1080p": page}, f"{office.url}/display")
    small, unseen, found = {}, {}, {}
    for lang in LANGS:
        await hold({"1080p": page}, lang)
        seen = set()
        for _ in range(7):  # turns enough for seven services, one a page
            services, share = await page.evaluate(QUEUE_SHARES)
            seen |= set(services)
            if share < FLOORS["queues"]:
                small[f"{lang} {services}"] = round(share, 4)
            found |= {f"{lang} {services}": p for p in await page.evaluate(FIT_PROBLEMS)}
            await page.evaluate("willkommen.rotate()")
            await settled(page)
        if missing := {s.id for s in office.server.site.services} - seen:
            unseen[lang] = missing
    assert not small and not unseen and not found, f"{office.kind}: {small} {unseen} {found}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bundled(tmp_path_factory):
    office = await busy_office(make_site(kiosk_draws_per_minute=FAST), tmp_path_factory.mktemp("bundled"))
    yield office
    await office.close()
    await office.server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tv(browser, bundled):
    """A 1080p screen showing the bundled office, its labels rotating through every language."""
    page = await browser.new_page(viewport=SIZES["1080p"])
    await show({"1080p": page}, f"{bundled.url}/display")
    yield page
    await page.close()


# Font sizes as shares of the screen height: the smallest of each group.
SHARES = """
() => {
  const share = (e) => parseFloat(getComputedStyle(e).fontSize) / innerHeight;
  const smallest = (elements) => Math.min(...[...elements].map(share));
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const e = walker.currentNode.parentElement;
    if (walker.currentNode.textContent.trim() && e.getClientRects().length && !e.closest('.visually-hidden, script'))
      texts.push(e);
  }
  return {
    number: share(document.getElementById('now-number')),
    counter: smallest(document.querySelectorAll('#now-counter, #now-counter-own')),
    recent: smallest(document.querySelectorAll('#calls li, #calls li span')),
    queues: smallest(document.querySelectorAll('#queues li *')),
    clock: share(document.getElementById('clock')),
    any: smallest(texts),
  };
}
"""
FLOORS = {"number": 0.20, "counter": 0.08, "recent": 0.05, "queues": 0.035, "clock": 0.035, "any": 0.03}


async def test_it_reads_from_five_metres_in_every_language(bundled, tv):
    small = {}
    for lang in LANGS:
        await call_in(bundled, {"tv": tv}, lang)
        await hold({"tv": tv}, lang)
        shares = await tv.evaluate(SHARES)
        small |= {f"{lang} {group}": round(shares[group], 4) for group, floor in FLOORS.items()
                  if shares[group] < floor}
        await bundled.finish("2")
    assert not small, f"text below its floor (share of the height): {small}"


async def test_the_screen_passes_axe_in_every_language_and_during_a_glow(bundled, tv):
    found = {}
    for lang in LANGS:
        await call_in(bundled, {"tv": tv}, lang)
        await hold({"tv": tv}, lang)
        await glowing(tv)
        if violations := await axe_violations(tv):
            found[lang] = violations
        await bundled.finish("2")
    assert not found


BOXES = """
() => Object.fromEntries([...document.querySelectorAll(
    '#now, #now-number, #now-counter, #now-counter-own, #now-text, #last, #calls li, #queues')]
  .map((e, i) => [`${i} ${e.id || e.textContent}`, JSON.stringify(e.getBoundingClientRect())]))
"""


async def test_rotating_the_label_language_moves_nothing(bundled, tv):
    await tv.evaluate("willkommen.languages = willkommen.site.languages")
    await call_in(bundled, {"tv": tv}, "ar")
    boxes = []
    for _ in LANGS:  # a full rotation
        await tv.evaluate("willkommen.rotate()")
        boxes.append(await tv.evaluate(BOXES))
    assert all(b == boxes[0] for b in boxes), [k for b in boxes for k in b if b[k] != boxes[0].get(k)]
    await bundled.finish("2")


SECOND_LINES = "() => [...document.querySelectorAll('#queues .other')].map(e => [e.textContent, e.lang])"


async def test_in_german_the_line_under_a_service_is_the_next_language_not_empty(bundled, tv):
    # in one evaluate: the page's own 6 s rotation cannot turn the labels between the turns and
    # the looks (under load one round trip to the page took longer than that)
    german, turned = await tv.evaluate(f"""() => {{
        willkommen.languages = ['de', 'uk', 'en'];
        do willkommen.rotate(); while (willkommen.rotation % 3 !== 0);  // the labels on German
        const german = ({SECOND_LINES})();
        willkommen.rotate();
        return [german, ({SECOND_LINES})()];
    }}""")
    assert german == turned  # Ukrainian, what the rotation turns to next
    assert {lang for _, lang in german} == {"uk"} and all(text for text, _ in german)
    await hold({"tv": tv}, "de")  # a German-only rotation: the site's next language
    assert {lang for _, lang in await tv.evaluate(SECOND_LINES)} == {LANGS[LANGS.index("de") + 1]}


async def test_the_glow_overlaps_nothing(bundled, tv):
    """The ring of a new call lies inside its own panel, in the panel's padding: it covers no text
    of the call and nothing beside it."""
    found = {}
    for lang in LANGS:
        await call_in(bundled, {"tv": tv}, lang)
        await hold({"tv": tv}, lang)
        await glowing(tv)
        found[lang] = await tv.evaluate("""() => {
            const now = document.getElementById('now'), ring = getComputedStyle(now, '::after');
            const problems = [];
            if (!ring.boxShadow.includes('inset')) problems.push(`the ring is drawn outside: ${ring.boxShadow}`);
            const width = Math.max(...ring.boxShadow.match(/[\\d.]+px/g).map(parseFloat));
            const box = now.getBoundingClientRect();
            const inner = {left: box.left + width, right: box.right - width, top: box.top + width, bottom: box.bottom - width};
            const walker = document.createTreeWalker(now, NodeFilter.SHOW_TEXT), range = document.createRange();
            while (walker.nextNode()) {
              if (!walker.currentNode.textContent.trim() || !walker.currentNode.parentElement.getClientRects().length) continue;
              range.selectNodeContents(walker.currentNode);
              const r = range.getBoundingClientRect(), e = walker.currentNode.parentElement;
              const border = parseFloat(getComputedStyle(e).borderTopWidth) || 0;  // the recall badge's own frame
              if (r.left < inner.left || r.right > inner.right || r.top < inner.top - border || r.bottom > inner.bottom)
                problems.push(`${walker.currentNode.textContent.trim().slice(0, 20)} under the ring`);
            }
            return problems;
        }""")
        await bundled.finish("2")
    assert not any(found.values()), found


async def test_reduced_motion_stops_the_pulse(bundled, tv):
    running = "document.getAnimations().filter(a => a.playState === 'running').length"
    await tv.emulate_media(reduced_motion="reduce")
    await call_in(bundled, {"tv": tv}, "tr")
    await glowing(tv)
    assert await tv.evaluate(running) == 0
    await tv.emulate_media(reduced_motion="no-preference")
    assert await tv.evaluate(running) > 0  # the same glow pulses for everyone else
    await bundled.finish("2")


LIVE = "[aria-live], [role=alert], [role=status], [role=log]"


async def test_a_screen_reader_hears_each_call_once(bundled, tv):
    await tv.evaluate("willkommen.languages = willkommen.site.languages")
    await tv.evaluate(f"""() => {{
        window.heard = [];
        const observer = new MutationObserver((changes) => {{
          for (const c of changes) if (c.target.closest && c.target.closest('{LIVE}') || c.target.parentElement?.closest('{LIVE}'))
            window.heard.push(document.getElementById('sr-call').textContent);
        }});
        observer.observe(document.body, {{subtree: true, childList: true, characterData: true}});
    }}""")
    number = await call_in(bundled, {"tv": tv}, "ar")
    announced = await tv.evaluate("window.heard.splice(0)")
    assert announced and all(number in text for text in announced)
    for _ in LANGS:
        await tv.evaluate("willkommen.rotate()")
    assert await tv.evaluate("window.heard") == []  # the rotating labels are no live region
    assert await tv.evaluate(f"document.querySelectorAll(':is({LIVE}) [data-word]').length") == 0
    text = await tv.inner_text("#sr-call")
    said = f"Nummer {number}, bitte zu Schalter 2. الرقم {number}، يرجى التوجه إلى الشباك 2."
    assert text.split() == said.split()
    await bundled.finish("2")


RTL = [lang for lang in LANGS if strings(lang)["direction"] == "rtl"]  # ar, fa, prs, ps


async def test_counts_and_ranges_stand_right_in_arabic_and_persian(bundled, tv):
    assert {"ar", "fa"} <= set(RTL)
    for lang in RTL:
        await hold({"tv": tv}, lang)
        # seven services turn in two pages (display.js fitQueues): show residence's and
        # measure at once, in one turn of the page's loop (its own 6 s rotation cannot come between)
        low, high, count, words = await tv.evaluate("""(selector) => {
            while (document.querySelector(selector).hidden) willkommen.rotate();
            const run = document.querySelector(selector + ' .eta span[dir=ltr]');
            const text = run.firstChild, [low] = text.textContent.split('–'), range = document.createRange();
            const left = (start, end) => { range.setStart(text, start); range.setEnd(text, end); return range.getBoundingClientRect().left; };
            const reading = [left(0, low.length), left(low.length + 1, text.textContent.length)];
            const count = document.querySelector(selector + ' .count');
            range.selectNodeContents(count.lastChild);
            return [...reading, count.querySelector('span[dir=ltr]').getBoundingClientRect().left, range.getBoundingClientRect().left];
        }""", "#queues li[data-service=residence]")
        assert low < high, f"{lang}: the range reads backwards"
        assert count > words, f"{lang}: the count stands at the start of the sentence, on the right"


# Each visible service box: where its German name, second name, count and estimate start,
# measured from the box's start edge in the reading direction (right in Arabic), and whether
# the estimate follows the count (after it on its line, or at the start of the next line).
BOX_READING = """(rtl) => [...document.querySelectorAll('#queues li:not([hidden])')].map(li => {
  const style = getComputedStyle(li), box = li.getBoundingClientRect();
  const start = rtl ? box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth)
                    : box.left + parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth);
  const text = (e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect(); };
  const from = (e) => Math.round(rtl ? start - text(e).right : text(e).left - start);
  const [count, eta] = [text(li.querySelector('.count')), text(li.querySelector('.eta'))];
  const follows = !eta.width || (eta.top >= count.bottom - 1 ? Math.abs(from(li.querySelector('.eta'))) <= 2
                                 : rtl ? eta.right <= count.left + 1 : eta.left >= count.right - 1);
  return [li.dataset.service, from(li.querySelector('.name')), from(li.querySelector('.other')),
          from(li.querySelector('.count')), follows];
})"""


@pytest.mark.parametrize("lang", [*RTL, "de", "uk"])
async def test_each_service_box_reads_in_one_direction(bundled, tv, lang):
    """Issue 23: in Arabic the German name stood at the left, the second name and the count
    at the right and the estimate in between. Now every line of a box starts at the same edge,
    the right one in a right-to-left label language, and the estimate follows the count."""
    await hold({"tv": tv}, lang)
    zigzag = []
    for _ in range(2):  # both pages of queues
        for service, name, other, count, follows in await tv.evaluate(BOX_READING, lang in RTL):
            if max(abs(name), abs(other), abs(count)) > 2 or not follows:
                zigzag.append((service, name, other, count, follows))
        await tv.evaluate("willkommen.rotate()")
        await settled(tv)
    assert not zigzag, f"{lang}: lines that do not start at the box's start edge: {zigzag}"


SCRIPTS = {"ar": "\u0600-\u06ff", "fa": "\u0600-\u06ff", "prs": "\u0600-\u06ff", "ps": "\u0600-\u06ff",
           "uk": "\u0400-\u04ff", "ru": "\u0400-\u04ff", "ti": "\u1200-\u139f"}


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "de"])
async def test_every_part_not_in_german_says_its_language(bundled, tv, lang):
    await call_in(bundled, {"tv": tv}, lang)
    await hold({"tv": tv}, lang)
    wrong = await tv.evaluate("""([lang, script]) => {
        const wrong = [];
        const own = script ? new RegExp(`[${script}]`) : null;
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const node = walker.currentNode, text = node.textContent.trim(), e = node.parentElement;
          if (!text || e.closest('script')) continue;
          const said = e.closest('[lang]').lang;
          if (own && own.test(text) && said !== lang) wrong.push(`${text} (${said})`);
          if (own && !own.test(text) && /[A-Za-zÄÖÜäöüß]{3,}/.test(text) && said !== 'de') wrong.push(`${text} (${said})`);
        }
        for (const e of document.querySelectorAll('[data-word], #queues .other, #queues .numbers, #now-counter-own, #now-text'))
          if (e.textContent.trim() && e.closest('[lang]').lang !== lang) wrong.push(`${e.textContent} (${e.closest('[lang]').lang})`);
        return wrong;
    }""", [lang, SCRIPTS.get(lang)])
    assert not wrong
    # where to go, in the caller's language as well as in German
    direction = make_site().counter("2").direction
    assert await tv.inner_text("#now-counter") == f"{direction} {strings('de')['call.counter'].format(counter='2')}"
    own = await tv.inner_text("#now-counter-own")
    assert own.replace("\u2066", "").replace("\u2069", "") == strings(lang)["call.counter"].format(counter="2")
    await bundled.finish("2")


async def test_the_recent_calls_say_which_column_is_which(bundled, tv):
    """The column heads stand over what they name, in every label language, right-to-left too."""
    found = {}
    for lang in LANGS:
        await hold({"tv": tv}, lang)
        heads = await tv.evaluate("""() => {
            const [number, counter] = [...document.querySelectorAll('#last .columns span')];
            const item = document.querySelector('#calls li');
            const text = (e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect(); };
            const middle = (r) => (r.left + r.right) / 2;
            // a head's words overlap its own column's cell and stand nearer to it than to the other's
            const over = (head, own, other) => { const h = text(head), o = own.getBoundingClientRect();
              return h.left < o.right && o.left < h.right &&
                     Math.abs(middle(h) - middle(o)) < Math.abs(middle(h) - middle(other.getBoundingClientRect())); };
            const [cellNumber, cellCounter] = [item.querySelector('.number'), item.querySelector('.counter')];
            return [number.textContent, counter.textContent,
                    over(number, cellNumber, cellCounter), over(counter, cellCounter, cellNumber)];
        }""")
        if heads != [strings(lang)["display.number"], strings(lang)["display.counter"], True, True]:
            found[lang] = heads
    assert not found


async def test_the_clock_shows_the_sites_time_not_the_tvs(browser, bundled):
    context = await browser.new_context(viewport=SIZES["720p"], timezone_id="America/Los_Angeles")
    page = await context.new_page()
    await show({"tv": page}, f"{bundled.url}/display")
    berlin = ZoneInfo(make_site().timezone)
    before = datetime.now(berlin).strftime("%H:%M")
    shown = await page.evaluate("tick(), document.getElementById('clock').textContent")  # it ticks every 10 s
    after = datetime.now(berlin).strftime("%H:%M")
    assert shown in {before, after}
    await context.close()


async def test_the_offline_banner_fits_and_passes_axe_in_every_language(bundled, tv):
    found = {}
    for lang in LANGS:
        await hold({"tv": tv}, lang)
        await tv.evaluate("setOffline(null)")  # as a dropped connection does, in the label language
        await settled(tv)
        assert await tv.inner_text("#offline") == strings(lang)["display.offline"]
        if problems := [*await tv.evaluate(FIT_PROBLEMS), *await axe_violations(tv)]:
            found[lang] = problems
    await tv.evaluate("document.getElementById('offline').hidden = true; document.body.dataset.state = 'online'")
    assert not found


async def test_after_a_reload_the_recent_calls_are_what_the_screen_shows(bundled, tv):
    called = []
    for counter in "345678":
        reply = await bundled.draw("info", "de")
        await bundled.call(reply.ticket.number, counter)
        called.append(reply.ticket.number)
    await tv.wait_for_function(f"document.getElementById('now-number').textContent === '{called[-1]}'")
    before = await tv.inner_text("#calls")
    await show({"tv": tv}, f"{bundled.url}/display")
    assert await tv.evaluate("document.querySelectorAll('#calls li').length") == 4
    assert await tv.inner_text("#calls") == before
    assert await tv.evaluate(FIT_PROBLEMS) == []
    for counter in "345678":
        await bundled.finish(counter)


async def test_blocked_sound_shows_staff_a_notice_until_one_click(bundled):
    async with chromium(autoplay=False) as strict:  # a TV browser's default: no sound before a click
        page = await strict.new_page(viewport=SIZES["1080p"])
        await show({"tv": page}, f"{bundled.url}/display")
        notice = page.locator("#sound")
        await notice.wait_for(state="visible")
        assert await notice.inner_text() == "Ton blockiert — einmal klicken"
        assert await page.evaluate(FIT_PROBLEMS) == []
        assert await axe_violations(page) == []  # the notice's contrast too
        await notice.click()
        await notice.wait_for(state="hidden")
        assert await page.evaluate("willkommen.soundBlocked") is False


NOW = """() => [...document.querySelectorAll('#now-label, #now-repeat, #now-number, #now-counter, #now-counter-own, #now-text')]
  .map(e => [e.id, e.hidden, e.lang, e.dir, e.textContent])"""


@pytest.mark.parametrize("lang", ["ar", "uk"])
async def test_a_reloaded_screen_shows_the_current_call_as_it_was_shown_live(bundled, tv, lang):
    """The welcome's snapshot carries no texts: the line that speaks to the caller in their own
    language must come back after a reload all the same, with its language and direction."""
    await tv.evaluate("willkommen.languages = ['de']; willkommen.rotate()")
    number = await call_in(bundled, {"tv": tv}, lang)
    live = await tv.evaluate(NOW)
    assert dict((e[0], e[4]) for e in live)["now-text"] == strings(lang)["call.announcement"].format(
        number=number, counter="2")
    await show({"tv": tv}, f"{bundled.url}/display?lang=de")
    assert await tv.evaluate(NOW) == live
    await bundled.finish("2")


# ---- a supervisor's announcement (the floor board) takes its own band ----------------------

LONG_ANNOUNCEMENT = {
    "de": "Wegen einer Störung der Telefonanlage bitten wir alle Besucherinnen und Besucher mit einem Termin "
          "für die Aufenthaltserlaubnis, sich heute ab 14 Uhr direkt am Schalter 3 im Erdgeschoss zu melden.",
    "ar": "بسبب عطل في نظام الهاتف، نرجو من جميع الزوار الذين لديهم موعد لتصريح الإقامة التوجه اليوم "
          "ابتداءً من الساعة الثانية ظهرًا مباشرة إلى الشباك رقم 3 في الطابق الأرضي، مع إحضار جواز السفر.",
    "uk": "Через збій телефонної системи просимо всіх відвідувачів, які мають запис на дозвіл на проживання, "
          "сьогодні з 14:00 звертатися безпосередньо до віконця 3 на першому поверсі.",
}

# Every two shown boxes of which neither holds the other meet by less than a pixel. Inline runs
# are left to their blocks (FIT_PROBLEMS keeps them inside): a run's box is its font's content
# area, taller than the tight line it stands on, so at 2160p it reaches into the next line.
OVERLAPS = r"""
() => {
  const T = 1, problems = [];
  const name = (e) => e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}.${e.className || ''} "${e.textContent.trim().slice(0, 20)}"`;
  const shown = [...document.body.querySelectorAll('*')].filter((e) => e.tagName !== 'SCRIPT' &&
      e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden' &&
      getComputedStyle(e).display !== 'inline' && !e.closest('.visually-hidden'));
  const boxes = shown.map((e) => [e, e.getBoundingClientRect()]);
  for (let i = 0; i < boxes.length; i += 1)
    for (let j = i + 1; j < boxes.length; j += 1) {
      const [a, r] = boxes[i], [b, o] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      if (Math.min(r.right, o.right) - Math.max(r.left, o.left) > T && Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top) > T)
        problems.push(`${name(a)} overlaps ${name(b)}`);
    }
  return problems;
}
"""

# Where everything stands: every shown element's box, in document order.
GEOMETRY = """() => [...document.body.querySelectorAll(
    'header, main, footer, #announcement, header *, #now, #now > *, #last, #last > *, #calls li, #queues')].filter((e) => e.getClientRects().length)
  .map((e) => `${e.id || e.tagName} ${JSON.stringify(e.getBoundingClientRect())}`)"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def announcing(tmp_path_factory):
    """An office whose supervisor has posted a long announcement in German, Arabic and Ukrainian.
    Its clock stands at noon of the site's day, so an announcement "until later today" is one at
    any hour the suite runs."""
    site = make_site(kiosk_draws_per_minute=FAST)
    berlin = datetime.now(ZoneInfo(site.timezone))
    shift = berlin.timestamp() - berlin.replace(hour=12, minute=0, second=0, microsecond=0).timestamp()
    office = await busy_office(site, tmp_path_factory.mktemp("announcing"), clock=lambda: time.time() - shift)
    ws, _ = await board_socket(office.server, await cookie_for(office.server.port))
    answer = await act(ws, type="announce", texts=LONG_ANNOUNCEMENT, until=office.server.clock() + 3600)
    assert answer["type"] == "reply", answer
    await ws.close()
    yield office
    await office.close()
    await office.server.stop()


async def test_an_announcement_takes_its_own_band_and_stands_still_as_its_languages_turn(announcing, screens):
    """With a long announcement, in every label language and at every size, with the staff's
    sound notice showing: nothing overlaps, nothing leaves the screen, nothing spills, and the
    turn of the announcement's languages moves nothing."""
    await show(screens, f"{announcing.url}/display")
    await asyncio.gather(*(page.wait_for_selector("#announcement:not([hidden])") for page in screens.values()))
    found, moved = {}, {}
    for lang in LANGS:
        await hold(screens, lang)
        for size, page in screens.items():
            await page.evaluate("soundBlocked(true)")  # the staff's notice stands in the header too
            geometry = []
            for _ in LONG_ANNOUNCEMENT:  # a full turn of the announcement's languages
                await page.evaluate("willkommenAnnouncements.rotate()")
                await settled(page)
                geometry.append(await page.evaluate(GEOMETRY))
                said = await page.evaluate("document.getElementById('announcement').lang")
                if problems := [*await page.evaluate(FIT_PROBLEMS), *await page.evaluate(OVERLAPS)]:
                    found[f"{size} {lang} announcing in {said}"] = problems
                if SCREENSHOTS and lang in ("de", "ar"):
                    ARTIFACTS.mkdir(exist_ok=True)
                    await page.screenshot(path=str(ARTIFACTS / f"display-announcement-{lang}-{said}-{size}.png"))
            if any(g != geometry[0] for g in geometry):
                moved[f"{size} {lang}"] = [line for g in geometry for line in g if line not in geometry[0]][:4]
    assert not found and not moved, f"{found} {moved}"
