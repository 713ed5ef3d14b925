"""A witness's words for the draw (README "Fair access", `server.core.lottery.draw_seed`): given
on the floor board between the window's close and the draw, by anyone signed in (a reader from
the staff council), mixed into the seed, published in the proof and checked by `draw verify` —
so the office, which holds the seed from the opening, cannot know the outcome before the close."""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.request

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.access.proof import verify_file
from server.core import lottery
from websockets.asyncio.client import connect

from .access_office import DAY, Clock, access_site, at, page, start
from .browser import axe_violations
from .test_access_board import PANEL, figure, lottery_day  # noqa: F401 (a fixture)
from .test_manager_board import cookie_for, signed_in_page

WORDS = "4 2 6 1 5"


async def proof_of(server) -> dict:
    """The day's proof as anyone fetches it (the server runs in this test's event loop: a thread)."""
    def fetch() -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/draw/{DAY}.json", timeout=10) as answer:
            return json.loads(answer.read())
    return await asyncio.to_thread(fetch)


class BoardSocket:
    """The floor board's websocket as a signed-in person's browser holds it."""

    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    async def witness(self, words: str, day: str = DAY) -> dict:
        """The answer to `witness` (the board's pushes in between are skipped)."""
        self.next_id += 1
        await self.ws.send(json.dumps({"type": "witness", "id": self.next_id, "day": day, "words": words}))
        while (answer := json.loads(await self.ws.recv())).get("re") != self.next_id:
            pass
        return answer

    async def refused_why(self, words: str, day: str = DAY) -> str:
        answer = await self.witness(words, day)
        assert answer["type"] == "error", answer
        return answer["fields"]["why"]


@contextlib.asynccontextmanager
async def board_socket(server, name: str = "manager", password: str = "demo-manager"):
    cookie = await cookie_for(server.port, name, password)
    async with connect(f"ws://127.0.0.1:{server.port}/board/ws", additional_headers={"Cookie": cookie}) as ws:
        yield BoardSocket(ws)


async def test_a_reader_gives_the_witness_words_after_the_close_and_the_draw_uses_and_publishes_them(
        lottery_day, browser, tmp_path):  # noqa: F811
    server, clock = lottery_day
    board = await signed_in_page(browser, server, name="reader", password="demo-reader")
    await board.wait_for_selector(PANEL)
    assert await board.is_hidden("#witness-form")  # while registration is open, no one may give words
    async with board_socket(server) as other:
        assert await other.refused_why(WORDS) == "witness_too_early"

    clock.t = at(DAY, "06:02")
    await server.access.tick()
    await board.wait_for_selector("#witness-form", state="visible")
    help_text = await board.inner_text("#witness-help")
    assert "8.12.2026" in help_text and "06:05" in help_text and "Würfeln" in help_text
    assert await axe_violations(board) == []
    await board.fill("#witness-words", "  4 2  6 1 5 ")  # spaces as a hand types them
    await board.click("#witness-form button[type=submit]")
    await board.wait_for_function("document.getElementById('witness-answer').textContent !== ''")
    assert "nicht" not in await board.inner_text("#witness-answer")
    await board.wait_for_selector("#witness-form", state="hidden")
    assert await figure(board, "witness") == f"„{WORDS}“, eingetragen von reader um 06:02"
    assert (await proof_of(server))["witness"] == WORDS  # public at once: the witness can check it before the draw

    # one witness a day: a second one (or the office after it) is refused in German words
    async with board_socket(server) as other:
        answer = await other.witness("9 9 9")
    assert answer["fields"]["why"] == "witness_given"
    assert answer["text"] == "Für diesen Tag ist schon eine Zahl eingetragen; es gilt nur die erste."

    clock.t = at(DAY, "06:05")
    await server.access.tick()  # the draw
    await board.wait_for_selector(f'{PANEL} [data-drawn="true"]')
    async with board_socket(server) as other:
        assert await other.refused_why("7") == "witness_too_late"
    proof = (await proof_of(server))
    assert proof["witness"] == WORDS and len(proof["places"]) == 2
    drawn = tmp_path / "draw.json"
    drawn.write_text(json.dumps(proof), encoding="utf-8")
    status, lines = verify_file(drawn)
    assert status == 0 and lines[1] == f"with the witness's words '{WORDS}' (ask the witness whether they gave them)"

    # the words decide: the same file with other words, or with none, does not verify. Six
    # entries have few orders, so other words may by chance rank them alike (CI once met it):
    # the other words are the first that rank them differently, and without words the file
    # verifies only where the seed alone ranks them alike, and then says no witness spoke.
    other = next(w for w in ("4 2 6 1 6", *map(str, range(100))) if ranked(proof, w) != ranked(proof, WORDS))
    for words in (other, None):
        drawn.write_text(json.dumps({**proof, "witness": words}), encoding="utf-8")
        status, lines = verify_file(drawn)
        if ranked(proof, words) != ranked(proof, WORDS):
            assert status == 1 and lines[0].startswith("does not match"), (words, lines)
        else:
            assert words is None and status == 0 and lines[1].startswith("no witness's words"), lines


