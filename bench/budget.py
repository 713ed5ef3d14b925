"""Where a draw's time goes, in CPU microseconds, to explain a throughput ratio.

`server_cpu` reads a process's CPU time (user + system) from /proc, so a run can report what
each request cost the server that answered it: the bare echo server pays the transport
(websockets framing, JSON, two syscalls); Willkommen pays that and its own work.

`floors` measures the two parts of Willkommen's own work no design of this server can skip,
in this process and without the network: the queue core drawing tickets (`Office.draw`,
no I/O) and the store writing their rows at a given group size (`Store.write`, the same SQL
and schema the server commits). If transport + those floors already exceed what a target
ratio allows, the target is out of reach for any server that keeps the ticket in a queue and
on disk before it answers, in one CPython process.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from config import load_site
from server.core import Office
from server.core.events import TicketEvent
from server.store.sqlite import Store

SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def exact_cpu(pid: int) -> float:
    """CPU seconds a process's threads have run so far, to the nanosecond (the scheduler's own
    count): `server_cpu` counts in 10 ms ticks, too coarse for an office drawing a few tickets
    a second."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
            continue
    return total / 1e9


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of a server's event loop (its main thread, whose id is the process's)
    and of its other threads together (the commit thread under "full", the checkpoints under
    "normal"), from the scheduler's count. The loop holds the GIL for nearly all it does, so its
    CPU a draw is what one core allows; the others' runs in C beside it (a COMMIT's fsync)."""
    split = {"loop": 0.0, "others": 0.0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            ran = int((task / "schedstat").read_text().split()[0]) / 1e9
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
            continue
        split["loop" if task.name == str(pid) else "others"] += ran
    return split


def floors(group: int, draws: int = 20_000) -> dict[str, float]:
    """Microseconds per draw for the queue core alone and for the store alone, committing
    `group` draws per transaction (synchronous=normal)."""
    site = load_site()
    office = Office(site, always_open=True)
    core = store_time = 0.0
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "floor.sqlite3", timezone=site.timezone)
        for first in range(0, draws, group):
            started = time.process_time()
            for n in range(first, min(first + group, draws)):
                office.draw(kiosk="kiosk-1", service=SERVICES[n % 6], lang="ar", request=f"f{n}", token=f"t{n}",
                            now=time.time())
            events = office.take_journal()
            drawn = time.process_time()
            rows = store.rows(events, [office.tickets[e.number] for e in events if isinstance(e, TicketEvent)])
            store.write(rows)
            core, store_time = core + drawn - started, store_time + time.process_time() - drawn
        store.close()
    return {"core_us": round(core / draws * 1e6, 1), "store_us": round(store_time / draws * 1e6, 1)}
