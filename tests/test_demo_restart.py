"""The demo as the README's reader runs it: started, stopped, started again on its database;
its own file unless told otherwise; its tickets' QR code pointing where it listens."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys

from server.wire.session import ClientSession

from .conftest import ROOT, ServerProcess, http_get

SPEED = "600"


def logged(server: ServerProcess, msg: str) -> list[dict]:
    entries = [json.loads(line) for line in list(server.log) if line.startswith("{")]
    return [e for e in entries if e.get("msg") == msg]


async def until(check, seconds: float = 30) -> bool:
    for _ in range(int(seconds * 10)):
        if check():
            return True
        await asyncio.sleep(0.1)
    return False


async def health(server: ServerProcess) -> dict:
    return json.loads((await http_get(f"http://127.0.0.1:{server.port}/healthz"))[2])


def at_desks(db) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT number FROM tickets WHERE state IN ('called', 'serving')").fetchall()
    conn.close()
    return {n for (n,) in rows}


async def test_demo_restarted_on_its_database_resumes_its_clerks_and_draws_new_tickets(tmp_path):
    db = tmp_path / "demo.sqlite3"
    first = ServerProcess(db, "--demo", "--speed", SPEED)
    try:
        assert await until(lambda: len(logged(first, "drawn")) >= 12)
    finally:
        first.proc.send_signal(signal.SIGINT)
        assert first.wait() == 0
    drawn_before = {e["ticket"] for e in logged(first, "drawn")}
    left_at_desks = at_desks(db)
    assert left_at_desks, "the first run stopped with no visitor at any desk: nothing to resume"

    second = ServerProcess(db, "--demo", "--speed", SPEED)
    try:
        assert await until(lambda: len(logged(second, "drawn")) >= 3)
        first_draws = [e["ticket"] for e in logged(second, "drawn")][:3]
        assert not set(first_draws) & drawn_before, f"the restart was handed the last run's {first_draws}"
        assert await until(lambda: not at_desks(db) & left_at_desks), \
            f"the clerks never saw out the visitors the last run left at their desks ({sorted(left_at_desks)})"
        served = (await health(second))["tickets_today"]
        assert served > len(drawn_before)
    finally:
        second.proc.send_signal(signal.SIGINT)
        assert second.wait() == 0
    jams = [e for e in logged(second, "clerk") if e.get("code") in ("visitor_at_counter", "counter_not_open")]
    assert jams == []
    with sqlite3.connect(db) as conn:
        called_after = conn.execute("SELECT count(*) FROM tickets WHERE called_at IS NOT NULL "
                                    "AND number NOT IN (%s)" % ",".join("?" * len(drawn_before)),
                                    sorted(drawn_before)).fetchone()[0]
    conn.close()
    assert called_after > 0  # the resumed clerks call the new run's visitors


def start_demo_without_db(tmp_path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.Popen([sys.executable, "-m", "server", "--port", "0", *args], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)


def serving(proc: subprocess.Popen) -> dict:
    for line in proc.stderr:
        if line.startswith("{") and json.loads(line)["msg"] == "serving":
            return json.loads(line)
    raise AssertionError(f"the server did not start (exit {proc.wait()})")


async def test_demo_without_db_keeps_its_own_file_and_its_qr_code_points_at_its_port(tmp_path):
    proc = start_demo_without_db(tmp_path, "--demo", "--speed", "0.01")
    try:
        started = serving(proc)
        session = ClientSession(f"ws://127.0.0.1:{started['port']}/", role="display")
        session.start()
        welcome = await session.ready()
        await session.close()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
        proc.stderr.close()
    assert started["db"] == str(tmp_path / "data" / "willkommen" / "demo.sqlite3")
    assert not (tmp_path / "data" / "willkommen" / "willkommen.sqlite3").exists()
    assert welcome.site.public_url == f"http://127.0.0.1:{started['port']}"
