"""Several offices in one process (`willkommen-server host`, server/hosting.py): each office's
kiosk, display and floor board see only that office's texts, services, tickets, people and
figures, on SQLite files and on PostgreSQL schemas; one office that cannot start is named in one
line and none is served (status 2); one whose store fails at run time stops the process (status 1).

Two offices that differ in everything a terminal shows: Wetzlar is the demo office; Gießen has
two languages, its own service names and number prefixes, its own waiting-room word (a
catalogue of its own), its own tokens and no "manager" among its people."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import psycopg
import pytest
import websockets
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from config import default_path, parse_site
from server.hosting import Host, Hosted
from server.wire import protocol as p
from server.wire.session import ClientSession, Refused, ServerError

from .conftest import ROOT, demo_data, make_site, noon_clock, token
from .test_call_before_commit import Held
from .test_manager_board import cookie_for, sign_in
from .test_store_postgres import office_in

TIMEOUT = 60.0  # seconds a session waits for a reply or a push: the machine may be busy
PREFIXES = {"A": "P", "B": "Q", "C": "R", "D": "S", "E": "T", "F": "U", "M": "V"}
NOW_IN_GIESSEN = "Jetzt dran in Gießen"


def office_text(db: Path | str, giessen: bool = False) -> str:
    """The demo office's site file, always open (the test runs at any hour), on `db`; as Gießen,
    with its own name, service names, number prefixes and tokens, and no "manager"."""
    text = re.sub(r"\[site\.opening_hours\][^\[]*", "", default_path().read_text(encoding="utf-8"))
    text = text.replace("kiosk_draws_per_minute = 30", "kiosk_draws_per_minute = 100000")
    text = text.replace("[site]\n", f"[site]\ndatabase = {json.dumps(str(db))}\n", 1)
    if giessen:
        text = text.replace("Ausländerbehörde Musterstadt — Welcome Center", "Ausländerbehörde Gießen")
        text = text.replace("Allgemeine Auskunft", "Auskunft Gießen").replace('token = "', 'token = "giessen-')
        text = re.sub(r'prefix = "([A-Z])"', lambda m: f'prefix = "{PREFIXES[m[1]]}"', text)
        text = re.sub(r'\[\[people\]\]\nname = "manager"\n[^\[]*', "", text)
    return text


def only(node, languages: tuple[str, ...]):
    """The site's tables with every language but `languages` left out (names, hints, documents,
    terminals' languages): what a site file of an office with those languages says."""
    every = set(demo_data()["site"]["languages"])
    if isinstance(node, dict):
        if node and set(node) <= every:
            return {key: only(value, languages) for key, value in node.items() if key in languages}
        return {key: only(value, languages) for key, value in node.items()}
    if isinstance(node, list):
        if node and all(isinstance(v, str) and v in every for v in node):
            return [v for v in node if v in languages]
        return [only(value, languages) for value in node]
    return node


def giessen_site(folder: Path):
    """Gießen in German and Turkish, with its own waiting-room word (a catalogue of its own)."""
    (folder / "strings").mkdir(parents=True, exist_ok=True)
    (folder / "strings" / "de.toml").write_text(f'[display]\nnow = "{NOW_IN_GIESSEN}"\n', encoding="utf-8")
    data = only(tomllib.loads(office_text(folder / "unused.sqlite3", giessen=True)), ("de", "tr"))
    return parse_site(data, file="office.toml", folder=folder)


def giessen_token(terminal: str) -> str:
    return "giessen-" + token(terminal)


async def draw(url: str, kiosk_token: str, requests: list[str]) -> tuple[p.Welcome, list[str]]:
    async with ClientSession(url, role="kiosk", terminal="kiosk-1", token=kiosk_token, timeout=TIMEOUT) as kiosk:
        welcome = await kiosk.ready()
        return welcome, [(await kiosk.request(p.Draw(id=0, service="info", lang="de", request=r))).ticket.number
                         for r in requests]


async def call_next(url: str, counter_token: str) -> str:
    async with ClientSession(url, role="counter", terminal="counter-1", token=counter_token,
                             timeout=TIMEOUT) as counter:
        await counter.ready()
        await counter.request(p.Open(id=0))
        return (await counter.request(p.Next(id=0))).ticket.number


async def first_call(display: ClientSession) -> str:
    return (await display.next_event(p.Called, timeout=TIMEOUT)).ticket.number


async def board_floor(port: int, cookie: str) -> dict:
    async with connect(f"ws://127.0.0.1:{port}/board/ws", additional_headers={"Cookie": cookie}) as ws:
        first = json.loads(await ws.recv())
        assert first["type"] == "board"
        return first["floor"]


