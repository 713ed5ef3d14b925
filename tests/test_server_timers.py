"""What the server does with time and with a failing disk, over real connections: the hello it
waits for, the queue pushes it groups, and the exit status its command gives when a commit
fails. The waits are the server's own settings (`server.edge.hellos.HELLO_TIMEOUT`,
`Pushes.queue_delay`), set for the test; nothing sleeps where a state can be awaited."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from websockets.asyncio.client import connect

from server.edge import hellos
from server.wire import protocol as p
from server.wire.session import ServerError

from .conftest import ROOT, ServerProcess, always_open_config
from .test_server_bad_input import answer, closed_with, hello


async def test_a_connection_that_never_says_hello_is_closed_and_a_terminal_that_did_is_served(
        server, url, monkeypatch):
    async with connect(url) as terminal:
        assert (await hello(terminal, "kiosk-1"))["type"] == "welcome"
        monkeypatch.setattr(hellos, "HELLO_TIMEOUT", 0.3)  # the setting is 10 s; read as a connection opens
        silent = await connect(url)
        async with asyncio.timeout(10):  # without the timeout the silent socket stays forever
            assert await closed_with(silent) == (4408, "the first message must be hello (timed out)")
        # the kiosk has been quiet as long as the silent one, and is still served
        reply = await answer(terminal, json.dumps({"type": "draw", "id": 7, "service": "info", "lang": "de",
                                                   "request": "r"}))
        assert reply["type"] == "reply" and reply["ticket"]["number"] == "F001"
        await silent.close()


async def latest_queues(kiosk, expected: dict[str, int]) -> tuple[dict[str, int], int]:
    """Queue lengths as a kiosk learns them from pushes, until they are `expected`; and how
    many `queues` frames it took."""
    seen: dict[str, int] = {}
    frames = 0
    while {s: seen.get(s) for s in expected} != expected:
        pushed = await kiosk.next_event(p.QueuesChanged)
        frames += 1
        seen.update({q.service: q.waiting for q in pushed.queues})
    return seen, frames


async def test_queue_lengths_reach_every_kiosk_grouped_into_few_frames(server, terminal, monkeypatch):
    monkeypatch.setattr(server.pushes, "queue_delay", 1.0)  # 0.25 s: wider, so a loaded machine's draws share it
    drawing, watching = await terminal("kiosk-1"), await terminal("kiosk-2")
    draws = [("residence", "de"), ("info", "ar"), ("residence", "tr"), ("residence", "uk"), ("info", "fa")]
    for n, (service, lang) in enumerate(draws):
        await drawing.request(p.Draw(id=0, service=service, lang=lang, request=f"q-{n}"))
    expected = {"residence": 3, "info": 2}  # counted by hand from the draws above
    for kiosk in (watching, drawing):  # the one that drew hears it too
        seen, frames = await latest_queues(kiosk, expected)
        assert frames < len(draws)  # grouped: not a frame per draw
        assert {s: n for s, n in seen.items() if n} == expected


def test_the_server_command_exits_1_when_a_commit_fails(tmp_path):
    """A full disk: the process may write files only a little past their size at the start
    (RLIMIT_FSIZE; Python ignores SIGXFSZ, so SQLite's write fails with EFBIG). The commit that fails is refused to its kiosk, and the server stops with status 1
    for its supervisor to restart it."""
    db, config = tmp_path / "office.sqlite3", always_open_config(tmp_path)
    assert ServerProcess(db, "--config", str(config)).stop() == 0  # the file with its schema
    room = max(f.stat().st_size for f in tmp_path.glob("office.sqlite3*")) + 64 * 1024
    command = ["prlimit", f"--fsize={room}", sys.executable, "-m", "server", "--port", "0", "--db", str(db),
               "--config", str(config)]
    proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        port = serving_port(proc)
        refused = asyncio.run(draw_until_refused(f"ws://127.0.0.1:{port}/"))
        assert refused.code == "storage_failed"
        assert proc.wait(timeout=30) == 1
        log = proc.stderr.read()
        assert '"msg": "commit failed; stopping so a restart rebuilds from the file"' in log
        assert "sqlite3.OperationalError: disk I/O error" in log  # what SQLite makes of EFBIG
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def serving_port(proc: subprocess.Popen) -> int:
    for line in proc.stderr:
        entry = json.loads(line) if line.startswith("{") else {}
        if entry.get("msg") == "serving":
            return entry["port"]
    raise AssertionError(f"server did not start (exit {proc.wait()})")


async def draw_until_refused(url: str) -> ServerError:
    from server.wire.session import ClientSession

    from .conftest import token

    async with ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1")) as kiosk:
        await kiosk.ready()
        for n in range(2000):  # a few hundred fill 96 KiB; the bound keeps a broken server from looping on
            try:
                await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"d-{n}" + "x" * 100))
            except ServerError as refused:
                if refused.code != "rate_limited":  # a fast machine outdraws even the test's rate limit
                    return refused
                await asyncio.sleep(0.05)
    raise AssertionError("every draw was saved: the file never grew past the limit")


async def test_after_a_failed_commit_every_request_is_refused_with_a_sentence_until_the_restart(
        server, terminal, caplog):
    kiosk, counter = await terminal("kiosk-1"), await terminal("counter-5")
    server.store.db.conn.close()  # the disk is gone from under the server
    with pytest.raises(ServerError) as failed:
        await kiosk.request(p.Draw(id=0, service="info", lang="de", request="lost"))
    assert (failed.value.code, failed.value.message) == ("storage_failed",
                                                         "the change could not be saved; the server restarts")
    said = [(r.levelname, r.getMessage(), r.exc_info[0].__name__ if r.exc_info else None)
            for r in caplog.records if r.name == "willkommen.writer"]  # what the operator reads, and why
    assert said == [("CRITICAL", "commit failed; stopping so a restart rebuilds from the file", "ProgrammingError")]
    for ask in (counter.request(p.Open(id=0)), kiosk.request(p.Draw(id=0, service="info", lang="de", request="l2"))):
        with pytest.raises(ServerError) as refused:  # nothing more is taken on: memory is ahead of the file
            await ask
        assert (refused.value.code, refused.value.message) == ("storage_failed", "the server could not save its "
                                                                                  "work and is restarting")
