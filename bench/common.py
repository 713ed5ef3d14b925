"""Starting the real server (its CLI, a temporary config and SQLite file) and baselines."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from config import default_path

ROOT = Path(__file__).resolve().parent.parent


def bench_config(folder: Path, *, synchronous: str = "normal", retention_days: int = 90) -> Path:
    """The demo office, always open, no kiosk rate limit, with the durability asked for."""
    text = re.sub(r"\[site\.opening_hours\][^\[]*", "", default_path().read_text(encoding="utf-8"))
    text = text.replace("kiosk_draws_per_minute = 30", "kiosk_draws_per_minute = 100000000")
    text = text.replace('synchronous = "normal"', f'synchronous = "{synchronous}"')
    text = text.replace("retention_days = 90", f"retention_days = {retention_days}")
    path = folder / f"bench-{synchronous}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@contextlib.contextmanager
def process(args: list[str], ready: str, env: dict[str, str] | None = None, *, open_files: int | None = None):
    """Run `python args...` (with `env` added to the environment, at most `open_files` files)
    until the block ends; yields the port from its JSON log line `ready`."""
    limit = ["prlimit", f"--nofile={open_files}:{open_files}"] if open_files else []  # util-linux
    proc = subprocess.Popen([*limit, sys.executable, *args], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env} if env else None)
    port = None
    for line in proc.stderr:
        entry = json.loads(line) if line.startswith("{") else {}
        if entry.get("msg") == ready:
            port = entry["port"]
            break
    drain = threading.Thread(target=proc.stderr.read, daemon=True)
    drain.start()
    try:
        if port is None:
            raise RuntimeError(f"{args} did not start (exit {proc.wait()})")
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(30)  # websockets gives a peer that does not answer its close 10 s: a hostile run has some
        drain.join(5)
        proc.stderr.close()


@contextlib.contextmanager
def willkommen_server(*, synchronous: str = "normal", traced: Path | None = None):
    """The server on a fresh SQLite file; with `traced`, under `bench.traced` writing there."""
    with tempfile.TemporaryDirectory() as folder:
        config = bench_config(Path(folder), synchronous=synchronous)
        db = Path(folder) / "bench.sqlite3"
        with process([*server_module(traced), "--config", str(config), "--db", str(db), "--port", "0"],
                     "serving", {"BENCH_TRACE": str(traced)} if traced else None) as (proc, port):
            yield proc, port


def server_module(traced: Path | None) -> list[str]:
    """`python -m …` of the server: its CLI, or with `traced` the same under `bench.traced`."""
    return ["-m", "bench.traced" if traced else "server"]


def emit(figure: str, **values) -> dict:
    line = {"figure": figure, **values}
    print(json.dumps(line), flush=True)
    return line


async def serve_baseline(handler, port: int, *, compression: str | None = None) -> None:
    """Run a bare websockets baseline server until SIGTERM, announcing its port as the real
    server does (a JSON log line "serving"), with Willkommen's frame limit."""
    import asyncio
    import signal

    from websockets.asyncio.server import serve

    async with serve(handler, "127.0.0.1", port, compression=compression, max_size=64 * 1024) as server:
        print(json.dumps({"msg": "serving", "port": server.sockets[0].getsockname()[1]}), file=sys.stderr,
              flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
