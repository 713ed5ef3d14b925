"""Fair access (issue 27): the draw's time, a simulation of many lottery days, what an operator
of made-up identities gains, and registration under load.

- **draw**: `lottery.draw` and the office's whole draw command (events, codes, windows,
  appointments) for N entries, beside a baseline of the same N keys hashed and sorted (what
  any fair draw must at least do).
- **days**: many days at demand 1.2×, 2×, 3× the places, with and without the weight. Each
  day `places` new people start looking (so demand stays where it is) and everyone not yet
  placed enters again; a tenth are urgent (their permit ends 2 days after they start: three draws to win).
  Figures: days until a person wins (median, p95, worst, among those who started after a
  warm-up and before the tail), and the urgent lane's success (won by their deadline) with
  the lane and without it. Pure core, a seed per day from a fixed generator: reproducible.
- **operator**: a real server (in this process, its clock moved): 50 made-up identities
  registered from one address beside the real visitors, the draw, a buyer checks in with
  each code the operator won (the kiosk takes any code) and the clerk compares the passport
  with the registered name (`Office.registered_person`): `refuse_identity`. Figures: places the
  operator held, visits a buyer got (the goal: none), identity refusals counted.
- **load**: the real server in its own process; 10,000 registrations from 20 sockets at once
  while a kiosk draws tickets: the kiosk's draw p99 against the same kiosk on the quiet server;
  the same load sent to a bare paced echo server in a third process (what the machine alone
  costs the kiosk: the phones' process and sockets, none of it on the server's loop); then a
  fifth as many registrations with no kiosk drawing: the server's CPU for one (less what it
  spends idle, measured just before). The entries answered are checked against the day's
  public proof (`entries_in_the_proof`): none lost, none counted twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from config import load_site
from config.limits import Limits

from .common import ROOT, bench_config, emit, process, serve_baseline

PLACES = 30
DAY = "2026-12-08"  # a Tuesday: its window opens Monday 14:00 (the demo's [access])


def at(day: str, clock: str) -> float:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo("Europe/Berlin")).timestamp()


class Clock:
    """The in-process server's wall clock, moved by the benchmark."""

    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


# ---- the draw's time -----------------------------------------------------------------------------

def draw_time(n: int) -> dict:
    from server.core import Office, lottery
    from server.core.access import Person

    rnd = random.Random(3)
    entries = [lottery.Entry(hashlib.sha256(str(i).encode()).hexdigest(), "residence", rnd.random() < 0.1,
                             1 + rnd.randrange(4)) for i in range(n)]
    seed = rnd.randbytes(32).hex()
    start = time.perf_counter()
    lottery.draw(seed, entries, {"residence": PLACES}, 0.25)
    core_s = time.perf_counter() - start
    start = time.perf_counter()
    sorted(hashlib.sha256(e.key.encode()).digest() for e in entries)
    baseline_s = time.perf_counter() - start
    office, day, now = Office(load_site(), always_open=True), "2026-12-08", 1_796_600_000.0
    office.open_access(day=day, seed_hash=lottery.seed_hash(seed), contingent={}, closes_at=now + 100,
                       draw_at=now + 200, now=now)
    for i, e in enumerate(entries):
        office.register(day=day, entry=f"entry-{i}", identity=e.key, service="residence", lang="de", urgent=e.urgent,
                        person=Person(f"P {i}", "1990-01-01", ""), contact_key="", via="web", weight=e.weight,
                        services=("residence",), per_contact=4, now=now + 1)
    start = time.perf_counter()
    office.draw_access(day=day, seed=seed, contingent={"residence": PLACES}, urgent_share=0.25,
                       spans=[(now + 3600, now + 8 * 3600)], window_minutes=30, codes_key=b"k" * 16, now=now + 200)
    office_s = time.perf_counter() - start
    return emit("access_draw_ms", entries=n, places=PLACES, core=round(core_s * 1000, 1),
                office_draw=round(office_s * 1000, 1), hash_and_sort_baseline=round(baseline_s * 1000, 1),
                ratio=round(core_s / baseline_s, 1))


# ---- many days -------------------------------------------------------------------------------------

@dataclass
class Seeker:
    id: int
    started: int
    urgent_until: int | None
    unlucky: int = 0
    won: int | None = None


