"""Memory per idle display connection: the server's RSS with 0 and with N idle displays (each
welcomed), next to a bare websockets server holding the same N connections with and without
per-message compression. RSS from /proc/<pid>/status; connections from this process."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from .common import emit, process, willkommen_server


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


async def hold(port: int, count: int, pid: int, compression: str = "none") -> tuple[int, int]:
    """RSS before and while `count` idle connections are open, each having said hello and
    received one message (for Willkommen: the welcome, so the display is in the audience)."""
    url = f"ws://127.0.0.1:{port}/"
    await asyncio.sleep(0.3)
    before = rss_kb(pid)
    connections = [await connect(url, compression=None if compression == "none" else "deflate", max_size=None)
                   for _ in range(count)]
    for ws in connections:
        await ws.send(json.dumps({"type": "hello", "role": "display"}))
        await ws.recv()
    await asyncio.sleep(1.0)
    during = rss_kb(pid)
    await asyncio.gather(*(ws.close() for ws in connections))
    return before, during


def run(count: int = 1000) -> list[dict]:
    rows = []
    with willkommen_server() as (proc, port):
        before, during = asyncio.run(hold(port, count, proc.pid))
    ours = (during - before) / count
    baselines = {}
    for compression in ("none", "deflate"):
        with process(["-m", "bench.echo", "--compression", compression], "serving") as (proc, port):
            b0, b1 = asyncio.run(hold(port, count, proc.pid, compression))
        baselines[compression] = (b1 - b0) / count
    rows.append(emit("rss_kb_per_idle_display", connections=count, willkommen=round(ours, 1),
                     server_rss_idle_kb=before, server_rss_with_displays_kb=during,
                     bare_websockets_no_compression=round(baselines["none"], 1),
                     bare_websockets_deflate=round(baselines["deflate"], 1)))
    return rows
