"""Visitor feedback through the real server: a finished visit answers once over the feedback
socket (a second answer, also after a restart, does not count), the exit terminal taps with
its token and within its rate, bad frames get a clear error and lose nothing, what is stored
names no ticket, counter or clerk, and the statistics show satisfaction by service, language
and week (computed by hand here), live and after the days are kept."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.wire import errors
from server.wire import protocol as p
from server.edge.app import Server
from server.core import Office
from server.core.feedback import REASONS
from server.manager.stats.tables import Period, Statistics, keep_days
from server.store.sqlite import Store

from .spreadsheet import csv_row, read_csv
from .conftest import examples, make_site
from .test_manager_board import cookie_for, get_with
from .test_display_fit import Office as Office_
from .test_stats import TZ, at
from .test_stats_postgres import Postgres, copy_store, postgres  # noqa: F401 (a fixture)

MONDAY, NEXT_MONDAY = "2026-11-23", "2026-11-30"  # ISO weeks 2026-W48 and 2026-W49


class Clock:
    """A clock the test moves: the server's wall clock or its monotonic one."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


async def exchange(port: int, *frames: dict | str) -> list[dict]:
    """Send frames over one feedback socket, one answer each."""
    answers = []
    async with connect(f"ws://127.0.0.1:{port}/feedback/ws") as ws:
        for frame in frames:
            await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
            answers.append(json.loads(await ws.recv()))
    return answers


async def finished_ticket(terminal, service: str = "residence", lang: str = "ar") -> p.TicketView:
    kiosk, admin = await terminal("kiosk-1"), await terminal("admin")
    reply = await kiosk.request(p.Draw(id=0, service=service, lang=lang, request=f"{service}-{lang}"))
    await admin.request(p.Open(id=0, counter="3"))
    await admin.request(p.Call(id=0, counter="3", ticket=reply.ticket.number))
    await admin.request(p.Finish(id=0, counter="3", outcome="done"))
    return reply.ticket


def rate(ticket: str, score: int = 5, reasons=("friendly",), id: int = 1) -> dict:
    return {"type": "rate", "id": id, "ticket": ticket, "score": score, "reasons": list(reasons)}


def tap(score: int, token: str = "demo-feedback-exit", id: int = 1, terminal: str = "feedback-exit") -> dict:
    return {"type": "tap", "id": id, "terminal": terminal, "token": token, "score": score}


def answers(path) -> list[dict]:
    conn = sqlite3.connect(path)
    try:
        return [json.loads(d) for (d,) in conn.execute("SELECT data FROM events WHERE kind = 'feedback_given'")]
    finally:
        conn.close()


async def test_a_finished_visit_answers_once_and_a_second_answer_does_not_count(server, terminal):
    ticket = await finished_ticket(terminal)
    first, second = await exchange(server.port, rate(ticket.token, 4, ["friendly", "quick"], id=7),
                                   rate(ticket.token, 1, ["waited_too_long"], id=8))
    assert first == {"type": "thanked", "re": 7}
    assert second["type"] == "error" and second["re"] == 8 and second["code"] == "already_answered"
    assert ticket.number in second["message"]
    assert [(a["score"], a["reasons"]) for a in answers(server.db_path)] == [(4, ["friendly", "quick"])]
    status, _, body = await get_with(f"http://127.0.0.1:{server.port}/t/{ticket.token}.json")
    assert json.loads(body)["feedback"] == "given"


async def test_after_a_restart_a_second_answer_is_still_refused(tmp_path):
    path, site = tmp_path / "office.sqlite3", make_site()
    first = Server(site, path, always_open=True)
    await first.start("127.0.0.1", 0)
    try:
        office = await Office_(first).start()
        reply = await office.draw("residence", "uk")
        await office.call(reply.ticket.number, "3")
        status, _, body = await get_with(f"{office.url}/t/{reply.ticket.token}.json")
        assert json.loads(body)["feedback"] == ""  # called: not asked yet
        await office.finish("3")
        status, _, body = await get_with(f"{office.url}/t/{reply.ticket.token}.json")
        assert json.loads(body)["feedback"] == "ask"
        assert (await exchange(first.port, rate(reply.ticket.token, 5)))[0]["type"] == "thanked"
        await office.close()
    finally:
        await first.stop()
    again = Server(site, path, always_open=True)  # the day is rebuilt from the file
    await again.start("127.0.0.1", 0)
    try:
        (answer,) = await exchange(again.port, rate(reply.ticket.token, 1, [], id=9))
        assert answer["code"] == "already_answered"
    finally:
        await again.stop()
    assert len(answers(path)) == 1


