"""Draws per second with the store on PostgreSQL, against a bare psycopg insert loop on the
same PostgreSQL in the same run (issue 28: the goal is at least 0.5x).

One throwaway cluster (tests/postgres.py: `initdb` into a temporary folder, a Unix socket,
fsync on as in production) serves both. Willkommen: the real server (its CLI) with `--db
postgresql://…`, kiosk clients drawing as fast as replies come (`bench.draws.load`); every
reply after its COMMIT. The baseline: one psycopg connection doing INSERT + COMMIT of one
ticket row at a time (the storage's limit for one ticket per commit, as `draws` has for
SQLite). The same clients drawing from a server on an SQLite file are printed beside them.
Each figure is the median of `repeats` rounds, each round measuring all three one after another.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from tests.postgres import Cluster

from .common import bench_config, emit, process, willkommen_server
from .draws import load, median


@contextlib.contextmanager
def server_on(url: str):
    with tempfile.TemporaryDirectory() as folder:
        config = bench_config(Path(folder))
        with process(["-m", "server", "--config", str(config), "--db", url, "--port", "0"], "serving") as (proc, port):
            yield proc, port


def psycopg_inserts(url: str, seconds: float) -> float:
    """One ticket row a commit, as fast as one connection goes."""
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS raw_tickets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                     "number text, data text)")
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.execute("INSERT INTO raw_tickets (number, data) VALUES (%s, %s)", (f"A{count:03d}", "x" * 200))
            count += 1
        return count / (time.perf_counter() - start)


def run(clients: list[int], seconds: float, repeats: int = 3) -> list[dict]:
    cluster = Cluster()
    try:
        cluster.start()
        office, raw = cluster.database(), cluster.database()
        rounds = []
        with server_on(office) as (pg_server, pg_port), willkommen_server() as (lite_server, lite_port):
            for _ in range(repeats):
                measured: dict = {"raw": psycopg_inserts(raw, seconds)}
                for c in clients:
                    measured[c] = asyncio.run(load(pg_port, c, seconds, pg_server.pid))
                    measured[("sqlite", c)] = asyncio.run(load(lite_port, c, seconds, lite_server.pid))
                rounds.append(measured)
    finally:
        cluster.stop()
    raw_rate = statistics.median(r["raw"] for r in rounds)
    results = []
    for c in clients:
        rate, cpu, group = median(r[c] for r in rounds)
        lite = median(r[("sqlite", c)] for r in rounds)
        results.append(emit("postgres_draws_per_s", clients=c, willkommen=round(rate),
                            psycopg_insert_baseline=round(raw_rate), ratio_to_psycopg=round(rate / raw_rate, 2),
                            draws_per_commit=round(group or 0, 1), server_cpu_us=round(cpu, 1),
                            willkommen_on_sqlite=round(lite[0]), ratio_to_sqlite=round(rate / lite[0], 2)))
    return results


def report(rows: list[dict]) -> None:
    print(f"\n{'clients':>7} {'draws/s':>8} {'psycopg/s':>9} {'×psycopg':>8} {'group':>6} {'cpu µs':>7} "
          f"{'sqlite/s':>8} {'×sqlite':>7}")
    for r in rows:
        print(f"{r['clients']:>7} {r['willkommen']:>8} {r['psycopg_insert_baseline']:>9} {r['ratio_to_psycopg']:>8} "
              f"{r['draws_per_commit']:>6} {r['server_cpu_us']:>7} {r['willkommen_on_sqlite']:>8} "
              f"{r['ratio_to_sqlite']:>7}")
