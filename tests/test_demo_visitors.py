"""The demo office's visitors ask for interpreters and answer the feedback question, so the
floor board and the statistics have both to show after a short run (issue 15)."""

from __future__ import annotations

import asyncio
import random

from server.wire import protocol as p
from server.demo.simulator import INTERPRETER_SHARE, Phones, simulate

from .spreadsheet import read_csv
from .conftest import make_site
from .test_manager_board import cookie_for, get_with


def rows(body: bytes) -> list[list[str]]:
    return read_csv(body)


async def test_a_short_demo_run_fills_the_boards_interpreters_and_the_feedback_statistics(server, url, site):
    demo = asyncio.create_task(simulate(site, url, speed=600, seed=3))
    board = server.manager.board
    try:
        for _ in range(600):
            await asyncio.sleep(0.05)
            asked = board.floor(server.clock())["interpreters"]
            rated = server.store.db.execute("SELECT count(*) FROM events WHERE kind = 'feedback_given'").fetchone()[0]
            if asked and rated >= 3:
                break
        assert asked and all(row["waiting"] >= 1 for row in asked)  # the board lists them by language
        assert rated >= 3
    finally:
        demo.cancel()
        await asyncio.gather(demo, return_exceptions=True)
    tickets = list(server.office.tickets.values())
    assert not [t for t in tickets if t.interpreter and t.lang == "de"]  # German speakers never ask
    assert {t.lang for t in tickets if t.interpreter} - {"en", "fr"}

    cookie, base = await cookie_for(server.port), f"http://127.0.0.1:{server.port}"
    query = f"period=day&value={server.office.day}"
    status, _, body = await get_with(f"{base}/stats.csv?{query}&table=interpreters", cookie)
    need = rows(body)
    assert status == 200 and len(need) > 1  # a row per language that asked
    assert sum(int(row[need[0].index("gesamt")]) for row in need[1:]) == sum(t.interpreter for t in tickets)
    status, _, body = await get_with(f"{base}/stats.csv?{query}&table=feedback_service", cookie)
    by_service = rows(body)
    assert status == 200 and len(by_service) > 1
    answers = by_service[0].index("Antworten")
    assert sum(int(row[answers]) for row in by_service[1:]) == rated


def test_who_asks_for_an_interpreter_follows_the_language():
    assert INTERPRETER_SHARE["de"] == 0
    assert min(INTERPRETER_SHARE[lang] for lang in ("ar", "fa", "ti", "ps")) > 4 * max(INTERPRETER_SHARE["en"],
                                                                                       INTERPRETER_SHARE["fr"])


def test_a_long_wait_rates_lower_than_a_short_one():
    site = make_site()
    phones = Phones(site, "ws://127.0.0.1:1/", speed=1, rng=random.Random(1))
    limit = site.service("residence").max_wait_minutes * 60

    def score(waited: float) -> float:
        visit = p.TicketView(number="A001", service="residence", lang="ar", state="done", issued_at=0.0,
                             called_at=waited, outcome="done")
        return sum(phones.opinion(visit)[0] for _ in range(200)) / 200

    assert score(limit * 2) < score(60) - 1
    _, reasons = phones.opinion(p.TicketView(number="A001", service="residence", lang="ar", state="done",
                                             issued_at=0.0, called_at=limit * 2, outcome="done"))
    assert set(reasons) <= {"waited_too_long"}


def test_the_demos_visitors_choose_every_site_language_an_added_one_too():
    """An admin who adds Kurmanji and Somali and starts the demo sees visitors in them, as
    often as in the demo's rarest languages (issue 23: they never came)."""
    from server.demo.simulator import LANGUAGE_MIX, pick

    from .conftest import visitors_site
    site, rng = visitors_site(), random.Random(7)
    chosen = [pick(rng, LANGUAGE_MIX, site.languages) for _ in range(3000)]
    assert set(chosen) == set(site.languages)
    assert min(chosen.count("kmr"), chosen.count("so")) > chosen.count("ar") / 10
