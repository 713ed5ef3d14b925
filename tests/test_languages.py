"""Any visitor language by one file: BCP 47 tags, catalogues beside the site file sent to the
terminals, names from the locale data, the kiosk in every language (issue 16).

The test site is the demo office (de en ar fa tr uk ru fr, and Dari, Pashto, Tigrinya) with
Kurmanji and Somali added the way an office adds them: a catalogue in `strings/` beside the site
file (tests/sites/visitors)."""

from __future__ import annotations

import asyncio
import json
import shutil
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import ConfigError, load_site, parse_site, strings
from config.languages import canonical, name, negotiate
from counter.board import Words
from kiosk.app import KioskApp, ServiceScreen, StartScreen, for_terminal
from printing.printers import open_printer
from server.wire.session import ClientSession

from .conftest import EVERY_SCRIPT, VISITORS, demo_data, http_get, visitors_site
from .test_kiosk_app import laid_out

SIZE = (140, 44)


def test_every_catalogue_of_the_test_site_is_complete():
    site = visitors_site()
    assert set(EVERY_SCRIPT) <= set(site.languages) and len(site.languages) == 13
    german = set(site.words("de"))
    for lang in site.languages:
        assert set(site.words(lang)) == german, lang
        assert site.words(lang)["call.announcement"] != site.words("de")["call.announcement"] or lang == "de"
    # names and directions from the locale data, not from a table
    assert [site.words(lang)["language_name"] for lang in EVERY_SCRIPT] == [
        "ትግርኛ", "پښتو", "دری", "Kurdî (kurmancî)", "Soomaali"]
    assert [site.words(lang)["direction"] for lang in EVERY_SCRIPT] == ["ltr", "rtl", "rtl", "ltr", "ltr"]
    assert strings("kmr") == strings("de")  # Kurmanji is not bundled: only the site has it


def site_with_catalogue(tmp_path, lang: str, edit) -> str:
    """Load the test site with `strings/<lang>.toml` changed by `edit`; the error's text."""
    folder = tmp_path / "strings"
    shutil.copytree(VISITORS / "strings", folder, dirs_exist_ok=True)
    path = folder / f"{lang}.toml"
    path.write_text(edit(path.read_text(encoding="utf-8") if path.exists() else ""), encoding="utf-8")
    data = demo_data()
    data["site"]["languages"] += ["so"]
    data["site"]["strings"] = "strings"
    with pytest.raises(ConfigError) as info:
        parse_site(data, file="office.toml", folder=tmp_path)
    return str(info.value)


@pytest.mark.parametrize("lang, edit, message", [
    ("so", lambda t: t.replace('back = "Dib u noqo"\n', ""),
     "strings/so.toml: kiosk.back: missing (a catalogue has every key of de.toml)"),
    ("so", lambda t: t.replace("[kiosk]\n", '[kiosk]\nextra = "x"\n'), "strings/so.toml: kiosk.extra: unknown key (the keys are those of de.toml)"),
    ("so", lambda t: t.replace("miiska {counter}.", "miiska."),
     "strings/so.toml: call.announcement: 'Lambarka {number}, fadlan u gudub miiska.' must use {counter}, "
     "{number}, as de.toml does"),
    ("so", lambda t: t.replace('[call]', '[call'), "strings/so.toml: not valid TOML (Expected ']' at the end of a "
                                                   "table declaration (at line 4, column 6))"),
    ("de", lambda t: 'welcom = "Hallo"\n', "strings/de.toml: welcom: unknown key (the keys are those of de.toml)"),
])
def test_a_broken_catalogue_is_refused_in_one_line_naming_its_file_and_key(tmp_path, lang, edit, message):
    assert site_with_catalogue(tmp_path, lang, edit) == message


