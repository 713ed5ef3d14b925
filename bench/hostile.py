"""A hostile office (issue 22): two kiosks drawing and two counters calling while, in turn, a
stranger on the office network holds idle sockets on every endpoint, floods visitor feedback
with made-up tickets, floods the sign-in page, sends slow pushes and oversized pushes to the
booking endpoint. Each attack round follows a quiet round of the same length in the same run;
the figures are the kiosks' draw p50/p99 in the attack round as a ratio of the quiet round's
(goal: p99 at most 2x), draws refused or lost (goal 0), fresh kiosk connections that failed
(goal 0), the server's memory, and the CPU seconds the server and the stranger spent in the round.
The server runs in its own process with 1,024 files, as an office's server by default; the
stranger in another process (spawned), over loopback.

**The stranger is another device.** On the office's network the stranger's flooding costs its
own phone or laptop; here it shares the machine's two cores with the server and the kiosks.
Filling 20 sockets' kernel buffers (on loopback a sender's buffer grows to 4 MB) took the
stranger 0.3-1.8 CPU seconds of a 6 s round, while the server, which has stopped reading them
(the pace), spent no more than in the quiet round (feedback flood, 20 rounds on 2026-12-07:
0.14-0.45 s against 0.27-0.50 s quiet). So the stranger runs at SCHED_IDLE by default (only CPU the
office's own processes leave, as another device's CPU is) and each row gives both processes'
CPU seconds: the server's extra CPU in the attacked round is what the attack costs the
office. `--stranger shared` runs it at normal priority, as before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from .common import bench_config, emit, process

ATTACKS = ("idle_sockets", "feedback_flood", "signin_flood", "slow_pushes", "oversized_pushes")
PUSH_TOKEN = "bench-push-token"
SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")


def hello(role: str, terminal: str) -> str:
    return json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": f"demo-{terminal}", "v": 1})


# ---- the office at work -------------------------------------------------------------------

async def kiosk(url: str, name: str, times: list[float], problems: dict, stop: asyncio.Event) -> None:
    run = secrets.token_hex(4)
    async with connect(url, compression=None) as ws:
        await ws.send(hello("kiosk", name))
        await ws.recv()
        for i in range(10**9):
            if stop.is_set():
                return
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "draw", "id": i, "service": SERVICES[i % 6], "lang": "ar",
                                      "request": f"hostile-{run}-{i}"}))
            try:
                async with asyncio.timeout(10):
                    while not (frame := await ws.recv()).startswith(('{"type":"reply"', '{"type":"error"')):
                        pass
            except TimeoutError:
                problems["lost"] += 1
                continue
            if frame.startswith('{"type":"error"'):
                problems["refused"] += 1
            else:
                times.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)  # a busy morning: a draw every 20 ms a kiosk


async def counter(url: str, name: str, stop: asyncio.Event) -> None:
    async with connect(url, compression=None) as ws:
        await ws.send(hello("counter", name))
        await ws.recv()
        await ws.send(json.dumps({"type": "open", "id": 0}))
        for i in range(1, 10**9):
            if stop.is_set():
                return
            for kind in ("next", "finish"):
                message = {"type": kind, "id": f"{kind}-{i}"} | ({"outcome": "done"} if kind == "finish" else {})
                await ws.send(json.dumps(message))
                while not (await ws.recv()).startswith(('{"type":"reply"', '{"type":"error"')):
                    pass
            await asyncio.sleep(0.05)


async def fresh_connects(url: str, tries: list, stop: asyncio.Event) -> None:
    """A kiosk coming back every half second: connect, hello, welcome (`tries`: [connects,
    failed, what each failure was])."""
    while not stop.is_set():
        tries[0] += 1
        step = "connect"
        try:
            async with asyncio.timeout(10):
                async with connect(url, compression=None) as ws:
                    step = "hello"
                    await ws.send(hello("kiosk", "kiosk-2"))
                    # a push may come first (the kiosk's coming is committed and pushed meanwhile):
                    # a terminal's session reads on to its welcome (server/wire/session.py)
                    while not (await ws.recv()).startswith('{"type":"welcome"'):
                        pass
        except Exception as exc:
            tries[1] += 1
            tries[2].append(f"{step}: {type(exc).__name__}: {str(exc)[:100]}")
        await asyncio.sleep(0.5)


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) `pid` has spent so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1]) / 1024


async def round_of(url: str, pid: int, seconds: float) -> dict:
    stop, times, problems, tries = asyncio.Event(), [], {"refused": 0, "lost": 0}, [0, 0, []]
    tasks = [asyncio.create_task(kiosk(url, "kiosk-1", times, problems, stop)),
             asyncio.create_task(counter(url, "counter-1", stop)), asyncio.create_task(counter(url, "counter-2", stop)),
             asyncio.create_task(fresh_connects(url, tries, stop))]
    peak, cpu_before = 0.0, cpu_s(pid)
    for _ in range(int(seconds * 10)):
        await asyncio.sleep(0.1)
        peak = max(peak, rss_mb(pid))
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    cut = sorted(times)
    return {"draws": len(times), "p50_ms": round(1000 * statistics.median(cut), 2) if cut else None,
            "p99_ms": round(1000 * cut[int(0.99 * (len(cut) - 1))], 2) if cut else None, **problems,
            "connects": tries[0], "connects_failed": tries[1], "connect_errors": tries[2], "rss_mb": round(peak, 1),
            "server_cpu_s": round(cpu_s(pid) - cpu_before, 2)}


# ---- the stranger (another process) -------------------------------------------------------

def attack(kind: str, port: int, push_port: int, seconds: float, idle: bool = True, opened=None) -> None:
    """`opened`: shared [connections the stranger has opened so far (refused ones too), 1 once it
    opens no more, how many of them the server refused at the upgrade or the hello]."""
    if idle:  # another device: only the CPU the office's own processes leave (module docstring)
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(asyncio.wait_for(ATTACKERS[kind](port, push_port, opened), seconds))


async def idle_sockets(port: int, push_port: int, opened) -> None:
    held = []
    for n in range(2400):  # silent sockets, then idle public sockets of every kind, and the push port's
        try:
            if n < 1200:
                held.append(await asyncio.open_connection("127.0.0.1", port))
            elif n < 2100:
                path = ("/feedback/ws", "/signin/ws", "/")[n % 3]
                ws = await connect(f"ws://127.0.0.1:{port}{path}", open_timeout=5)
                if path == "/":
                    await ws.send(json.dumps({"type": "hello", "role": "display", "terminal": "", "token": "", "v": 1}))
                held.append(ws)
            else:
                held.append(await asyncio.open_connection("127.0.0.1", push_port))
            opened[0] += 1
        except (InvalidStatus, ConnectionClosed):  # opened, then refused (its address's share): counted too
            opened[0] += 1
            opened[2] += 1
        except Exception:
            await asyncio.sleep(0.01)
    opened[1] = 1
    await asyncio.sleep(3600)


async def flood(url: str, frame) -> None:
    async with connect(url, compression=None) as ws:
        async def read():
            async for _ in ws:
                pass
        reader = asyncio.create_task(read())
        for i in range(10**9):
            await ws.send(json.dumps(frame(i)))
            if i % 50 == 0:
                await asyncio.sleep(0)
        reader.cancel()


async def feedback_flood(port: int, push_port: int, opened) -> None:
    frame = lambda i: {"type": "rate", "id": i, "ticket": secrets.token_urlsafe(12), "score": 5}  # noqa: E731
    await asyncio.gather(*(flood(f"ws://127.0.0.1:{port}/feedback/ws", frame) for _ in range(20)),
                         return_exceptions=True)


async def signin_flood(port: int, push_port: int, opened) -> None:
    frame = lambda i: {"type": "sign_in", "id": i, "name": secrets.token_hex(4), "password": "x"}  # noqa: E731
    await asyncio.gather(*(flood(f"ws://127.0.0.1:{port}/signin/ws", frame) for _ in range(20)),
                         return_exceptions=True)


async def slow_pushes(port: int, push_port: int, opened) -> None:
    async def slow() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", push_port)
        for byte in b"POST /appointments HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"{" * 100000:
            writer.write(bytes([byte]))
            await asyncio.sleep(0.5)
    await asyncio.gather(*(slow() for _ in range(300)), return_exceptions=True)


async def oversized_pushes(port: int, push_port: int, opened) -> None:
    body = b'{"appointments": [' + b'{"code": "X", "time": "12:00", "service": "info"},' * 50_000 + b"{}]}"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    heads = [f"POST /appointments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {PUSH_TOKEN}\r\n"
             f"Content-Length: {len(body)}\r\n\r\n".encode(),
             f"POST /appointments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {PUSH_TOKEN}\r\n"
             "Content-Length: 20\r\nTransfer-Encoding: chunked\r\n\r\n".encode()]

    async def push(n: int) -> None:
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", push_port)
                writer.write(heads[n % 2] + (body if n % 2 == 0 else chunked))
                await writer.drain()
                await reader.read()
                writer.close()
            except OSError:
                await asyncio.sleep(0.05)
    await asyncio.gather(*(push(n) for n in range(8)), return_exceptions=True)


ATTACKERS = {"idle_sockets": idle_sockets, "feedback_flood": feedback_flood, "signin_flood": signin_flood,
             "slow_pushes": slow_pushes, "oversized_pushes": oversized_pushes}


# ---- the run ------------------------------------------------------------------------------

def hostile_config(folder: Path) -> Path:
    path = bench_config(folder)
    text = path.read_text(encoding="utf-8").replace(
        "[appointments]", f'[appointments]\npush_port = 0\npush_token = "{PUSH_TOKEN}"', 1)
    path.write_text(text, encoding="utf-8")
    return path


def push_port_of(pid: int, port: int) -> int:
    """The push listener's port: the server's other listening TCP socket."""
    inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
              if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")}
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [row.split() for row in list(table)[1:]]
    ports = {int(r[1].split(":")[1], 16) for r in rows if r[3] == "0A" and r[9] in inodes}
    (push_port,) = ports - {port}
    return push_port


def run(seconds: float = 6.0, attacks: tuple[str, ...] = ATTACKS, *, stranger: str = "idle",
        hold: bool = False) -> list[dict]:
    """`hold`: the idle sockets' round begins once the stranger has opened them all (holding
    them, not opening them); else, as every attack's, 2 s after the stranger starts."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        config = hostile_config(Path(folder))
        args = ["-m", "server", "--config", str(config), "--db", str(Path(folder) / "hostile.sqlite3"), "--port", "0"]
        with process(args, "serving", open_files=1024) as (proc, port):
            push_port = push_port_of(proc.pid, port)
            url = f"ws://127.0.0.1:{port}/"
            for kind in attacks:
                quiet = asyncio.run(round_of(url, proc.pid, seconds))
                spawn = multiprocessing.get_context("spawn")
                opened = spawn.Array("i", 3, lock=False)  # only the stranger writes it
                process_ = spawn.Process(target=attack, args=(kind, port, push_port, seconds + (150 if hold else 30), stranger == "idle",
                                                              opened), daemon=True)
                process_.start()
                time.sleep(2.0)  # the attack under way before the round begins
                while hold and kind == "idle_sockets" and not opened[1] and process_.is_alive():
                    time.sleep(0.1)
                spent, before = cpu_s(process_.pid), opened[0]
                loaded = asyncio.run(round_of(url, proc.pid, seconds))
                spent, opened_in_round = cpu_s(process_.pid) - spent, opened[0] - before
                process_.terminate()
                process_.join(10)
                time.sleep(2.0)  # its sockets closed and let go before the next quiet round
                rows.append(emit("hostile_office", attack=kind, stranger=stranger, stranger_cpu_s=round(spent, 2),
                                 hold=hold and kind == "idle_sockets", opened_before=before, opened_in_round=opened_in_round,
                                 stranger_refused=opened[2],
                                 # the server's extra CPU for each socket the stranger opened in the round
                                 server_ms_a_socket=round(1000 * (loaded["server_cpu_s"] - quiet["server_cpu_s"])
                                                          / opened_in_round, 2) if opened_in_round else None,
                                 quiet=quiet, attacked=loaded,
                                 ratio_p50=ratio(loaded["p50_ms"], quiet["p50_ms"]),
                                 ratio_p99=ratio(loaded["p99_ms"], quiet["p99_ms"])))
    return rows