async def test_the_stored_answer_names_no_ticket_counter_or_clerk(server, terminal):
    ticket = await finished_ticket(terminal, "info", "fa")
    await exchange(server.port, rate(ticket.token, 5, ["quick", "friendly", "quick"]), tap(3))
    conn = sqlite3.connect(server.db_path)
    rows = [(kind, json.loads(data)) for kind, data in
            conn.execute("SELECT kind, data FROM events WHERE kind IN ('feedback_given', 'ticket_rated') ORDER BY seq")]
    conn.close()
    (_, rated), (_, phone), (_, exit_tap) = rows
    assert rated.keys() == {"kind", "at", "number"}  # which ticket answered, not what
    assert phone.keys() == exit_tap.keys() == {"kind", "at", "service", "lang", "score", "reasons", "source"}
    assert {k: phone[k] for k in ("service", "lang", "score", "reasons", "source")} == {
        "service": "info", "lang": "fa", "score": 5, "reasons": ["friendly", "quick"], "source": "phone"}
    assert {k: exit_tap[k] for k in ("service", "lang", "score", "reasons", "source")} == {
        "service": "", "lang": "", "score": 3, "reasons": [], "source": "terminal"}


async def test_only_a_finished_visit_is_asked(server, terminal):
    kiosk, admin = await terminal("kiosk-1"), await terminal("admin")
    reply = await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="w"))
    waiting, unknown = await exchange(server.port, rate(reply.ticket.token), rate("no-such-ticket-token"))
    assert waiting["code"] == "not_finished" and "is waiting" in waiting["message"]
    assert unknown["code"] == "unknown_ticket"
    await admin.request(p.Open(id=0, counter="3"))
    await admin.request(p.Call(id=0, counter="3", ticket=reply.ticket.number))
    (called,) = await exchange(server.port, rate(reply.ticket.token))
    assert called["code"] == "not_finished" and "is called" in called["message"]
    await admin.request(p.NoShow(id=0, counter="3"))
    (missed,) = await exchange(server.port, rate(reply.ticket.token))
    assert missed["code"] == "not_finished"
    assert answers(server.db_path) == []


@pytest.mark.parametrize("frame, code, says", [
    ("{not json", "bad_request", "JSON is malformed"),
    ("[1, 2]", "bad_request", 'a message must be a JSON object with a "type"'),
    ('{"type": "draw", "id": 3, "service": "info", "lang": "de", "request": "x"}', "unknown_type",
     "unknown message type 'draw'"),
    ('{"type": "rate", "id": 4, "ticket": "t", "score": 6}', "bad_request", "rate: Expected `int` <= 5 - at `$.score`"),
    ('{"type": "rate", "id": 5, "ticket": "t", "score": 0}', "bad_request", "rate: Expected `int` >= 1 - at `$.score`"),
    ('{"type": "rate", "id": 6, "score": 3}', "bad_request", "rate: Object missing required field `ticket`"),
    ('{"type": "rate", "id": 7, "ticket": "t", "score": 3, "reasons": "friendly"}', "bad_request",
     "rate: Expected `array`, got `str` - at `$.reasons`"),
    ('{"type": "rate", "id": 8, "ticket": "t", "score": 3, "name": "Ali"}', "bad_request",
     "rate: Object contains unknown field `name`"),  # no free text, no personal data
    ('{"type": "tap", "id": 9, "terminal": "feedback-exit", "token": "x", "score": "5"}', "bad_request",
     "tap: Expected `int`, got `str` - at `$.score`"),
])
async def test_a_bad_frame_gets_a_clear_error_and_loses_nothing(server, terminal, frame, code, says):
    ticket = await finished_ticket(terminal)
    bad, good = await exchange(server.port, frame, rate(ticket.token, 3, id="after"))
    assert bad["type"] == "error" and bad["code"] == code and bad["message"].startswith(says), bad
    assert bad["re"] == json.loads(frame).get("id") if frame.startswith("{\"") else bad["re"] is None
    assert good == {"type": "thanked", "re": "after"}  # the same socket goes on


