"""Voices per language: the site maps a language to a voice or to none; a language without one
is shown, not spoken; a failing voice is logged once and /speech never answers 500 (issue 16)."""

from __future__ import annotations

import json
import logging

import pytest

from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession
from server.visitors.speech import Speech

from .conftest import http_get, noon_clock, visitors_site

pytestmark = pytest.mark.skipif(Speech().engine is None, reason="espeak-ng is not installed")


def test_each_language_gets_the_sites_voice_or_espeaks_own_or_none():
    site = visitors_site(voices={"prs": "fa", "ps": "", "ti": ""})
    speech = Speech(site.languages, voices=site.voices)
    assert {lang: speech.voice(lang) for lang in ("de", "en", "fa", "prs", "ps", "ti", "kmr", "so")} == {
        "de": "de", "en": "en-gb", "fa": "fa", "prs": "fa", "ps": None, "ti": None,
        "kmr": "ku",   # not configured: CLDR's alias (kmr -> ku) finds espeak-ng's Kurdish
        "so": None}    # espeak-ng has no Somali
    assert speech.register("ti", "ቁጽሪ A017") is None and speech.register("kmr", "Hejmar A017") is not None


def test_a_voice_for_a_language_not_in_the_site_is_refused():
    from config import ConfigError
    with pytest.raises(ConfigError, match=r'site.voices.sw: language not in site.languages'):
        visitors_site(voices={"sw": "sw"})
    with pytest.raises(ConfigError, match=r'site.voices.ti: 3 is not a string'):
        visitors_site(voices={"ti": 3})


@pytest.fixture
async def office(tmp_path):
    site = visitors_site(voices={"prs": "fa", "ps": "", "ti": "", "so": "so-does-not-exist"})
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=noon_clock(site))
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def session(server, terminal):
    t = server.site.terminal(terminal)
    s = ClientSession(f"ws://127.0.0.1:{server.port}/", role=t.role, terminal=t.id, token=t.token)
    s.start()
    await s.ready()
    return s


async def called_in(server, lang: str, service: str) -> p.Called:
    kiosk, counter, display = [await session(server, t) for t in ("kiosk-1", "counter-1", "display-ground")]
    try:
        await kiosk.request(p.Draw(id=0, service=service, lang=lang, request=f"r-{lang}"))
        await counter.request(p.Open(id=0))
        await counter.request(p.Next(id=0))
        async for event in display.events():
            if isinstance(event, p.Called):
                return event
    finally:
        for s in (kiosk, counter, display):
            await s.close()


async def test_a_tigrinya_call_is_spoken_in_german_and_english_and_its_text_shown(office):
    call = await called_in(office, "ti", "info")
    assert set(call.texts) == {"de", "ti", "en"} and call.texts["ti"].startswith("ቁጽሪ F001")
    assert set(call.audio) == {"de", "en"} and call.silent == ["ti"]
    for url in call.audio.values():
        status, headers, body = await http_get(f"http://127.0.0.1:{office.port}{url}")
        assert status == 200 and body[:4] == b"RIFF"
    health = json.loads((await http_get(f"http://127.0.0.1:{office.port}/healthz"))[2])
    assert health["voices"]["spoken"]["prs"] == "fa" and health["voices"]["spoken"]["kmr"] == "ku"
    assert {"ps", "ti"} <= set(health["voices"]["silent"]) and "de" not in health["voices"]["silent"]


async def test_a_failing_voice_answers_404_is_logged_once_and_then_left_silent(office, caplog):
    caplog.set_level(logging.WARNING, logger="willkommen.speech")
    keys = [office.speech.register("so", text) for text in ("Lambarka A001", "Lambarka A002")]
    assert all(keys)  # configured, so tried once
    answers = [await http_get(f"http://127.0.0.1:{office.port}/speech/{key}.wav") for key in keys + keys]
    assert [status for status, _, _ in answers] == [404] * 4
    failures = [r for r in caplog.records if r.getMessage() == "speech failed"]
    assert len(failures) == 1 and failures[0].fields["voice"] == "so-does-not-exist"
    assert "does not exist" in failures[0].fields["error"]
    call = await called_in(office, "so", "info")
    assert "so" in call.texts and "so" not in call.audio and call.silent == ["so"]
    health = json.loads((await http_get(f"http://127.0.0.1:{office.port}/healthz"))[2])
    assert "so" in health["voices"]["silent"] and "so-does-not-exist" in health["voices"]["failed"]