def ratio(loaded: float | None, quiet: float | None) -> float | None:
    return round(loaded / quiet, 2) if loaded and quiet else None


def report(rows: list[dict]) -> None:
    print("\nhostile office: kiosk draws while a stranger attacks (ratio = attacked / quiet round, same run; "
          f"stranger {rows[0]['stranger'] if rows else ''})")
    for row in rows:
        a, q = row["attacked"], row["quiet"]
        print(f"  {row['attack']:17} p50 {a['p50_ms']} ms (x{row['ratio_p50']}), p99 {a['p99_ms']} ms "
              f"(x{row['ratio_p99']}); {a['draws']} draws, refused {a['refused']}, lost {a['lost']}; "
              f"fresh connects failed {a['connects_failed']}/{a['connects']}; server RSS {a['rss_mb']} MB "
              f"(quiet {q['rss_mb']} MB); CPU s server {a['server_cpu_s']} (quiet {q['server_cpu_s']}), "
              f"stranger {row['stranger_cpu_s']}"
              + (f"; stranger's sockets {row['opened_before']} before the round, {row['opened_in_round']} in it "
                 f"(server {row['server_ms_a_socket']} ms a socket)" if row["attack"] == "idle_sockets" else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=ATTACKS, default=list(ATTACKS), help="these attacks only")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each round")
    parser.add_argument("--stranger", choices=("idle", "shared"), default="idle",
                        help="idle: the stranger gets only CPU nobody else wants (another device); "
                             "shared: it competes with the server and kiosks at normal priority")
    parser.add_argument("--hold", action="store_true",
                        help="idle sockets: begin the round once the stranger holds them all (not while it opens them)")
    options = parser.parse_args()
    report(run(options.seconds, tuple(options.only), stranger=options.stranger, hold=options.hold))