async def test_an_unknown_reason_is_named(server, terminal):
    ticket = await finished_ticket(terminal)
    (answer,) = await exchange(server.port, rate(ticket.token, 2, ["rude_clerk"], id=3))
    assert answer == {"type": "error", "re": 3, "code": "bad_request",
                      "message": f"unknown reason 'rude_clerk' (expected any of {', '.join(REASONS)})"}
    (answer,) = await exchange(server.port, rate(ticket.token, 2, ["not_solved"], id=4))
    assert answer["type"] == "thanked"


@settings(max_examples=examples(200), deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200),
                 st.dictionaries(st.sampled_from(["type", "id", "ticket", "score", "reasons", "terminal", "token"]),
                                 st.one_of(st.none(), st.integers(), st.text(max_size=20), st.sampled_from(["rate", "tap"]),
                                           st.lists(st.text(max_size=10), max_size=20))).map(json.dumps)))
def test_whatever_a_page_sends_decodes_to_a_message_or_a_bad_request(frame):
    try:
        message = p.decode_feedback(frame)
    except errors.BadRequest as exc:
        assert exc.code in ("bad_request", "unknown_type") and exc.message
    else:
        assert isinstance(message, (p.Rate, p.Tap)) and 1 <= message.score <= 5


async def test_the_exit_terminal_taps_with_its_token_and_within_its_rate(tmp_path):
    ticks = Clock(1000.0)  # the server's monotonic clock: only the test moves it
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True, monotonic=ticks)
    await server.start("127.0.0.1", 0)
    try:
        wrong, display, burst = await exchange(server.port, tap(5, token="guessed-token", id=1),
                                               tap(5, token="demo-display-first", terminal="display-first", id=2),
                                               tap(5, id=3))
        assert wrong["code"] == display["code"] == "not_allowed" and "token is wrong" in wrong["message"]
        assert burst == {"type": "thanked", "re": 3}
        more = await exchange(server.port, *(tap(4, id=i) for i in range(4, 8)))
        assert [a["type"] for a in more] == ["thanked", "thanked", "error", "error"]  # a burst of 3
        assert more[2]["code"] == "rate_limited" and "12 taps a minute" in more[2]["message"]
        ticks.now += 5.0  # 12 a minute: one more every 5 s
        assert [a["type"] for a in await exchange(server.port, tap(1, id=8), tap(1, id=9))] == ["thanked", "error"]
        assert sorted(a["score"] for a in answers(server.db_path)) == [1, 4, 4, 5]  # refused taps count nothing
    finally:
        await server.stop()


async def test_wrong_terminal_tokens_are_throttled_per_address(server):
    frames = [tap(5, token=f"guess-{i}", id=i) for i in range(8)]
    found = await exchange(server.port, *frames, tap(5, id="right"))
    assert [a["code"] for a in found[:5]] == ["not_allowed"] * 5
    assert found[-1]["code"] == "rate_limited"  # even the right token waits while the address is throttled
    assert answers(server.db_path) == []


async def test_another_sites_page_cannot_open_the_feedback_socket(server):
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"ws://127.0.0.1:{server.port}/feedback/ws", origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403


# ---- statistics ----------------------------------------------------------------------------