def simulate(demand: float, weighted: bool, *, days: int, urgent_share: float = 0.25, operator: int = 0,
             seed: int = 1) -> dict:
    from server.core import lottery

    rnd = random.Random(seed)
    ids = iter(range(10**9))
    looking = [Seeker(next(ids), 0, None) for _ in range(round(demand * PLACES) - PLACES)]
    done: list[Seeker] = []
    operator_places = 0
    for day in range(days):
        looking += [Seeker(next(ids), day, day + 2 if rnd.random() < 0.1 else None) for _ in range(PLACES)]
        entries = [lottery.Entry(f"{s.id:012x}", "s", s.urgent_until is not None and day <= s.urgent_until,
                                 1 + s.unlucky if weighted else 1) for s in looking]
        entries += [lottery.Entry(f"f{day:05x}{k:06x}", "s", False, 1) for k in range(operator)]  # made up anew daily
        result = lottery.draw(rnd.randbytes(32).hex(), entries, {"s": PLACES}, urgent_share)
        won = {p.key for p in result.places}
        operator_places += sum(key.startswith("f") for key in won)
        still = []
        for s in looking:
            if f"{s.id:012x}" in won:
                s.won = day
                done.append(s)
            else:
                s.unlucky += 1
                still.append(s)
        looking = still
    counted = [s for s in done + looking if 30 <= s.started < days - 60]
    waits = sorted((s.won - s.started + 1) if s.won is not None else days - s.started for s in counted)
    urgent = [s for s in counted if s.urgent_until is not None]
    return {"days_to_win_median": statistics.median(waits), "days_to_win_p95": waits[int(len(waits) * 0.95)],
            "days_to_win_worst": waits[-1], "never_won": sum(s.won is None for s in counted), "people": len(counted),
            "urgent_in_time": round(sum(s.won is not None and s.won <= s.urgent_until for s in urgent)
                                    / max(1, len(urgent)), 3),
            "operator_places_per_day": round(operator_places / days, 2)}


def days(count: int) -> list[dict]:
    rows = []
    for demand in (1.2, 2.0, 3.0):
        weighted, flat = simulate(demand, True, days=count), simulate(demand, False, days=count)
        no_lane = simulate(demand, True, days=count, urgent_share=0.0)
        op = simulate(demand, True, days=count, operator=50)  # 50 identities made up anew each day
        op_flat = simulate(demand, False, days=count, operator=50)
        rows.append(emit("access_days_to_win", demand=demand, places=PLACES, days=count,
                         **{f"weighted_{k}": v for k, v in weighted.items() if k != "operator_places_per_day"},
                         **{f"unweighted_{k}": v for k, v in flat.items() if k != "operator_places_per_day"},
                         urgent_in_time_without_lane=no_lane["urgent_in_time"],
                         operator_50_places_per_day=op["operator_places_per_day"],
                         operator_50_places_per_day_unweighted=op_flat["operator_places_per_day"]))
    return rows


# ---- an operator of made-up identities (a real server in this process) --------------------------------

async def _operator(real: int, fake: int) -> dict:
    import websockets

    from server.edge.app import Server
    from server.wire import protocol as p
    from server.wire.session import ClientSession, ServerError

    site = replace(load_site(), kiosk_draws_per_minute=100_000)
    site = replace(site, access=replace(site.access, contingent={"residence": PLACES}, entries_per_address=fake + real))
    clock = Clock(at("2026-12-07", "16:00"))
    with tempfile.TemporaryDirectory() as folder:
        server = Server(site, Path(folder) / "o.sqlite3", always_open=True, clock=clock,
                        limits=Limits(register_per_second=10_000, register_burst=10_000))
        await server.start("127.0.0.1", 0)
        url = f"ws://127.0.0.1:{server.port}"
        kiosk = ClientSession(url + "/", role="kiosk", terminal="kiosk-1", token=site.terminal("kiosk-1").token)
        counter = ClientSession(url + "/", role="counter", terminal="counter-5", token=site.terminal("counter-5").token)
        try:
            await server.access.tick()
            fakes = set()
            async with websockets.connect(url + "/register/ws") as ws:
                for i in range(real + fake):
                    made_up = i >= real
                    name = f"{'Fake' if made_up else 'Real'} Person {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}"
                    await ws.send(json.dumps({"type": "register", "id": i, "service": "residence", "lang": "de",
                                              "name": name, "birth_date": f"19{50 + i % 40}-01-0{1 + i % 9}"}))
                    answer = json.loads(await ws.recv())
                    if made_up and answer["type"] == "registered":
                        fakes.add(answer["entry"])
            clock.t = at(DAY, "07:30")
            await server.access.tick()
            held = [pl for pl in server.office.access_days[DAY].drawn.places if pl.entry in fakes]
            for session in (kiosk, counter):
                session.start()
                await session.ready()
            await counter.request(p.Open(id=0, services=["residence"]))
            served, refused = 0, 0
            for place in held:
                ticket = (await kiosk.request(p.Checkin(id=0, booking=place.code))).ticket  # the kiosk takes it
                await counter.request(p.Call(id=0, ticket=ticket.number))
                registered = server.office.registered_person(server.office.tickets[ticket.number])
                buyers_passport = "Buyer Somebody"  # the name in the passport of whoever bought the code
                if registered is not None and registered.name == buyers_passport:
                    await counter.request(p.Finish(id=0, outcome="done"))
                    served += 1
                else:
                    try:
                        await counter.request(p.RefuseIdentity(id=0))
                        refused += 1
                    except ServerError:
                        pass
            counted = server.store.query("SELECT count(*) FROM events WHERE kind = 'identity_refused'")[0][0]
        finally:
            await kiosk.close()
            await counter.close()
            await server.stop()
    return emit("access_operator", real_entries=real, made_up=fake, places=PLACES, operator_places=len(held),
                buyer_visits_served=served, refused_at_counter=refused, identity_refused_counted=counted)


