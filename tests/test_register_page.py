"""The visitor's registration for the day's places by lot (/register) in headless Chromium on a
real server: every site language fits a 360 x 640 phone, 1280 x 720 and 1920 x 1080 (the page
may scroll down, never sideways) and passes axe-core, as sent and with every field's error
shown; `lang` and `dir` are right (Arabic, Persian, Dari, Pashto right to left); only the
services given by lot are offered; the form is used with the keyboard alone; the office's texts
are shown as text; the privacy notice says what registering keeps.

Set WILLKOMMEN_SCREENSHOTS=1 to keep PNGs in tests/artifacts/ (register-<lang>-<size>.png)."""

from __future__ import annotations

import dataclasses
import os

import pytest
import pytest_asyncio

from config import strings
from config.access import Access
from server.edge.app import Server

from .browser import FIT_PROBLEMS, axe_violations, chromium
from .conftest import ARTIFACTS, http_get, make_site
from .test_display_fit import LANGS, settled
from .test_feedback_pages import PHONES

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIZES = {"360x640": PHONES["360x640"], "720p": {"width": 1280, "height": 720},
         "1080p": {"width": 1920, "height": 1080}}
SCREENSHOTS = bool(os.environ.get("WILLKOMMEN_SCREENSHOTS"))
RTL = {"ar", "fa", "prs", "ps"}


