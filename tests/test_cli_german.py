"""Every installed command speaks German to the IT admin (config/command.py): its `--help`, its
usage errors and its file read errors, English with `--lang en`. Run as a person types them,
through the installed entry points (`.venv/bin/willkommen-*`); the properties over broken file
contents run the same `main()` in this process (a subprocess each would take minutes)."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import ConfigError, default_path, load_site
from config.command import Words, file_sentence

from .conftest import examples

BIN = Path(sys.executable).parent
# argparse's English and the English of the options' and commands' own words: none may reach a German reader
ENGLISH = ("usage:", "error:", "options:", "positional arguments", "show this help", "argument", "required",
           "unrecognized", "invalid", "expected", "choose from", "not found", "denied", "Traceback",
           " the ", "(default", "default:", "(or $", " is ", "must be", "needed")
HELPS = [("willkommen-server",), ("willkommen-server", "backup"), ("willkommen-server", "restore"),
         ("willkommen-server", "demo-month"), ("willkommen-server", "appointments", "import"),
         ("willkommen-server", "plan", "import"), ("willkommen-server", "draw", "verify"),
         ("willkommen-server", "draw", "export"), ("willkommen-server", "host"), ("willkommen-server", "people", "hash"), ("willkommen-kiosk",), ("willkommen-kiosk", "printer-test"),
         ("willkommen-counter",), ("willkommen-display",)]


def run(*command: str, user: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """An installed command as the admin types it (as `user`, via setpriv, where a test is root)."""
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user else []
    return subprocess.run([*prefix, str(BIN / command[0]), *command[1:]], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "100", "WILLKOMMEN_TERMINAL": "",
                                           "WILLKOMMEN_TOKEN": "", "WILLKOMMEN_PRINTER": "",
                                           "WILLKOMMEN_NETWORK_TOKEN": "", **env})


def assert_german(text: str) -> None:
    assert not [word for word in ENGLISH if word in text], text


@pytest.mark.parametrize("command", HELPS, ids=" ".join)
def test_every_commands_help_is_german_and_english_on_asking(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith(f"Aufruf: {' '.join(command)} ") and "\nOptionen:\n" in result.stdout
    assert "diese Hilfe zeigen und beenden" in result.stdout
    assert_german(result.stdout)
    english = run(*command, "--help", "--lang", "en")
    assert english.returncode == 0 and english.stdout.startswith(f"usage: {' '.join(command)} "), english.stderr
    assert "\noptions:\n" in english.stdout and "show this help message and exit" in english.stdout


@pytest.mark.parametrize("command", [("willkommen-server", "plan"), ("willkommen-server", "appointments"),
                                     ("willkommen-server", "draw"), ("willkommen-server", "network"),
                                     ("willkommen-server", "people")], ids=" ".join)
def test_a_command_group_says_its_usage_in_german(command):
    asked, wrong = run(*command, "--help"), run(*command)
    assert asked.returncode == 0 and asked.stdout.startswith(f"Aufruf: {' '.join(command)} "), asked.stderr
    assert wrong.returncode == 2 and wrong.stderr.startswith(f"Aufruf: {' '.join(command)} "), wrong.stderr
    assert run(*command, "--help", "--lang", "en").stdout.startswith(f"usage: {' '.join(command)} ")



NETWORK = ("serve", "send", "publish", "list", "compare", "adopt", "forget")


def unexplained(help_text: str) -> list[str]:
    """The options and arguments `--help` lists without a line saying what they are for."""
    lines = help_text.splitlines()
    entries = [i for i, line in enumerate(lines) if line.startswith("  ") and not line.startswith("   ")]
    return [lines[i].split()[0] for i in entries if len(lines[i].strip().split("  ")) < 2
            and not (i + 1 < len(lines) and lines[i + 1].startswith("      "))]


@pytest.mark.parametrize("name", NETWORK)
def test_each_network_commands_help_is_german_with_a_description_and_every_option_explained(name):
    command = ("willkommen-server", "network", name)
    german, english = run(*command, "--help"), run(*command, "--help", "--lang", "en")
    assert german.returncode == 0 and english.returncode == 0, german.stderr + english.stderr
    said = {lang: " ".join(run_.stdout.split()) for lang, run_ in (("de", german), ("en", english))}
    for lang in ("de", "en"):
        description = " ".join(Words(lang)(f"network.{name}").split())
        assert description in said[lang] and description.startswith(f"willkommen-server network {name}: ")
    assert german.stdout.startswith(f"Aufruf: {' '.join(command)} ") and "\nOptionen:\n" in german.stdout
    assert english.stdout.startswith(f"usage: {' '.join(command)} ") and "\noptions:\n" in english.stdout
    assert_german(german.stdout)
    assert not unexplained(german.stdout) and not unexplained(english.stdout), german.stdout
    # no help sentence of the English catalogue left in the German help
    sentences = [" ".join(text.split()) for key, text in Words("en").text.items()
                 if key.startswith("cli.network.") and not key.endswith(("metavar", "commands", "description"))]
    assert not [s for s in sentences if s in said["de"]], german.stdout
    assert "(Standard" in german.stdout and "(default" in english.stdout


def test_network_help_lists_each_command_in_one_german_line():
    result = run("willkommen-server", "network", "--help")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    listed = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ") and
              line.split()[0] in NETWORK}
    assert sorted(listed) == sorted(NETWORK), result.stdout
    assert_german(result.stdout)
    english = run("willkommen-server", "network", "--help", "--lang", "en").stdout
    assert "send this office's daily summaries to the network" in english, english
    assert listed["send"].split(None, 1)[1] in Words("de")("network.commands")


def test_kiosk_help_says_how_long_until_the_start_screen_returns():
    german = " ".join(run("willkommen-kiosk", "--help").stdout.split())
    english = " ".join(run("willkommen-kiosk", "--help", "--lang", "en").stdout.split())
    assert "--idle SEKUNDEN Sekunden ohne Berührung, bis der Startbildschirm zurückkommt (Standard 30 Sekunden)" \
        in german, german
    assert "--idle SECONDS seconds without a touch until the start screen returns (default 30 seconds)" in english

USAGE_ERRORS = [  # what the admin typed, what a German reader is told
    (("willkommen-server", "backup"), "Diese Angaben fehlen: ZIEL"),
    (("willkommen-server", "restore"), "Diese Angaben fehlen: SICHERUNG"),
    (("willkommen-server", "--bogus"), "Diese Angaben kennt der Befehl nicht: --bogus"),
    (("willkommen-server", "--log-level", "loud"), "Angabe --log-level: 'loud' ist nicht möglich (möglich: 'debug', "),
    (("willkommen-server", "--port"), "Angabe --port: hier fehlt der Wert"),
    (("willkommen-server", "--port", "http"), "Angabe --port: muss eine ganze Zahl von 0 bis 65535 sein, nicht 'http'"),
    (("willkommen-server", "--d", "x"), "Die Option --d ist nicht eindeutig, sie passt zu --db, --demo"),
    (("willkommen-server", "demo-month", "--seed", "seven"), "Angabe --seed: 'seven' ist keine gültige Angabe (ganze Zahl"),
    (("willkommen-server", "demo-month", "--db", "postgresql://db/x"), "schreibt nur eine neue SQLite-Datei"),
    (("willkommen-server", "backup", "x", "--db", "postgresql://db/x"), "backup kopiert SQLite-Dateien"),
    (("willkommen-server", "appointments", "import", "x.csv", "--day", "morgen"),
     "Angabe --day: muss ein Datum als JJJJ-MM-TT sein, nicht 'morgen'"),
    (("willkommen-server", "plan", "import"), "Diese Angaben fehlen: DATEI"),
    (("willkommen-server", "plan", "import", "x.csv", "--lang", "fr"), "Angabe --lang: 'fr' ist nicht möglich"),
    (("willkommen-server", "draw", "verify"), "Diese Angaben fehlen: DATEI"),
    (("willkommen-server", "draw", "export"), "Diese Angaben fehlen: TAG"),
    (("willkommen-server", "network", "serve"), "Diese Angaben fehlen: --config"),
    (("willkommen-server", "host"), "Diese Angaben fehlen: ORDNER"),
    (("willkommen-kiosk",), "--terminal und --token (oder $WILLKOMMEN_TERMINAL und $WILLKOMMEN_TOKEN) sind nötig"),
    (("willkommen-kiosk", "--idle", "bald"), "Angabe --idle: 'bald' ist keine gültige Angabe (Zahl erwartet)"),
    (("willkommen-kiosk", "--on-print-failure", "ignore"), "Angabe --on-print-failure: 'ignore' ist nicht möglich (möglich: 'show', 'cancel')"),
    (("willkommen-kiosk", "printer-test"), "--printer (oder $WILLKOMMEN_PRINTER) ist nötig"),
    (("willkommen-counter",), "--terminal und --token"),
    (("willkommen-counter", "--lang", "fr"), "Angabe --lang: 'fr' ist nicht möglich (möglich: 'de', 'en')"),
    (("willkommen-display", "--zone"), "Angabe --zone: hier fehlt der Wert"),
    (("willkommen-display", "extra"), "Diese Angaben kennt der Befehl nicht: extra"),
]


@pytest.mark.parametrize(("command", "says"), USAGE_ERRORS, ids=[" ".join(c) for c, _ in USAGE_ERRORS])
def test_a_usage_error_is_one_german_line_and_status_2(command, says):
    result = run(*command)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    prog = " ".join(word for word in command[:3] if not word.startswith("-") and word in (
        "willkommen-server", "willkommen-kiosk", "willkommen-counter", "willkommen-display", "backup", "restore",
        "demo-month", "appointments", "import", "plan", "draw", "verify", "export", "network", "serve", "printer-test",
        "host"))
    assert result.stderr.startswith(f"{prog}: {says}"), result.stderr
    assert result.stderr.rstrip().endswith("(--help zeigt alle Optionen)"), result.stderr
    assert_german(result.stderr)


def test_a_usage_error_in_english_is_argparses_own_words():
    result = run("willkommen-server", "backup", "--lang", "en")
    assert (result.returncode, result.stderr) == (
        2, "willkommen-server backup: the following arguments are required: DEST (--help lists the options)\n")
    result = run("willkommen-kiosk", "--lang=en", "--idle", "soon")
    assert result.stderr == "willkommen-kiosk: argument --idle: invalid float value: 'soon' (--help lists the options)\n"


class Said(argparse.ArgumentParser):
    """Plain argparse, keeping what it would print (the English a German reader must not see)."""

    def error(self, message):
        raise ValueError(message)


def argparse_says() -> list[str]:
    """Every refusal this Python's argparse can word for our commands' kinds of options."""
    said = []
    for argv, build in [
        ([], lambda p: p.add_argument("file")),
        (["a", "b"], lambda p: p.add_argument("file")),
        (["--x", "z"], lambda p: p.add_argument("--x", choices=["a", "b"])),
        (["--x", "z"], lambda p: p.add_argument("--x", type=int)),
        (["--x"], lambda p: p.add_argument("--x")),
        (["--x"], lambda p: p.add_argument("--x", nargs="+")),
        (["--x", "a"], lambda p: p.add_argument("--x", nargs=2)),
        (["--x", "a", "b"], lambda p: p.add_argument("--x", nargs=3)),
        (["--x=1"], lambda p: p.add_argument("--x", action="store_true")),
        (["--a", "1"], lambda p: (p.add_argument("--ab"), p.add_argument("--ac"))),
        (["--a", "--b"], lambda p: [g := p.add_mutually_exclusive_group(), g.add_argument("--a", action="store_true"),
                                    g.add_argument("--b", action="store_true")]),
        ([], lambda p: [g := p.add_mutually_exclusive_group(required=True), g.add_argument("--a"), g.add_argument("--b")]),
    ]:
        parser = Said(prog="x")
        build(parser)
        with pytest.raises(ValueError) as refused:
            parser.parse_args(argv)
        said.append(str(refused.value))
    return said


@pytest.mark.fast
@pytest.mark.parametrize("message", argparse_says())
def test_every_refusal_argparse_words_is_said_again_in_german(message):
    """The catalogue's [cli.said] holds argparse's words as this Python says them: a refusal
    worded anew by a later Python would show here, not as English in front of an admin."""
    german = Words("de").translate(message)
    assert german != message and not [w for w in ENGLISH if w in german], (message, german)
    assert Words("en").translate(message) == message


# ---- files: not there, not allowed, not TOML, not CSV ----

def spreadsheet(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>" * 50)
    return path


FILE_COMMANDS = {  # a command that reads a file, with that file's place in it
    "config": lambda f, tmp: ("willkommen-server", "--config", str(f), "--db", str(tmp / "office.sqlite3")),
    "appointments": lambda f, tmp: ("willkommen-server", "appointments", "import", str(f), "--url", "ws://127.0.0.1:9/"),
    "appointments site": lambda f, tmp: ("willkommen-server", "appointments", "import", str(tmp), "--config", str(f)),
    "plan": lambda f, tmp: ("willkommen-server", "plan", "import", str(f), "--url", "ws://127.0.0.1:9/"),
    "restore": lambda f, tmp: ("willkommen-server", "restore", str(f), "--db", str(tmp / "office.sqlite3")),
    "backup": lambda f, tmp: ("willkommen-server", "backup", str(tmp / "copy.sqlite3"), "--db", str(f)),
    "draw": lambda f, tmp: ("willkommen-server", "draw", "verify", str(f)),
    "network": lambda f, tmp: ("willkommen-server", "network", "serve", "--config", str(f), "--db", str(tmp / "n.db")),
    "demo-month": lambda f, tmp: ("willkommen-server", "demo-month", "--config", str(f), "--db", str(tmp / "m.db")),
}


def assert_one_sentence(result, path: Path, says: str, tmp: Path) -> None:
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"{path}" in result.stderr and says in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("."), result.stderr
    assert_german(result.stderr)
    assert sorted(p.name for p in tmp.iterdir() if p != path and not p.name.startswith("given")) == [], \
        "nothing is written"


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_a_missing_file_is_one_german_sentence_with_its_path(tmp_path, command):
    missing = tmp_path / "given" / "nowhere.file"
    result = run(*FILE_COMMANDS[command](missing, tmp_path))
    assert_one_sentence(result, missing, "gibt es nicht: bitte den Pfad prüfen", tmp_path)
    assert run(*FILE_COMMANDS[command](missing, tmp_path), "--lang", "en").stderr.rstrip().endswith(
        f"There is no file {missing}: check the path (a typo, another folder?).")


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_a_folder_for_a_file_is_one_german_sentence(tmp_path, command):
    folder = tmp_path / "given"
    folder.mkdir()
    result = run(*FILE_COMMANDS[command](folder, tmp_path))
    assert_one_sentence(result, folder, "ist ein Ordner, keine Datei", tmp_path)


@pytest.fixture
def open_folder():
    """A folder anyone may enter (pytest's own are the test user's alone), for another user."""
    folder = Path(tempfile.mkdtemp(prefix="willkommen-cli-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize("command", ["config", "appointments", "plan", "restore", "draw", "network"])
def test_a_file_this_user_may_not_read_is_one_german_sentence(open_folder, command):
    secret = open_folder / "given-secret.file"
    secret.write_text("[site]\n", encoding="utf-8")
    secret.chmod(0o000)
    if os.geteuid() == 0:  # root reads every file: the admin is an ordinary user here
        open_folder.chmod(0o777)  # and may write there (nothing must be written all the same)
        result = run(*FILE_COMMANDS[command](secret, open_folder), user="65534")
    else:
        result = run(*FILE_COMMANDS[command](secret, open_folder))
    assert_one_sentence(result, secret, "darf dieser Benutzer nicht lesen (Zugriff verweigert)", open_folder)


BROKEN_TOML = [("[site\nname = 1\n", "Zeile 1, Spalte 6"), ('[site]\nname = "Amt\n', "Zeile 2, Spalte 12"),
               ("[site]\nname = 1\nname = 2\n", "Zeile 3, Spalte 9"), ("a = [1,\n", "Zeile 2, Spalte 1")]


@pytest.mark.parametrize(("command", "case"), [(c, i) for c in ("config", "network", "appointments site", "demo-month")
                                               for i in range(len(BROKEN_TOML))])
def test_a_broken_toml_file_names_line_and_column_in_german(tmp_path, command, case):
    text, where = BROKEN_TOML[case]
    broken = tmp_path / "given-site.toml"
    broken.write_text(text, encoding="utf-8")
    result = run(*FILE_COMMANDS[command](broken, tmp_path))
    assert_one_sentence(result, broken, f"ist kein gültiges TOML (Fehler in {where})", tmp_path)


def test_a_site_file_not_in_utf8_names_the_place(tmp_path):
    broken = tmp_path / "given-site.toml"
    broken.write_bytes('[site]\nname = "Ausländerbehörde"\n'.encode("cp1252"))
    result = run(*FILE_COMMANDS["config"](broken, tmp_path))
    assert_one_sentence(result, broken, "ist nicht als UTF-8 gespeichert (erstes fremdes Zeichen in Zeile 2, "
                                        "Spalte 13)", tmp_path)


@pytest.mark.parametrize(("change", "says"), [
    (lambda t: t.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\ncolour = "blau"'),
     "In der Datei given-site.toml gibt es den Schlüssel site.colour nicht: bitte den Namen prüfen (Tippfehler?)"),
    (lambda t: t.replace('name = "Ausländerbehörde Musterstadt — Welcome Center"\n', ""),
     "In der Datei given-site.toml fehlt site.name (ein Text in Anführungszeichen): bitte ergänzen."),
    (lambda t: t.replace("max_wait_minutes = 60", 'max_wait_minutes = "eine Stunde"', 1),
     'ist services[0].max_wait_minutes = "eine Stunde" nicht richtig (eine ganze Zahl erwartet)'),
    (lambda t: t.replace("retention_days = 90", "retention_days = -1"),
     "ist site.retention_days = -1 zu klein (mindestens 1)"),
])
def test_a_common_mistake_in_a_site_file_is_said_in_german(tmp_path, change, says):
    site = tmp_path / "given-site.toml"
    site.write_text(change(default_path().read_text(encoding="utf-8")), encoding="utf-8")
    result = run(*FILE_COMMANDS["config"](site, tmp_path))
    assert_one_sentence(result, site.name, says, tmp_path)


def test_a_bad_key_of_a_site_file_is_named_in_a_german_sentence(tmp_path):
    bad = tmp_path / "given-site.toml"
    bad.write_text(default_path().read_text(encoding="utf-8").replace('prefix = "C"', 'prefix = "CC"'), encoding="utf-8")
    result = run(*FILE_COMMANDS["config"](bad, tmp_path))
    assert result.returncode == 2 and result.stderr.startswith(
        "willkommen-server: Die Datei given-site.toml ist so nicht verwendbar (services[2].prefix: "), result.stderr
    assert not (tmp_path / "office.sqlite3").exists()


@pytest.mark.parametrize("command", ["appointments", "plan"])
def test_a_broken_csv_names_its_line_in_german_and_nothing_is_sent(tmp_path, command):
    header = "code,time,service\n" if command == "appointments" else "tag;schalter;von;bis\n"
    broken = tmp_path / "given.csv"
    broken.write_text(header + 'A-1,"' + "x" * 200_000 + "\n", encoding="utf-8")  # a quote never closed
    result = run(*FILE_COMMANDS[command](broken, tmp_path))
    assert_one_sentence(result, broken, "ist keine lesbare CSV-Datei (Fehler in Zeile 2)", tmp_path)
    assert "Server" not in result.stderr  # refused before any server was asked


@pytest.mark.parametrize("command", ["appointments", "plan"])
def test_a_spreadsheet_for_a_csv_says_how_to_save_it_as_csv(tmp_path, command):
    book = spreadsheet(tmp_path / "given-today.xlsx")
    result = run(*FILE_COMMANDS[command](book, tmp_path))
    assert_one_sentence(result, book, "„CSV (Trennzeichen-getrennt)“", tmp_path)


# ---- never a traceback, whatever the file holds ----

def main_of(argv: list[str]) -> tuple[int, str]:
    """`willkommen-server argv` in this process: its status and what it printed on stderr; any
    exception it lets out is what the admin would see as a traceback, and fails the test."""
    from server.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(argv)
        except SystemExit as exc:
            status = exc.code
    return status, err.getvalue()


DEFAULT = default_path().read_bytes()


@st.composite
def damaged_site(draw) -> bytes:
    """The demo's site file with a few bytes replaced, cut or put in: a bad edit."""
    data = bytearray(DEFAULT)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 40))
        data[at:at + cut] = draw(st.binary(max_size=12) | st.sampled_from([b'"', b"[", b"]", b"=", b"\n", b"\xff"]))
    return bytes(data)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged_site() | st.binary(max_size=300))
