"""The queue's errors in the staff's words: an error carries its values (ticket, state, action,
counter, why) in the protocol's `error` frame, and the server renders the sentence from the
staff catalogue in the reader's language — for the browser counter, the Textual counter and the
floor board alike. An older client (no `explain` in its hello) gets the frame it always got."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect

from config import strings
from server.manager.words import StaffWords, error_text
from server.wire import protocol as p
from server.wire.errors import ERRORS
from server.wire.session import ClientSession, ServerError

from .conftest import make_site, token
from .test_counter_app import counter_app, text, until
from .test_counter_page import clerk_page, draw, key, open_counter, until_shown
from .test_counter_page import kiosk, office  # noqa: F401  (fixtures)
from .test_manager_board import signed_in_page

ENGLISH = ("is called", "cannot be", "ticket ", "counter ")


async def called_elsewhere(server) -> str:
    """A001 called at counter 5 by another terminal: calling it again cannot be."""
    url = f"ws://127.0.0.1:{server.port}/"
    async with ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1")) as kiosk:
        await kiosk.ready()
        number = (await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="e-1"))).ticket.number
    async with ClientSession(url, role="counter", terminal="counter-5", token=token("counter-5")) as other:
        await other.ready()
        await other.request(p.Open(id=0))
        await other.request(p.Next(id=0))
    return number


@pytest.mark.parametrize("lang, said", [("de", "Nummer A001 (aufgerufen) kann jetzt nicht aufgerufen werden."),
                                        ("en", "Ticket A001 (called) cannot be called now.")])
async def test_a_refused_call_carries_its_values_and_the_staffs_sentence(server, lang, said):
    number = await called_elsewhere(server)
    url = f"ws://127.0.0.1:{server.port}/"
    async with ClientSession(url, role="counter", terminal="counter-6", token=token("counter-6"),
                             lang=lang, explain=True) as clerk:
        await clerk.ready()
        await clerk.request(p.Open(id=0))
        with pytest.raises(ServerError) as refused:
            await clerk.request(p.Call(id=0, ticket=number))
    assert refused.value.code == "invalid_transition"
    assert refused.value.fields == {"ticket": number, "state": "called", "action": "call"}
    assert refused.value.text == said
    assert refused.value.message == f"ticket {number} is called, it cannot be called"  # the fallback stays


async def test_an_older_client_gets_the_error_frame_it_knows(server):
    """A terminal whose hello does not ask to `explain` decodes no field it does not know
    (the protocol's messages forbid unknown fields): it gets code and English message only."""
    async with connect(f"ws://127.0.0.1:{server.port}/") as ws:
        await ws.send(json.dumps({"type": "hello", "role": "counter", "terminal": "counter-6",
                                  "token": token("counter-6"), "v": 1}))
        assert json.loads(await ws.recv())["type"] == "welcome"
        await ws.send(json.dumps({"type": "recall", "id": 1}))
        answer = json.loads(await ws.recv())
        while answer["type"] not in ("reply", "error"):  # pushes of the counter's desk and queues
            answer = json.loads(await ws.recv())
    assert set(answer) == {"type", "re", "code", "message"} and answer["code"] == "counter_not_open"
    p.decode_server(json.dumps(answer))


def test_every_counter_error_reads_without_an_id_or_an_english_word():
    """Each of the counter's errors with the values the core gives it: counters by their names
    in the site file (not their ids), no English."""
    import dataclasses

    site, words = make_site(), StaffWords("de")
    counter = dataclasses.replace(site.counters[0], name="Familienkasse")
    site = dataclasses.replace(site, counters=(counter, *site.counters[1:]))
    cases = {"counter_not_open": {"counter": counter.id}, "nothing_waiting": {"counter": counter.id},
             "visitor_at_counter": {"ticket": "A001", "counter": counter.id},
             "unknown_ticket": {"ticket": "A404"},
             "not_allowed": {"why": "not_serving", "counter": counter.id, "service": site.services[0].id},
             "bad_request": {"why": "end_in_past"}}
    for code, fields in cases.items():
        said = error_text(words, site, code, fields, "some english words the server said")
        assert "english" not in said and "{" not in said, (code, said)
        if code in ("counter_not_open", "not_allowed"):
            assert counter.name in said
    assert "A404" in error_text(words, site, "unknown_ticket", {"ticket": "A404"}, "")


def test_every_action_and_state_the_core_names_has_staff_words():
    from server.core.model import ACTION_WORDS, STATE_WORDS

    for lang in ("de", "en"):
        catalogue = strings(lang, "staff")
        assert {f"acted.{a}" for a in ACTION_WORDS} <= set(catalogue)
        assert {f"state.{s}" for s in STATE_WORDS} <= set(catalogue)
    assert set(ERRORS) >= {"invalid_transition", "not_allowed"}


async def test_the_textual_counter_says_the_refusal_in_german(server):
    number = await called_elsewhere(server)
    app = counter_app(f"ws://127.0.0.1:{server.port}/", terminal="counter-6", lang="de")
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "geöffnet")
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*number, "enter")
        await until(pilot, lambda: "kann jetzt nicht" in text(app, "#message"))
        assert text(app, "#message") == f"Nummer {number} (aufgerufen) kann jetzt nicht aufgerufen werden."


async def test_the_browser_counter_says_the_refusal_in_german(office, kiosk, browser):  # noqa: F811
    number = await draw(kiosk, "info")
    async with ClientSession(f"ws://127.0.0.1:{office.port}/", role="counter", terminal="counter-8",
                             token=token("counter-8")) as other:
        await other.ready()
        await other.request(p.Open(id=0))
        await other.request(p.Call(id=0, ticket=number))
    page = await clerk_page(browser, office, counter_key="1")
    await open_counter(page)
    await key(page, "c")
    await page.wait_for_selector("#dialog[open] input")
    await page.keyboard.type(number)
    await key(page, "Enter")
    await until_shown(page, "#message", "kann jetzt nicht")
    said = await page.inner_text("#message")
    assert said == f"Nummer {number} (aufgerufen) kann jetzt nicht aufgerufen werden."
    assert not [w for w in ENGLISH if w in said]


async def test_the_board_says_the_refusal_in_german(server, browser):
    number = await called_elsewhere(server)
    page = await signed_in_page(browser, server)
    await page.fill("#move-ticket", number)
    await page.check("#move-front")
    await page.click("#move button[type=submit]")
    await page.wait_for_function("(document.querySelector('#answer')?.textContent || '').length > 0")
    said = await page.inner_text("#answer")
    assert said == f"Nicht erledigt: Nummer {number} (aufgerufen) kann jetzt nicht verschoben werden."


async def test_the_boards_plan_says_an_overlapping_shift_in_german(server, browser):
    """The plan's errors come from the core too: a shift overlapping another of the same
    counter and day is refused in the team leader's words, the weekday and counter by name."""
    page = await signed_in_page(browser, server)
    for start, end in (("13:00", "16:00"), ("14:00", "15:00")):
        await page.select_option("#shift-weekday", "0")
        await page.select_option("#shift-counter", "6")
        await page.fill("#shift-start", start)
        await page.fill("#shift-end", end)
        await page.click("#add-shift-submit")
        await page.wait_for_function("(document.querySelector('#plan-answer')?.textContent || '').length > 0")
    said = await page.inner_text("#plan-answer")
    assert said == ("Nicht erledigt: Schicht 2 (Montag 14:00–15:00, Schalter 6) überschneidet sich mit "
                    "13:00–16:00 am selben Schalter und Tag.")
