"""Paired rounds: two checkouts' servers loaded in turn with the draws benchmark's kiosks.

On this shared machine one server's draws a second move by a factor of two or more from one
minute to the next (the disk's fsyncs and the cores are the neighbours' too), so a change is
judged against the code before it in the same minutes: both servers run side by side (each its
own temporary SQLite file, the same config), every round loads one and then the other for the
same seconds, the one loaded first alternating, and each round gives the new server's draws a
second and CPU a draw as a ratio to the old one's. The median of many rounds says more than any
single run. The CPU a draw is also given for the event loop's thread alone (`loop_us`, the
thread that holds the GIL and bounds the draws a second on one core) and for the server's other
threads together (`others_us`: under "full" the commit thread, whose fsync runs beside the loop):
the loop's ratio moves least with the neighbours. A round starts once its kiosks are connected
(`bench.draws.Start`): its handshakes are not counted as draws' CPU.

    python -m bench.paired --base /path/to/old-checkout [--new .] --rounds 12 --clients 50 --synchronous full

A checkout's server runs with its own `.venv/bin/python` if it has one (the code is imported
from the checkout's folder either way).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

from .common import ROOT, bench_config, emit, process
from .draws import load


def served(checkout: Path, config: Path, db: Path):
    """A checkout's server: `process` starts this interpreter, which becomes the checkout's own
    (its `.venv`, if any) in the checkout's folder, so the server's code is the checkout's."""
    python = checkout / ".venv" / "bin" / "python"
    args = [str(python if python.exists() else sys.executable), str(checkout),
            "-m", "server", "--config", str(config), "--db", str(db), "--port", "0"]
    return process(["-c", _RUN_IN, *args], "serving", {"PYTHONPATH": str(checkout)})


_RUN_IN = "import os, sys; os.chdir(sys.argv[2]); os.execv(sys.argv[1], [sys.argv[1], *sys.argv[3:]])"


def run(base: Path, new: Path, rounds: int, clients: int, seconds: float, synchronous: str) -> dict:
    ratios, cpus, loops = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        config = bench_config(Path(folder), synchronous=synchronous)
        with served(base, config, Path(folder) / "base.sqlite3") as (old, old_port), \
                served(new, config, Path(folder) / "new.sqlite3") as (now, new_port):
            servers = {"base": (old.pid, old_port), "new": (now.pid, new_port)}
            for n in range(rounds):
                got, split = {}, {"base": {}, "new": {}}
                for which in (("base", "new") if n % 2 == 0 else ("new", "base")):
                    pid, port = servers[which]
                    got[which] = asyncio.run(load(port, clients, seconds, pid, split[which], connected_first=True))
                ratios.append(got["new"][0] / got["base"][0])
                cpus.append(got["new"][1] / got["base"][1])
                loops.append(split["new"]["loop"] / max(split["base"]["loop"], 1e-9))
                emit("paired_round", round=n, first="base" if n % 2 == 0 else "new",
                     base_draws_per_s=round(got["base"][0]), new_draws_per_s=round(got["new"][0]),
                     base_cpu_us=round(got["base"][1]), new_cpu_us=round(got["new"][1]),
                     base_group=round(got["base"][2] or 0, 1), new_group=round(got["new"][2] or 0, 1),
                     base_loop_us=round(split["base"]["loop"], 1), new_loop_us=round(split["new"]["loop"], 1),
                     base_others_us=round(split["base"]["others"], 1), new_others_us=round(split["new"]["others"], 1),
                     ratio=round(ratios[-1], 3), cpu_ratio=round(cpus[-1], 3), loop_ratio=round(loops[-1], 3),
                     load=round(os.getloadavg()[0], 1))
    quartiles = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else [ratios[0]] * 3
    return emit("paired", clients=clients, synchronous=synchronous, rounds=rounds,
                median_ratio=round(statistics.median(ratios), 3),
                quartiles=[round(quartiles[0], 3), round(quartiles[2], 3)],
                above_1=sum(r > 1 for r in ratios), median_cpu_ratio=round(statistics.median(cpus), 3),
                median_loop_ratio=round(statistics.median(loops), 3), loop_below_1=sum(r < 1 for r in loops))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the old code's checkout")
    parser.add_argument("--new", type=Path, default=ROOT, help="the new code's checkout (this one)")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--synchronous", choices=["normal", "full"], default="full")
    args = parser.parse_args()
    run(args.base.resolve(), args.new.resolve(), args.rounds, args.clients, args.seconds, args.synchronous)


if __name__ == "__main__":
    sys.exit(main())
