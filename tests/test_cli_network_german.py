"""What `willkommen-server network …` says while it runs — a refusal, a network not reached,
what it did, a comparison — is German from the staff catalogue (`[cli.network.said]`), English
with `--lang en`, through the installed command as the IT admin types it; a network's own words
stay as it said them, after "Es sagt:"."""

from __future__ import annotations

import asyncio
import socket
import tomllib
from pathlib import Path



from .test_cli_german import assert_german, run
from .test_network_knowledge import TI_NOW, office_folder
from .test_network_send import TOKENS, network, network_file  # noqa: F401 (network: a fixture)


def closed_port() -> int:
    """A port on this machine where nothing listens (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def typed(*args: str, **env: str):
    return run("willkommen-server", "network", *args, **env)


def german_line(result, status: int) -> str:
    """The command's one line on stderr, its status checked and no English word in it but the network's own."""
    assert result.returncode == status and result.stderr.count("\n") == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert_german(result.stderr.split("Es sagt:")[0])
    return result.stderr.rstrip("\n")


def test_a_network_not_reached_or_no_token_is_said_in_german_and_in_english_on_asking(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/"
    away = typed("list", "--to", url, "--office", "wetzlar", "--tries", "1", WILLKOMMEN_NETWORK_TOKEN=TOKENS["wetzlar"])
    assert german_line(away, 1) == (f"willkommen-server network list: Das Netzwerk unter {url}knowledge wurde nach 1 Versuch "
                                    "nicht erreicht (zuletzt: Verbindung abgelehnt, dort lauscht nichts): bitte die "
                                    "Adresse prüfen (--to oder url unter [network]) und ob es läuft. Nichts wurde "
                                    "geändert – bitte später noch einmal versuchen.")
    english = typed("list", "--to", url, "--office", "wetzlar", "--tries", "1", "--lang", "en",
                      WILLKOMMEN_NETWORK_TOKEN=TOKENS["wetzlar"])
    assert english.stderr == (f"willkommen-server network list: the network at {url}knowledge was not reached after 1 try "
                              "(last: connection refused, nothing listens there): check the address (--to or url under "
                              "[network]) and that it runs; nothing changed, try again later\n")
    no_token = typed("publish", "--to", url, "--office", "wetzlar")
    assert german_line(no_token, 1) == ("willkommen-server network publish: Kein Token: bitte $WILLKOMMEN_NETWORK_TOKEN "
                                        "setzen (das Token des Amts aus der Datei des Netzwerks) oder --token-file angeben.")
    missing = tmp_path / "network-token"
    unreadable = typed("compare", "giessen", "--to", url, "--office", "wetzlar", "--token-file", str(missing))
    assert german_line(unreadable, 1).startswith(f"willkommen-server network compare: Die Token-Datei {missing} lässt "
                                                 "sich nicht lesen (")
    no_db = typed("send", "--to", url, "--office", "wetzlar", "--db", str(tmp_path / "none.sqlite3"),
                    WILLKOMMEN_NETWORK_TOKEN=TOKENS["wetzlar"])
    assert german_line(no_db, 1) == (f"willkommen-server network send: {tmp_path / 'none.sqlite3'}: Diese "
                                     "Datenbankdatei gibt es nicht (--db nennt die Datei des Amts).")


def test_the_networks_server_says_in_german_why_it_does_not_start(tmp_path):
    config = tmp_path / "network.toml"
    config.write_text(toml(network_file()), encoding="utf-8")
    no_db = typed("serve", "--config", str(config))
    assert german_line(no_db, 2) == ("willkommen-server network serve: Keine Datenbank: bitte --db angeben oder "
                                     "database unter [network] in der Datei des Netzwerks.")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = typed("serve", "--config", str(config), "--db", str(tmp_path / "n.sqlite3"), "--port", str(port))
        english = typed("serve", "--config", str(config), "--db", str(tmp_path / "n.sqlite3"), "--port", str(port),
                          "--lang", "en")
    said = busy.stderr.splitlines()[-1]  # after its JSON log lines
    assert busy.returncode == 2 and said == (
        f"willkommen-server network serve: Den Port {port} auf 127.0.0.1 belegt schon ein anderes Programm, vielleicht "
        f"ein anderer Willkommen-Server: bitte mit ss -ltnp 'sport = :{port}' nachsehen, welches, und es stoppen oder "
        "bei --port einen freien Port angeben."), busy.stderr
    assert english.stderr.splitlines()[-1] == (
        f"willkommen-server network serve: The port {port} on 127.0.0.1 is already held by another program, perhaps "
        f"another Willkommen server: find which with ss -ltnp 'sport = :{port}' and stop it, or give a free port with "
        "--port.")


def toml(data: dict) -> str:
    """A network file as an admin writes it (`network_file()`'s tables, one level deep)."""
    lines = []
    for key, value in data.items():
        tables = value if isinstance(value, list) else [value]
        for table in tables:
            lines.append(f"[[{key}]]" if isinstance(value, list) else f"[{key}]")
            lines += [f"{k} = {_value(v)}" for k, v in table.items()]
    text = "\n".join(lines) + "\n"
    assert tomllib.loads(text) == data
    return text


def _value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\\\", "\\\\\\\\").replace('"', '\\\\"') + '"'
    return str(v).lower() if isinstance(v, bool) else repr(v)


async def test_publish_compare_adopt_and_a_refusal_say_in_german_what_happened(network, tmp_path):
    url = f"http://127.0.0.1:{network.port}/"
    wetzlar, giessen = office_folder(tmp_path, "wetzlar"), office_folder(tmp_path, "giessen", better=True)

    def office(name: str, *args: str, token: str | None = None):
        site = wetzlar if args[:1] != ("as-giessen",) else giessen
        args = args[1:] if args[:1] == ("as-giessen",) else args
        who = "giessen" if site == giessen else "wetzlar"
        return typed(name, *args, "--to", url, "--office", who, "--config", str(site), "--tries", "1",
                       WILLKOMMEN_NETWORK_TOKEN=token or TOKENS[who])

    published = await asyncio.to_thread(office, "publish", "as-giessen")
    line = german_line(published, 0)
    assert line.startswith("willkommen-server network publish: ") and line.endswith(
        f" Texte von giessen an {url} veröffentlicht."), line
    compared = await asyncio.to_thread(office, "compare", "giessen", "--what", "strings.ti.display")
    assert compared.returncode == 0 and compared.stdout.splitlines() == [
        f"strings.ti.display.now\tbei Ihnen: ዝተጸውዐ | bei giessen: {TI_NOW}"], compared.stdout
    same = await asyncio.to_thread(office, "compare", "giessen", "--what", "documents.photo")
    assert same.stdout == "Keine Unterschiede zu giessen unter documents.photo.\n"
    adopted = await asyncio.to_thread(office, "adopt", "giessen", "--what", "strings.ti.display.now")
    [folder] = Path(wetzlar).parent.glob("adopted-giessen-*")
    assert german_line(adopted, 0) == (f"willkommen-server network adopt: 1 Eintrag von giessen zum Prüfen abgelegt in "
                                       f"{folder}: strings/ti.toml. office.toml ist unverändert.")
    review = (folder / "strings" / "ti.toml").read_text(encoding="utf-8").splitlines()  # the IT reads it: German
    assert review[2:4] == ["# Nichts wurde geändert. Bitte prüfen, dann in den Ordner strings/ des Standorts legen, "
                           "als ti.toml.", "# ACHTUNG: Liegt dort schon eine ti.toml, sie NICHT ersetzen, sondern "
                           "diese Schlüssel in sie einfügen"]
    refused = await asyncio.to_thread(office, "list", token="wrong-token-0123456789")
    assert german_line(refused, 1).startswith(
        "willkommen-server network list: Das Netzwerk kennt dieses Token nicht (401): bitte das Token des Amts prüfen")
    unknown = await asyncio.to_thread(office, "compare", "marburg")
    assert german_line(unknown, 1) == ("willkommen-server network compare: Das Netzwerk hat dazu nichts (404). Es sagt: "
                                       "Das Amt „marburg“ hat nichts veröffentlicht.")
