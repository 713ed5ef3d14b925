"""Thirty offices on one PostgreSQL, a server process each (docs/it-provider.md, "Many offices
on one machine"): draws per second and the draw's p99 with every office busy at once, against
one office alone on the same cluster and one office on an SQLite file, in the same run.

One throwaway cluster (tests/postgres.py), one database, a schema per office, and per office
the real server (its CLI, `--db …?options=-csearch_path=oN`). Each office has `kiosks`
kiosks drawing at a steady pace (one draw every `interval` seconds each: a busy morning many
times over), the time from sending a draw to its reply measured. Rounds: office 1 alone on
PostgreSQL (its server the only one), then the other offices' servers started and every office
drawing at once, then one office on an SQLite file alone. Between, the CPU an idle server uses
(its timers: what each more process costs with nobody drawing).
Where the time goes: the CPU the thirty servers and the cluster's processes used in that round,
per draw, beside the load average (a figure far below the machine's cores with a draw p99 of
seconds says the draws waited for a turn on a core, not for work of their own).
Also what a ticket adds to the database (office 1's schema, all its tables and indexes,
after a CHECKPOINT; in whole 8 KB pages, so rough with few tickets).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from websockets.asyncio.client import connect

from tests.postgres import Cluster

from .budget import server_cpu
from .common import bench_config, emit, process, willkommen_server

SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")


async def paced_kiosk(port: int, n: int, interval: float, seconds: float, latencies: list[float]) -> None:
    run = uuid.uuid4().hex[:8]
    terminal = f"kiosk-{n % 2 + 1}"
    async with connect(f"ws://127.0.0.1:{port}/", compression=None, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": terminal, "token": f"demo-{terminal}"}))
        await ws.recv()  # welcome
        start = time.perf_counter()
        next_at = start + random.uniform(0, interval)  # the kiosks of thirty offices do not draw in step
        for i in range(10**9):
            if next_at >= start + seconds:
                return
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "draw", "id": i, "service": SERVICES[i % 6], "lang": "ar",
                                      "request": f"bench-{run}-{n}-{i}"}))
            while not (frame := await ws.recv()).startswith(('{"type":"reply"', '{"type": "reply"')):
                if frame.startswith('{"type":"error"'):
                    raise RuntimeError(frame)
            latencies.append(time.perf_counter() - sent)
            next_at += interval


async def draw_in(ports: list[int], kiosks: int, interval: float, seconds: float) -> list[list[float]]:
    """Every office's kiosks at once; each office's draw times."""
    measured: list[list[float]] = [[] for _ in ports]
    await asyncio.gather(*(paced_kiosk(port, n, interval, seconds, measured[o])
                           for o, port in enumerate(ports) for n in range(kiosks)))
    return measured


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000 if len(values) > 1 else values[0] * 1000


def make_schemas(url: str, count: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for n in range(1, count + 1):
            conn.execute(f"CREATE SCHEMA o{n}")


def start_office(stack: contextlib.ExitStack, url: str, config: Path, n: int) -> tuple[int, int]:
    """Office `n`'s server on its schema: its pid and port."""
    proc, port = stack.enter_context(process(["-m", "server", "--config", str(config), "--port", "0", "--db",
                                              f"{url}&options=-csearch_path%3Do{n}"], "serving"))
    return proc.pid, port


def cluster_pids(cluster: Cluster) -> list[int]:
    """The postmaster and every process it started (backends, WAL writer, checkpointer)."""
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    return [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):  # a backend that ended meanwhile
            total += server_cpu(pid)
    return total


def idle_cpu(pids: list[int], seconds: float = 5.0) -> float:
    """Percent of one core each server uses with nobody drawing (its timers), on average."""
    before = [server_cpu(pid) for pid in pids]
    time.sleep(seconds)
    return statistics.mean(server_cpu(pid) - b for pid, b in zip(pids, before)) / seconds * 100