def longest_language() -> str:
    """The site language whose registration words are longest: it fits if every other one does."""
    return max(LANGS, key=lambda lang: sum(len(v) for k, v in strings(lang).items() if k.startswith("register.")))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def office(tmp_path_factory):
    """The demo office with two services given by lot (the demo gives one)."""
    site = make_site()
    site = dataclasses.replace(site, access=dataclasses.replace(site.access, services=("residence", "extension")))
    server = Server(site, tmp_path_factory.mktemp("register") / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    server.url = f"http://127.0.0.1:{server.port}"
    yield server
    await server.stop()


async def look(page, name: str) -> list[str]:
    """What does not fit (the page may scroll down) and what axe-core finds, as the page is now."""
    await page.evaluate("window.scrollTo(0, 0)")  # the checks measure from the page's top
    await settled(page)
    if SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return [*await page.evaluate(FIT_PROBLEMS, True), *await axe_violations(page)]


async def test_the_form_fits_every_language_and_size_and_passes_axe(browser, office):
    found = {}
    page = await browser.new_page()
    for lang in LANGS:
        words = strings(lang)
        await page.goto(f"{office.url}/register?lang={lang}")
        assert await page.get_attribute("html", "lang") == lang
        assert await page.get_attribute("html", "dir") == ("rtl" if lang in RTL else "ltr")
        assert await page.inner_text("h1") == words["register.title"]
        # the empty form at each size, then (one page load a language) with its errors at each size
        for size, viewport in SIZES.items():
            await page.set_viewport_size(viewport)
            found[f"{lang} {size}"] = await look(page, f"register-{lang}-{size}")
        await page.click("#send")  # nothing filled in: every field says what is missing
        await page.wait_for_selector("#name-error:not([hidden])")
        for size, viewport in SIZES.items():
            await page.set_viewport_size(viewport)
            found[f"{lang} {size}"] += [f"with errors: {p}" for p in await look(page, f"register-{lang}-{size}-errors")]
    await page.close()
    found = {k: v for k, v in found.items() if v}
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


async def test_the_page_explains_the_lottery_in_the_visitors_language(browser, office):
    page = await browser.new_page(viewport=PHONES["360x640"])
    for lang in ("ar", "de"):
        words = strings(lang)
        await page.goto(f"{office.url}/register?lang={lang}")
        explained = await page.inner_text(".explain")
        assert words["register.speed"] in explained and words["register.bound"] in explained
        assert "06:05" in explained.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")) or "6:05" in explained
        assert await page.get_attribute(".privacy a", "href") == f"/privacy?lang={lang}"
    await page.close()


async def test_each_language_is_offered_in_its_own_name_and_direction(browser, office):
    page = await browser.new_page(viewport=PHONES["360x640"])
    await page.goto(f"{office.url}/register?lang=de")
    links = await page.eval_on_selector_all(
        "nav.languages a", "links => links.map(a => [a.lang, a.dir, a.textContent, a.getAttribute('href')])")
    assert links == [[lang, "rtl" if lang in RTL else "ltr", strings(lang)["language_name"], f"/register?lang={lang}"]
                     for lang in LANGS]
    await page.click("nav.languages a[lang=ps]")
    await page.wait_for_url("**/register?lang=ps")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.inner_text("h1") == strings("ps")["register.title"]
    await page.close()


async def test_the_phones_language_is_chosen_without_asking(browser, office):
    status, _, body = await http_get(f"{office.url}/register")  # urllib sends no Accept-Language
    assert status == 200 and '<html lang="de"' in body.decode()
    context = await browser.new_context(locale="fa-AF")  # Dari, as an Afghan phone asks
    page = await context.new_page()
    await page.goto(f"{office.url}/register")
    assert await page.get_attribute("html", "lang") == "prs"
    await context.close()


async def test_only_the_services_given_by_lot_are_offered(browser, office):
    page = await browser.new_page(viewport=PHONES["360x640"])
    await page.goto(f"{office.url}/register?lang=en")
    offered = await page.eval_on_selector_all("input[name=service]", "boxes => boxes.map(b => b.value)")
    assert offered == ["residence", "extension"]
    assert await page.eval_on_selector_all("input[name=service]:checked", "boxes => boxes.length") == 0
    await page.close()


async def test_the_form_is_filled_in_with_the_keyboard_alone(browser, office):
    page = await browser.new_page(viewport=PHONES["360x640"])
    await page.goto(f"{office.url}/register?lang=en")
    await page.focus("input[name=service]")
    await page.keyboard.press("ArrowDown")   # a radio group moves and chooses with the arrows
    assert await page.eval_on_selector("input[name=service]:checked", "b => b.value") == "extension"
    typed = {"#name": "Amina Haddad", "#birth-day": "7", "#birth-month": "3", "#birth-year": "1991"}
    for selector, text in typed.items():
        await page.keyboard.press("Tab")
        if selector == "#name":
            assert await page.evaluate("document.activeElement.id") == "name"
        await page.keyboard.type(text)
    for selector, text in typed.items():
        assert await page.input_value(selector) == text
    await page.keyboard.press("Enter")      # sends the form from any field
    await page.wait_for_function("window.registerPage.answers.length > 0 || !document.getElementById('error').hidden")
    await page.close()


async def test_a_wrong_birth_date_is_said_at_its_field_and_focused(browser, office):
    page = await browser.new_page(viewport=PHONES["360x640"])
    await page.goto(f"{office.url}/register?lang=ar")
    await page.check("input[value=residence]")
    await page.fill("#name", "Amina Haddad")
    for selector, text in {"#birth-day": "31", "#birth-month": "2", "#birth-year": "1990"}.items():
        await page.fill(selector, text)  # the 31st of February
    await page.click("#send")
    await page.wait_for_selector("#birth-error:not([hidden])")
    assert await page.inner_text("#birth-error") == strings("ar")["register.error.bad_birth_date"]
    assert await page.get_attribute("#birth-day", "aria-invalid") == "true"
    assert await page.evaluate("document.activeElement.id") == "birth-day"
    assert await page.is_hidden("#name-error") and await page.is_hidden("#services-error")
    assert await page.evaluate("window.registerPage.answers") == []  # nothing went to the server
    await page.close()


async def test_the_offices_texts_are_shown_as_text(browser, tmp_path):
    site = make_site(name="<b>Amt</b> [bold]x[/]")
    services = tuple(dataclasses.replace(s, names={**s.names, "en": "<img src=x onerror=alert(1)> & <i>A</i>"})
                     if s.id == "residence" else s for s in site.services)
    site = dataclasses.replace(site, services=services, access=Access(services=("residence",), secret="x" * 16))
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        page = await browser.new_page(viewport=PHONES["360x640"])
        await page.goto(f"http://127.0.0.1:{server.port}/register?lang=en")
        assert await page.inner_text(".office") == "<b>Amt</b> [bold]x[/]"
        assert await page.inner_text(".service span") == "<img src=x onerror=alert(1)> & <i>A</i>"
        assert await page.locator("main img:not(.qr), main b, main i").count() == 0
        assert await page.is_checked("input[value=residence]")  # the only service: chosen already
        await page.close()
    finally:
        await server.stop()


async def test_the_privacy_notice_says_what_registering_keeps(browser, office):
    page = await browser.new_page(viewport=PHONES["360x640"])
    await page.goto(f"{office.url}/privacy?lang=ar")
    assert strings("ar")["register.privacy_text"] in await page.inner_text("main")
    back = page.locator(".privacy-back a")   # the way back to the form, in the visitor's language
    assert await back.get_attribute("href") == "/register?lang=ar" and await back.inner_text() == strings("ar")["register.title"]
    assert await look(page, "register-privacy-ar") == []
    await page.close()


async def test_a_places_code_is_drawn_as_a_qr_code_of_the_code_alone(office):
    status, headers, body = await http_get(f"{office.url}/register/qr/A7K-92QX.svg")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml"
    assert body.startswith(b"<svg") and b"<title>A7K-92QX</title>" in body
    status, _, _ = await http_get(f"{office.url}/register/qr/%3Cscript%3E.svg")
    assert status == 404


async def test_an_office_without_places_by_lot_has_no_registration_page(tmp_path):
    site = make_site()
    server = Server(dataclasses.replace(site, access=Access()), tmp_path / "o.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        for path in ("/register", "/register?lang=ar", "/register/register.js"):
            status, _, _ = await http_get(f"http://127.0.0.1:{server.port}{path}")
            assert status == 404, path
    finally:
        await server.stop()
