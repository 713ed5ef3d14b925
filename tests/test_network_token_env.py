"""Offices whose terminals' tokens come from the environment (`token_env`, the README's advice
for real sites; the values in each office's `server.env`, which only its server is given) take
part in the network all the same (r-admin-4, findings 2 and 9): the board's network panel in
`willkommen-server host`, and `network publish|compare|adopt|undo`, `demo-month` and the
coordinator's `network forget` run with none of those variables set, as an admin types them.
`demo-month` makes each office a month of its own and names the office's port."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path


from server.hosting import Host, office

from .conftest import ROOT, make_site, noon_clock
from .test_hosting import office_text
from .test_manager_board import board_socket, cookie_for
from .test_network_board import TI_TAKE, asked
from .test_network_send import TOKENS, network, network_file  # noqa: F401  (network: a fixture)

PORTS = {"wetzlar": 8801, "giessen": 8802}  # only written into server.env: the host test serves on PORT=0


def env_name(office: str, token: str) -> str:
    return f"WILLKOMMEN_TEST_{office}_{token}_{os.getpid()}".upper().replace("-", "_")


def office_folder(tmp_path: Path, name: str, network_port: int, port: int = 0) -> Path:
    """An office as deploy/willkommen-server@.service reads it: office.toml (every terminal's
    token as `token_env`, `[network]` with a token file), server.env (PORT and the tokens)."""
    folder = tmp_path / name
    folder.mkdir()
    text = office_text(folder / "office.sqlite3", giessen=name == "giessen")
    tokens = re.findall(r'^token = "([^"]+)"$', text, re.M)
    assert tokens, "the demo office's file has no terminal tokens to move into server.env"
    text = re.sub(r'^token = "([^"]+)"$', lambda m: f'token_env = "{env_name(name, m[1])}"', text, flags=re.M)
    text += (f'\n[network]\nurl = "http://127.0.0.1:{network_port}/"\noffice = "{name}"\n'
             f'token_file = "network-token"\ninto = "{folder / "adopted"}"\n')
    (folder / "office.toml").write_text(text, encoding="utf-8")
    (folder / "server.env").write_text(f"PORT={port}\n" + "".join(f"{env_name(name, t)}={t}\n" for t in tokens),
                                       encoding="utf-8")
    (folder / "network-token").write_text(TOKENS[name] + "\n", encoding="utf-8")
    (folder / "network-token").chmod(0o600)
    (folder / "adopted").mkdir()
    if name == "giessen":
        (folder / "strings").mkdir()
        (folder / "strings" / "ti.toml").write_text(f'[kiosk]\ntake_ticket = "{TI_TAKE}"\n', encoding="utf-8")
    return folder


def run(*args: str) -> subprocess.CompletedProcess:
    """`willkommen-server …` as an admin types it: no office's server.env in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WILLKOMMEN_TEST_")}
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**env, "PYTHONPATH": str(ROOT)})


async def test_the_board_publishes_and_lists_in_a_host_process_with_tokens_from_server_env(tmp_path, network):
    folders = [office_folder(tmp_path, name, network.port) for name in ("wetzlar", "giessen")]
    assert not any(k.startswith("WILLKOMMEN_TEST_") for k in os.environ)  # the host gives each its own server.env
    host = Host([office(folder) for folder in folders], always_open=True, clock=noon_clock(make_site()))
    assert await host.start() == {}
    try:
        wetzlar = host.offices[0].server
        ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
        published = await asked(ws, type="publish")
        assert published["type"] == "published", published
        assert [o for o, _ in network.store.published()] == ["wetzlar"]
        done = await asyncio.to_thread(run, "network", "publish", "--config", str(folders[1] / "office.toml"))
        assert done.returncode == 0, done.stderr
        listed = await asked(ws, type="network_knowledge")  # Gießen's texts beside Wetzlar's own
        await ws.close()
        assert listed["type"] == "network", listed
        assert "giessen" in str(listed) and "strings.ti" in str(listed), listed
    finally:
        await host.stop()


