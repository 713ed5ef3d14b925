"""The connection limits (`server/edge/limits.py`) are set from the site file's `[limits]`: read and
checked when the file loads (a wrong value names the file, the key and what is right), and
applied by a server started from that file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from config import ConfigError, parse_site
from config.limits import Limits
from server.edge.app import Server

from .conftest import ROOT, demo_data, token


def site_with(limits: dict):
    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = 100_000
    data["limits"] = limits
    return parse_site(data, file="office.toml")


def test_no_limits_section_means_the_defaults():
    data = demo_data()
    data.pop("limits", None)
    assert parse_site(data, file="office.toml").limits == Limits()


def test_every_limit_is_read_from_the_site_file():
    limits = site_with({"lobby": 40, "hello_free_failures": 2, "hello_backoff_seconds": [0.5, 30],
                        "hello_forget_seconds": 120, "peers": 500, "log_interval_seconds": 2.5,
                        "printer_detail": 80, "public": 20, "public_per_address": 5,
                        "first_bytes_seconds": 3}).limits
    assert limits == Limits(lobby=40, hello_free_failures=2, hello_backoff=(0.5, 30.0), hello_forget=120.0,
                            peers=500, log_interval=2.5, printer_detail=80, public=20, public_per_address=5,
                            first_bytes_seconds=3.0)


@pytest.mark.parametrize("limits, key, says", [
    ({"lobby": 3}, "limits.lobby", "3 must be 0 (from the open-files limit) or at least 8"),
    ({"lobby": -1}, "limits.lobby", "-1 must be at least 0"),
    ({"lobby": "many"}, "limits.lobby", "is not a whole number"),
    ({"lobby": 2.5}, "limits.lobby", "is not a whole number"),
    ({"lobby": True}, "limits.lobby", "is not a whole number"),
    ({"peers": 0}, "limits.peers", "0 must be at least 1"),
    ({"peers": 10**9}, "limits.peers", "must be at most 1000000"),
    ({"hello_free_failures": -2}, "limits.hello_free_failures", "must be at least 0"),
    ({"hello_backoff_seconds": [60, 1]}, "limits.hello_backoff_seconds", "0 < first <= longest"),
    ({"hello_backoff_seconds": [0, 1]}, "limits.hello_backoff_seconds", "e.g. [1, 60]"),
    ({"hello_backoff_seconds": [1]}, "limits.hello_backoff_seconds", "[first, longest]"),
    ({"hello_backoff_seconds": [1, "x"]}, "limits.hello_backoff_seconds", "two numbers of seconds"),
    ({"hello_backoff_seconds": 5}, "limits.hello_backoff_seconds", "is not a list [first, longest] of seconds"),
    ({"hello_forget_seconds": 0}, "limits.hello_forget_seconds", "must be more than 0"),
    ({"hello_forget_seconds": float("nan")}, "limits.hello_forget_seconds", "must be more than 0"),
    ({"hello_forget_seconds": float("inf")}, "limits.hello_forget_seconds", "at most 86400 seconds"),
    ({"hello_forget_seconds": 30}, "limits.hello_forget_seconds", "at least the longest back-off (60 s)"),
    ({"log_interval_seconds": -1}, "limits.log_interval_seconds", "must be more than 0"),
    ({"printer_detail": 5000}, "limits.printer_detail", "must be at most 1000"),
    ({"lobbby": 10}, "limits.lobbby", "unknown key"),
    ({"public": 20, "public_per_address": 21}, "limits.public_per_address", "21 must be at most limits.public (20)"),
    ({"public_per_address": -1}, "limits.public_per_address", "must be at least 0"),
    ({"first_bytes_seconds": 0.5}, "limits.first_bytes_seconds", "0.5 must be between 1 (a phone on a slow network)"),
    ({"first_bytes_seconds": 61}, "limits.first_bytes_seconds", "and 60 seconds"),
    ({"first_bytes_seconds": "soon"}, "limits.first_bytes_seconds", "is not a number of seconds"),
])
def test_a_wrong_limit_is_refused_naming_the_file_the_key_and_what_is_right(limits, key, says):
    with pytest.raises(ConfigError) as refused:
        site_with(limits)
    assert str(refused.value).startswith(f"office.toml: {key}:") and says in str(refused.value)


def test_the_server_refuses_to_start_on_a_wrong_limit_in_one_line(tmp_path):
    text = (ROOT / "config" / "default.toml").read_text(encoding="utf-8") + "\n[limits]\nlobby = 3\n"
    (tmp_path / "office.toml").write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "server", "--config", str(tmp_path / "office.toml"),
                             "--db", str(tmp_path / "o.sqlite3"), "--port", "0"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "limits.lobby: 3 must be 0" in lines[0], result.stderr


async def hello(url: str, terminal: str, secret: str):
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": terminal, "token": secret}))
        try:
            return json.loads(await ws.recv())["type"]
        except ConnectionClosed as closed:
            return closed.rcvd.code


async def test_a_server_applies_the_limits_of_its_site_file(tmp_path):
    # with the defaults, 5 wrong tokens are free; this office allows one, then 30 s of 4429
    site = site_with({"hello_free_failures": 1, "hello_backoff_seconds": [30, 60]})
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    url = f"ws://127.0.0.1:{await server.start('127.0.0.1', 0)}/"
    try:
        assert await hello(url, "kiosk-1", "wrong-token") == 4401  # the free one
        assert await hello(url, "kiosk-1", "wrong-token") == 4401  # costs 30 s from now
        assert await hello(url, "kiosk-1", token("kiosk-1")) == 4429  # even the right token waits
        assert server.gate.lobby.cap > 0 and server.gate.limits == site.limits
    finally:
        await server.stop()