def scripted_feedback(path, site) -> None:
    """Monday (week 48): A001 (German, residence) answers 5 with "friendly"; B001 (Arabic,
    info) answers 2 with "waited too long" and "did not understand"; the exit terminal gets a
    4. Next Monday (week 49): A001 (Arabic, residence) answers 1 with "not solved"; A002
    (Arabic, residence) is served and does not answer."""
    office, store = Office(site, always_open=True), Store(path, timezone=site.timezone)

    def run(command: str, clock: str, day: str = MONDAY, **kwargs):
        result = getattr(office, command)(now=at(day, clock), **kwargs)
        store.append(office.take_journal(), list(office.tickets.values()))
        return result

    def visit(day: str, clock: str, service: str, lang: str, token: str) -> None:
        run("draw", clock, day, kiosk="kiosk-1", service=service, lang=lang, request=token, token=token)
        number = next(t.number for t in office.tickets.values() if t.token == token)
        run("call", clock, day, counter="3", ticket=number)
        run("finish", clock, day, counter="3", outcome="done")

    run("open", "08:00:00", counter="3", services=None)
    visit(MONDAY, "08:10:00", "residence", "de", "t1")
    visit(MONDAY, "08:20:00", "info", "ar", "t2")
    run("rate", "08:30:00", token="t1", score=5, reasons=["friendly"])
    run("rate", "08:31:00", token="t2", score=2, reasons=["did_not_understand", "waited_too_long"])
    run("tap", "08:32:00", score=4)
    run("open", "08:00:00", NEXT_MONDAY, counter="3", services=None)
    visit(NEXT_MONDAY, "08:10:00", "residence", "ar", "t3")
    visit(NEXT_MONDAY, "08:20:00", "residence", "ar", "t4")
    run("rate", "08:30:00", NEXT_MONDAY, token="t3", score=1, reasons=["not_solved"])
    store.close()


HEAD = ["Antworten", "Durchschnitt (1 sehr schlecht – 5 sehr gut)", "zufrieden (4–5) (%)", "sehr schlecht", "schlecht",
        "mittel", "gut", "sehr gut"]
BY_SERVICE = [["Dienstleistung", *HEAD],
              ["Aufenthaltserlaubnis (Erstantrag)", 2, 3.0, 50, 1, 0, 0, 0, 1],  # 5 and 1
              ["Allgemeine Auskunft", 1, 2.0, 0, 0, 1, 0, 0, 0],
              ["Ausgangsterminal (unbekannt)", 1, 4.0, 100, 0, 0, 0, 1, 0]]
BY_LANGUAGE = [["Sprache", *HEAD],
               ["Arabisch", 2, 1.5, 0, 1, 1, 0, 0, 0],  # 2 and 1
               ["Deutsch", 1, 5.0, 100, 0, 0, 0, 0, 1],
               ["Ausgangsterminal (unbekannt)", 1, 4.0, 100, 0, 0, 0, 1, 0]]
BY_WEEK = [["Kalenderwoche", *HEAD],
           ["2026-W48", 3, 3.67, 67, 0, 1, 0, 1, 1],  # 5, 2, 4: 11 / 3
           ["2026-W49", 1, 1.0, 0, 1, 0, 0, 0, 0]]
REASONS_NAMED = [["Grund", "genannt", "Anteil der Antworten am Telefon (%)", "deren Durchschnitt"],  # 3 answers on phones
                 ["nicht verstanden", 1, 33, 2.0], ["freundlich", 1, 33, 5.0], ["Anliegen nicht gelöst", 1, 33, 1.0],
                 ["zu lange gewartet", 1, 33, 2.0]]  # in the order of their ids


def feedback_tables(path, site, today: str = "2026-12-02") -> dict:
    conn = sqlite3.connect(path)
    try:
        now = at(today, "10:00:00")
        found = Statistics(conn, site, today=today, now=now).tables(Period("2026-11-01", "2026-12-31"))
        return {t.name: [t.columns, *t.rows] for t in found if t.name.startswith("feedback_")}
    finally:
        conn.close()


@pytest.mark.parametrize("personal", [False, True])
def test_satisfaction_by_service_language_and_week_computed_by_hand_live_and_kept(tmp_path, personal):
    import dataclasses

    site = make_site()
    site = dataclasses.replace(site, manager=dataclasses.replace(site.manager, personal_statistics=personal))
    path = tmp_path / "office.sqlite3"
    scripted_feedback(path, site)
    live = feedback_tables(path, site)
    assert live == {"feedback_service": BY_SERVICE, "feedback_lang": BY_LANGUAGE, "feedback_week": BY_WEEK,
                    "feedback_reasons": REASONS_NAMED}
    conn = sqlite3.connect(path)
    with conn:
        assert keep_days(conn, before="2026-12-02", tz=TZ, personal=personal) == [MONDAY, NEXT_MONDAY]
    columns = [c for (_, c, *_) in conn.execute("PRAGMA table_info(stats_feedback)")]
    conn.close()
    assert "counter" not in columns  # with or without the staff council's agreement: never by clerk
    store = Store(path, timezone=site.timezone)
    store.purge("2026-12-02", retention_days=1)  # the events leave the file; the kept rows stay
    assert store.db.execute("SELECT count(*) FROM events WHERE kind = 'feedback_given'").fetchone()[0] == 0
    store.close()
    assert feedback_tables(path, site) == live