def test_any_site_file_loads_or_is_one_sentence_never_a_traceback(tmp_path, data):
    path = tmp_path / "site.toml"
    path.write_bytes(data)
    try:
        load_site(path)
    except ConfigError as exc:
        sentence = file_sentence(exc, Words("de"))
        assert "\n" not in sentence.strip() and (exc.file in sentence), sentence


CSV_TEXT = st.text(alphabet=st.sampled_from(list('code,time;service\t"\n\r 10:30 A-1 ä\x00\x1b')), max_size=200)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["appointments", "plan"]),
       data=CSV_TEXT.map(lambda t: t.encode("utf-8")) | st.binary(max_size=200), long_field=st.booleans())
def test_any_csv_is_refused_or_tried_never_a_traceback(tmp_path, command, data, long_field):
    path = tmp_path / "import.csv"
    cut = len(data) // 2  # a quoted field past the csv module's limit, half-way in
    path.write_bytes(data[:cut] + b'"' + b"x" * 140_000 + data[cut:] if long_field else data)
    status, said = main_of([command, "import", str(path), "--url", "ws://127.0.0.1:9/"])
    assert status in (1, 2), said  # no server on port 9: nothing is ever taken
    assert said.strip() and "Traceback" not in said


def test_a_site_file_without_an_admin_terminal_says_what_to_add(tmp_path):
    site = tmp_path / "given-site.toml"
    site.write_text(default_path().read_text(encoding="utf-8").replace(
        '[[terminals]]\nid = "admin"\nrole = "admin"\ntoken = "demo-admin-token"\n', ""), encoding="utf-8")
    export = tmp_path / "given.csv"
    export.write_text("code,time,service\nA-1,10:00,info\n", encoding="utf-8")
    result = run("willkommen-server", "appointments", "import", str(export), "--config", str(site))
    assert_one_sentence(result, site, 'hat kein Terminal mit role = "admin": bitte eines eintragen', tmp_path)