async def each_sees_only_its_own(wetzlar: int, giessen: int) -> None:
    """What each office's terminals and board see, the two offices served by one process."""
    w_url, g_url = f"ws://127.0.0.1:{wetzlar}/", f"ws://127.0.0.1:{giessen}/"
    w_display = ClientSession(w_url, role="display", timeout=TIMEOUT)
    g_display = ClientSession(g_url, role="display", timeout=TIMEOUT)
    async with w_display, g_display:
        w_welcome, g_welcome = await w_display.ready(), await g_display.ready()
        # texts: each display its office's languages and words
        assert sorted(w_welcome.strings) == sorted(make_site().languages)
        assert sorted(g_welcome.strings) == ["de", "tr"]
        assert w_welcome.strings["de"]["display.now"] == "Aufgerufen"
        assert g_welcome.strings["de"]["display.now"] == NOW_IN_GIESSEN
        # tickets: each office numbers its own day
        w_kiosk, w_drawn = await draw(w_url, token("kiosk-1"), ["w1", "w2"])
        g_kiosk, g_drawn = await draw(g_url, giessen_token("kiosk-1"), ["g1"])
        assert (w_drawn, g_drawn) == (["F001", "F002"], ["U001"])
        info = [next(s for s in welcome.site.services if s.id == "info") for welcome in (w_kiosk, g_kiosk)]
        assert [(s.names["de"], s.prefix, sorted(s.names)) for s in info] == [
            ("Allgemeine Auskunft", "F", sorted(make_site().languages)), ("Auskunft Gießen", "U", ["de", "tr"])]
        # calls: Wetzlar's first, then Gießen's; Gießen's screen shows only its own
        assert await call_next(w_url, token("counter-1")) == "F001"
        assert await first_call(w_display) == "F001"
        assert await call_next(g_url, giessen_token("counter-1")) == "U001"
        assert await first_call(g_display) == "U001"
    # a terminal's token is its office's: Wetzlar's kiosk is refused at Gießen
    with pytest.raises(Refused) as refused:
        await draw(g_url, token("kiosk-1"), [])
    assert refused.value.code == 4401
    # people and figures: Wetzlar's manager sees Wetzlar's floor; Gießen has no such person,
    # and Wetzlar's sign-in is no sign-in at Gießen
    cookie = await cookie_for(wetzlar)
    floor = await board_floor(wetzlar, cookie)
    assert floor["site"] == make_site().name and floor["languages"] == list(make_site().languages)
    assert next(q for q in floor["queues"] if q["service"] == "info")["waiting"] == 1  # F002 (F001 called)
    with pytest.raises(websockets.InvalidStatus):
        await board_floor(giessen, cookie)
    floor = await board_floor(giessen, await cookie_for(giessen, "reader", "demo-reader"))
    assert floor["site"] == "Ausländerbehörde Gießen" and floor["languages"] == ["de", "tr"]
    queue = next(q for q in floor["queues"] if q["service"] == "info")
    assert (queue["name"], queue["waiting"]) == ("Auskunft Gießen", 0)  # U001 called, nothing of Wetzlar's
    assert (await sign_in(giessen, "manager", "demo-manager"))["type"] == "error"  # no such person there


def two_offices(tmp_path: Path, wetzlar_db, giessen_db) -> list[Hosted]:
    return [Hosted("wetzlar", tmp_path / "wetzlar", make_site(), wetzlar_db, 0),
            Hosted("giessen", tmp_path / "giessen", giessen_site(tmp_path / "giessen"), giessen_db, 0)]


async def serve_two(offices: list[Hosted]) -> None:
    host = Host(offices, always_open=True, clock=noon_clock(make_site()))
    assert await host.start() == {}
    try:
        await each_sees_only_its_own(*(each.server.port for each in offices))
    finally:
        await host.stop()


async def test_two_offices_in_one_process_on_sqlite_files_each_terminal_sees_only_its_own(tmp_path):
    offices = two_offices(tmp_path, tmp_path / "wetzlar.sqlite3", tmp_path / "giessen.sqlite3")
    await serve_two(offices)
    for name, numbers in (("wetzlar", [("F001",), ("F002",)]), ("giessen", [("U001",)])):
        with sqlite3.connect(tmp_path / f"{name}.sqlite3") as conn:
            assert conn.execute("SELECT number FROM tickets ORDER BY number").fetchall() == numbers


