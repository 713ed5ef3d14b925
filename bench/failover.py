"""A failover while kiosks draw: seconds from the primary's death until kiosks draw again, and
confirmed draws lost (the goal: 0), against what PostgreSQL alone takes in the same run.

A primary and a synchronous standby (tests/postgres.py `Standby`: `pg_basebackup`, the
primary's `synchronous_standby_names`); the real server (its CLI) with a URL naming both
hosts and `target_session_attrs=read-write`; kiosks drawing as fast as replies come, through
the client session with `retry=True` as the kiosk draws (a `busy` answer is sent again). At
`warmup` seconds the primary is killed (-9, the postmaster and its children) and the standby
promoted at once (`pg_ctl promote -w`). Figures:

- `seconds_to_draws_again`: from the kill until the first draw *sent after it* is confirmed
  (only the promoted standby can have committed it);
- `baseline_seconds`: the same for a bare psycopg loop on the same URL in the same run
  (INSERT + COMMIT, a new connection after each error, 20 tries a second): PostgreSQL's own
  switch, which the server cannot beat;
- `promote_seconds`: what `pg_ctl promote -w` took;
- `confirmed`, `lost` (confirmed to a kiosk, not in the promoted database), `twice` (a
  ticket number in it twice), `drawn_events` (must equal the tickets: no commit made twice).
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from urllib.parse import urlsplit

from tests.postgres import Standby

from .common import emit
from .postgres import server_on


class Clock:
    """When the primary died; when the first draw sent after that was confirmed."""

    def __init__(self) -> None:
        self.killed: float | None = None
        self.first_after: float | None = None

    def confirmed(self, sent: float) -> None:
        if self.killed is not None and sent > self.killed and self.first_after is None:
            self.first_after = time.perf_counter()


async def kiosk(url: str, n: int, until: list[float], clock: Clock, confirmed: list[tuple[str, str]]) -> None:
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    name = f"kiosk-{n % 2 + 1}"  # the demo office's two kiosks (bench_config); a client each
    async with ClientSession(url, role="kiosk", terminal=name, token=f"demo-{name}", timeout=60) as session:
        await session.ready()
        i = 0
        while time.perf_counter() < until[0]:
            sent = time.perf_counter()
            reply = await session.request(p.Draw(id=0, service="info", lang="de", request=f"{n}-{i}"), retry=True)
            clock.confirmed(sent)
            confirmed.append((reply.ticket.token, reply.ticket.number))
            i += 1


def bare_loop(url: str, stop: threading.Event, clock: Clock, first: list[float]) -> None:
    """PostgreSQL alone: INSERT + COMMIT on the same URL; after an error a new connection."""
    import psycopg

    conn = None
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
                conn.execute("CREATE TABLE IF NOT EXISTS bare (id bigint GENERATED ALWAYS AS IDENTITY, data text)")
            sent = time.perf_counter()
            conn.execute("INSERT INTO bare (data) VALUES ('x')")
            if clock.killed is not None and sent > clock.killed and not first:
                first.append(time.perf_counter())
        except psycopg.Error:
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.05)
    if conn is not None:
        conn.close()


async def one_failover(clients: int, warmup: float, after: float) -> dict:
    pair = Standby()
    try:
        pair.start()
        office, bare = pair.database(), pair.database()
        with server_on(office) as (_, port):
            clock, confirmed, first_bare = Clock(), [], []
            stop = threading.Event()
            baseline = threading.Thread(target=bare_loop, args=(bare, stop, clock, first_bare), daemon=True)
            baseline.start()
            until = [time.perf_counter() + 600]
            kiosks = asyncio.gather(*(kiosk(f"ws://127.0.0.1:{port}/", n, until, clock, confirmed)
                                      for n in range(clients)))
            await asyncio.sleep(warmup)
            clock.killed = time.perf_counter()
            await asyncio.to_thread(pair.primary.kill)
            promote_start = time.perf_counter()
            await asyncio.to_thread(pair.promote)
            promoted = time.perf_counter() - promote_start
            while clock.first_after is None or not first_bare:
                await asyncio.sleep(0.01)
            until[0] = time.perf_counter() + after
            await kiosks
            stop.set()
            baseline.join(30)
        counts = in_database(pair.standby.url(urlsplit(office).path.lstrip("/")), confirmed)
    finally:
        pair.stop()
    return {"seconds_to_draws_again": clock.first_after - clock.killed, "baseline_seconds": first_bare[0] - clock.killed,
            "promote_seconds": promoted, "confirmed": len(confirmed), **counts}


def in_database(url: str, confirmed: list[tuple[str, str]]) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        stored = dict(conn.execute("SELECT token, number FROM tickets").fetchall())
        twice = conn.execute("SELECT count(*) FROM (SELECT number FROM tickets GROUP BY day, number "
                             "HAVING count(*) > 1) AS doubled").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM events WHERE kind = 'ticket_drawn'").fetchone()[0]
    lost = sum(1 for token, number in confirmed if stored.get(token) != number)
    return {"lost": lost, "twice": twice, "drawn_events": events, "tickets": len(stored)}


def run(clients: int, warmup: float, after: float, repeats: int) -> list[dict]:
    rounds = [asyncio.run(one_failover(clients, warmup, after)) for _ in range(repeats)]
    middle = {key: statistics.median(r[key] for r in rounds)
              for key in ("seconds_to_draws_again", "baseline_seconds", "promote_seconds")}
    return [emit("failover", clients=clients, rounds=repeats,
                 seconds_to_draws_again=round(middle["seconds_to_draws_again"], 4),
                 baseline_seconds=round(middle["baseline_seconds"], 4),
                 ratio_to_baseline=round(middle["seconds_to_draws_again"] / middle["baseline_seconds"], 4),
                 promote_seconds=round(middle["promote_seconds"], 4),
                 slowest_seconds_to_draws_again=round(max(r["seconds_to_draws_again"] for r in rounds), 4),
                 each_round=[{key: round(r[key], 4) for key in ("seconds_to_draws_again", "baseline_seconds",
                                                                "promote_seconds")} for r in rounds],
                 confirmed=sum(r["confirmed"] for r in rounds), lost=sum(r["lost"] for r in rounds),
                 twice=sum(r["twice"] for r in rounds),
                 commits_made_twice=sum(r["drawn_events"] - r["tickets"] for r in rounds))]


def report(rows: list[dict]) -> None:
    for r in rows:
        print(f"\nfailover, {r['clients']} kiosks drawing, median of {r['rounds']}: kiosks draw again "
              f"{r['seconds_to_draws_again']} s after the primary's kill -9 (slowest {r['slowest_seconds_to_draws_again']} s; "
              f"a bare psycopg loop on the same URL: {r['baseline_seconds']} s, x{r['ratio_to_baseline']}; "
              f"pg_ctl promote took {r['promote_seconds']} s); {r['confirmed']} draws confirmed, "
              f"{r['lost']} lost, {r['twice']} numbers twice, {r['commits_made_twice']} commits made twice")
