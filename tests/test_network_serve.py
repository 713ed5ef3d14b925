"""The network's server and an office's send as the IT admin runs them: `willkommen-server
network serve` and `network send` as processes, the example network file in deploy/ loading,
a configuration error as one line and status 2, and the sign-in cookie Secure behind https."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from server.network.settings import load_network, parse_network

from .conftest import ROOT
from .test_network_send import HASH, TOKENS, network_file, office_days


def write_network_file(tmp_path) -> str:
    lines = ['[network]', 'name = "Netzwerk Willkommensbehörden Hessen"', f'database = "{tmp_path / "net.sqlite3"}"', '',
             '[[people]]', 'name = "ministerium"', 'role = "network"', f'password_hash = "{HASH}"']
    for office, token in TOKENS.items():
        lines += ['', '[[offices]]', f'id = "{office}"', f'name = "Ausländerbehörde {office.title()}"',
                  f'token = "{token}"']
    path = tmp_path / "network.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_the_example_network_file_loads(tmp_path):
    example = (ROOT / "deploy" / "network.example.toml").read_text(encoding="utf-8")
    path = tmp_path / "network.toml"
    path.write_text(example.replace("scrypt$131072$8$1$REPLACE-WITH-A-HASH$REPLACE-WITH-A-HASH", HASH), encoding="utf-8")
    network = load_network(path, environ={"NETWORK_TOKEN_WETZLAR": "w" * 24, "NETWORK_TOKEN_GIESSEN": "g" * 24})
    assert [o.id for o in network.offices] == ["wetzlar", "giessen"] and network.office("giessen").read
    # its proxy, as deploy/nginx-network.conf reaches the network's default port and says who sent
    proxy = (ROOT / "deploy" / "nginx-network.conf").read_text(encoding="utf-8")
    assert network.limits.proxies == ("127.0.0.1",) and "proxy_pass http://127.0.0.1:8770;" in proxy
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in proxy and "proxy_set_header Host $host;" in proxy
    assert f'server_name {network.public_url.removeprefix("https://")};' in proxy


@pytest.mark.parametrize("change, said", [
    ({"offices": [{"id": "wetzlar", "name": "W", "token": "ten-chars!"}]}, "offices[0].token: must be at least 16"),
    ({"people": [{"name": "x", "role": "supervisor", "password_hash": HASH}]}, 'people[0].role: "supervisor" must be'),
    ({"network": {"name": "N", "colour": "blue"}}, "den Schlüssel network.colour nicht"),
])
def test_a_wrong_network_file_is_one_line_and_status_two(tmp_path, change, said):
    data = {**network_file(), **change}
    path = tmp_path / "network.toml"
    path.write_text(_toml(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "server", "network", "serve", "--config", str(path), "--port", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def _toml(data: dict) -> str:
    out = []
    for key, value in data.items():
        if isinstance(value, dict):
            out.append(f"[{key}]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in value.items()))
        else:
            for item in value:
                out.append(f"[[{key}]]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                                   for k, v in item.items()))
    return "\n".join(out)


def test_serve_and_send_as_processes(tmp_path):
    office = office_days(tmp_path / "wetzlar.sqlite3")
    server = subprocess.Popen([sys.executable, "-m", "server", "network", "serve", "--config", write_network_file(tmp_path),
                               "--port", "0"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in server.stderr:
            entry = json.loads(line) if line.startswith("{") else {}
            if entry.get("msg") == "serving":
                port = entry["port"]
                break
        assert port, "the network server did not start"
        sent = subprocess.run([sys.executable, "-m", "server", "network", "send", "--to", f"http://127.0.0.1:{port}/",
                               "--office", "wetzlar", "--db", str(office), "--days", "60"], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, env={**os.environ, "WILLKOMMEN_NETWORK_TOKEN": TOKENS["wetzlar"]})
        assert sent.returncode == 0 and "3 Tage (2026-11-02 – 2026-11-04) als wetzlar an" in sent.stderr, sent.stderr
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/knowledge", timeout=10)
        assert refused.value.code == 401
        refused.value.close()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
        server.stderr.close()


async def test_the_sign_in_cookie_is_secure_behind_https(tmp_path):
    import asyncio

    from server.network.listener import NetworkServer

    data = network_file()
    data["network"]["public_url"] = "https://netzwerk.example.de"
    server = NetworkServer(parse_network(data), tmp_path / "n.sqlite3")
    await server.start("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        body = b"name=ministerium&password=demo-manager"
        writer.write(b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        answer = (await reader.read()).decode()
        writer.close()
        head = answer.split("\r\n\r\n")[0].lower()
        assert head.startswith("http/1.1 303") and "location: /network" in head
        cookie = next(line for line in head.splitlines() if line.startswith("set-cookie:"))
        assert "; secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    finally:
        await server.stop()


@pytest.mark.parametrize("request_text, said", [
    (b"POST /signin HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 38\r\n\r\n"
     b"name=ministerium&password=demo-manager", "Bitte auf der eigenen Seite des Netzwerks anmelden.".encode()),
    (b"GET /signout HTTP/1.1\r\nHost: x\r\nOrigin: https://elsewhere.example\r\n\r\n",
     "Bitte auf der eigenen Seite des Netzwerks abmelden.".encode()),
])
async def test_another_sites_page_cannot_sign_in_or_out(tmp_path, request_text, said):
    import asyncio

    from server.network.listener import NetworkServer

    server = NetworkServer(parse_network(network_file()), tmp_path / "n.sqlite3")
    await server.start("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(request_text)
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 403") and said in answer and b"set-cookie" not in answer.lower()
    finally:
        await server.stop()


async def test_the_coordinator_takes_a_tried_month_out_of_the_network(tmp_path, capsys):
    """r-admin-3 #4: a made-up month sent to try the page stayed there for good. `network forget`
    takes an office's days out (one month, or all), in German, beside the running network server:
    its page compares only what is left."""
    import asyncio

    from server.network.cli import main
    from server.network.listener import NetworkServer

    from .test_network_send import run_send

    path = write_network_file(tmp_path)
    server = NetworkServer(load_network(path), tmp_path / "net.sqlite3")
    await server.start("127.0.0.1", 0)
    try:
        assert await run_send(server, office_days(tmp_path / "try.sqlite3"), tmp_path) == 0
        assert await run_send(server, office_days(tmp_path / "g.sqlite3", seed=9), tmp_path, office="giessen") == 0
        assert [o for o, _ in server.pages.compare("2026-11").offices] == ["wetzlar", "giessen"]
        capsys.readouterr()
        assert await asyncio.to_thread(main, ["forget", "wetzlar", "--config", path, "--month", "2026-11"]) == 0
        assert capsys.readouterr().err == (
            "willkommen-server network forget: 3 Tage von wetzlar aus dem Netzwerk entfernt (2026-11); die Seite der "
            "Koordination zeigt sie ab sofort nicht mehr. Liest das Netzwerk das Amt selbst (read), kommen seine echten "
            "Tage beim nächsten Lesen wieder.\n")
        assert [o for o, _ in server.pages.compare("2026-11").offices] == ["giessen"]  # at once, no restart
        assert server.store.day_count("wetzlar") == 0 and server.store.day_count("giessen") == 3
        with sqlite3.connect(server.store.db) as conn:  # nothing of its counts left either
            assert conn.execute("SELECT count(*) FROM network_counts WHERE office = 'wetzlar'").fetchone() == (0,)
        assert await asyncio.to_thread(main, ["forget", "wetzlar", "--config", path]) == 1
        assert capsys.readouterr().err == ("willkommen-server network forget: wetzlar hat keine Tage im Netzwerk (alle "
                                           "Monate): nichts entfernt. Stimmt die Kennung (wie in der Datei des "
                                           "Netzwerks)?\n")
        with pytest.raises(SystemExit) as wrong:
            main(["forget", "giessen", "--config", path, "--month", "11/2026"])
        assert wrong.value.code == 2 and "muss ein Monat als JJJJ-MM sein, nicht 11/2026" in capsys.readouterr().err
        assert server.store.day_count("giessen") == 3
    finally:
        await server.stop()
