"""kill -9 during a stream of draws and calls, five times over on one file: whatever was
confirmed is there after the restart, and numbering goes on without a duplicate."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3

from server import protocol as p
from server.client import ClientSession, ConnectionLost, ServerError

from .conftest import ServerProcess, always_open_config, token

ROUNDS = 5


async def stream_until_killed(port: int, server: ServerProcess, kill_after: int, confirmed: dict, finished: set) -> None:
    url = f"ws://127.0.0.1:{port}/"
    kiosks = [ClientSession(url, role="kiosk", terminal=k, token=token(k), timeout=5) for k in ("kiosk-1", "kiosk-2")]
    counter = ClientSession(url, role="counter", terminal="counter-8", token=token("counter-8"), timeout=5)
    sessions = [*kiosks, counter]
    for session in sessions:
        session.start()
    await asyncio.gather(*(s.ready() for s in sessions))
    drawn_here = []

    async def draw(kiosk: ClientSession, n: int):
        for i in range(10_000):
            service = ("residence", "extension", "settlement")[i % 3]
            reply = await kiosk.request(p.Draw(id=0, service=service, lang="uk", request=f"{os.urandom(6).hex()}"))
            confirmed[reply.ticket.number] = reply.ticket.token
            drawn_here.append(reply.ticket.number)
            if len(drawn_here) == kill_after:
                os.kill(server.pid, signal.SIGKILL)

    async def serve():
        await counter.request(p.Open(id=0))
        while True:
            try:
                await counter.request(p.Next(id=0))
                done = await counter.request(p.Finish(id=0, outcome="done"))
                finished.add(done.ticket.number)
            except ServerError:
                await asyncio.sleep(0.01)

    tasks = [asyncio.create_task(draw(k, n)) for n, k in enumerate(kiosks)] + [asyncio.create_task(serve())]
    done, pending = await asyncio.wait(tasks, timeout=30, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    assert any(isinstance(t.exception(), ConnectionLost) for t in done), "the kill did not cut the stream"
    await asyncio.gather(*pending, return_exceptions=True)
    await asyncio.gather(*(s.close() for s in sessions))


async def test_confirmed_work_survives_kill_9_five_times(tmp_path):
    config, db = always_open_config(tmp_path), tmp_path / "office.sqlite3"
    confirmed: dict[str, str] = {}
    finished: set[str] = set()
    rng = random.Random(3)
    for _ in range(ROUNDS):
        server = ServerProcess(db, "--config", str(config))
        await stream_until_killed(server.port, server, rng.randint(5, 60), confirmed, finished)
        assert server.wait() == -signal.SIGKILL

    server = ServerProcess(db, "--config", str(config))
    try:
        kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                              token=token("kiosk-1"))
        async with kiosk:
            await kiosk.ready()
            after = [(await kiosk.request(p.Draw(id=0, service=s, lang="de", request=f"after-{s}"))).ticket.number
                     for s in ("residence", "extension", "settlement")]
    finally:
        assert server.stop() == 0  # SIGTERM: a clean stop
    conn = sqlite3.connect(db)
    rows = {number: (tok, state) for number, tok, state in conn.execute("SELECT number, token, state FROM tickets")}
    conn.close()
    assert len(confirmed) > ROUNDS * 5 and finished
    for number, tok in confirmed.items():
        assert rows[number][0] == tok, number
    assert all(rows[n][1] == "done" for n in finished)
    for number in after:
        same_service = [int(n[1:]) for n in confirmed if n[0] == number[0]]
        assert int(number[1:]) > max(same_service, default=0)