def office_size(url: str) -> tuple[int, int]:
    """Office 1's schema: bytes (every table and index) and tickets."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # the pages written, not waiting in shared buffers
        size = conn.execute("SELECT sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))) "
                            "FROM pg_tables WHERE schemaname = 'o1'").fetchone()[0]
        return int(size), conn.execute("SELECT count(*) FROM o1.tickets").fetchone()[0]


def run(offices: int, kiosks: int, interval: float, seconds: float) -> list[dict]:
    cluster = Cluster()
    load = os.getloadavg()[0]  # the machine is shared: how busy it was before the run
    try:
        cluster.start()
        url = cluster.database()
        make_schemas(url, offices)
        with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
            config = bench_config(Path(folder))
            started = [start_office(stack, url, config, 1)]
            time.sleep(2)  # its start's housekeeping done
            empty = office_size(url)  # its tables made, no ticket yet
            (alone,) = asyncio.run(draw_in([started[0][1]], kiosks, interval, seconds))
            started += [start_office(stack, url, config, n) for n in range(2, offices + 1)]
            time.sleep(3)
            idle = idle_cpu([pid for pid, _ in started])
            servers, database = [pid for pid, _ in started], cluster_pids(cluster)
            cpu_before = cpu_seconds(servers), cpu_seconds(database)
            begun = time.perf_counter()
            everyone = asyncio.run(draw_in([port for _, port in started], kiosks, interval, seconds))
            elapsed = time.perf_counter() - begun
            used = cpu_seconds(servers) - cpu_before[0], cpu_seconds(cluster_pids(cluster)) - cpu_before[1]
        drawn = office_size(url)
        per_ticket = (drawn[0] - empty[0]) / (drawn[1] - empty[1])  # what a ticket adds (8 KB pages: rough)
    finally:
        cluster.stop()
    with willkommen_server() as (_, port):
        (sqlite,) = asyncio.run(draw_in([port], kiosks, interval, seconds))
    every = [t for office in everyone for t in office]
    return [emit("offices_on_one_postgresql", offices=offices, kiosks_per_office=kiosks,
                 draws_per_kiosk_per_s=round(1 / interval, 2), offered_draws_per_s=round(offices * kiosks / interval),
                 draws_per_s=round(len(every) / elapsed),
                 draw_p99_ms_all_offices=round(p99(every), 1), draw_p50_ms_all_offices=ms(statistics.median(every)),
                 draw_p99_ms_one_office_alone=round(p99(alone), 1), draw_p50_ms_one_office_alone=ms(statistics.median(alone)),
                 draw_p99_ms_one_office_on_sqlite=round(p99(sqlite), 1),
                 draw_p50_ms_one_office_on_sqlite=ms(statistics.median(sqlite)),
                 ratio_to_alone=round(p99(every) / p99(alone), 2), ratio_to_sqlite=round(p99(every) / p99(sqlite), 2),
                 idle_server_cpu_percent=round(idle, 2), bytes_per_ticket=round(per_ticket),
                 servers_cpu_us_per_draw=round(used[0] / len(every) * 1e6),
                 postgres_cpu_us_per_draw=round(used[1] / len(every) * 1e6),
                 cores_used=round((used[0] + used[1]) / elapsed, 2),
                 load_average_before=round(load, 1), load_average_after=round(os.getloadavg()[0], 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def report(rows: list[dict]) -> None:
    for r in rows:
        print(f"\n{r['offices']} offices on one PostgreSQL, {r['kiosks_per_office']} kiosks each drawing "
              f"{r['draws_per_kiosk_per_s']}/s: {r['draws_per_s']} draws/s, draw p99 {r['draw_p99_ms_all_offices']} ms "
              f"(p50 {r['draw_p50_ms_all_offices']}); one office alone: p99 {r['draw_p99_ms_one_office_alone']} ms "
              f"(x{r['ratio_to_alone']}), on SQLite {r['draw_p99_ms_one_office_on_sqlite']} ms (x{r['ratio_to_sqlite']}); "
              f"an idle server uses {r['idle_server_cpu_percent']} % of a core; {r['bytes_per_ticket']} bytes of database "
              f"per ticket; in the round of all offices the servers used {r['servers_cpu_us_per_draw']} µs of CPU "
              f"a draw and PostgreSQL {r['postgres_cpu_us_per_draw']} µs, {r['cores_used']} cores in all "
              f"(load average {r['load_average_before']} before the run, {r['load_average_after']} after)")
