"""The floor board names languages and services in the signed-in person's board language
(`[[people]] lang`, German by default): CLDR's language names, the site file's service
names where it has that language, German where it has not. Two viewers in two languages
each get their own frames."""

from __future__ import annotations

import pytest

from config import ConfigError, languages, parse_site
from server.wire import protocol as p
from server.edge.app import Server

from .conftest import demo_data, token
from .test_config import broken
from .test_manager_board import signed_in_page

READER_ROW = "#interpreters tr[data-lang='ar'] th"


def site_with_reader_in(lang: str):
    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = 100_000
    next(person for person in data["people"] if person["name"] == "reader")["lang"] = lang
    next(person for person in data["people"] if person["name"] == "manager")["lang"] = "en"
    return parse_site(data, file="default.toml")


@pytest.fixture
async def office(tmp_path):
    server = Server(site_with_reader_in("it"), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def test_each_viewer_reads_names_in_their_board_language(office, browser):
    from server.wire.session import ClientSession

    async with ClientSession(f"ws://127.0.0.1:{office.port}/", role="kiosk", terminal="kiosk-1",
                             token=token("kiosk-1")) as kiosk:
        await kiosk.ready()
        await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="n-1", interpreter=True))
        manager = await signed_in_page(browser, office)                       # lang = "en"
        reader = await signed_in_page(browser, office, "reader", "demo-reader")  # lang = "it"
        for page in (manager, reader):
            await page.wait_for_selector(READER_ROW)
        residence = office.site.service("residence")
        assert "it" not in residence.names and residence.names["en"] != residence.names["de"]

        assert await manager.inner_text(READER_ROW) == "Arabic"
        assert await manager.inner_text("#queues tr[data-service='residence'] th") == residence.names["en"]
        assert await manager.inner_text("label[for='text-prs']") == languages.name("prs", "en")
        assert await reader.inner_text(READER_ROW) == languages.name("ar", "it") == "Arabo"
        assert await reader.get_attribute(READER_ROW, "lang") == "it"
        # no Italian name in the site file: the German one
        assert await reader.inner_text("#queues tr[data-service='residence'] th") == residence.names["de"]

        # a later change reaches each viewer in their own language
        await kiosk.request(p.Draw(id=0, service="extension", lang="ti", request="n-2", interpreter=True))
        ti = "#interpreters tr[data-lang='ti'] th"
        for page in (manager, reader):
            await page.wait_for_selector(ti)
        assert await manager.inner_text(ti) == languages.name("ti", "en") == "Tigrinya"
        assert await reader.inner_text(ti) == languages.name("ti", "it")


def test_an_alert_names_its_service_in_the_viewers_language():
    from server.manager.board import Alert, Alerts

    from server.manager.words import StaffWords

    alerts = Alerts()
    alerts.update({"uncovered:residence": Alert("uncovered:residence", "uncovered", {"waiting": 2}, 1.0,
                                                service="residence")}, 1.0)
    assert alerts.view(StaffWords("en"), lambda s: "Residence permit")["alerts"][0]["text"] == \
        "Residence permit: 2 waiting and no counter open for it"
    assert alerts.view(StaffWords("de"), lambda s: "Aufenthaltstitel")["alerts"][0]["text"] == \
        "Aufenthaltstitel: 2 wartend, kein Schalter dafür geöffnet"
    # an Italian board language: names in Italian, the words German (no staff catalogue in Italian)
    assert alerts.view(StaffWords("it"), lambda s: "Permesso")["alerts"][0]["text"].startswith("Permesso: 2 wartend")


def test_a_board_language_that_is_not_a_language_is_refused():
    assert broken(lambda d: d["people"][0].update(lang="English")) == (
        'default.toml: people[0].lang: "English" must be a BCP 47 language tag of the Unicode locale data (CLDR), '
        'such as "en" or "de"')
    with pytest.raises(ConfigError):
        site_with_reader_in("xx")


async def test_the_board_names_kiosks_and_displays_as_the_site_file_does(server, terminal, browser):
    """Issue 24: staff read "Kiosk Eingang links", not the terminal's id "kiosk-1", in the
    alerts and the tables; a terminal without a name keeps its id."""
    site = server.site
    assert site.terminal("kiosk-1").name == "Eingang links" and site.terminal_name("counter-1") == "counter-1"
    await terminal("display-ground")
    kiosk = await terminal("kiosk-2")
    await kiosk.request(p.Printer(id=0, state="paper_out"))
    page = await signed_in_page(browser, server)  # the manager reads German
    await page.wait_for_selector("#alerts li[data-key='printer:kiosk-2']")
    alerts = await page.inner_text("#alerts")
    assert "Kiosk Eingang links ist nicht verbunden" in alerts and "Kiosk Eingang rechts: Papier leer" in alerts
    assert "kiosk-1" not in alerts and "kiosk-2" not in alerts
    assert await page.inner_text("#kiosks tr[data-kiosk='kiosk-1'] th") == "Eingang links"
    ground = (await page.inner_text("#displays tr[data-zone='ground-floor']")).split("\t")
    assert ground == [site.zone_name("ground-floor", "de"), "1", "Wartezone Erdgeschoss"]


def test_a_terminal_name_that_is_not_text_is_refused():
    assert broken(lambda d: d["terminals"][0].update(name=7)) == "default.toml: terminals[0].name: 7 is not a string"
