"""The fair-access lottery's rules (server/core/lottery.py): the identity key, the draw and
its properties, the time windows, the published file's check. Pure: no server."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from server.core import lottery
from server.core.lottery import Entry

from .conftest import examples

SECRET = b"a-site-secret-for-the-tests"
SEED = "ab" * 32
keys = st.text(alphabet="0123456789abcdef", min_size=8, max_size=8)


@st.composite
def entries(draw, services=("residence", "extension")):
    found = draw(st.lists(st.tuples(keys, st.sampled_from(services), st.booleans(), st.integers(1, 6)),
                          max_size=60, unique_by=lambda t: t[0]))
    return [Entry(k, s, u, w) for k, s, u, w in found]


contingents = st.fixed_dictionaries({"residence": st.integers(0, 40), "extension": st.integers(0, 40)})
shares = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0])
seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)


# ---- identity ------------------------------------------------------------------------------------

def test_one_person_typing_their_name_differently_is_one_identity():
    same = ["Ahmad Al-Hassan", "ahmad al hassan", "  AHMAD   AL-HASSAN ", "Al-Hassan, Ahmad", "Ahmad AlHassan"]
    assert len({lottery.identity(SECRET, name, "1990-01-02") for name in same}) == 1
    assert lottery.identity(SECRET, "José Müller", "1980-05-06") == lottery.identity(SECRET, "jose muller", "1980-05-06")
    assert lottery.identity(SECRET, "Ｍａｒｉａ", "1980-05-06") == lottery.identity(SECRET, "maria", "1980-05-06")  # NFKC
    # Arabic with and without its vowel marks
    assert lottery.identity(SECRET, "مُحَمَّد", "1990-01-02") == lottery.identity(SECRET, "محمد", "1990-01-02")


def test_another_birth_date_another_name_or_another_secret_is_another_identity():
    one = lottery.identity(SECRET, "Ahmad Hassan", "1990-01-02")
    assert one != lottery.identity(SECRET, "Ahmad Hassan", "1990-01-03")
    assert one != lottery.identity(SECRET, "Ahmed Hassan", "1990-01-02")
    assert one != lottery.identity(b"another-site-secret!", "Ahmad Hassan", "1990-01-02")
    assert "ahmad" not in one and len(one) == 64


def test_names_and_birth_dates_that_are_refused():
    assert not lottery.has_name("") and not lottery.has_name("  - , ") and not lottery.has_name("x")
    assert lottery.has_name("Li") and lottery.has_name("Çelik Ömer") and lottery.has_name("Nguyễn Thị Ánh")
    assert lottery.has_name("Łukasz Gößling-Øberg") and lottery.has_name("Nguye\u0302\u0303n")  # decomposed accents
    day = "2026-12-08"
    assert lottery.birth_date("1990-01-02", day) == "1990-01-02"
    for bad in ("1990-13-01", "02.01.1990", "1890-01-01", "2027-01-01", "", "1990-1-2", "19900102"):
        assert lottery.birth_date(bad, day) is None, bad


# letters of scripts other than Latin: one person written in two scripts would be two identities
SCRIPTS = {"Greek": (0x391, 0x3C9), "Cyrillic": (0x410, 0x4FF), "Armenian": (0x531, 0x586),
           "Hebrew": (0x5D0, 0x5EA), "Arabic": (0x621, 0x64A), "Devanagari": (0x905, 0x939),
           "Thai": (0xE01, 0xE2E), "Georgian": (0x10D0, 0x10FA), "Ethiopic": (0x1200, 0x135A),
           "Han": (0x4E00, 0x9FFF), "Hangul": (0xAC00, 0xD7A3)}
OTHER_SCRIPTS = st.sampled_from(sorted(SCRIPTS.values())).flatmap(
    lambda span: st.characters(min_codepoint=span[0], max_codepoint=span[1], categories=["Lu", "Ll", "Lo"]))


LATIN = st.characters(categories=["Ll", "Lu"], max_codepoint=0x24F).filter(  # not µ: it is Greek mu
    lambda c: unicodedata.name(c).startswith("LATIN "))


@given(st.text(alphabet=LATIN, min_size=2, max_size=12), OTHER_SCRIPTS)
@settings(max_examples=examples(200))
def test_a_name_with_any_letter_outside_the_latin_script_is_refused(latin, other):
    assert lottery.has_name(latin)
    assert not lottery.has_name(latin + other) and not lottery.has_name(f"{latin} {other}{other}")


def test_the_same_person_in_cyrillic_or_arabic_is_refused_not_a_second_entry():
    for name in ("Олена Коваленко", "أحمد الحسن", "ሰላም ተስፋይ", "Olena Коваленко", "李伟", "Ολγα"):
        assert not lottery.has_name(name), name
    assert lottery.has_name("Olena Kovalenko") and lottery.has_name("Ahmad Al-Hassan")


def test_contacts_a_phone_and_an_address_and_their_key():
    assert lottery.channel("+49 170 1234567") == "sms" and lottery.channel("0170/1234567") == "sms"
    assert lottery.channel("a.b@example.org") == "email"
    assert lottery.channel("call me maybe") == "" and lottery.channel("12") == "" and lottery.channel("") == ""
    assert lottery.contact_key(SECRET, "+49 170 1234567") == lottery.contact_key(SECRET, "+49-170-1234567")
    assert lottery.contact_key(SECRET, "A.B@Example.org") == lottery.contact_key(SECRET, "a.b@example.org")


# ---- the draw ------------------------------------------------------------------------------------

@settings(max_examples=examples(200), deadline=None)
@given(seeds, entries(), contingents, shares, st.randoms(use_true_random=False))
def test_the_draw_is_the_same_whatever_order_the_entries_come_in(seed, pool, contingent, share, rnd):
    shuffled = list(pool)
    rnd.shuffle(shuffled)
    assert lottery.draw(seed, pool, contingent, share) == lottery.draw(seed, shuffled, contingent, share)


@settings(max_examples=examples(200), deadline=None)
@given(seeds, entries(), contingents, shares)
def test_never_more_places_than_the_contingent_and_everyone_placed_or_waiting_once(seed, pool, contingent, share):
    result = lottery.draw(seed, pool, contingent, share)
    for service, places in contingent.items():
        mine = [e for e in pool if e.service == service]
        got = [p for p in result.places if p.service == service]
        assert len(got) == min(places, len(mine))
    keys_out = [p.key for p in result.places] + list(result.rest)
    assert sorted(keys_out) == sorted(e.key for e in pool)  # each exactly once


@settings(max_examples=examples(200), deadline=None)
@given(seeds, entries(), contingents, shares)
def test_the_urgent_lane_takes_its_share_and_no_more(seed, pool, contingent, share):
    result = lottery.draw(seed, pool, contingent, share)
    for service, places in contingent.items():
        lane = [p for p in result.places if p.service == service and p.urgent]
        urgent = [e for e in pool if e.service == service and e.urgent]
        assert len(lane) == min(lottery.urgent_places(places, share), len(urgent))
        by_key = {e.key: e for e in pool}
        assert all(by_key[p.key].urgent for p in lane)


@settings(max_examples=examples(200), deadline=None)
@given(seeds, entries(), contingents, shares, st.data())
def test_a_higher_weight_only_raises_an_entrys_chances(seed, pool, contingent, share, data):
    if not pool:
        return
    chosen = data.draw(st.sampled_from(pool))
    heavier = [Entry(e.key, e.service, e.urgent, e.weight + data.draw(st.integers(1, 5))) if e == chosen else e
               for e in pool]
    order = _order(lottery.draw(seed, pool, contingent, share))
    again = _order(lottery.draw(seed, heavier, contingent, share))
    won_before = chosen.key in {p.key for p in lottery.draw(seed, pool, contingent, share).places}
    if won_before:
        assert chosen.key in {p.key for p in lottery.draw(seed, heavier, contingent, share).places}
    assert again[chosen.key] <= order[chosen.key]


def _order(result: lottery.Result) -> dict[str, int]:
    found: dict[str, int] = {}
    for service in {p.service for p in result.places} | {"residence", "extension"}:
        ranked = [p.key for p in result.places if p.service == service]
        found.update({k: i for i, k in enumerate(ranked)})
    for i, key in enumerate(result.rest):
        found[key] = 10_000 + i
    return found


def test_weights_give_the_long_unlucky_better_odds_over_many_seeds():
    """Weight 3 against weight 1, one place: the weighted one wins about 3 times in 4."""
    pool = [Entry("aaaa", "residence", False, 3), Entry("bbbb", "residence", False, 1)]
    rnd = random.Random(7)
    wins = sum(lottery.draw(rnd.randbytes(32).hex(), pool, {"residence": 1}, 0.0).places[0].key == "aaaa"
               for _ in range(2000))
    assert 0.70 < wins / 2000 < 0.80


def test_another_seed_gives_another_draw():
    pool = [Entry(f"{i:08x}", "residence", False, 1) for i in range(50)]
    assert lottery.draw("01" * 32, pool, {"residence": 10}, 0.0) != lottery.draw("02" * 32, pool, {"residence": 10}, 0.0)


# ---- windows and the published file --------------------------------------------------------------

@settings(max_examples=examples(200), deadline=None)
@given(st.integers(0, 80), st.sampled_from([15, 30, 60]), st.lists(st.integers(30, 300), min_size=1, max_size=3))
def test_windows_fill_the_opening_hours_in_the_order_drawn(count, minutes, lengths):
    spans, t = [], 1_796_000_000.0
    for length in lengths:
        spans.append((t, t + length * 60))
        t += length * 60 + 3600
    found = lottery.windows(spans, minutes, count)
    assert len(found) == count
    assert found == sorted(found)  # the first drawn come first
    assert all(any(s <= a < b <= e for s, e in spans) for a, b in found)


def test_a_published_draw_verifies_and_a_changed_one_does_not():
    pool = [Entry(f"{i:064x}", "residence", i % 5 == 0, 1 + i % 3) for i in range(40)]
    result = lottery.draw(SEED, pool, {"residence": 12}, 0.25)
    proof = {"seed": SEED, "seed_hash": lottery.seed_hash(SEED), "urgent_share": 0.25, "contingent": {"residence": 12},
             "entries": [{"entry": e.key, "service": e.service, "urgent": e.urgent, "weight": e.weight} for e in pool],
             "places": [{"entry": p.key, "service": p.service, "urgent": p.urgent} for p in result.places],
             "rest": list(result.rest)}
    assert lottery.verify(proof) == []
    proof["places"][0], proof["places"][5] = proof["places"][5], proof["places"][0]
    assert any("place 1" in line for line in lottery.verify(proof))
    proof["seed_hash"] = "0" * 64
    assert any("seed hash" in line for line in lottery.verify(proof))


def test_codes_are_the_same_for_the_same_draw_and_unguessable_without_the_secret():
    one = lottery.code(SECRET, "2026-12-08", "entry-1")
    assert one == lottery.code(SECRET, "2026-12-08", "entry-1") and one.startswith("L") and len(one) == 9
    assert one != lottery.code(b"another-secret-000", "2026-12-08", "entry-1")
    assert one != lottery.code(SECRET, "2026-12-09", "entry-1")


# ---- one entry per person (the office's register command) ----------------------------------------

PEOPLE = ["Ahmad Al-Hassan", "Maria Popescu", "Olena Kovalenko", "José Müller"]


def _variant(name: str, how: int) -> str:
    return [name, name.upper(), f"  {name.lower()}  ", ", ".join(reversed(name.split())), name.replace("-", " ")][how]


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 4), st.sampled_from(["1990-01-02", "1991-02-03"]),
                          st.sampled_from(["", "+49 170 1", "+49 170 2"])), max_size=40))
def test_one_entry_per_identity_whatever_is_sent(attempts):
    from config import load_site
    from server.core import Office
    from server.core.access import Person
    from server.wire import errors

    office = Office(load_site(), always_open=True)
    day, now = "2026-12-08", 1_796_000_000.0
    office.open_access(day=day, seed_hash="h", contingent={}, closes_at=now + 10_000, draw_at=now + 10_300, now=now)
    accepted = set()
    for i, (name, how, born, contact) in enumerate(attempts):
        identity = lottery.identity(SECRET, _variant(name, how), born)
        key = lottery.contact_key(SECRET, contact) if contact else ""
        try:
            office.register(day=day, entry=f"e{i}", identity=identity, service="residence", lang="de", urgent=False,
                            person=Person(name, born, contact), contact_key=key, via="web", weight=1,
                            services=("residence",), per_contact=2, now=now + i)
            accepted.add((name, born))
        except (errors.AlreadyRegistered, errors.ContactFull):
            pass
    entries = office.access_days[day].entries.values()
    assert len({e.identity for e in entries}) == len(entries) == len(accepted)
    per_contact: dict[str, int] = {}
    for entry, person in office.access_days[day].people.items():
        if person.contact:
            per_contact[person.contact] = per_contact.get(person.contact, 0) + 1
    assert all(n <= 2 for n in per_contact.values())


# ---- the registration socket's frames (server/wire/access.py) ------------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                        max_size=4), max_leaves=12)


@settings(max_examples=examples(300), deadline=None)
@given(st.fixed_dictionaries({"type": st.sampled_from(["register", "outcome", "x", 3])},
                             optional={"id": json_values, "service": json_values, "lang": json_values,
                                       "name": json_values, "birth_date": json_values, "entry": json_values,
                                       "contact": json_values, "urgent_until": json_values, "via": json_values}))
def test_whatever_a_page_sends_is_a_message_or_a_bad_request(frame):
    import json

    from server.wire.access import Outcome, Register, decode_access
    from server.wire.errors import BadRequest

    try:
        message = decode_access(json.dumps(frame))
    except BadRequest as exc:
        assert exc.code in ("bad_request", "unknown_type") and exc.message
        return
    assert isinstance(message, (Register, Outcome)) and frame["type"] in ("register", "outcome")
