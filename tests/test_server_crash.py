"""kill -9 during a stream of draws and calls, five times over on one file (or one PostgreSQL
database): whatever was confirmed is there after the restart, and numbering goes on without a
duplicate."""

from __future__ import annotations

import asyncio
import os
import random
import signal

from server.store import open_store
from server.wire import protocol as p
from server.wire.session import ClientSession, ConnectionLost, ServerError

from .conftest import ServerProcess, always_open_config, token

ROUNDS = 5
DRAWS_PER_MINUTE = 240


class Round:
    """One stream of draws and calls, and the kill -9 that ends it: the kill comes once this
    round has `kill_after` confirmed draws and at least one finished visit, whatever the speed
    of the machine (a fast one used to meet the kiosk's rate limit first)."""

    def __init__(self, server: ServerProcess, kill_after: int):
        self.server, self.kill_after = server, kill_after
        self.drawn, self.finished, self.killed, self.limited = 0, 0, False, 0

    def maybe_kill(self) -> None:
        if not self.killed and self.drawn >= self.kill_after and self.finished >= 1:
            self.killed = True
            os.kill(self.server.pid, signal.SIGKILL)


async def draw_until_cut(kiosk: ClientSession, round_: Round, confirmed: dict) -> None:
    for i in range(10_000):
        service = ("residence", "extension", "settlement")[i % 3]
        draw = p.Draw(id=0, service=service, lang="uk", request=os.urandom(6).hex())
        limited = 0
        while True:
            try:
                reply = await kiosk.request(draw)
                break
            except ServerError as exc:  # a kiosk refused for drawing too fast draws again, same request
                if exc.code != "rate_limited":
                    raise
                limited += 1
                await asyncio.sleep(0.02)
        confirmed[reply.ticket.number] = reply.ticket.token
        round_.drawn += 1
        round_.limited += limited
        round_.maybe_kill()


async def serve_until_cut(counter: ClientSession, round_: Round, finished: set) -> None:
    desk = (await counter.request(p.Open(id=0))).desk
    if desk.current is not None:  # the last round's kill came between `next` and `finish`
        finished.add((await counter.request(p.Finish(id=0, outcome="done"))).ticket.number)
    while True:
        try:
            await counter.request(p.Next(id=0))
        except ServerError as exc:
            assert exc.code == "nothing_waiting", exc
            await asyncio.sleep(0.01)
            continue
        finished.add((await counter.request(p.Finish(id=0, outcome="done"))).ticket.number)
        round_.finished += 1
        round_.maybe_kill()


async def stream_until_killed(round_: Round, confirmed: dict, finished: set) -> None:
    url = f"ws://127.0.0.1:{round_.server.port}/"
    kiosks = [ClientSession(url, role="kiosk", terminal=k, token=token(k), timeout=5) for k in ("kiosk-1", "kiosk-2")]
    counter = ClientSession(url, role="counter", terminal="counter-8", token=token("counter-8"), timeout=5)
    sessions = [*kiosks, counter]
    for session in sessions:
        session.start()
    try:
        await asyncio.gather(*(s.ready() for s in sessions))
        tasks = [asyncio.create_task(draw_until_cut(k, round_, confirmed)) for k in kiosks]
        tasks.append(asyncio.create_task(serve_until_cut(counter, round_, finished)))
        await asyncio.wait(tasks, timeout=60)
        for task in tasks:
            task.cancel()
        ends = await asyncio.gather(*tasks, return_exceptions=True)
        why = [f"{task.get_name()}: {end!r}" for task, end in zip(tasks, ends)]
        assert round_.killed, f"no kill after {round_.drawn} draws, {round_.finished} visits: {why}"
        assert all(isinstance(end, ConnectionLost) for end in ends), f"the stream ended otherwise: {why}"
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


def stop_for_good(server: ServerProcess) -> None:
    """A failing round must not leave its server running (it would hold the file and a port)."""
    if server.proc.poll() is None:
        server.proc.kill()
        server.wait()


async def test_confirmed_work_survives_kill_9_five_times(tmp_path, store_db):
    config, db = always_open_config(tmp_path), store_db
    # four draws a second per kiosk after a burst of ten: rounds past twenty draws meet the rate
    # limit on any machine (a kiosk's draws would have to take a quarter of a second each not
    # to), and go on; at two a second the rounds spent 12 of their 22 s waiting for the limit
    config.write_text(config.read_text(encoding="utf-8").replace("= 100000", f"= {DRAWS_PER_MINUTE}"), encoding="utf-8")
    confirmed: dict[str, str] = {}
    finished: set[str] = set()
    rng = random.Random(3)
    refused = 0
    for n in range(ROUNDS):
        server = ServerProcess(db, "--config", str(config))
        try:
            round_ = Round(server, rng.randint(5, 60))
            await stream_until_killed(round_, confirmed, finished)
            assert server.wait() == -signal.SIGKILL, f"round {n}: the server was not killed"
            assert round_.finished >= 1, f"round {n}: the counter finished nobody"
            refused += round_.limited
        finally:
            stop_for_good(server)

    server = ServerProcess(db, "--config", str(config))
    try:
        kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                              token=token("kiosk-1"))
        async with kiosk:
            await kiosk.ready()
            after = [(await kiosk.request(p.Draw(id=0, service=s, lang="de", request=f"after-{s}"))).ticket.number
                     for s in ("residence", "extension", "settlement")]
        assert server.stop() == 0  # SIGTERM: a clean stop
    finally:
        stop_for_good(server)
    store = open_store(db, timezone="Europe/Berlin")
    rows = {number: (tok, state) for number, tok, state in store.query("SELECT number, token, state FROM tickets")}
    store.close()
    assert len(confirmed) > ROUNDS * 5 and finished
    assert refused, "no draw met the kiosk's rate limit: the test no longer shows it is survived"
    for number, tok in confirmed.items():
        assert rows[number][0] == tok, number
    assert all(rows[n][1] == "done" for n in finished)
    for number in after:
        same_service = [int(n[1:]) for n in confirmed if n[0] == number[0]]
        assert int(number[1:]) > max(same_service, default=0)
