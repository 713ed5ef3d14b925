"""`[network]` in the site file: where the network of offices is, who this office is there, the
token in a file of its own that others may not read, and a folder the board may write adopted
texts into. Every problem is one German line naming the file and the key, at start (the server
exits with status 2 before it listens)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from config import ConfigError, default_path, load_site

from .conftest import ROOT, examples

TOKEN = "wetzlar-token-0123456789"


def office(tmp_path: Path, network: dict | None, *, token: str = TOKEN, mode: int = 0o600) -> Path:
    """The demo office's file with `[network]` in a folder of its own, its token beside it."""
    (tmp_path / "network-token").write_text(token + "\n", encoding="utf-8")
    (tmp_path / "network-token").chmod(mode)
    text = default_path().read_text(encoding="utf-8")
    if network is not None:
        text += "\n[network]\n" + "".join(f"{key} = {toml_value(value)}\n" for key, value in network.items())
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    return path


def toml_value(value) -> str:
    """JSON's string escapes are TOML's basic string's (a raw DEL is not, nor a surrogate pair)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


GOOD = {"url": "https://netzwerk.example.de/", "office": "wetzlar", "token_file": "network-token"}


def refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        load_site(path)
    return raised.value


def test_a_site_without_network_takes_no_part_and_one_with_it_has_its_token_from_the_file(tmp_path):
    assert load_site(office(tmp_path, None)).network is None
    network = load_site(office(tmp_path, GOOD)).network
    assert (network.url, network.office, network.token) == ("https://netzwerk.example.de/", "wetzlar", TOKEN)
    assert network.token_file == tmp_path / "network-token"   # relative to the site file's folder
    assert network.into == tmp_path and network.site_file == tmp_path / "office.toml"
    assert TOKEN not in repr(load_site(office(tmp_path, GOOD)))  # a logged site never shows it


@pytest.mark.parametrize("change, key, says", [
    ({"token": TOKEN}, "network.token", "der Token gehört nicht in die Standortdatei"),
    ({"token_env": "X"}, "network.token_env", "der Token gehört nicht in die Standortdatei"),
    ({"url": "http://netzwerk.example.de/"}, "network.url", "unverschlüsselt"),
    ({"url": "netzwerk.example.de"}, "network.url", "ist keine Adresse"),
    ({"url": "https://netzwerk.example.de/?x=1"}, "network.url", "ist keine Adresse"),
    ({"office": "wetz lar"}, "network.office", "ist nicht die Kennung eines Amts"),
    ({"office": 7}, "network.office", "ist kein Text"),
    ({"token_file": "nowhere"}, "network.token_file", "gibt es nicht"),
    ({"into": "nowhere"}, "network.into", "den Ordner"),
    ({"adopt_into": "x"}, "network.adopt_into", "unbekannter Schlüssel"),
    ({"url": None}, "network.url", "fehlt"),
])
def test_each_mistake_is_one_german_line_naming_the_key(tmp_path, change, key, says):
    network = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    error = refused(office(tmp_path, network))
    assert error.path == key and says in error.problem, str(error)
    assert str(error).startswith(f"office.toml: {key}: ")


def test_a_token_file_others_may_read_or_holding_no_token_is_refused(tmp_path):
    error = refused(office(tmp_path, GOOD, mode=0o644))
    assert error.path == "network.token_file" and "dürfen andere lesen" in error.problem and "644" in error.problem
    assert load_site(office(tmp_path, GOOD, mode=0o640)).network.token == TOKEN  # root:willkommen 640 is fine
    assert "kein Token" in refused(office(tmp_path, GOOD, token="kurz")).problem
    assert "kein Token" in refused(office(tmp_path, GOOD, token="zwei " + TOKEN)).problem


def test_http_is_taken_to_this_machine_only(tmp_path):
    for url in ("http://127.0.0.1:8770/", "http://localhost:8770", "http://[::1]:8770/"):
        assert load_site(office(tmp_path, {**GOOD, "url": url})).network.url == url


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_folder_the_server_may_not_write_is_said_at_start(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        error = refused(office(tmp_path, {**GOOD, "into": str(locked)}))
    finally:
        locked.chmod(0o700)
    assert error.path == "network.into" and "darf der Dienst nicht schreiben" in error.problem


def test_a_folder_that_is_not_there_is_said_with_one_the_service_may_write(tmp_path, monkeypatch):
    """Under willkommen-server@.service only the office's own state folder is writable (r-admin-3
    #5): the refusal names a folder there (systemd's $STATE_DIRECTORY) and how to make it."""
    monkeypatch.setenv("STATE_DIRECTORY", "/var/lib/willkommen/wetzlar")
    error = refused(office(tmp_path, {**GOOD, "into": "/var/lib/willkommen/adopted-none"}))
    assert error.path == "network.into" and error.problem.startswith("den Ordner /var/lib/willkommen/adopted-none gibt es nicht")
    assert ('into = einen Ordner im Ordner des Dienstes setzen, z. B. "/var/lib/willkommen/wetzlar/adopted", und ihn '
            "anlegen: install -d -m 750 -o willkommen -g willkommen /var/lib/willkommen/wetzlar/adopted") in error.problem


def test_the_server_refuses_to_start_in_one_line_with_status_2(tmp_path):
    path = office(tmp_path, GOOD, mode=0o604)
    result = subprocess.run([sys.executable, "-m", "server", "--config", str(path), "--port", "0",
                             "--db", str(tmp_path / "o.sqlite3")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    token_file = tmp_path / "network-token"
    assert line.startswith("willkommen-server: Die Datei office.toml ist so nicht verwendbar (network.token_file: "
                           f"{token_file} dürfen andere lesen oder ändern (Modus 604): chmod 600 {token_file} "
                           "(oder 640, Gruppe des Dienstes))"), line


@settings(max_examples=examples(60), deadline=None)
@given(key=st.sampled_from(["url", "office", "into", "token_file"]), value=st.text(max_size=80))
def test_any_text_for_a_key_loads_or_is_one_line_naming_that_key(key, value):
    """Whatever an admin types (hypothesis): the site loads with it, or one German line names the key."""
    with tempfile.TemporaryDirectory() as folder:
        path = office(Path(folder), {**GOOD, key: value})
        try:
            network = load_site(path).network
        except ConfigError as error:
            assert error.path == f"network.{key}" and "\n" not in str(error), str(error)
        else:
            assert {"url": network.url, "office": network.office, "into": str(network.into),
                    "token_file": str(network.token_file)}[key] in (
                value, str(Path(folder) / value))
