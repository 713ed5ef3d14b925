"""Partners in the site file: the demo's three load, and every mistake is named precisely."""

from __future__ import annotations

import pytest

from config import load_site, parse_site

from .conftest import demo_data
from .test_config import broken


def test_the_demo_office_has_a_desk_a_mediation_and_a_job_centre():
    site = load_site()
    mbe, mediation, jobcenter = (site.partner(i) for i in ("mbe", "sprachmittlung", "jobcenter"))
    assert mbe.has_desk and site.service(mbe.service) is not None
    assert not mediation.has_desk and {"ar", "fa", "uk"} <= set(mediation.interprets)
    assert not jobcenter.has_desk and jobcenter.address and jobcenter.map.startswith("https://")
    for partner in site.partners:  # the demo speaks every site language, nothing falls back
        for texts in (partner.names, partner.helps, partner.hours):
            assert set(texts) == set(site.languages), partner.id
    assert site.partner("nobody") is None


def test_a_language_not_given_falls_back_to_german():
    data = demo_data()
    partner = data["partners"][2]
    for table in ("name", "helps", "hours"):
        del partner[table]["fa"]
    del partner["hours"]["en"]
    jobcenter = parse_site(data, environ={}).partner("jobcenter")
    assert jobcenter.name("fa") == "Jobcenter Musterstadt"
    assert jobcenter.opening("en") == jobcenter.hours["de"]
    assert jobcenter.helps_with("ar") == jobcenter.helps["ar"]


def test_a_site_without_partners_has_none():
    data = demo_data()
    del data["partners"]
    assert parse_site(data, environ={}).partners == ()


def _set(index, **values):
    return lambda d: d["partners"][index].update(values)


@pytest.mark.parametrize("change, message", [
    (_set(1, id="mbe"), 'default.toml: partners[1].id: "mbe" is already used by partners[0]'),
    (_set(0, id="M B E"), 'default.toml: partners[0].id: "M B E" must be lower-case letters, digits, - or _'),
    (_set(0, service="welfare"),
     'default.toml: partners[0].service: unknown service "welfare": a partner\'s desk is a service of this '
     'office, one of card-pickup, counselling, extension, info, passport, residence, settlement'),
    (lambda d: d["partners"][2].pop("address"),
     "default.toml: partners[2].address: missing: a partner without a desk here (no service) needs an "
     "address for the visitor's card"),
    (lambda d: d["partners"][2]["name"].pop("de"),
     'default.toml: partners[2].name: missing "de": German is required, it stands in for a language not given'),
    (lambda d: d["partners"][2].pop("helps"),
     'default.toml: partners[2].helps: missing "de": German is required, it stands in for a language not given'),
    (lambda d: d["partners"][2]["hours"].update(xx="9-5"),
     "default.toml: partners[2].hours.xx: language not in site.languages "
     "(de, en, ar, fa, tr, uk, ru, fr, prs, ps, ti)"),
    (_set(2, phone="call us"),
     'default.toml: partners[2].phone: "call us" must be a phone number such as "+49 611 123456"'),
    (_set(2, web="jobcenter.example.org"),
     'default.toml: partners[2].web: "jobcenter.example.org" must be an http:// or https:// address '
     'such as "https://example.org"'),
    (_set(2, map="javascript:alert(1)"),
     'default.toml: partners[2].map: "javascript:alert(1)" must be an http:// or https:// address '
     'such as "https://example.org"'),
    (_set(1, interprets=["ar", "klingon"]),
     'default.toml: partners[1].interprets[1]: "klingon" is not a language of the Unicode locale data '
     '(CLDR), such as "ar"'),
    (_set(1, interprets="ar"), 'default.toml: partners[1].interprets: "ar" is not a list of strings'),
    (_set(1, email="x@example.org"), "default.toml: partners[1].email: unknown key"),
    (lambda d: d.update(partners={"id": "x"}),
     "default.toml: partners: {\"id\": \"x\"} is not an array of tables ([[partners]])"),
])
def test_each_partner_mistake_names_file_key_and_expectation(change, message):
    assert broken(change) == message
