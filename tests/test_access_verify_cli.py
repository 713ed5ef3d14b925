"""`willkommen-server draw verify` on a file fetched before the draw, and `draw export` for a
day without a lottery: a sentence a person understands and an exit status of its own. Real
server on 127.0.0.1, the commands in their own processes."""

from __future__ import annotations

import asyncio
import json
import sys

from .access_office import DAY, Clock, access_site, at, page, start, window_open
from .conftest import ROOT, http_get


async def command(*args: str) -> tuple[int, str, str]:
    """Run `python -m server ARGS` without blocking the server's loop in this process."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "server", *args, cwd=ROOT,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, out.decode(), err.decode()


async def test_a_file_fetched_before_the_draw_is_not_drawn_yet_with_its_seed_hash(tmp_path):
    async with window_open(tmp_path, places=5) as (server, clock):
        status, _, body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
        early = tmp_path / "early.json"
        early.write_bytes(body)
        code, out, err = await command("draw", "verify", str(early))
    seed_hash = json.loads(body)["seed_hash"]
    assert status == 200 and code == 3, out + err
    assert out.startswith("not drawn yet") and seed_hash in out and "TypeError" not in out


async def test_export_of_a_day_without_a_lottery_says_so(tmp_path):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(contingent={"residence": 5}))
    try:
        code, out, err = await command("draw", "export", "2026-11-03", "--url", f"http://127.0.0.1:{server.port}",
                                       "--out", str(tmp_path / "none.json"))
    finally:
        await server.stop()
    assert code == 2 and "no lottery for that day" in err and "2026-11-03" in err, out + err
    assert "HTTP Error" not in err and not (tmp_path / "none.json").exists()


async def test_the_entry_list_committed_at_the_close_is_checked_against_the_drawn_file(tmp_path):
    async with window_open(tmp_path, places=2) as (server, clock):
        async with page(server) as visitor:
            for name in ("Amina Haddad", "Omar Karimi", "Sara Tesfay"):
                assert (await visitor.register(name))["type"] == "registered"
        _, _, open_body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
        clock.t = at(DAY, "06:01")  # closed, not drawn
        _, _, closed_body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        _, _, drawn_body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
    assert "entries_hash" not in json.loads(open_body)  # the list still grows while the window is open
    early, drawn = tmp_path / "closed.json", tmp_path / "drawn.json"
    early.write_bytes(closed_body)
    drawn.write_bytes(drawn_body)
    code, out, _ = await command("draw", "verify", str(early))
    assert code == 3 and json.loads(closed_body)["entries_hash"] in out
    code, out, err = await command("draw", "verify", str(drawn), "--closed", str(early))
    assert code == 0 and out.startswith("matches: ") and "committed at the close" in out, out + err
    committed = json.loads(closed_body)
    committed["entries_hash"] = "0" * 64  # the office's list at the close was another one
    early.write_text(json.dumps(committed))
    code, out, _ = await command("draw", "verify", str(drawn), "--closed", str(early))
    assert code == 1 and "entries differ from the list committed" in out


async def test_the_readme_commands_check_the_seed_hash_and_find_ones_own_entry(tmp_path):
    async with window_open(tmp_path, places=1) as (server, clock):
        async with page(server) as visitor:
            mine = await visitor.register("Amina Haddad")
            assert (await visitor.register("Omar Karimi"))["type"] == "registered"
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        _, _, body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
    drawn = json.loads(body)

    async def shell(line: str) -> str:
        process = await asyncio.create_subprocess_shell(line, stdout=asyncio.subprocess.PIPE)
        out, _ = await process.communicate()
        return out.decode().split()[0]

    assert await shell(f"printf %s {drawn['seed']} | xxd -r -p | sha256sum") == drawn["seed_hash"]
    own = await shell(f"printf %s {mine['entry']} | sha256sum")
    assert own in [e["entry"] for e in drawn["entries"]] and own in [p["entry"] for p in drawn["places"]] + drawn["rest"]
