"""Wrong passwords at sign-in, over the real server and real sockets from several loopback
addresses (127.0.0.2, 127.0.0.3, ...: each is a place on the office's network): throttled by
name and address, forgiven over time, never locking a person out of a place they signed in
from before, not reset by an attacker's own sign-in, bounded in memory and in log lines
(`server/manager/lockout.py`, README "Security")."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
from websockets.asyncio.client import connect

from config import ConfigError, parse_site
from config.limits import Limits
from server.edge.app import Server

from .conftest import demo_data, make_site

MANAGER, READER = ("manager", "demo-manager"), ("reader", "demo-reader")


def unpaced(site):
    """The site without the pace of sign-in frames (2 a second after 10, in real time): these
    tests count wrong passwords, `tests/test_public_sockets.py` and `bench/hostile.py` the pace."""
    return replace(site, limits=replace(site.limits, signin_per_second=10_000.0, signin_burst=10_000))


@pytest.fixture
async def office(tmp_path):
    """The demo office with a monotonic clock the test moves (locks and forgiveness run on it)."""
    steady = [1000.0]
    server = Server(unpaced(make_site()), tmp_path / "office.sqlite3", always_open=True, monotonic=lambda: steady[0])
    await server.start("127.0.0.1", 0)
    server.steady = steady
    yield server
    await server.stop()


async def tries(server: Server, place: str, *attempts: tuple[str, str]) -> list[str]:
    """Send sign-ins from the loopback address `place` on one socket; each answer's type or code."""
    answers = []
    async with connect(f"ws://127.0.0.1:{server.port}/signin/ws", local_addr=(place, 0)) as ws:
        for i, (name, password) in enumerate(attempts):
            await ws.send(json.dumps({"type": "sign_in", "id": i, "name": name, "password": password}))
            answer = json.loads(await ws.recv())
            answers.append(answer["type"] if answer["type"] == "signed_in" else answer["code"])
    return answers


async def test_a_stranger_guessing_from_elsewhere_never_locks_the_manager_out_of_their_own_pc(office):
    assert await tries(office, "127.0.0.2", MANAGER) == ["signed_in"]  # the manager's PC: a place of theirs
    guesses = await tries(office, "127.0.0.3", *[("manager", f"guess-{i}") for i in range(40)])
    assert "rate_limited" in guesses  # the stranger is throttled ...
    assert await tries(office, "127.0.0.2", MANAGER) == ["signed_in"]  # ... the manager is not
    office.steady[0] += 60
    # more guesses from a third address, and the right password from a place never used: the
    # name is locked there (the price of guessing protection), not at the manager's PC
    await tries(office, "127.0.0.4", *[("manager", f"more-{i}") for i in range(12)])
    assert await tries(office, "127.0.0.5", MANAGER) == ["rate_limited"]
    assert await tries(office, "127.0.0.2", ("manager", "typo"), MANAGER) == ["not_allowed", "signed_in"]


async def test_wrong_passwords_are_forgiven_over_time(office):
    limits = office.site.limits
    place = "127.0.0.6"
    wrong = [("manager", f"wrong-{i}") for i in range(limits.signin_free_pair)]
    assert await tries(office, place, *wrong, MANAGER) == ["not_allowed"] * len(wrong) + ["rate_limited"]
    office.steady[0] += limits.signin_lock[0] + 1
    assert await tries(office, place, ("manager", "again"), MANAGER) == ["not_allowed", "rate_limited"]
    office.steady[0] += 3 * 86_400  # three quiet days: every wrong try is forgiven
    assert await tries(office, place, ("manager", "a typo"), MANAGER) == ["not_allowed", "signed_in"]
    for quarter in range(30):  # one wrong try every 14 minutes never adds up to a lock
        office.steady[0] += 14 * 60
        assert await tries(office, "127.0.0.7", ("manager", f"slow-{quarter}")) == ["not_allowed"], quarter
    assert await tries(office, "127.0.0.7", MANAGER) == ["signed_in"]


async def test_an_attackers_own_sign_in_does_not_reset_their_count_for_other_names(office):
    """Guessing at many names (a few tries each) from one address, signing in with one's own
    account every nine guesses: the address's count still grows to its lock."""
    answers = []
    for round_ in range(4):
        answers += await tries(office, "127.0.0.8", *[(f"clerk-{round_}-{i}", "guess") for i in range(9)], READER)
    guesses = [a for i, a in enumerate(answers) if i % 10 != 9]
    assert guesses[:office.site.limits.signin_free_address] == ["not_allowed"] * office.site.limits.signin_free_address
    assert guesses[office.site.limits.signin_free_address:] == ["rate_limited"] * (
        len(guesses) - office.site.limits.signin_free_address)


async def test_a_flood_of_new_names_is_neither_remembered_for_ever_nor_logged_line_by_line(tmp_path, caplog):
    site = make_site()
    site = replace(unpaced(site), limits=replace(unpaced(site).limits, signin_remembered=10, signin_free_address=12))
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, monotonic=lambda: 1000.0)
    await server.start("127.0.0.1", 0)
    caplog.set_level(logging.INFO, logger="willkommen.manager")
    try:
        for place in range(2, 6):  # four addresses, 15 new names each (the last 3 throttled unchecked)
            await tries(server, f"127.0.1.{place}", *[(f"name-{place}-{i}", "x") for i in range(15)])
        assert await tries(server, "127.0.0.9", MANAGER) == ["signed_in"]
        lockout = server.manager.people.lockout
        assert len(lockout.strangers) <= 10 and len(lockout.pairs) <= 10  # 48 names were tried
        lines = [r for r in caplog.records if r.name == "willkommen.manager" and r.message.startswith("sign-in")]
        assert len(lines) <= 3, [r.message for r in lines]  # a wrong line, a throttled line, the sign-in
        refused = next(r for r in lines if r.message.startswith("sign-in refused"))
        assert refused.fields["left_out"] == 0  # the next line (after `log_interval_seconds`) counts them
    finally:
        await server.stop()


def test_every_sign_in_limit_is_in_the_site_files_limits_and_checked_at_start():
    data = demo_data()
    data["limits"] = {"signin_free_pair": 3, "signin_free_name": 7, "signin_free_address": 30,
                      "signin_lock_seconds": [10, 600], "signin_forgive_seconds": 120, "signin_places": 4,
                      "signin_remembered": 500}
    limits = parse_site(data, file="office.toml").limits
    assert limits == replace(Limits(), signin_free_pair=3, signin_free_name=7, signin_free_address=30,
                             signin_lock=(10.0, 600.0), signin_forgive=120.0, signin_places=4, signin_remembered=500)
    for key, value, says in [("signin_free_pair", 0, "0 must be at least 1"),
                             ("signin_lock_seconds", [600, 10], "0 < first <= longest"),
                             ("signin_forgive_seconds", -5, "must be more than 0"),
                             ("signin_remembered", 5, "5 must be at least 10")]:
        data["limits"] = {key: value}
        with pytest.raises(ConfigError, match=rf"office\.toml: limits\.{key}: .*{says}"):
            parse_site(data, file="office.toml")