async def test_two_offices_in_one_process_on_postgresql_schemas_each_terminal_sees_only_its_own(
        tmp_path, postgres_cluster):
    url = postgres_cluster.database()
    two_schemas(url)
    await serve_two(two_offices(tmp_path, office_in(url, "wetzlar"), office_in(url, "giessen")))
    with psycopg.connect(url, autocommit=True) as conn:
        for name, numbers in (("wetzlar", [("F001",), ("F002",)]), ("giessen", [("U001",)])):
            assert conn.execute(f"SELECT number FROM {name}.tickets ORDER BY number").fetchall() == numbers


# ---- the command: folders, a failure at the start, a failure at run time -------------------

def two_schemas(url: str) -> tuple[str, str]:
    """Wetzlar's and Giessen's empty schemas on one database, as docs/it-provider.md makes them;
    their URLs."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA wetzlar")
        conn.execute("CREATE SCHEMA giessen")
    return office_in(url, "wetzlar"), office_in(url, "giessen")


def office_folder(tmp_path: Path, name: str, db: Path, port: int = 0, extra: str = "") -> Path:
    """An office's folder as deploy/willkommen-server@.service reads it: office.toml, server.env."""
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    (folder / "office.toml").write_text(office_text(db, giessen=name == "giessen") + extra, encoding="utf-8")
    # PORT=0: the system chooses (the office's `serving` line says which)
    (folder / "server.env").write_text(f"# the office's port\nPORT={port}\n", encoding="utf-8")
    return folder


def host_command(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "server", "host", *args], cwd=ROOT, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def serving(proc: subprocess.Popen, count: int) -> tuple[dict[str, int], list[str]]:
    """Each office's port from its `serving` line, and the lines read so far."""
    ports, lines = {}, []
    for line in proc.stderr:
        lines.append(line)
        entry = json.loads(line) if line.startswith("{") else {}
        if entry.get("msg") == "serving":
            ports[entry["office"]] = entry["port"]
            if len(ports) == count:
                return ports, lines
    raise AssertionError(f"the host did not start (exit {proc.wait(30)}): {''.join(lines)}")


def refused_while_held(wetzlar: Path, giessen: Path) -> list[str]:
    """Another host serves Gießen; a host of Wetzlar and Gießen is started beside it and must
    stop with status 2: the lines it said (not the log's JSON)."""
    other = host_command(str(giessen))
    try:
        serving(other, 1)
        proc = host_command(str(wetzlar), str(giessen))
        assert proc.wait(TIMEOUT) == 2
        said = [line for line in proc.stderr.read().splitlines() if not line.startswith("{")]
        proc.stderr.close()
    finally:
        other.terminate()
        assert other.wait(TIMEOUT) == 0
        other.stderr.close()
    return said


def test_an_office_whose_database_another_server_holds_is_named_and_no_office_is_served(tmp_path):
    """Gießen's database is held by another server: one German line names Gießen and says that
    neither office is served; status 2 (systemd does not restart it); Wetzlar's port is closed."""
    held = tmp_path / "giessen.sqlite3"
    wetzlar = office_folder(tmp_path, "wetzlar", tmp_path / "wetzlar.sqlite3")
    giessen = office_folder(tmp_path, "giessen", held)
    said = refused_while_held(wetzlar, giessen)  # Gießen's file held by another server
    assert said == [f"willkommen-server host: Amt giessen ({giessen}): Die Datenbank {held} benutzt schon ein "
                    "anderer laufender Willkommen-Server (ein Server je Datei): bitte den anderen stoppen oder bei "
                    "--db eine andere Datei angeben. Deshalb bedient dieser Prozess keines seiner 2 Ämter: bitte das "
                    "Amt korrigieren oder aus der Liste nehmen."]
    with sqlite3.connect(tmp_path / "wetzlar.sqlite3") as conn:  # Wetzlar started and was stopped again
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (0,)


