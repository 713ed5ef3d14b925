"""Every log line of an office that `willkommen-server host` serves carries its name, also those
written on the office's threads (issue 28): the store opened and migrated on its store thread,
a checkpoint that failed on its checkpoint thread. A context variable set where an office starts
reaches its tasks by itself but no thread (`server.store.threads.carrying`)."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging


from server.edge import logs
from server.store.checkpoint import EVERY, Checkpoints

from .test_hosting import two_schemas, TIMEOUT, host_command, office_folder, serving
from .test_store_postgres import office_in


async def test_the_lines_from_each_offices_store_thread_carry_its_name(tmp_path, postgres_cluster):
    """Two offices on fresh PostgreSQL schemas: each store makes its tables on its own store
    thread, and each `migrated` line names the office whose schema it migrated."""
    url = postgres_cluster.database()
    two_schemas(url)
    proc = host_command(str(office_folder(tmp_path, "wetzlar", office_in(url, "wetzlar"))),
                        str(office_folder(tmp_path, "giessen", office_in(url, "giessen"))))
    try:
        _, lines = serving(proc, 2)
    finally:
        proc.terminate()
        assert await asyncio.to_thread(proc.wait, TIMEOUT) == 0
        lines += proc.stderr.read().splitlines(keepends=True)
        proc.stderr.close()
    migrated = [json.loads(line) for line in lines if line.startswith("{") and json.loads(line)["msg"] == "migrated"]
    assert {entry.get("office") for entry in migrated} == {"wetzlar", "giessen"}, migrated
    for entry in migrated:  # the office named is the one whose schema the line is about
        assert entry["db"].endswith(f"search_path%3D{entry['office']}"), entry
        assert entry["thread"].startswith("willkommen-store"), entry


def test_a_failed_checkpoint_on_each_offices_thread_names_its_office(tmp_path, caplog):
    """Each office's checkpoint thread, made in its context as the host makes it; the checkpoint
    fails (its database is a folder) and the warning is logged on that thread."""
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(logs.JsonLines().format(record))  # type: ignore[method-assign]
    store_log = logging.getLogger("willkommen.store")
    store_log.addHandler(handler)
    try:
        for name in ("wetzlar", "giessen"):
            (tmp_path / name).mkdir()
            context = contextvars.copy_context()
            context.run(logs.OFFICE.set, name)
            checkpoints = context.run(Checkpoints, tmp_path / name, synchronous="normal")
            for _ in range(EVERY):
                checkpoints.committed()
            checkpoints.close()  # waits for the checkpoint on its way (and its warning)
    finally:
        store_log.removeHandler(handler)
    failed = [json.loads(line) for line in said if json.loads(line)["msg"].startswith("checkpoint failed")]
    assert [(entry.get("office"), entry["thread"].rpartition("_")[0]) for entry in failed] == [
        ("wetzlar", "willkommen-checkpoint"), ("giessen", "willkommen-checkpoint")]
