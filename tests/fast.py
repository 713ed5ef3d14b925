"""The fast subset, `pytest -m fast`: what to run before every commit, under a minute on two cores.

It holds the tests that run in the test's own process and start nothing: the pure core and
its forecast, the wire protocol, the store on SQLite in-process, the config, the import rules
and the code style (ruff and mypy, the two tools it runs). No server (in this process or
another), no PostgreSQL, no Chromium, no Textual Pilot, no sleeps.

A file joins by its name in `FILES`, never by a prefix: a new `test_store_*.py` that starts a
server does not slow every commit unnoticed. A test of a listed file stays out when it is in
`FILES`' tuple of that file, or asks for a fixture of `HEAVY`, or runs on PostgreSQL (the
`store_db[postgresql]` variant). And while a fast test runs, `fast_guard` holds the promise: a
fast test that starts a server, PostgreSQL or Chromium, or sleeps, fails with what to do.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

import pytest

from server.edge.app import Server

# file -> its tests that stay out (each starts `python -m server` or an in-process Server)
FILES: dict[str, tuple[str, ...]] = {
    "test_core_days.py": (), "test_core_events.py": (), "test_core_layers.py": (),
    "test_core_lottery.py": (), "test_core_office.py": (), "test_core_properties.py": (),
    "test_core_referrals.py": (), "test_core_rules.py": (), "test_routing_reasons.py": (),
    "test_forecast.py": (),
    "test_protocol.py": (), "test_counter_table.py": (), "test_protocol_edges.py": (), "test_protocol_brief.py": (),
    "test_store.py": (), "test_store_access.py": (), "test_store_edges.py": (), "test_writer.py": (),
    "test_store_file.py": ("test_second_server_on_the_same_file_refuses_with_one_line_and_status_2",
                           "test_damaged_file_at_start_is_named_in_one_line_status_2_and_left_unchanged",
                           "test_database_path_that_is_a_folder_is_named_in_one_line_and_status_2"),
    "test_stored_events.py": (
        "test_a_newer_versions_event_stops_the_server_at_start_named_with_status_2_and_the_file_untouched",),
    "test_config.py": ("test_server_refuses_to_start_on_a_bad_config",),
    "test_config_limits.py": ("test_the_server_refuses_to_start_on_a_wrong_limit_in_one_line",
                              "test_a_server_applies_the_limits_of_its_site_file"),
    "test_config_network.py": ("test_the_server_refuses_to_start_in_one_line_with_status_2",),
    "test_config_public_url.py": ("test_server_refuses_a_public_url_without_scheme_in_one_line",),
    "test_import_rules.py": (), "test_readme_map.py": (), "test_code_style.py": (), "test_types.py": (),
    "test_fast_subset.py": (), "test_order.py": (), "test_developers_guide.py": (),
}
HEAVY = {"server", "url", "terminal", "visitors_server", "postgres_cluster", "browser", "module_chromium"}
STARTS = {"postgres", "initdb", "pg_ctl", "pg_ctlcluster", "chromium", "willkommen-server"}
LONGEST_SLEEP = 0.05  # seconds: a fast test yields (`asyncio.sleep(0)`), it never waits


def is_fast(item: pytest.Item) -> bool:
    file = item.path.name
    if file not in FILES or item.originalname in FILES[file] or HEAVY & set(getattr(item, "fixturenames", ())):
        return False
    params = getattr(item, "callspec", None)
    return not (params and params.params.get("store_db") == "postgresql")


def slow_command(args) -> str | None:
    """The command line when it starts a server, PostgreSQL or Chromium; None for any other."""
    words = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    names = [os.path.basename(os.fsdecode(word)) for word in words]
    if STARTS & set(names) or any(a == "-m" and b == "server" for a, b in zip(names, names[1:])):
        return " ".join(names)
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` selects
def mark_fast(items) -> None:
    for item in items:
        if is_fast(item):
            item.add_marker(pytest.mark.fast)


@pytest.fixture(autouse=True)
def fast_guard(request, monkeypatch):
    """A fast test that starts what makes a test slow fails here, saying so."""
    if request.node.get_closest_marker("fast") is None:
        yield
        return
    why = f"{request.node.nodeid} is in the fast subset (tests/fast.py): it may not %s: keep it out, by its name in its file's tuple of FILES"

    class Guarded(subprocess.Popen):
        def __init__(self, args, *rest, **kwargs):
            if refused := slow_command(args):
                raise AssertionError(why % f"start {refused}")
            super().__init__(args, *rest, **kwargs)

    def no_server(*args, **kwargs):
        raise AssertionError(why % "start a Server")

    def check(seconds):
        if seconds > LONGEST_SLEEP:
            raise AssertionError(why % f"sleep {seconds} s")

    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    def sleep(seconds):
        check(seconds)
        real_sleep(seconds)

    async def async_sleep(seconds, *args, **kwargs):
        check(seconds)
        return await real_async_sleep(seconds, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Guarded)
    monkeypatch.setattr(Server, "start", no_server)
    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    yield
