"""The day's plan on the floor board, in Chromium against the real server: a supervisor enters
a shift and an exception in German, sees today's capacity beside what is drawn, the estimate
follows the plan, and the plan survives a restart of the server on the same file. Also the
CSV import through the running server (`willkommen-server plan import FILE`)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.edge.app import Server

from .browser import axe_violations
from .conftest import ROOT, ServerProcess, always_open_config, noon_clock
from .test_manager_board import board_socket, cookie_for, signed_in_page


@pytest.fixture
async def server(tmp_path, site):
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=noon_clock(site))
    await server.start("127.0.0.1", 0)
    yield server
    if not getattr(server, "restarted", False):  # the restart test stops it itself
        await server.stop()


def today(server) -> datetime:
    return datetime.fromtimestamp(server.clock(), ZoneInfo(server.site.timezone))


async def test_a_supervisor_enters_the_plan_sees_the_capacity_and_the_plan_survives_a_restart(server, browser, tmp_path):
    before = server.office.service_estimate("residence", server.clock())  # no plan: every counter expected soon
    page = await signed_in_page(browser, server)
    assert await page.is_visible("#no-plan") and "kein Plan" in await page.inner_text("#no-plan")
    await page.select_option("#shift-weekday", str(today(server).weekday()))
    await page.select_option("#shift-counter", "6")  # residence and settlement, nobody else today
    await page.fill("#shift-start", "13:00")
    await page.fill("#shift-end", "16:00")
    await page.click("#add-shift-submit")
    await page.wait_for_selector("#template tr[data-shift='0']")
    await page.wait_for_selector("#capacity tr[data-service='residence']")
    assert await page.inner_text("#plan-answer") == "Erledigt."
    header = await page.inner_text("#capacity thead")
    assert "Schafft der Plan heute" in header and "Heute gezogen" in header
    residence = await page.inner_text("#capacity tr[data-service='residence']")
    assert residence.split("\t")[0] == server.site.service("residence").name("de") and int(residence.split("\t")[1]) > 0
    row = await page.inner_text("#template tr[data-shift='0']")
    assert row.split("\t")[:4] == [["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
                                    "Sonntag"][today(server).weekday()], "6", "13:00", "16:00"]
    after = server.office.service_estimate("residence", server.clock())
    assert after != before and after[0] <= 60 <= after[1]  # counter 6 at 13:00, an hour from noon

    await page.fill("#exception-day", today(server).date().isoformat())
    await page.select_option("#exception-kind", "training")
    await page.fill("#exception-start", "13:00")
    await page.fill("#exception-end", "14:00")
    await page.click("#add-exception-submit")
    await page.wait_for_selector("#exceptions tr[data-exception='0']")
    assert "Schulung" in await page.inner_text("#exceptions tr[data-exception='0']")
    trained = server.office.service_estimate("residence", server.clock())
    assert trained[0] <= 120 <= trained[1]  # the training moves counter 6 to 14:00
    assert await axe_violations(page) == []
    await page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
    await page.close()

    capacity = server.office.capacity(server.clock())
    await server.stop()
    server.restarted = True
    again = Server(server.site, server.db_path, always_open=True, clock=server.clock)
    await again.start("127.0.0.1", 0)
    try:
        assert again.office.plan.template == server.office.plan.template != []
        assert [c.kind for c in again.office.plan.closures] == ["training"]
        assert again.office.service_estimate("residence", again.clock()) == trained
        assert again.office.capacity(again.clock()) == capacity
    finally:
        await again.stop()


def run_import(config, port: int, path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server", "plan", "import", str(path), "--config", str(config),
                           "--url", f"ws://127.0.0.1:{port}/", *options], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


async def test_a_csv_plan_is_imported_through_the_running_server_and_a_bad_one_changes_nothing(tmp_path):
    config = always_open_config(tmp_path)
    server = ServerProcess(tmp_path / "office.sqlite3", "--config", str(config))
    try:
        good = tmp_path / "plan.csv"
        good.write_text("tag;schalter;von;bis;dienste;art\nMo;1;08:00;12:00;;\nMo;1;12:30;15:00;info;\n"
                        "Di;6;8:00;16:00;;\n2030-12-24;;;;;geschlossen\n", encoding="utf-8")
        result = run_import(config, server.port, good)
        assert result.returncode == 0, result.stderr
        assert "Plan übernommen (Schichten: 3, Ausnahmen: 1)" in result.stderr
        ws, floor = await board_socket(server, await cookie_for(server.port))
        await ws.close()
        assert [(s["counter"], s["weekday"], s["start"]) for s in floor["plan"]["template"]] == \
            [("1", 0, "08:00"), ("1", 0, "12:30"), ("6", 1, "08:00")]
        assert floor["plan"]["exceptions"] == [{"day": "2030-12-24", "kind": "closed"}]
        for text, says in [("tag;schalter;von;bis\nMo;99;08:00;12:00\n", "den Schalter „99“ gibt es nicht"),
                           ("tag;schalter;von;bis\nMo;1;8 Uhr;12:00\n", "Zeile 2: „8 Uhr“ ist keine Uhrzeit"),
                           ("tag;schalter;von;bis\nMo;1;08:00;12:00\nMo;1;11:00;13:00\n", "überschneidet sich")]:
            bad = tmp_path / "bad.csv"
            bad.write_text(text, encoding="utf-8")
            result = run_import(config, server.port, bad)
            assert result.returncode == 1 and says in result.stderr, result.stderr
            assert "Der Plan wurde nicht geändert." in result.stderr, result.stderr
        result = run_import(config, server.port, bad, "--lang", "en")  # a person who reads English
        assert result.returncode == 1 and "overlaps" in result.stderr and "The plan was not changed." in result.stderr
        ws, floor = await board_socket(server, await cookie_for(server.port))
        await ws.close()
        assert len(floor["plan"]["template"]) == 3  # unchanged
    finally:
        server.stop()


async def test_the_board_says_where_the_day_departs_from_the_plan(server):
    from .test_manager_board import act

    now = today(server)
    ws, floor = await board_socket(server, await cookie_for(server.port))
    try:
        shifts = [{"counter": "5", "weekday": now.weekday(), "start": "11:00", "end": "16:00"}]
        assert (await act(ws, type="set_plan", template=shifts))["type"] == "reply"
        assert (await act(ws, type="open_counter", counter="7"))["type"] == "reply"
        texts = set()
        while not {"plan_late:5", "plan_unplanned:7"} <= {a["key"] for a in floor["alerts"]}:
            message = json.loads(await ws.recv())
            if message["type"] == "board":
                floor = message["floor"]
        texts = {a["key"]: a["text"] for a in floor["alerts"]}
        assert texts["plan_late:5"] == "Schalter 5 ist laut Plan seit 11:00 besetzt, aber nicht geöffnet"
        assert texts["plan_unplanned:7"] == "Schalter 7 ist geöffnet, steht aber nicht im Plan"
        assert (await act(ws, type="open_counter", counter="5"))["type"] == "reply"
        while "plan_late:5" in {a["key"] for a in floor["alerts"]}:
            message = json.loads(await ws.recv())
            if message["type"] == "board":
                floor = message["floor"]
        assert "plan_late:5" in {a["key"] for a in floor["cleared"]}
    finally:
        await ws.close()
