"""Adding a language the way the README's "Adding a language, step by step" tells an admin:
Sorani (`ckb`, Central Kurdish in Arabic script, right to left) to a copy of the demo's site
file, with its catalogue `tests/sites/sorani/strings/ckb.toml` made from `de.toml` (issue 23).

Then as people meet it: a Sorani visitor's referral card on the phone reads Sorani (the
partners' texts came from the language file); a phone that asks for `ku-Arab` gets Sorani, not
German; the waiting-room page shows Sorani labels right to left."""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request
from urllib.error import HTTPError

import pytest

from config import default_path, load_site
from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession

from .browser import chromium
from .conftest import ROOT, token

CATALOGUE = ROOT / "tests" / "sites" / "sorani" / "strings" / "ckb.toml"


def add_sorani(folder):
    """The README's steps, on a copy of the demo's site file in `folder`."""
    office = folder / "office.toml"
    shutil.copy(default_path(), office)                              # the site file
    (folder / "strings").mkdir()
    shutil.copy(CATALOGUE, folder / "strings" / "ckb.toml")          # step 1: the catalogue beside it
    text = office.read_text(encoding="utf-8")
    languages = 'languages = ["de", "en", "ar", "fa", "tr", "uk", "ru", "fr", "prs", "ps", "ti"]'
    labels = 'languages = ["de", "ar", "uk", "prs", "fa", "ps", "tr", "ti", "en", "ru", "fr"]'
    assert text.count(languages) == 1 and text.count(labels) == 1
    text = text.replace(languages, languages[:-1] + ', "ckb"]')      # step 2: site.languages
    text = text.replace(labels, labels[:-1] + ', "ckb"]')            # ... and the display's labels
    office.write_text(text, encoding="utf-8")
    return office


def test_sorani_is_added_by_its_file_and_two_lists(tmp_path):
    site = load_site(add_sorani(tmp_path))
    assert site.languages[-1] == "ckb"
    assert site.words("ckb")["language_name"] == "کوردی (سۆرانی)"      # the file's own name for it
    assert site.service("info").names["ckb"] == "زانیاریی گشتی"
    jobcentre = site.partner("jobcenter")                           # [office.partners.jobcenter]
    assert jobcentre.name("ckb") == "ناوەندی کار (Jobcenter) موسترشتات"
    assert jobcentre.helps_with("ckb").startswith("یارمەتیی هاووڵاتیان")
    assert jobcentre.opening("ckb") == "دووشەممە–هەینی ٨–١٢، پێنجشەممە ١٤–١٨"
    assert jobcentre.name("fa") == "مرکز کاریابی (Jobcenter) موسترشتات"   # the site file's own stay


def test_a_partner_text_in_the_file_and_the_site_file_is_refused(tmp_path):
    from config import ConfigError
    office = add_sorani(tmp_path)
    text = office.read_text(encoding="utf-8")
    office.write_text(text.replace('de = "Jobcenter Musterstadt"\n', 'de = "Jobcenter Musterstadt"\nckb = "x"\n'),
                      encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site(office)
    assert str(info.value) == ("strings/ckb.toml: office.partners.jobcenter.name: office.toml gives it too "
                               "(partners[2].name.ckb): keep one of the two")
    catalogue = tmp_path / "strings" / "ckb.toml"
    office.write_text(text, encoding="utf-8")
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("[office.partners.jobcenter]",
                                                                       "[office.partners.caritas]"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site(office)
    assert str(info.value) == 'strings/ckb.toml: office.partners.caritas.name: office.toml has no partner "caritas"'


@pytest.fixture
async def sorani_server(tmp_path):
    site = load_site(add_sorani(tmp_path))
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def connect(server, terminal: str) -> ClientSession:
    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role=terminal.split("-")[0], terminal=terminal,
                            token=token(terminal))
    session.start()
    await session.ready()
    return session


async def test_a_sorani_visitors_referral_card_reads_sorani(sorani_server):
    kiosk, clerk = await connect(sorani_server, "kiosk-1"), await connect(sorani_server, "counter-5")
    try:
        drawn = await kiosk.request(p.Draw(id=0, service="residence", lang="ckb", request="ckb-1"))
        await clerk.request(p.Open(id=0))
        await clerk.request(p.Next(id=0))
        await clerk.request(p.Refer(id=0, partners=["jobcenter"]))
    finally:
        await kiosk.close()
        await clerk.close()
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 360, "height": 640})
        await page.goto(f"http://127.0.0.1:{sorani_server.port}/t/{drawn.ticket.token}")
        await page.wait_for_selector("#referrals .card")
        assert await page.inner_text("#referrals h3") == "ناوەندی کار (Jobcenter) موسترشتات"
        card = await page.inner_text("#referrals .card")
        assert "یارمەتیی هاووڵاتیان" in card and "Bürgergeld" not in card
        assert await page.get_attribute("#referrals h3", "lang") in (None, "ckb")
        assert await page.evaluate("getComputedStyle(document.querySelector('#referrals .card')).direction") == "rtl"


@pytest.mark.parametrize("accept", ["ku-Arab", "ku-Arab-IQ,de;q=0.5", "ckb"])
async def test_a_phone_asking_for_kurdish_in_arabic_letters_gets_sorani(sorani_server, accept):
    def get():
        request = urllib.request.Request(f"http://127.0.0.1:{sorani_server.port}/t/nosuchtoken1.json",
                                         headers={"Accept-Language": accept})
        try:
            urllib.request.urlopen(request, timeout=10)
        except HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, page = await asyncio.to_thread(get)
    assert status == 404 and page["lang"] == "ckb"
    assert page["headline"] == sorani_server.site.words("ckb")["status.unknown"]