def test_an_office_whose_port_another_program_holds_is_named_with_its_server_env_and_no_office_is_served(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        wetzlar = office_folder(tmp_path, "wetzlar", tmp_path / "wetzlar.sqlite3")
        giessen = office_folder(tmp_path, "giessen", tmp_path / "giessen.sqlite3", port)
        done = subprocess.run([sys.executable, "-m", "server", "host", str(wetzlar), str(giessen)],
                              cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    said = [line for line in done.stderr.splitlines() if not line.startswith("{")]
    assert done.returncode == 2
    assert said == [f"willkommen-server host: Amt giessen ({giessen}): Den Port {port} auf 127.0.0.1 aus "
                    f"{giessen / 'server.env'} belegt schon ein anderes Programm, vielleicht ein anderer "
                    f"Willkommen-Server: bitte mit ss -ltnp 'sport = :{port}' nachsehen, welches, und es stoppen "
                    f"oder in {giessen / 'server.env'} einen freien PORT= angeben. Deshalb bedient dieser Prozess "
                    "keines seiner 2 Ämter: bitte das Amt korrigieren oder aus der Liste nehmen."]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_bad_site_file_names_its_office_before_anything_is_opened(tmp_path, lang):
    wetzlar = office_folder(tmp_path, "wetzlar", tmp_path / "wetzlar.sqlite3")
    giessen = office_folder(tmp_path, "giessen", tmp_path / "giessen.sqlite3")
    text = (giessen / "office.toml").read_text(encoding="utf-8")
    (giessen / "office.toml").write_text(text.replace("[site]\n", '[site]\ncolour = "blau"\n', 1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "server", "host", str(wetzlar), str(giessen), "--lang", lang],
                          cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [{
        "de": f"willkommen-server host: Amt giessen ({giessen}): In der Datei office.toml gibt es den Schlüssel "
              "site.colour nicht: bitte den Namen prüfen (Tippfehler?) oder die Zeile entfernen. Deshalb bedient "
              "dieser Prozess keines seiner 2 Ämter: bitte das Amt korrigieren oder aus der Liste nehmen.",
        "en": f"willkommen-server host: office giessen ({giessen}): office.toml: there is no key site.colour: check "
              "its name (a typo?) or remove the line. So this process serves none of its 2 offices: please correct "
              "the office or take it off the list."}[lang]]
    assert not (tmp_path / "wetzlar.sqlite3").exists()  # nothing opened


def test_two_offices_on_one_port_are_refused_in_one_line(tmp_path):
    port = 18801  # never bound: refused before anything is opened
    wetzlar = office_folder(tmp_path, "wetzlar", tmp_path / "wetzlar.sqlite3", port)
    giessen = office_folder(tmp_path, "giessen", tmp_path / "g.sqlite3", port)
    done = subprocess.run([sys.executable, "-m", "server", "host", str(wetzlar), str(giessen)],
                          cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2
    assert done.stderr == (f"willkommen-server host: Amt giessen ({giessen}): Den Port {port} hat auch das Amt "
                           "wetzlar: bitte jedem Amt in seiner server.env einen eigenen PORT= geben. Deshalb bedient "
                           "dieser Prozess keines seiner 2 Ämter: bitte das Amt korrigieren oder aus der Liste "
                           "nehmen.\n")


async def test_an_office_whose_store_fails_stops_the_process_with_status_1_and_the_others_cleanly(tmp_path):
    """Wetzlar's commit cannot be made (its file's write lock held past SQLite's busy timeout):
    its kiosk is told, the process names Wetzlar and ends with status 1 for systemd to restart
    it; Gießen's confirmed ticket is in its file. Each office's log lines carry its name."""
    wetzlar = office_folder(tmp_path, "wetzlar", tmp_path / "wetzlar.sqlite3")
    giessen = office_folder(tmp_path, "giessen", tmp_path / "giessen.sqlite3")
    proc = host_command(str(wetzlar), str(giessen))
    try:
        ports, lines = serving(proc, 2)
        _, drawn = await draw(f"ws://127.0.0.1:{ports['giessen']}/", giessen_token("kiosk-1"), ["g1"])
        assert drawn == ["U001"]
        held = Held(tmp_path / "wetzlar.sqlite3")
        try:
            with pytest.raises(ServerError) as told:
                await draw(f"ws://127.0.0.1:{ports['wetzlar']}/", token("kiosk-1"), ["w1"])
            assert told.value.code == "storage_failed"
            assert await asyncio.to_thread(proc.wait, TIMEOUT) == 1
        finally:
            held.release()
        lines += proc.stderr.read().splitlines(keepends=True)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    said = [line.rstrip("\n") for line in lines if not line.startswith("{")]
    assert said == ["willkommen-server host: Amt wetzlar: seine Datenbank ist ausgefallen; der Prozess stoppt mit "
                    "Status 1, damit systemd ihn mit allen seinen Ämtern neu startet."]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    connected = {(e["office"], e["terminal"]) for e in entries if e["msg"] == "connected"}
    assert connected == {("giessen", "kiosk-1"), ("wetzlar", "kiosk-1")}
    assert any(e["msg"].startswith("commit failed") and e["office"] == "wetzlar" for e in entries)
    with sqlite3.connect(tmp_path / "giessen.sqlite3") as conn:
        assert conn.execute("SELECT number FROM tickets").fetchall() == [("U001",)]


async def test_an_office_whose_schema_another_server_holds_is_named_and_its_pgpass_is_its_own(
        tmp_path, postgres_cluster):
    """On PostgreSQL: Gießen's schema is held by a server of its own; the host names Gießen in one
    line, status 2. Each office's `pgpass` goes to libpq as its URL's `passfile`, no other's."""
    from server.hosting import office

    url = postgres_cluster.database()
    two_schemas(url)
    wetzlar = office_folder(tmp_path, "wetzlar", office_in(url, "wetzlar"))
    giessen = office_folder(tmp_path, "giessen", office_in(url, "giessen"))
    (giessen / "pgpass").write_text("*:*:*:*:unused\n", encoding="utf-8")
    (giessen / "pgpass").chmod(0o600)
    assert f"passfile={giessen / 'pgpass'}" in str(office(giessen).db).replace("%2F", "/")
    assert "passfile" not in str(office(wetzlar).db)
    said = await asyncio.to_thread(refused_while_held, wetzlar, giessen)  # Gießen's schema held
    assert len(said) == 1 and said[0].startswith(f"willkommen-server host: Amt giessen ({giessen}): ")
    assert said[0].endswith("Deshalb bedient dieser Prozess keines seiner 2 Ämter: bitte das Amt korrigieren oder "
                            "aus der Liste nehmen.")


@given(st.text(alphabet=st.sampled_from(list("PORT=8801 #'\"\n\\xé=_-A;")), max_size=60))
def test_a_server_env_is_read_or_refused_in_the_staffs_words_never_a_traceback(tmp_path_factory, text):
    from server.hosting import Refused, environment

    path = tmp_path_factory.mktemp("env") / "server.env"
    path.write_text(text, encoding="utf-8")
    try:
        found = environment(path)
    except Refused as exc:
        assert exc.key == "bad_env" and exc.fields["file"] == path
    else:
        assert all(name.isidentifier() for name in found)


def test_a_server_env_as_systemd_reads_it(tmp_path):
    from server.hosting import Refused, environment

    path = tmp_path / "server.env"
    path.write_text("# Wetzlar\n\nPORT=8801\nexport KIOSK_1='a b#c'\nCOUNTER_1=\"x=y\"\n; old\n", encoding="utf-8")
    assert environment(path) == {"PORT": "8801", "KIOSK_1": "a b#c", "COUNTER_1": "x=y"}
    path.write_text("PORT=8801\nthe kiosk's token\n", encoding="utf-8")
    with pytest.raises(Refused) as refused:
        environment(path)
    assert (refused.value.key, refused.value.fields["line"]) == ("bad_env", 2)


async def test_catalogues_read_again_in_one_office_reach_only_its_terminals(tmp_path):
    """A language file adopted in Gießen (the board's `catalogues_changed`, as after an adoption):
    Gießen's display gets the new words; Wetzlar's site keeps its own and its display is told
    nothing (its next frame is its own office's call)."""
    offices = two_offices(tmp_path, tmp_path / "wetzlar.sqlite3", tmp_path / "giessen.sqlite3")
    host = Host(offices, always_open=True, clock=noon_clock(make_site()))
    assert await host.start() == {}
    wetzlar, giessen = (each.server for each in offices)
    try:
        w_display = ClientSession(f"ws://127.0.0.1:{wetzlar.port}/", role="display", timeout=TIMEOUT)
        g_display = ClientSession(f"ws://127.0.0.1:{giessen.port}/", role="display", timeout=TIMEOUT)
        async with w_display, g_display:
            await w_display.ready()
            await g_display.ready()
            (tmp_path / "giessen" / "strings" / "de.toml").write_text('[display]\nnow = "Neu in Gießen"\n',
                                                                      encoding="utf-8")
            await giessen.board.catalogues_changed()
            changed = await g_display.next_event(p.StringsChanged, timeout=TIMEOUT)
            assert changed.strings["de"]["display.now"] == "Neu in Gießen"
            assert wetzlar.site.words("de")["display.now"] == "Aufgerufen"
            await draw(f"ws://127.0.0.1:{wetzlar.port}/", token("kiosk-1"), ["w1"])
            assert await call_next(f"ws://127.0.0.1:{wetzlar.port}/", token("counter-1")) == "F001"
            first = await w_display.next_event((p.StringsChanged, p.Called), timeout=TIMEOUT)
            assert isinstance(first, p.Called) and first.ticket.number == "F001"
    finally:
        await host.stop()
