"""The site file: the bundled demo office loads, and every mistake is named precisely."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config import ConfigError, load_site, parse_site, strings
from config.strings import available

from .conftest import ROOT, demo_data


def broken(change) -> str:
    data = demo_data()
    change(data)
    with pytest.raises(ConfigError) as info:
        parse_site(data, file="default.toml", environ={})
    return str(info.value)


def test_bundled_demo_office_is_complete():
    site = load_site()
    assert site.languages == ("de", "en", "ar", "fa", "tr", "uk", "ru", "fr", "prs", "ps", "ti")
    assert len(site.services) == 7 and len(site.counters) == 9
    assert {c.zone for c in site.counters} == {"ground-floor", "first-floor"}
    assert sorted(t.role for t in site.terminals).count("kiosk") == 2
    assert sorted(t.role for t in site.terminals).count("display") == 2
    for service in site.services:
        assert set(service.names) == set(site.languages)
        assert all(len(service.documents[lang]) == len(service.documents["de"]) for lang in site.languages)
    assert load_site().service("residence").documents["ar"][0] == "جواز السفر"


def test_every_string_catalogue_has_the_keys_of_german():
    german = set(strings("de"))
    assert set(available()) >= set(load_site().languages)
    for lang in available():
        assert set(strings(lang)) == german, lang
    assert strings("ar")["direction"] == "rtl" and strings("tr")["direction"] == "ltr"
    assert available("staff") == ("de", "en")
    assert set(strings("en", "staff")) == set(strings("de", "staff"))
    assert strings("fa", "staff") == strings("de", "staff")  # staff UI: German where no catalogue
    assert strings("xx") == strings("de")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["services"][2].update(prefix="AA"),
     'default.toml: services[2].prefix: "AA" must be one capital letter'),
    (lambda d: d["services"][1].update(prefix="A"),
     'default.toml: services[1].prefix: "A" is already used by services[0]'),
    (lambda d: d["services"][0]["names"].pop("fa"),
     'default.toml: services[0].names: missing "fa" (site.languages lists it)'),
    (lambda d: [d["documents"]["passport"].pop(lang) for lang in ("prs", "ti")],
     'default.toml: documents.passport: missing "prs", "ti" (site.languages lists them)'),
    (lambda d: d["services"][0].update(max_wait_minutes="soon"),
     'default.toml: services[0].max_wait_minutes: "soon" is not a whole number'),
    (lambda d: d["services"][0].update(documents=["visa"]),
     'default.toml: services[0].documents[0]: unknown document "visa": '
     'add it as [documents.visa] with a name per language'),
    (lambda d: d["services"][0].pop("prefix"),
     "default.toml: services[0].prefix: missing, expected one capital letter"),
    (lambda d: d["services"][0].update(colour="red"), "default.toml: services[0].colour: unknown key"),
    (lambda d: d["counters"][3]["services"].append("visa"),
     "default.toml: counters[3].services[2]: unknown service \"visa\", expected one of card-pickup, "
     "counselling, extension, info, passport, residence, settlement"),
    (lambda d: d["counters"][0].update(services=[]), "default.toml: counters[0].services: must list at least one service"),
    (lambda d: d["site"].update(languages=["de", "Arabic"]),
     'default.toml: site.languages[1]: "Arabic" must be a BCP 47 language tag such as "ar", "prs", "fa-AF" or "ku-Latn"'),
    (lambda d: d["site"].update(languages=["en"]),
     'default.toml: site.languages: must include "de": every call is also announced in German'),
    (lambda d: d["site"].update(timezone="Europe/Wiesbaden"),
     'default.toml: site.timezone: "Europe/Wiesbaden" is not a time zone such as "Europe/Berlin"'),
    (lambda d: d["site"].update(synchronous="always"),
     'default.toml: site.synchronous: "always" must be "normal" or "full"'),
    (lambda d: d["site"]["opening_hours"].update(mon="7:30 to 12"),
     'default.toml: site.opening_hours.mon: "7:30 to 12" must look like "07:30-12:00" (several separated by commas)'),
    (lambda d: d["site"]["opening_hours"].update(sat="12:00-08:00"),
     'default.toml: site.opening_hours.sat: "12:00-08:00" ends before it starts'),
    (lambda d: d["site"]["opening_hours"].update(sunday="08:00-12:00"),
     "default.toml: site.opening_hours.sunday: unknown day, expected one of mon, tue, wed, thu, fri, sat, sun"),
    (lambda d: d["site"].pop("name"), "default.toml: site.name: missing, expected a string"),
    (lambda d: d["terminals"][0].update(role="printer"),
     'default.toml: terminals[0].role: "printer" must be one of kiosk, counter, display, admin, feedback'),
    (lambda d: d["terminals"][2].pop("counter"),
     "default.toml: terminals[2].counter: missing: a counter terminal names the counter it stands at"),
    (lambda d: d["terminals"][2].update(counter="99"), 'default.toml: terminals[2].counter: unknown counter "99"'),
    (lambda d: d["terminals"][0].update(token="short"), "default.toml: terminals[0].token: must be at least 8 characters"),
    (lambda d: (d["terminals"][0].pop("token"), d["terminals"][0].update(token_env="KIOSK_1_TOKEN")),
     "default.toml: terminals[0].token_env: environment variable KIOSK_1_TOKEN is not set"),
    (lambda d: d["terminals"][1].update(id="kiosk-1"),
     'default.toml: terminals[1].id: "kiosk-1" is already used by terminals[0]'),
    (lambda d: d["site"].update(tls_cert="/etc/willkommen/cert.pem"),
     "default.toml: site.tls_key: missing: TLS needs both tls_cert and tls_key (PEM files)"),
    (lambda d: d["terminals"][10].update(languages=["de", "sw"]),
     'default.toml: terminals[10].languages[1]: "sw" is not in site.languages'),
    (lambda d: d["terminals"][10].update(languages=3),
     'default.toml: terminals[10].languages: 3 is not a list of strings'),
    (lambda d: d["site"].update(announce_languages=["xx"]),
     'default.toml: site.announce_languages[0]: "xx" is not in site.languages'),
    (lambda d: d.update(services={"id": "x"}),
     "default.toml: services: {\"id\": \"x\"} is not an array of tables ([[services]])"),
])
def test_each_mistake_names_file_key_and_expectation(change, message):
    assert broken(change) == message


def test_tokens_can_come_from_the_environment():
    data = demo_data()
    del data["terminals"][0]["token"]
    data["terminals"][0]["token_env"] = "KIOSK_1_TOKEN"
    site = parse_site(data, environ={"KIOSK_1_TOKEN": "from-the-environment"})
    assert site.terminal("kiosk-1").token == "from-the-environment"


def test_toml_syntax_error_and_missing_file(tmp_path):
    bad = tmp_path / "office.toml"
    bad.write_text("[site\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^office.toml: not valid TOML \(.*line 1"):
        load_site(bad)
    with pytest.raises(ConfigError, match="nowhere.toml: file not found"):
        load_site(tmp_path / "nowhere.toml")


def test_server_refuses_to_start_on_a_bad_config(tmp_path):
    bad = tmp_path / "office.toml"
    bad.write_text((ROOT / "config" / "default.toml").read_text(encoding="utf-8").replace(
        'prefix = "C"', 'prefix = "CC"'), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "server", "--config", str(bad), "--db", str(tmp_path / "x.db")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ('willkommen-server: Die Datei office.toml ist so nicht verwendbar (services[2].prefix: '
                                     '"CC" must be one capital letter): bitte die Datei an dieser Stelle korrigieren.')
    assert not (tmp_path / "x.db").exists()