def test_a_site_language_without_a_catalogue_is_refused(tmp_path):
    data = demo_data()
    data["site"]["languages"] += ["am"]
    with pytest.raises(ConfigError) as info:
        parse_site(data, file="office.toml", folder=tmp_path)
    assert str(info.value) == ('office.toml: site.languages[11]: no catalogue for "am": add a folder named by '
                               'site.strings with am.toml with every key of de.toml')
    (tmp_path / "strings").mkdir()
    with pytest.raises(ConfigError) as info:
        parse_site(data, file="office.toml", folder=tmp_path)
    assert str(info.value) == ('office.toml: site.languages[11]: no catalogue for "am": add strings/am.toml '
                               'with every key of de.toml')


def test_a_file_beside_the_site_overrides_single_bundled_words(tmp_path):
    (tmp_path / "strings").mkdir()
    (tmp_path / "strings" / "en.toml").write_text('[kiosk]\nwelcome = "Welcome to Musterstadt"\n', encoding="utf-8")
    office = tmp_path / "office.toml"
    shutil.copy(VISITORS.parent.parent.parent / "config" / "default.toml", office)
    site = load_site(office)
    assert site.words("en")["kiosk.welcome"] == "Welcome to Musterstadt"
    assert site.words("en")["kiosk.back"] == strings("en")["kiosk.back"]  # the rest stays bundled


@pytest.mark.parametrize("written, problem", [
    ("fa-af", None), ("TI-er", None), ("prs", None),
    ("Arabic", '"Arabic" must be a BCP 47 language tag such as "ar", "prs", "fa-AF" or "ku-Latn"'),
    ("xq", '"xq" is not a language of the Unicode locale data (CLDR)'),
    ("de", '"de" is listed twice'),
])
def test_site_languages_are_bcp47_tags(written, problem):
    data = demo_data()
    data["site"]["languages"] = ["de", written]
    data["site"]["announce_languages"] = []
    data["site"]["voices"] = {}
    data["terminals"][10]["languages"] = ["de"]
    for table in (*data["documents"].values(), *(s["names"] for s in data["services"]),
                  *(s["hints"] for s in data["services"]), *data["outcomes"].values(),
                  *(p[key] for p in data["partners"] for key in ("name", "helps", "hours"))):
        text = table.get("fa", table["de"])  # any text: the tag is what is tested
        table.clear()
        table.update({"de": text, written: text})
    if problem is None:  # written in any case, kept in BCP 47's (fa-AF, ku-Latn)
        site = parse_site(data, file="office.toml")
        assert site.languages == ("de", canonical(written)) and site.service("info").names[canonical(written)]
    else:
        with pytest.raises(ConfigError) as info:
            parse_site(data, file="office.toml")
        assert str(info.value) == f"office.toml: site.languages[1]: {problem}"


@pytest.mark.parametrize("accept, site, expected", [
    ("ps,fa;q=0.8,en;q=0.5", ("de", "prs", "ps"), "ps"),
    ("fa-AF,fa;q=0.9", ("de", "fa", "prs"), "prs"),     # Dari's two spellings are one language
    ("prs", ("de", "fa-AF"), "fa-AF"),
    ("kmr", ("de", "ku-Latn"), "ku-Latn"),
    ("ku-Arab", ("de", "ckb"), "ckb"),                   # Kurdish in Arabic letters: Sorani
    ("ku-Arab,de;q=0.5", ("de", "kmr", "ckb"), "ckb"),   # ... not Kurmanji, written in Latin
    ("ku-Latn", ("de", "ckb", "kmr"), "kmr"),
    ("ku", ("de", "kmr"), "kmr"),
    ("de-AT,en;q=0.3", ("de", "en"), "de"),
    ("en;q=0, ar", ("de", "en", "ar"), "ar"),            # q=0: not English
    ("ar;q=0.4,ti;q=0.9", ("de", "ar", "ti"), "ti"),     # quality, not order
    ("xx, *", ("de", "en"), None),
    ("", ("de",), None),
])
def test_a_browsers_languages_are_matched_the_bcp47_way(accept, site, expected):
    assert negotiate(accept, site) == expected