async def test_the_network_commands_and_demo_month_need_no_terminal_token(tmp_path, network):
    wetzlar, giessen = (office_folder(tmp_path, name, network.port, PORTS[name]) for name in ("wetzlar", "giessen"))

    def typed(*args: str, status: int = 0) -> str:
        done = run(*args)
        assert done.returncode == status, done.stderr
        assert "not set" not in done.stderr and "korrigieren" not in done.stderr, done.stderr
        return done.stdout + done.stderr

    said = await asyncio.to_thread(typed, "network", "publish", "--config", str(giessen / "office.toml"))
    assert "veröffentlicht" in said
    said = await asyncio.to_thread(typed, "network", "compare", "giessen", "--what", "strings.ti.kiosk",
                                   "--config", str(wetzlar / "office.toml"))
    assert TI_TAKE in said
    said = await asyncio.to_thread(typed, "network", "adopt", "giessen", "--what", "strings.ti.kiosk.take_ticket",
                                   "--config", str(wetzlar / "office.toml"))
    assert "1 Einträge von giessen übernommen" in said or "1 Eintrag von giessen übernommen" in said, said
    assert TI_TAKE in (wetzlar / "adopted" / "strings" / "ti.toml").read_text(encoding="utf-8")
    said = await asyncio.to_thread(typed, "network", "undo", "--config", str(wetzlar / "office.toml"))
    assert "ti" in said

    months = {}
    for folder in (wetzlar, giessen):
        said = await asyncio.to_thread(typed, "demo-month", "--month", "2026-10", "--db", str(folder / "try.sqlite3"),
                                       "--config", str(folder / "office.toml"))
        port = PORTS[folder.name]  # the office's own, from its server.env: the command and the address agree
        assert f"--port {port}, dann unter http://127.0.0.1:{port}/stats?period=month&value=2026-10" in said, said
        with sqlite3.connect(folder / "try.sqlite3") as conn:
            months[folder.name] = conn.execute("SELECT service, count(*) FROM tickets GROUP BY service").fetchall()
    assert months["wetzlar"] != months["giessen"], months  # two offices, two months: something to compare

    # the coordinator forgets a try with offices' tokens as token_env in the network's file
    settings = network_file()
    for each in settings["offices"]:
        each["token_env"] = env_name("network", each.pop("token"))
    lines = ['[network]\nname = "Netzwerk"\ndatabase = "network.sqlite3"\n']
    lines += [f'[[offices]]\nid = "{o["id"]}"\nname = "{o["name"]}"\ntoken_env = "{o["token_env"]}"\n'
              for o in settings["offices"]]
    lines += [f'[[people]]\nname = "{p["name"]}"\nrole = "network"\npassword_hash = "{p["password_hash"]}"\n'
              for p in settings["people"]]
    (tmp_path / "network.toml").write_text("\n".join(lines), encoding="utf-8")
    tomllib.loads((tmp_path / "network.toml").read_text(encoding="utf-8"))
    said = await asyncio.to_thread(typed, "network", "forget", "wetzlar", "--config", str(tmp_path / "network.toml"),
                                   status=1)  # nothing of Wetzlar's there: said, not refused for a token
    assert "wetzlar" in said


def test_a_server_started_without_its_server_env_is_told_to_set_the_variable_not_to_fix_the_file(tmp_path):
    """The file is right; only its server.env was not given (r-admin-4, finding 2's wrong advice)."""
    folder = office_folder(tmp_path, "wetzlar", 9)
    done = run("--config", str(folder / "office.toml"), "--port", "0", "--db", str(tmp_path / "office.sqlite3"))
    name = env_name("wetzlar", "demo-kiosk-1")
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"willkommen-server: Die Datei office.toml nennt bei terminals[0].token_env die "
                           f"Umgebungsvariable {name}, die nicht gesetzt ist: die Datei ist in Ordnung, bitte {name} "
                           "setzen (für den Dienst in seiner server.env, die systemd mit EnvironmentFile= liest).\n")