async def test_the_display_shows_a_tigrinya_call_and_speaks_only_german_and_english(server, terminal, browser):
    """The demo office has no voice for Tigrinya (`ti = ""`): the page shows the text and does
    not hand it to the browser's voice either."""
    kiosk, counter = await terminal("kiosk-1"), await terminal("counter-5")
    await counter.request(p.Open(id=0))
    await kiosk.request(p.Draw(id=0, service="residence", lang="ti", request="ti-1"))
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    await page.goto(f"http://127.0.0.1:{server.port}/display")
    await page.wait_for_selector("body[data-state=online]")
    await counter.request(p.Next(id=0))
    await page.wait_for_function("document.getElementById('now-number').textContent === 'A001'")
    assert await page.inner_text("#now-text") == server.site.words("ti")["call.announcement"].format(
        number="A001", counter="5")
    heard = "window.willkommen.heard.map(h => h.lang).join(' ')"
    await page.wait_for_function(f"{heard} === 'de en'", timeout=30_000)  # gong, German, English
    assert await page.evaluate("window.willkommen.heard.every(h => h.url)")  # the server's recordings
    await page.close()


STUB_VOICES = """
window.heardHere = [];
window.speechSynthesis.speak = (u) => window.heardHere.push("browser:" + u.lang);
HTMLMediaElement.prototype.play = function () {
  window.heardHere.push("server:" + this.src);
  setTimeout(() => this.dispatchEvent(new Event("ended")));  // one language after the other
  return Promise.resolve();
};
"""


async def test_an_announcement_is_spoken_where_a_voice_is_and_only_shown_where_none_is(office, browser):
    """A supervisor's banner follows the calls' rule: Tigrinya (no voice) is shown, never handed
    to the browser's voice; a text that starts with dashes is spoken, not read as espeak-ng's
    options (that failure had silenced German for the rest of the day)."""
    texts = {"de": "-- Heute schließt das Amt um 12 Uhr --", "ti": "ሎሚ ቤት ጽሕፈት ሰዓት 12 ይዕጾ።",
             "en": "-v The office closes at 12 today"}
    await office.writer.submit(lambda now: office.office.announce(announcement="a1", texts=texts, until=now + 3600,
                                                                  by="test", now=now))
    base = f"http://127.0.0.1:{office.port}"
    [shown] = json.loads((await http_get(f"{base}/display/announcements.json"))[2])
    assert shown["silent"] == ["ti"] and set(shown["audio"]) == {"de", "en"}
    for url in shown["audio"].values():
        status, _, body = await http_get(f"{base}{url}")
        assert status == 200 and body[:4] == b"RIFF"
    assert office.speech.voice("de") == "de" and office.speech.failed == {}
    page = await browser.new_page()
    await page.add_init_script(STUB_VOICES)
    await page.goto(f"{base}/display")
    await page.wait_for_function("window.willkommenAnnouncements && window.willkommenAnnouncements.spoken.size === 1")
    await page.wait_for_function(f"window.heardHere.length >= {len(shown['audio'])}")
    heard = await page.evaluate("window.heardHere")
    assert sorted(heard) == sorted(f"server:{base}{url}" for url in shown["audio"].values())
    await page.close()


def test_a_voice_that_reads_another_script_is_warned_at_start(caplog):
    """Sorani (`ckb`) is written in Arabic letters; espeak-ng's `ku` reads Kurmanji's Latin
    ones and spells Arabic letters out by name. An admin who gives Sorani that voice (as the
    README's kmr example suggests) is told at start, in the log and in /healthz (issue 23)."""
    caplog.set_level(logging.WARNING, logger="willkommen.speech")
    speech = Speech(("de", "prs", "kmr", "ckb"), voices={"prs": "fa", "ckb": "ku"})
    warned = [r for r in caplog.records if r.getMessage() == "voice reads another script"]
    assert [(r.fields["lang"], r.fields["voice"], r.fields["script"], r.fields["voice_script"]) for r in warned] == [
        ("ckb", "ku", "Arab", "Latn")]
    assert speech.status()["wrong_script"] == {"ckb": "ku"}   # prs in fa and kmr in ku are right
    found = Speech(("de", "ku-Arab", "ku-Latn"))   # not configured: a voice of the right script or none
    assert (found.voice("ku-Arab"), found.voice("ku-Latn"), found.wrong_script) == (None, "ku", {})