async def test_the_statistics_page_and_its_exports_show_the_feedback(tmp_path):
    site = make_site()
    path = tmp_path / "office.sqlite3"
    scripted_feedback(path, site)
    server = Server(site, path, always_open=True, clock=lambda: at("2026-12-02", "10:00:00"))
    await server.start("127.0.0.1", 0)
    try:
        cookie = await cookie_for(server.port)
        base = f"http://127.0.0.1:{server.port}"
        query = "period=range&value=2026-11-01..2026-12-31"
        status, _, body = await get_with(f"{base}/stats.csv?{query}&table=feedback_week", cookie)
        assert status == 200
        # the weeks as German staff write them (KW 48/2026), not ISO's 2026-W48
        assert read_csv(body) == [csv_row([row[0].replace("2026-W", "KW ") + "/2026" if "-W" in row[0] else row[0],
                                           *row[1:]]) for row in BY_WEEK]
        status, _, body = await get_with(f"{base}/stats?{query}", cookie)
        page = body.decode()
        for title in ("Rückmeldungen der Besuchenden nach Dienstleistung", "Rückmeldungen der Besuchenden nach Sprache",
                      "Rückmeldungen der Besuchenden nach Kalenderwoche", "Von Besuchenden genannte Gründe"):
            assert title in page
        assert "table=feedback_lang" in page  # each table has its CSV
        from openpyxl import load_workbook

        status, _, body = await get_with(f"{base}/stats.xlsx?{query}", cookie)
        book = load_workbook(io.BytesIO(body))
        assert [list(r) for r in book["Rückmeldungen je Dienstleistung"].iter_rows(values_only=True)] == BY_SERVICE
    finally:
        await server.stop()


def test_postgresql_gives_the_same_feedback_figures(postgres, tmp_path):
    site = make_site()
    path = tmp_path / "office.sqlite3"
    scripted_feedback(path, site)
    lite = sqlite3.connect(path)
    copy_store(lite, postgres)
    lite.close()
    now = at("2026-12-02", "10:00:00")

    def tables(conn) -> dict:
        found = Statistics(conn, site, today="2026-12-02", now=now).tables(Period("2026-11-01", "2026-12-31"))
        return {t.name: [t.columns, *t.rows] for t in found if t.name.startswith("feedback_")}

    expected = {"feedback_service": BY_SERVICE, "feedback_lang": BY_LANGUAGE, "feedback_week": BY_WEEK,
                "feedback_reasons": REASONS_NAMED}
    assert tables(Postgres(postgres)) == expected
    keep_days(Postgres(postgres), before="2026-12-02", tz=TZ)
    assert tables(Postgres(postgres)) == expected  # from the kept rows


async def test_an_office_that_does_not_ask_on_the_phone(tmp_path):
    import dataclasses

    site = make_site()
    site = dataclasses.replace(site, feedback=dataclasses.replace(site.feedback, phone=False))
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        office = await Office_(server).start()
        reply = await office.draw("info", "ar")
        await office.call(reply.ticket.number, "2")
        await office.finish("2")
        status, _, body = await get_with(f"{office.url}/t/{reply.ticket.token}")
        assert status == 200 and b'id="feedback"' not in body
        status, _, body = await get_with(f"{office.url}/t/{reply.ticket.token}.json")
        assert json.loads(body)["feedback"] == ""
        (answer,) = await exchange(server.port, rate(reply.ticket.token))
        assert answer["code"] == "not_allowed"
        assert (await exchange(server.port, tap(4)))[0]["type"] == "thanked"  # the exit terminal still counts
        await office.close()
    finally:
        await server.stop()


async def test_kiosks_and_displays_are_not_sent_the_feedback_words(server, terminal):
    display = await terminal("display-first")
    assert display.welcome.strings["ar"]["kiosk.welcome"]  # the rest of the catalogue is there
    assert not [key for words in display.welcome.strings.values() for key in words if key.startswith("feedback.")]
