"""Thirty offices on one PostgreSQL, a server process each (docs/it-provider.md, "Many offices
on one machine"): draws and calls per second, call to screen and the draw's time (p50, p99)
with every office busy at once, against one office alone on the same cluster and one office
on an SQLite file (`synchronous` "normal", the default, and "full") in the same run.

One throwaway cluster (tests/postgres.py), one database, a schema per office, and per office
the real server (its CLI, `--db …?options=-csearch_path=oN`). Each office has `kiosks`
kiosks drawing at a steady pace (one draw every `interval` seconds each: a busy morning many
times over), a counter calling the next visitor every `call_interval` seconds and a display
(`bench.office_clients`). Rounds: office 1 alone on PostgreSQL (its server the only one), then
the other offices' servers started and every office at once, then one office on an SQLite
file alone, "normal" and "full" (a commit on disk before its reply, as PostgreSQL's).
Between, the CPU an idle server uses (its timers: what each more process costs with nobody
drawing). Then the same offices served by one process (`willkommen-server host`, server/hosting.py:
every office on one event loop) and by two processes of half the offices each (one a core), on the
same schemas, each with the same terminals (`one_process`, `two_processes`).
Where the time goes: the CPU the servers, the cluster's processes and this load generator
used in each round, per draw (the scheduler's nanoseconds, `bench.budget.exact_cpu`), how
late the load generator woke for its sends, and the load average (a figure far below the
machine's cores with a p99 of seconds says the requests waited for a turn on a core, not for
work of their own).
On PostgreSQL, a bare psycopg commit every 100 ms in the same cluster during each round
(`bare_commits`): a commit's own time there, beside which the offices' figures are read.
Also what a ticket adds to the database (office 1's schema, all its tables and indexes,
after a CHECKPOINT; in whole 8 KB pages, so rough with few tickets).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.postgres import Cluster, Standby

from . import office_clients, trace
from .budget import exact_cpu
from .common import ROOT, bench_config, emit, process, server_module, willkommen_server
from .office_clients import Measured

WARM = 2.0  # seconds of a round not measured before each measured one


def p99(values: list[float]) -> float:
    if not values:
        raise RuntimeError("a round measured nothing: make it longer or its pace faster")
    return statistics.quantiles(values, n=100)[98] * 1000 if len(values) > 1 else values[0] * 1000


def make_schemas(url: str, count: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for n in range(1, count + 1):
            conn.execute(f"CREATE SCHEMA o{n}")


def start_offices(stack: contextlib.ExitStack, url: str, config: Path, numbers: range,
                  traced: Path) -> list[tuple[int, int]]:
    """The servers of offices `numbers`, each on its schema, its calls timed (`bench.traced`),
    started at once (a start is mostly its imports; none need wait for another's): their pids
    and ports. Each stops when `stack` closes, also when another did not start."""
    starts = [process([*server_module(traced), "--config", str(config), "--port", "0", "--db",
                       f"{url}&options=-csearch_path%3Do{n}"], "serving", {"BENCH_TRACE": str(traced)})
              for n in numbers]
    with ThreadPoolExecutor(max(1, len(starts))) as pool:
        started = [pool.submit(start.__enter__) for start in starts]
    for start, done in zip(starts, started):
        if done.exception() is None:
            stack.push(start.__exit__)
    return [(proc.pid, port) for proc, port in (done.result() for done in started)]


def host_folders(folder: Path, url: str, config: Path, count: int) -> list[Path]:
    """Each office's folder as `willkommen-server host` reads it: the bench's site file on the
    office's schema, and a server.env whose PORT=0 lets the system choose."""
    text, folders = config.read_text(encoding="utf-8"), []
    for n in range(1, count + 1):
        office = folder / "offices" / f"o{n}"
        office.mkdir(parents=True)
        db = f"{url}&options=-csearch_path%3Do{n}"
        (office / "office.toml").write_text(text.replace("[site]\n", f"[site]\ndatabase = {json.dumps(db)}\n", 1),
                                            encoding="utf-8")
        (office / "server.env").write_text("PORT=0\n", encoding="utf-8")
        folders.append(office)
    return folders


@contextlib.contextmanager
def hosts(groups: list[list[Path]], traced: Path):
    """A `willkommen-server host` process for each group of office folders, its calls timed
    (`bench.traced`): their pids, and every office's port (from each process's `hosting` line)."""
    procs = [subprocess.Popen([sys.executable, *server_module(traced), "host", *map(str, group)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "BENCH_TRACE": str(traced)})
             for group in groups]
    drains, ports = [], []
    try:
        for proc in procs:
            for line in proc.stderr:
                entry = json.loads(line) if line.startswith("{") else {}
                if entry.get("msg") == "hosting":
                    ports += list(entry["offices"].values())
                    break
            else:
                raise RuntimeError(f"a host did not start (exit {proc.wait()})")
            drains.append(threading.Thread(target=proc.stderr.read, daemon=True))
            drains[-1].start()
        yield [proc.pid for proc in procs], ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)
            proc.stderr.close()


