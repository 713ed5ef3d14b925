"""Smaller holes a curious visitor or a slip finds: a statistics week past the calendar's end,
the demo's simulated office failing, and two terminals on one token."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap

from websockets.asyncio.client import connect

from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import ROOT, make_site, token
from .test_manager_board import cookie_for, get_with


async def test_a_week_past_the_calendars_last_day_is_answered_400_with_a_clear_message(tmp_path):
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        cookie = await cookie_for(server.port)
        base = f"http://127.0.0.1:{server.port}"
        status, _, body = await get_with(f"{base}/stats?period=week&value=9999-12-31", cookie)
        assert status == 400
        assert "„9999-12-31“: dieser Zeitraum endete nach dem 31.12.9999, dem letzten Tag" in body.decode()
        status, _, body = await get_with(f"{base}/stats.csv?period=month&value=9999-12", cookie)
        assert status == 400 and "„9999-12“: dieser Zeitraum endete nach dem 31.12.9999" in body.decode()
        status, _, body = await get_with(f"{base}/stats?period=day&value=9999-12-31", cookie)
        assert status == 200  # the last day itself is a day like any other
    finally:
        await server.stop()


def test_an_error_in_the_demos_simulated_office_is_logged_and_stops_the_server_with_status_1(tmp_path):
    """The simulator's clerks break (a fault put into the demo's own driver, not the server):
    the server says so with a traceback and exits 1, not 0 in silence."""
    script = textwrap.dedent(f"""
        import sys
        import server.demo.simulator as simulator
        from server.cli import main

        async def broken_clerk(*args, **kwargs):
            raise RuntimeError("the simulated clerk tripped")

        simulator.clerk = broken_clerk
        sys.exit(main(["--demo", "--port", "0", "--db", {str(tmp_path / 'demo.sqlite3')!r}]))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "the demo's simulated office failed: the server stops" in run.stderr
    assert "RuntimeError: the simulated clerk tripped" in run.stderr


async def test_two_kiosks_on_one_token_are_both_served_and_the_board_says_so(tmp_path):
    """Choice: both are welcomed (a restarted kiosk's new connection must not wait for its old
    one to time out), and the floor board shows an alert while two devices share the token."""
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{server.port}"
    first = ClientSession(f"{url}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    second = ClientSession(f"{url}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        cookie = await cookie_for(server.port)
        async with connect(f"{url}/board/ws", additional_headers={"Cookie": cookie}) as board:
            first.start()
            await first.ready()

            async def alerts_until(predicate):
                async def watch():
                    while True:
                        floor = json.loads(await board.recv())["floor"]
                        twice = [a for a in floor["alerts"] if a["kind"] == "twice"]
                        if predicate(twice):
                            return twice
                return await asyncio.wait_for(watch(), 60)

            await alerts_until(lambda twice: not twice)
            second.start()
            await second.ready()  # welcomed too
            shown = await alerts_until(lambda twice: bool(twice))
            assert shown[0]["text"] == "Eingang links: 2 Geräte sind mit demselben Zugang verbunden"  # its name
            await second.close()
            await alerts_until(lambda twice: not twice)  # cleared when the second goes
    finally:
        await first.close()
        await second.close()
        await server.stop()