def operator(real: int, fake: int = 50) -> dict:
    return asyncio.run(_operator(real, fake))


# ---- registration under load (the real server in its own process) ----------------------------------

def _config(folder: Path) -> Path:
    path = bench_config(folder)
    text = path.read_text(encoding="utf-8")
    text = text.replace('opens = "14:00"', 'opens = "00:00"').replace('closes = "06:00"', 'closes = "23:59"')
    text = text.replace('draw_at = "06:05"', 'draw_at = "23:59"').replace("entries_per_contact = 4",
                                                                        "entries_per_contact = 4\nentries_per_address = 1000000")
    text += "\n[limits]\nregister_per_second = 10000\nregister_burst = 10000\n"
    path.write_text(text, encoding="utf-8")
    return path


async def _kiosk_draws(url: str, token: str, stop: asyncio.Event, latencies: list[float]) -> None:
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    async with ClientSession(url, role="kiosk", terminal="kiosk-1", token=token) as kiosk:
        await kiosk.ready()
        i = 0
        while not stop.is_set():
            i += 1
            start = time.perf_counter()
            await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"r{time.monotonic_ns()}-{i}"))
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.005)


async def _register(url: str, first: int, count: int, refused: list[str], days: dict[str, int]) -> None:
    import websockets

    async with websockets.connect(url + "register/ws") as ws:
        for i in range(first, first + count):
            await ws.send(json.dumps({"type": "register", "id": i, "service": "residence", "lang": "ar",
                                      "name": f"Load Person {i:06d}x", "birth_date": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}"}))
            answer = json.loads(await ws.recv())
            if answer["type"] != "registered":
                refused.append(answer.get("code", answer["type"]))
            else:
                days[answer.get("day", "")] = days.get(answer.get("day", ""), 0) + 1


def _cpu(pid: int) -> float:
    """The process's CPU seconds so far (user + system, from /proc)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drawing_while(url: str, token: str, work) -> tuple[list[float], Any]:
    """The kiosk's draw latencies (ms) while `work` (a coroutine) runs, and its result."""
    latencies: list[float] = []
    stop = asyncio.Event()
    drawing = asyncio.create_task(_kiosk_draws(url, token, stop, latencies))
    try:
        return latencies, await work
    finally:
        stop.set()
        await drawing


async def _load(port: int, pid: int, token: str, entries: int, sockets: int, quiet_s: float, echo: int) -> dict:
    url = f"ws://127.0.0.1:{port}/"
    await asyncio.sleep(1.5)  # the server's schedule opens the window within a second
    quiet, _ = await _drawing_while(url, token, asyncio.sleep(quiet_s))
    start, cpu = time.perf_counter(), _cpu(pid)
    each = entries // sockets
    loaded, (refused, days) = await _drawing_while(url, token, _registering(port, 0, each, sockets))
    seconds, cpu = time.perf_counter() - start, _cpu(pid) - cpu
    # the same load to a bare paced echo server in a third process: what the machine alone
    # (the phones' process, their sockets) costs the kiosk, none of it on the server's loop
    elsewhere, _ = await _drawing_while(url, token, _registering(echo, 0, each, sockets))
    idle_cpu, idle_start = _cpu(pid), time.perf_counter()  # what the server spends with nobody asking
    await asyncio.sleep(quiet_s)
    idle_share = (_cpu(pid) - idle_cpu) / (time.perf_counter() - idle_start)
    alone_each = max(1, each // 5)  # registrations alone, no kiosk drawing: what one costs the server
    alone_cpu, alone_start = _cpu(pid), time.perf_counter()
    more, more_days = await _registering(port, each * sockets, alone_each, sockets)
    refused += more
    for day, count in more_days.items():
        days[day] = days.get(day, 0) + count
    alone_cpu = _cpu(pid) - alone_cpu - idle_share * (time.perf_counter() - alone_start)
    kept = sum([await asyncio.to_thread(_entries_published, port, day) for day in days])  # none lost or twice
    q = statistics.quantiles
    quiet_p99, loaded_p99, elsewhere_p99 = q(quiet, n=100)[98], q(loaded, n=100)[98], q(elsewhere, n=100)[98]
    return emit("access_registration_load", entries=each * sockets, sockets=sockets, seconds=round(seconds, 2),
                per_second=round(each * sockets / seconds), refused=len(refused),
                entries_answered=sum(days.values()), entries_in_the_proof=kept,
                server_cpu_share=round(cpu / seconds, 2),  # of one core, kiosk draws included
                server_cpu_us_per_registration=round(cpu / (each * sockets) * 1e6),
                server_cpu_us_per_registration_alone=round(alone_cpu / (alone_each * sockets) * 1e6),
                server_cpu_share_idle=round(idle_share, 3),
                draw_quiet_p99=round(quiet_p99, 2), draw_loaded_p99=round(loaded_p99, 2),
                draw_ratio_p99=round(loaded_p99 / quiet_p99, 2), draw_quiet_p50=round(statistics.median(quiet), 2),
                draw_loaded_p50=round(statistics.median(loaded), 2), kiosk_draws_loaded=len(loaded),
                draw_elsewhere_p99=round(elsewhere_p99, 2), draw_elsewhere_ratio_p99=round(elsewhere_p99 / quiet_p99, 2),
                draw_elsewhere_p50=round(statistics.median(elsewhere), 2))


def _entries_published(port: int, day: str) -> int:
    """The entries of `day` as its public proof counts them (`GET /draw/<day>.json`)."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/draw/{day}.json", timeout=10) as response:
        return json.loads(response.read())["entries"]


async def _paced_answer(ws) -> None:
    """The paced echo's handler: each frame waits its turn for the pace of all addresses
    together (`[limits] register_total_per_second` and its burst, as the server's), then a
    fixed answer."""
    async for frame in ws:
        bucket, turn = _ECHO_PACE
        async with turn:
            while not bucket.take(time.monotonic()):
                await asyncio.sleep(bucket.wait(time.monotonic()))
        await ws.send(json.dumps({"type": "registered", "re": json.loads(frame)["id"]}))


def paced_echo() -> None:
    """`python -c "from bench.access import paced_echo; paced_echo()"`: the registration load's
    baseline server (announces its port as the real server does)."""
    global _ECHO_PACE
    from server.edge.ratelimit import TokenBucket

    limits = Limits()
    _ECHO_PACE = (TokenBucket(rate=limits.register_total_per_second, burst=limits.register_total_burst), asyncio.Lock())
    asyncio.run(serve_baseline(_paced_answer, 0))


_ECHO_PACE: Any = None


async def _registering(port: int, first: int, each: int, sockets: int) -> tuple[list[str], dict[str, int]]:
    """The load from another process, as visitors' phones: `each` registrations on each of
    `sockets` sockets, people numbered from `first`; the refusals' codes and the entries
    answered per lottery day."""
    registering = await asyncio.create_subprocess_exec(
        sys.executable, "-c", f"from bench.access import registrations; registrations({port}, {each}, {sockets}, {first})",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    out, _ = await registering.communicate()
    answered = json.loads(out.decode().strip().splitlines()[-1])
    return answered["refused"], answered["days"]


def registrations(port: int, each: int, sockets: int, first: int = 0) -> None:
    """`each` registrations on each of `sockets` sockets at once (people numbered from
    `first`); prints the refusals' codes and the entries answered per day."""
    refused: list[str] = []
    days: dict[str, int] = {}

    async def all_sockets() -> None:
        await asyncio.gather(*(_register(f"ws://127.0.0.1:{port}/", first + k * each, each, refused, days)
                               for k in range(sockets)))

    asyncio.run(all_sockets())
    print(json.dumps({"refused": refused, "days": days}))


def load(entries: int, sockets: int = 20, quiet_s: float = 3.0) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        config = _config(Path(folder))
        token = load_site(config).terminal("kiosk-1").token
        with process(["-m", "server", "--config", str(config), "--db", str(Path(folder) / "b.sqlite3"),
                      "--port", "0"], "serving") as (proc, port), \
                process(["-c", "from bench.access import paced_echo; paced_echo()"], "serving") as (_, echo):
            return asyncio.run(_load(port, proc.pid, token, entries, sockets, quiet_s, echo))


def run(quick: bool) -> list[dict]:
    return [draw_time(500 if quick else 10_000), *days(120 if quick else 600),
            operator(20 if quick else 150), load(400 if quick else 10_000, 4 if quick else 20, 1.0 if quick else 3.0)]