def hosted(folders: list[Path], processes: int, seconds: float, warm: float, pace: dict, cluster, url: str,
           traced: Path) -> Round:
    """A round of every office served by `processes` host processes, the offices split evenly."""
    groups = [folders[i::processes] for i in range(processes)]
    with hosts(groups, traced) as (pids, ports), terminals(ports, **pace) as round_:
        round_(warm)
        return load(round_, seconds, pids, lambda: cluster_pids(cluster), url)


def cluster_pids(cluster: Cluster | Standby) -> list[int]:
    """The postmaster and every process it started (backends, WAL writer, checkpointer), of the
    primary and its standby when there is one."""
    pids = []
    for one in (cluster.primary, cluster.standby) if isinstance(cluster, Standby) else (cluster,):
        pid = int((one.data / "postmaster.pid").read_text().split()[0])
        pids += [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):  # a backend that ended meanwhile
            total += exact_cpu(pid)
    return total


def idle_cpu(pids: list[int], seconds: float = 5.0) -> float:
    """Percent of one core each server uses with nobody drawing (its timers), on average."""
    before = [exact_cpu(pid) for pid in pids]
    time.sleep(seconds)
    return statistics.mean(exact_cpu(pid) - b for pid, b in zip(pids, before)) / seconds * 100


def office_size(url: str) -> tuple[int, int]:
    """Office 1's schema: bytes (every table and index) and tickets."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # the pages written, not waiting in shared buffers
        size = conn.execute("SELECT sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))) "
                            "FROM pg_tables WHERE schemaname = 'o1'").fetchone()[0]
        return int(size), conn.execute("SELECT count(*) FROM o1.tickets").fetchone()[0]


@dataclass
class Round:
    """One round's figures: what every office's terminals measured, and the CPU the servers
    (and PostgreSQL's processes) and the load generators used meanwhile."""
    measured: list[Measured]
    elapsed: float
    servers_cpu: float
    database_cpu: float = 0.0
    bare_commits: list[float] = field(default_factory=list)  # seconds, the bare psycopg commits meanwhile
    servers_rss: int = 0  # bytes: the servers' resident memory at the round's end, together

    def draws(self) -> list[float]:
        return [t for office in self.measured for t in office.draws]

    def calls(self) -> list[float]:
        return [t for office in self.measured for t in office.calls]

    def late(self) -> list[float]:
        return [t for office in self.measured for t in office.late]

    @property
    def client_cpu(self) -> float:
        return sum(office.cpu for office in self.measured)


@contextlib.contextmanager
def terminals(ports: list[int], *, kiosks: int, interval: float, call_interval: float, per_process: int = 1,
              cpu: int | None = None):
    """Each office's terminals in a process of their own (`bench.office_clients`; or
    `per_process` offices' in one); yields a function that runs a round of `seconds` in all of
    them at once."""
    args = ["--kiosks", str(kiosks), "--interval", str(interval), "--call-interval", str(call_interval),
            *(["--cpu", str(cpu)] if cpu is not None else [])]
    groups = [ports[i:i + per_process] for i in range(0, len(ports), per_process)]
    procs = [subprocess.Popen([sys.executable, "-m", "bench.office_clients", "--port", *map(str, group), *args],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for group in groups]
    try:
        for proc in procs:
            json.loads(proc.stdout.readline())  # {"ready": true}: its imports done

        def round_(seconds: float) -> list[Measured]:
            for proc in procs:
                proc.stdin.write(json.dumps({"seconds": seconds}) + "\n")
                proc.stdin.flush()
            lines = [proc.stdout.readline() for proc in procs]
            if not all(lines):
                raise RuntimeError(f"a load generator ended (exit {[proc.poll() for proc in procs]})")
            return [Measured(**each) for line in lines for each in json.loads(line)]
        yield round_
    finally:
        for proc in procs:
            proc.stdin.close()
        for proc in procs:
            proc.wait(30)


def load(round_, seconds: float, servers: list[int], database=lambda: [], url: str | None = None) -> Round:
    """One round in every office at once, with the CPU each side used meanwhile and, on
    PostgreSQL (`url`), a bare commit's time in the same cluster meanwhile (`bare_commits`)."""
    stop, bare, prober = threading.Event(), [], []
    probe = threading.Thread(target=bare_commits, args=(url, stop, bare, prober), daemon=True) if url else None
    before = cpu_seconds(servers), cpu_seconds(database())
    begun = time.perf_counter()
    if probe:
        probe.start()
    try:
        measured = round_(seconds)
    finally:
        stop.set()
        if probe:
            probe.join(30)
    elapsed = time.perf_counter() - begun
    others = [pid for pid in database() if pid not in prober]  # the probe's backend is no office's
    return Round(measured, elapsed, cpu_seconds(servers) - before[0], cpu_seconds(others) - before[1], bare,
                 sum(resident(pid) for pid in servers))


def resident(pid: int) -> int:
    """A process's resident memory (VmRSS), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def bare_commits(url: str, stop: threading.Event, times: list[float], backend: list[int], every: float = 0.1) -> None:
    """A bare psycopg connection's INSERT + COMMIT of one row every `every` seconds: what a
    commit takes in that cluster at that moment, fsync and the machine's wait for a core
    included, with no Willkommen in it (its p99 beside the offices' says whose time it is)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        backend.append(conn.info.backend_pid)
        conn.execute("CREATE TABLE IF NOT EXISTS public.bare_commits (at double precision)")
        while not stop.wait(every):
            sent = time.perf_counter()
            conn.execute("INSERT INTO public.bare_commits (at) VALUES (%s)", [sent])
            times.append(time.perf_counter() - sent)


def on_sqlite(synchronous: str, seconds: float, warm: float, pace: dict, traced: Path) -> Round:
    with willkommen_server(synchronous=synchronous, traced=traced) as (server, port), \
            terminals([port], **pace) as round_:
        round_(warm)
        return load(round_, seconds, [server.pid])


def on_sqlite_files(offices: int, seconds: float, warm: float, pace: dict, traced: Path) -> Round:
    """Every office at once, each its own server on its own SQLite file ("normal"): the same
    processes as the round on PostgreSQL less the cluster's, so the two rounds' ratio is what
    sharing PostgreSQL costs, apart from what thirty offices' processes on these cores cost."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        config = bench_config(Path(folder))
        started = [stack.enter_context(process([*server_module(traced), "--config", str(config), "--port", "0", "--db",
                                                str(Path(folder) / f"o{n}.sqlite3")], "serving",
                                               {"BENCH_TRACE": str(traced)})) for n in range(1, offices + 1)]
        with terminals([port for _, port in started], **pace) as round_:
            round_(warm)
            return load(round_, seconds, [proc.pid for proc, _ in started])


def run(offices: int, kiosks: int, interval: float, seconds: float, call_interval: float = 2.0,
        alone_seconds: float | None = None, standby: bool = False, per_process: int = 1, split: bool = False,
        idle_seconds: float = 5.0) -> list[dict]:
    """`seconds` for the round of all offices; the rounds of one office `alone_seconds`, by
    default four times as long (their p99 from more draws and calls), each after a round of `WARM`
    seconds not measured (the day started, sessions and code paths warm: a peak is not a
    server's first minute; that round's p99 in all offices is said beside). The idle servers'
    CPU is measured over `idle_seconds` (the quick run's 0.5 s is a smoke figure, not the README's),
    and the pauses for a start's housekeeping are no longer than that."""
    pace = {"kiosks": kiosks, "interval": interval, "call_interval": call_interval, "cpu": 1 if split else None}
    cores = os.sched_getaffinity(0)
    if split:  # the terminals apart, as other machines: servers and PostgreSQL (they inherit it) on core 0
        os.sched_setaffinity(0, {0})
    alone_seconds, warm = alone_seconds or seconds * 4, min(WARM, seconds)
    cluster = Standby() if standby else Cluster()  # a standby: every commit waits for its flush too
    load_before = os.getloadavg()[0]  # the machine is shared: how busy it was before the run
    traced = Path(tempfile.mkdtemp(prefix="bench-trace-"))  # every server's half of its calls' paths
    try:
        cluster.start()
        url = cluster.database()
        make_schemas(url, offices)
        with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
            config = bench_config(Path(folder))
            folders = host_folders(Path(folder), url, config, offices)
            started = start_offices(stack, url, config, range(1, 2), traced)
            time.sleep(min(2.0, idle_seconds))  # its start's housekeeping done
            empty = office_size(url)  # its tables made, no ticket yet
            with terminals([started[0][1]], **pace) as round_:
                round_(warm)
                alone = load(round_, alone_seconds, [started[0][0]], lambda: cluster_pids(cluster), url)
            started += start_offices(stack, url, config, range(2, offices + 1), traced)
            time.sleep(min(3.0, idle_seconds))
            idle = idle_cpu([pid for pid, _ in started], idle_seconds)
            servers = [pid for pid, _ in started]
            with terminals([port for _, port in started], **pace, per_process=per_process) as round_:
                first = Round(round_(warm), warm, 0.0)
                everyone = load(round_, seconds, servers, lambda: cluster_pids(cluster), url)
            stack.close()  # the offices' own servers stopped: their locks free for the hosts
            one = hosted(folders, 1, seconds, warm, pace, cluster, url, traced)
            two = hosted(folders, 2, seconds, warm, pace, cluster, url, traced)
        drawn = office_size(url)
        per_ticket = (drawn[0] - empty[0]) / (drawn[1] - empty[1])  # what a ticket adds (8 KB pages: rough)
    finally:
        cluster.stop()
    sqlite, sqlite_full = (on_sqlite(synchronous, alone_seconds, warm, pace, traced) for synchronous in ("normal", "full"))
    files = on_sqlite_files(offices, seconds, warm, pace, traced)
    os.sched_setaffinity(0, cores)
    servers_half = trace.load_servers(traced)
    shutil.rmtree(traced)
    rounds = {"all_offices": everyone, "one_office_alone": alone, "one_office_on_sqlite": sqlite,
              "one_office_on_sqlite_full": sqlite_full, "one_process": one, "two_processes": two,
              "all_offices_on_sqlite": files}
    return [emit("offices_on_one_postgresql", offices=offices, synchronous_standby=standby, split_cores=split,
                 kiosks_per_office=kiosks,
                 draws_per_kiosk_per_s=round(1 / interval, 2), offered_draws_per_s=round(offices * kiosks / interval),
                 counters_per_office=len(office_clients.COUNTERS), calls_per_counter_per_s=round(1 / call_interval, 2),
                 draws_per_s=round(len(everyone.draws()) / everyone.elapsed),
                 calls_per_s=round(len(everyone.calls()) / everyone.elapsed, 1),
                 **figures("all_offices", everyone), **figures("one_office_alone", alone),
                 **figures("one_office_on_sqlite", sqlite), **figures("one_office_on_sqlite_full", sqlite_full),
                 **figures("all_offices_on_sqlite", files),
                 call_ratio_to_all_on_sqlite=ratio(everyone.calls(), files.calls()),
                 **figures("one_process", one), **figures("two_processes", two),
                 draws_per_s_one_process=round(len(one.draws()) / one.elapsed),
                 draws_per_s_two_processes=round(len(two.draws()) / two.elapsed),
                 call_ratio_to_sqlite_one_process=ratio(one.calls(), sqlite.calls()),
                 call_ratio_to_sqlite_two_processes=ratio(two.calls(), sqlite.calls()),
                 ratio_to_sqlite_one_process=ratio(one.draws(), sqlite.draws()),
                 ratio_to_sqlite_two_processes=ratio(two.draws(), sqlite.draws()),
                 servers_mb_all_offices=round(everyone.servers_rss / 2**20),
                 servers_mb_one_process=round(one.servers_rss / 2**20),
                 servers_mb_two_processes=round(two.servers_rss / 2**20),
                 cores_used_one_process=round((one.servers_cpu + one.database_cpu + one.client_cpu) / one.elapsed, 2),
                 cores_used_two_processes=round((two.servers_cpu + two.database_cpu + two.client_cpu) / two.elapsed, 2),
                 draw_p99_ms_first_round_all_offices=round(p99(first.draws()), 1),
                 call_to_screen_p99_ms_first_round_all_offices=round(p99(first.calls()), 1),
                 ratio_to_alone=ratio(everyone.draws(), alone.draws()),
                 ratio_to_sqlite=ratio(everyone.draws(), sqlite.draws()),
                 call_ratio_to_alone=ratio(everyone.calls(), alone.calls()),
                 call_ratio_to_sqlite=ratio(everyone.calls(), sqlite.calls()),
                 call_ratio_to_sqlite_full=ratio(everyone.calls(), sqlite_full.calls()),
                 idle_server_cpu_percent=round(idle, 2), bytes_per_ticket=round(per_ticket),
                 bare_commit_p99_ms_all_offices=round(p99(everyone.bare_commits), 1),
                 bare_commit_p50_ms_all_offices=ms(statistics.median(everyone.bare_commits)),
                 bare_commit_p99_ms_one_office_alone=round(p99(alone.bare_commits), 1),
                 bare_commit_p50_ms_one_office_alone=ms(statistics.median(alone.bare_commits)),
                 postgres_cpu_us_per_draw=round(everyone.database_cpu / len(everyone.draws()) * 1e6),
                 postgres_cpu_us_per_draw_one_office_alone=round(alone.database_cpu / len(alone.draws()) * 1e6),
                 cores_used=round((everyone.servers_cpu + everyone.database_cpu + everyone.client_cpu)
                                  / everyone.elapsed, 2),
                 load_average_before=round(load_before, 1), load_average_after=round(os.getloadavg()[0], 1),
                 **{f"call_parts_{name}": trace.parts(r.measured, servers_half) for name, r in rounds.items()})]


def figures(name: str, measured: Round) -> dict:
    """A round's p50 and p99 of draws and of call to screen, in ms; the servers' and the load
    generator's CPU per draw (the calls' share included: each round has the same mix); how
    late the load generator woke for its sends (p99)."""
    draws, calls = measured.draws(), measured.calls()
    return {f"draw_p99_ms_{name}": round(p99(draws), 1), f"draw_p50_ms_{name}": ms(statistics.median(draws)),
            f"call_to_screen_p99_ms_{name}": round(p99(calls), 1),
            f"call_to_screen_p50_ms_{name}": ms(statistics.median(calls)),
            f"servers_cpu_us_per_draw{'' if name == 'all_offices' else '_' + name}":
                round(measured.servers_cpu / len(draws) * 1e6),
            f"client_cpu_us_per_draw_{name}": round(measured.client_cpu / len(draws) * 1e6),
            f"client_late_p99_ms_{name}": round(p99(measured.late()), 1)}


def ratio(these: list[float], baseline: list[float]) -> float:
    return round(p99(these) / p99(baseline), 2)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def report(rows: list[dict]) -> None:
    for r in rows:
        print(f"\n{r['offices']} offices on one PostgreSQL{' with a synchronous standby' * r['synchronous_standby']}, "
              f"{r['kiosks_per_office']} kiosks each drawing "
              f"{r['draws_per_kiosk_per_s']}/s and {r['counters_per_office']} counters each calling "
              f"{r['calls_per_counter_per_s']}/s: "
              f"{r['draws_per_s']} draws/s and {r['calls_per_s']} calls/s")
        for name, label in (("all_offices", "all offices, a process each"), ("one_process", "all offices, one process"),
                            ("two_processes", "all offices, two processes"), ("one_office_alone", "one office alone"),
                            ("one_office_on_sqlite", "one office on SQLite"),
                            ("one_office_on_sqlite_full", "the same, synchronous = full"),
                            ("all_offices_on_sqlite", "all offices, each on SQLite")):
            cpu = r[f"servers_cpu_us_per_draw{'' if name == 'all_offices' else '_' + name}"]
            print(f"  {label:<30} call to screen p99 {r[f'call_to_screen_p99_ms_{name}']:>6} ms "
                  f"(p50 {r[f'call_to_screen_p50_ms_{name}']}), draw p99 {r[f'draw_p99_ms_{name}']:>6} ms "
                  f"(p50 {r[f'draw_p50_ms_{name}']}); server CPU {cpu} µs a draw, the load generator's "
                  f"{r[f'client_cpu_us_per_draw_{name}']} µs, late p99 {r[f'client_late_p99_ms_{name}']} ms")
            print(f"    {trace.said(r[f'call_parts_{name}'])}")
        print(f"  call to screen p99: x{r['call_ratio_to_sqlite']} one office on SQLite (goal <= 1.25), "
              f"x{r['call_ratio_to_sqlite_full']} on SQLite with full, x{r['call_ratio_to_alone']} one office alone, "
              f"x{r['call_ratio_to_all_on_sqlite']} all offices each on SQLite; "
              f"draw p99 x{r['ratio_to_sqlite']} SQLite, x{r['ratio_to_alone']} alone")
        print(f"  served by one process: call to screen p99 x{r['call_ratio_to_sqlite_one_process']} one office on "
              f"SQLite, draw p99 x{r['ratio_to_sqlite_one_process']}, {r['draws_per_s_one_process']} draws/s; by two: "
              f"x{r['call_ratio_to_sqlite_two_processes']}, draw x{r['ratio_to_sqlite_two_processes']}, "
              f"{r['draws_per_s_two_processes']} draws/s; cores used {r['cores_used']} (a process each), "
              f"{r['cores_used_one_process']} (one), {r['cores_used_two_processes']} (two); the servers' memory "
              f"{r['servers_mb_all_offices']} MB (a process each), {r['servers_mb_one_process']} MB (one), "
              f"{r['servers_mb_two_processes']} MB (two)")
        print(f"  a bare psycopg commit in the same cluster meanwhile: p99 {r['bare_commit_p99_ms_all_offices']} ms "
              f"(p50 {r['bare_commit_p50_ms_all_offices']}) in the round of all offices, "
              f"{r['bare_commit_p99_ms_one_office_alone']} ms (p50 {r['bare_commit_p50_ms_one_office_alone']}) "
              f"beside one office alone")
        print(f"  PostgreSQL {r['postgres_cpu_us_per_draw']} µs of CPU a draw ({r['postgres_cpu_us_per_draw_one_office_alone']}"
              f" µs for one office alone), {r['cores_used']} cores in all; an idle server uses "
              f"{r['idle_server_cpu_percent']} % of a core; {r['bytes_per_ticket']} bytes of database per ticket "
              f"(load average {r['load_average_before']} before the run, {r['load_average_after']} after)")