@pytest.mark.parametrize("case", ["folder", "not sqlite", "restore not sqlite"])
def test_a_wrong_database_file_is_one_german_sentence_and_left_as_it_was(tmp_path, case):
    given = tmp_path / "given-office.sqlite3"
    if case == "folder":
        given.mkdir()
    else:
        given.write_bytes(b"Termine 2026\n" * 20)  # a text file named like a database
    before = None if case == "folder" else given.read_bytes()
    if case == "restore not sqlite":
        result = run("willkommen-server", "restore", str(given), "--db", str(tmp_path / "office.sqlite3"))
    else:
        result = run("willkommen-server", "--db", str(given), "--port", "0", "--config", str(default_path()))
    says = "ist ein Ordner, keine Datenbankdatei" if case == "folder" else "ist keine SQLite-Datenbank und bleibt"
    assert_one_sentence(result, given, says, tmp_path)  # and no office.sqlite3 made for a refused restore
    assert before is None or given.read_bytes() == before


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged_site())
def test_the_installed_command_takes_or_refuses_any_site_file_in_one_sentence(tmp_path, data):
    """The same property through the installed script (a few examples: a process each): a site
    file it can use books nothing from a file of no rows (status 0, no server asked), one it
    cannot is one German sentence and status 2, never a traceback."""
    site, export = tmp_path / "site.toml", tmp_path / "none.csv"
    site.write_bytes(data)
    export.write_text("code,time,service\n", encoding="utf-8")
    result = run("willkommen-server", "appointments", "import", str(export), "--config", str(site),
                 "--url", "ws://127.0.0.1:9/")
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(
            "willkommen-server appointments import: ") and "Datei" in result.stderr, result.stderr
    else:
        assert result.returncode == 0 and result.stderr.endswith("; 0 fehlerhaft\n"), result.stderr


@pytest.mark.parametrize(("command", "says"), [
    (("willkommen-kiosk", "--terminal", "kiosk-1", "--token", "t", "--printer", "serial:///dev/ttyWILLKOMMEN9"),
     "Das Druckergerät /dev/ttyWILLKOMMEN9 gibt es nicht: bitte den Pfad in --printer prüfen"),
    (("willkommen-kiosk", "printer-test", "--printer", "file:///nowhere/lp0"), "Das Druckergerät /nowhere/lp0 gibt es nicht"),
    (("willkommen-kiosk", "printer-test", "--printer", "dummy:?paper=57"), "muss paper 58 oder 80 (mm) sein, nicht '57'"),
    (("willkommen-kiosk", "printer-test", "--printer", "lpt://printer"), "beginnt mit keinem bekannten Schema"),
])
def test_a_printer_url_naming_no_device_is_one_german_sentence(command, says):
    result = run(*command)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert says in result.stderr and result.stderr.rstrip().endswith("."), result.stderr
    assert_german(result.stderr)