@given(st.lists(st.sampled_from(["de", "en", "ar", "fa", "prs", "ps", "ti", "kmr", "so", "fa-AF", "ku-Latn", "ckb",
                                 "ku-Arab", "am"]),
                min_size=1, max_size=5, unique=True),
       st.text(alphabet="abcdefghijklmnopqrstuvwxyzAFLR-,;=.0123456789 *", max_size=40))
def test_negotiation_answers_a_site_language_or_none_for_any_header(site, header):
    assert negotiate(header, site) in (*site, None)
    for tag in site:  # a browser asking for exactly a site language gets it
        assert negotiate(f"{tag},xx;q=0.5", site) == tag


def test_the_clerk_reads_language_names_from_the_locale_data():
    assert [Words("de").language(lang) for lang in ("prs", "ps", "ti", "kmr", "so", "fa-AF")] == [
        "Dari", "Paschtu", "Tigrinya", "Kurdisch", "Somali", "Dari"]
    assert Words("en").language("ti") == "Tigrinya" and name("uk") == "Українська"


async def test_the_welcome_carries_the_catalogues_a_terminal_needs(visitors_server):
    url = f"ws://127.0.0.1:{visitors_server.port}/"
    token = visitors_server.site.terminal

    async def welcome(terminal):
        session = ClientSession(url, role=token(terminal).role, terminal=terminal, token=token(terminal).token)
        session.start()
        await session.ready()
        await session.close()
        return session.welcome

    kiosk, counter = await welcome("kiosk-1"), await welcome("counter-1")
    assert set(kiosk.strings) == set(visitors_server.site.languages)
    assert kiosk.strings["so"]["kiosk.welcome"] == "Soo dhowow" and kiosk.strings["kmr"]["language_name"]
    assert counter.strings == {}
    status, _, body = await http_get(f"http://127.0.0.1:{visitors_server.port}/display/strings.json")
    assert json.loads(body)["kmr"]["display.now"] == "Tê gazîkirin"


@pytest.mark.parametrize("accept, lang", [("kmr,de;q=0.5", "kmr"), ("fa-AF", "prs"), ("ti-ER", "ti"),
                                          ("so-SO,en;q=0.8", "so"), ("sw", "de")])
async def test_the_phones_404_page_speaks_the_phones_language(visitors_server, accept, lang):
    import urllib.request
    from urllib.error import HTTPError

    def get():
        request = urllib.request.Request(f"http://127.0.0.1:{visitors_server.port}/t/nosuchtoken1.json",
                                         headers={"Accept-Language": accept})
        try:
            urllib.request.urlopen(request, timeout=10)
        except HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, page = await asyncio.to_thread(get)
    assert status == 404 and page["lang"] == lang
    assert page["headline"] == visitors_server.site.words(lang)["status.unknown"]


async def until(pilot, condition, timeout: float = 30.0) -> None:  # generous: a loaded CI machine
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