def ranked(proof: dict, words: str | None) -> lottery.Result:
    """The draw's places and waiting list with these words, straight from the core."""
    entries = [lottery.Entry(e["entry"], e["service"], e["urgent"], e["weight"]) for e in proof["entries"]]
    seed = lottery.draw_seed(proof["seed"], lottery.entries_hash(e.key for e in entries), words)
    return lottery.draw(seed, entries, proof["contingent"], proof["urgent_share"])


async def test_a_draw_without_a_witness_says_so_when_verified(lottery_day, tmp_path):  # noqa: F811
    server, clock = lottery_day
    clock.t = at(DAY, "06:05")
    await server.access.tick()
    proof = (await proof_of(server))
    assert proof["witness"] is None
    drawn = tmp_path / "draw.json"
    drawn.write_text(json.dumps(proof), encoding="utf-8")
    status, lines = verify_file(drawn)
    assert status == 0 and lines[1].startswith("no witness's words were given after the close")


async def test_words_a_witness_may_not_give_are_refused_and_change_nothing(lottery_day):  # noqa: F811
    server, clock = lottery_day
    clock.t = at(DAY, "06:02")
    await server.access.tick()
    async with board_socket(server, "reader", "demo-reader") as board:
        for words in ("", "   ", "x" * 41, "4\x1b[31m2", "4\u202e2"):  # a control, a reversal of the reading order
            assert await board.refused_why(words) == "witness_words", repr(words)
        assert await board.refused_why(WORDS, day="2031-01-01") == "witness_no_day"
    assert server.office.access_days[DAY].witness is None
    assert (await proof_of(server))["witness"] is None


@given(st.text(max_size=60))
def test_witness_words_are_one_to_forty_printable_characters_with_single_spaces(text):
    words = lottery.witness_words(text)
    if words is None:
        assert not 0 < len(" ".join(text.split())) <= lottery.MAX_WITNESS or not " ".join(text.split()).isprintable()
    else:
        assert 0 < len(words) <= lottery.MAX_WITNESS and words.isprintable() and "  " not in words
        assert lottery.witness_words(words) == words  # as given is as published


@pytest.mark.fast
def test_the_witness_words_change_the_draw_and_none_keeps_the_kept_seed():
    seed = "ab" * 32
    entries = [lottery.Entry(lottery.public_key(f"entry-{i}"), "residence", False, 1) for i in range(12)]
    listed = lottery.entries_hash(e.key for e in entries)
    assert lottery.draw_seed(seed, listed, None) == seed  # files drawn before witnesses verify unchanged
    orders = {lottery.draw(lottery.draw_seed(seed, listed, words), entries, {"residence": 3}, 0.0).rest
              for words in ("1", "2", "3", "4 2 6 1 5")}
    assert len(orders) == 4
    # and the words count only with this entry list: another list, another seed
    assert lottery.draw_seed(seed, listed, "1") != lottery.draw_seed(seed, lottery.entries_hash([]), "1")


async def test_the_witness_words_survive_a_restart_before_the_draw(tmp_path):
    clock = Clock(at("2026-12-07", "16:00"))
    site = access_site(contingent={"residence": 2})
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await server.access.tick()
        async with page(server) as visitor:
            for i in range(5):
                assert (await visitor.register(f"Amina Haddad {'x' * i}"))["type"] == "registered"
        clock.t = at(DAY, "06:02")
        await server.access.tick()
        async with board_socket(server, "reader", "demo-reader") as board:
            assert (await board.witness(WORDS))["type"] == "reply"
    finally:
        await server.stop()
    again = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        assert (await proof_of(again))["witness"] == WORDS
        clock.t = at(DAY, "06:05")
        await again.access.tick()
        proof = await proof_of(again)
        drawn = tmp_path / "draw.json"
        drawn.write_text(json.dumps(proof), encoding="utf-8")
        assert proof["witness"] == WORDS and len(proof["places"]) == 2 and verify_file(drawn)[0] == 0
        assert again.office.access_days[DAY].drawn.witness == WORDS
    finally:
        await again.stop()
