"""`willkommen-server plan import FILE` says what is wrong with the file in the staff's words
(issue 24): German from the staff catalogue by default, English with `--lang en`; no English
sentence reaches a German reader. The file's own faults are found before any server is asked,
so these run the command alone; test_plan_board.py runs it against a server."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from .conftest import ROOT

BAD_FILES = [  # the file, what a German reader is told
    ("", "Die Plandatei ist leer."),
    ("datum;zeit\n1;2\n", "Zeile 1: Die Kopfzeile muss die Spalten tag und schalter nennen"),
    ("tag;schalter;von;bis\nMx;1;08:00;12:00\n", "Zeile 2: „Mx“ ist weder ein Wochentag (Mo..So) noch ein Datum"),
    ("tag;schalter;von;bis\nMo;1;08:00;12:00\nDi;1;;\n", "Zeile 3: Eine Schicht braucht von und bis"),
    ("tag;schalter;von;bis\nMo;1;08:00;25:00\n", "Zeile 2: „25:00“ ist keine Uhrzeit (HH:MM)."),
    ("tag;schalter;art\n2026-12-24;;urlaub\n", "Zeile 2: Die art einer Ausnahme ist geschlossen, ab oder schulung, nicht „urlaub“."),
    ("tag;schalter;von;bis\nMo;" + "9" * 300 + ";08:00;12:00\n", "Zeile 2: ungültiger Wert in der Spalte schalter."),
    ("tag;schalter;art\n2026-1-5;;ab\n", "Zeile 2: ungültiger Wert in der Spalte tag."),
]
ENGLISH = ("line ", "not a time", "shift needs", "is neither", "the plan", "header must", "not valid", "Expected")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan_import(tmp_path, text: str, *options: str) -> subprocess.CompletedProcess:
    path = tmp_path / "plan.csv"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "server", "plan", "import", str(path),
                           "--url", f"ws://127.0.0.1:{free_port()}/", *options],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("text", "says"), BAD_FILES)
def test_a_bad_plan_file_is_explained_in_german(tmp_path, text, says):
    result = plan_import(tmp_path, text)
    assert result.returncode == 1, result.stderr
    assert result.stderr == f"{tmp_path / 'plan.csv'}: {says}" + result.stderr.split(says, 1)[1]
    assert result.stderr.rstrip().endswith("Der Plan wurde nicht geändert.")
    assert not any(word in result.stderr for word in ENGLISH), result.stderr


def test_english_on_asking_and_german_when_no_server_answers(tmp_path):
    result = plan_import(tmp_path, "tag;schalter;von;bis\nMo;1;08:00;25:00\n", "--lang", "en")
    assert result.returncode == 1 and "Line 2: “25:00” is not a time of day (HH:MM). The plan was not changed." \
        in result.stderr, result.stderr
    # a good file, no server: said after --timeout seconds (the default 10 would only make the test wait)
    result = plan_import(tmp_path, "tag;schalter;von;bis\nMo;1;08:00;12:00\n", "--timeout", "0.5")
    assert result.returncode == 2 and "willkommen-server: Der Server unter ws://127.0.0.1:" in result.stderr
    assert "/ ist als admin nicht erreichbar" in result.stderr, result.stderr
    result = plan_import(tmp_path, "tag;schalter;von;bis\nMo;1;08:00;12:00\n", "--timeout", "0")
    assert result.returncode == 2 and "muss eine Zahl von Sekunden über 0 sein, nicht '0'" in result.stderr, \
        result.stderr
    result = plan_import(tmp_path, "", "--lang", "xx")  # no such staff catalogue: argparse says which there are
    assert result.returncode == 2 and "de" in result.stderr and "en" in result.stderr