async def test_the_kiosk_shows_every_language_from_the_servers_catalogues(visitors_server):
    site = visitors_server.site
    session = ClientSession(f"ws://127.0.0.1:{visitors_server.port}/", role="kiosk", terminal="kiosk-1",
                            token=site.terminal("kiosk-1").token)
    app = KioskApp(session, printer=open_printer("dummy:"), idle_seconds=60)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and app.screen.query("#tap")  # composed
                    and str(app.screen.query_one("#tap").render()))
        start = app.screen
        greeted = set()
        for _ in range(start.rotations()):  # one rotation greets every language
            greeted.add(str(start.query_one("#welcome").render()))
            greeted.add(str(start.query_one("#tap").render()))
            start.rotate()
        for lang in site.languages:  # the server's words (kmr, so: no file on the kiosk's side)
            assert any(app.shown(lang, site.words(lang)["kiosk.welcome"]) in line for line in greeted), lang
            assert any(app.shown(lang, site.words(lang)["kiosk.tap_language"]) in line for line in greeted), lang
        for lang in EVERY_SCRIPT:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
            button = app.screen.query_one(f"#lang-{lang}")
            assert str(button.label) == app.shown(lang, site.words(lang)["language_name"])
            await pilot.click(f"#lang-{lang}")
            # a pushed screen is not composed at once (its grid later still): wait for what is read
            await until(pilot, lambda: isinstance(app.screen, ServiceScreen) and laid_out(app, "#question")
                        and laid_out(app, "#service-info"))
            assert str(app.screen.query_one("#question").render()) == app.shown(
                lang, site.words(lang)["kiosk.choose_service"])
            label = str(app.screen.query_one("#service-info").label)
            assert label.startswith(app.shown(lang, site.service("info").names[lang]))
            await pilot.click("#back")
            await until(pilot, lambda: isinstance(app.screen, StartScreen))
        assert app.unjoined == {"ps"}  # Pashto has letters without presentation forms


async def test_a_language_the_welcome_brings_no_catalogue_for_is_not_offered_in_german(visitors_server):
    """A server that sends no catalogue for a site language (an older one): the kiosk leaves the
    language out instead of showing a second "Deutsch" button with German words behind it."""
    site = visitors_server.site
    session = ClientSession(f"ws://127.0.0.1:{visitors_server.port}/", role="kiosk", terminal="kiosk-1",
                            token=site.terminal("kiosk-1").token)
    app = KioskApp(session, printer=open_printer("dummy:"), idle_seconds=60)
    connected = session.on_state

    def without_kurmanji(up: bool) -> None:
        if up:
            session.welcome.strings.pop("kmr", None)
        connected(up)

    session.on_state = without_kurmanji
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and app.screen.query("#lang-so"))
        buttons = {str(button.id): str(button.label) for button in app.screen.query(".language")}
        assert "lang-kmr" not in buttons and len(buttons) == len(site.languages) - 1
        assert list(buttons.values()).count("Deutsch") == 1


def presentation_forms(text: str) -> int:
    return sum(0xFB50 <= ord(ch) <= 0xFEFF for ch in text)


def test_pashto_on_a_terminal_keeps_every_letter_unjoined_in_right_to_left_order():
    text = "ښه راغلاست! ستاسو شمېره: ګډوډ ټکټ څه ځای ږ ړ ڼ ۍ"
    joined = for_terminal(text)
    unjoined = for_terminal(text, joined=False)
    # joined shaping turns some letters into presentation forms and leaves ښ ګ ... as they are
    assert presentation_forms(joined) > 0
    assert presentation_forms(unjoined) == 0
    letters = [ch for ch in text if unicodedata.category(ch) == "Lo"]
    assert [ch for ch in unjoined if unicodedata.category(ch) == "Lo"] == letters[::-1]
    dari = visitors_site().words("prs")["kiosk.welcome"]
    assert presentation_forms(for_terminal(dari)) == len(dari.replace(" ", ""))  # Dari joins fully


async def test_an_announcement_in_pashto_stands_right_to_left_on_the_display(visitors_server, browser):
    """The display's banner takes its direction from the text, so Dari and Pashto (not only
    Arabic and Persian) stand right to left."""
    server = visitors_server
    texts = {"de": "Heute schließt das Amt um 12 Uhr.", "ps": "نن دفتر په ۱۲ بجو تړل کېږي."}
    await server.writer.submit(lambda now: server.office.announce(announcement="a1", texts=texts,
                                                                  until=now + 3600, by="test", now=now))
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    await page.goto(f"http://127.0.0.1:{server.port}/display")
    banner = "document.getElementById('announcement')"
    await page.wait_for_function(f"{banner}.textContent !== ''", timeout=20_000)  # the page's first poll
    # each language in turn, turned by the page's test hook instead of waited for (6 s each)
    await page.evaluate("willkommenAnnouncements.rotate()")
    await page.wait_for_function(f"{banner}.lang === 'ps'", timeout=20_000)
    assert await page.evaluate(f"getComputedStyle({banner}).direction") == "rtl"
    await page.evaluate("willkommenAnnouncements.rotate()")
    await page.wait_for_function(f"{banner}.lang === 'de'", timeout=20_000)
    assert await page.evaluate(f"getComputedStyle({banner}).direction") == "ltr"
    await page.close()


def office_with(tmp_path, edit=lambda text: text, site_edit=lambda text: text):
    """The README's one step on a copy of the demo's site file: Somali's and Kurmanji's files in
    strings/ beside it (`edit` changes so.toml), the two tags added to site.languages."""
    (tmp_path / "strings").mkdir()
    for lang in ("so", "kmr"):
        text = (VISITORS / "strings" / f"{lang}.toml").read_text(encoding="utf-8")
        (tmp_path / "strings" / f"{lang}.toml").write_text(edit(text) if lang == "so" else text, encoding="utf-8")
    site_file = (VISITORS.parent.parent.parent / "config" / "default.toml").read_text(encoding="utf-8")
    listed = 'languages = ["de", "en", "ar", "fa", "tr", "uk", "ru", "fr", "prs", "ps", "ti"]'
    assert listed in site_file
    office = tmp_path / "office.toml"
    office.write_text(site_edit(site_file.replace(listed, listed[:-1] + ', "so", "kmr"]')), encoding="utf-8")
    return load_site(office)


def test_a_language_is_added_by_its_file_and_its_tag_alone(tmp_path):
    site = office_with(tmp_path)
    assert site.languages[-2:] == ("so", "kmr")
    assert site.service("residence").names["so"] == "Ruqsadda degganaanshaha (codsiga koowaad)"
    assert site.service("residence").documents["kmr"][0] == "Pasaport"
    assert site.outcomes["done"]["so"] == "La dhammeeyay" and site.words("so")["kiosk.welcome"] == "Soo dhowow"
    assert "office.services.residence" not in site.words("so")  # the office's texts are not UI words


@pytest.mark.parametrize("edit, site_edit, message", [
    (lambda t: t.replace("[office.documents]\n", '[office.documents]\nvisa = "Fiiso"\n'), None,
     'strings/so.toml: office.documents.visa: office.toml has no document "visa"'),
    (lambda t: t.replace("[office.services]", '[office.counters]\nx = "y"\n[office.services]'), None,
     "strings/so.toml: office.counters.x: unknown key (office texts are office.services.<id>, office.hints.<id>, "
     "office.documents.<id>, office.outcomes.<id> and office.partners.<id>.name, .helps, .hours)"),
    (lambda t: t.replace('info = "Macluumaad guud"\n', ""), None,
     'strings/so.toml: office.services.info: missing: office.toml has the service "info" and no text for it in "so"'),
    (lambda t: t.replace('photo = "Sawir biyoometrik ah"\n', ""), None,
     'strings/so.toml: office.documents.photo: missing: office.toml has the document "photo" and no text for it in "so"'),
    (lambda t: t, lambda t: t.replace('de = "Erledigt"\n', 'de = "Erledigt"\nso = "Dhammaaday"\n'),
     'strings/so.toml: office.outcomes.done: office.toml gives it too (outcomes.done.so): keep one of the two'),
    (lambda t: t, lambda t: t.replace('de = "Allgemeine Auskunft"\n', 'de = "Allgemeine Auskunft"\nso = "Macluumaad"\n'),
     'strings/so.toml: office.services.info: office.toml gives it too (services[5].names.so): keep one of the two'),
])
def test_an_office_text_in_a_catalogue_that_does_not_fit_the_site_file_is_refused(tmp_path, edit, site_edit, message):
    with pytest.raises(ConfigError) as info:
        office_with(tmp_path, edit, site_edit or (lambda t: t))
    assert str(info.value) == message
