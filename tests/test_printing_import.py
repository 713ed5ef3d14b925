"""python-escpos is imported where a printer is opened, in one place (`printing.library`):
importing the kiosk's, the counter's and printing's modules changes no environment variable
(a kiosk's environment is what it passes on) and loads no escpos (0.2 s, and its
`logging.basicConfig()`); opening a printer and printing leaves the environment as it was and
keeps escpos' printer-database cache in one folder of ours, not in a new temporary folder each
start. Each in a fresh Python process with its own temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT

PICKLE_DIR = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def run(code: str, tmp_path) -> dict:
    env = {key: value for key, value in os.environ.items() if key != PICKLE_DIR} | {"TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("modules", ["printing.printers, printing.output, printing.testpage, printing.codepages",
                                     "kiosk.app, kiosk.cli, kiosk.ticket", "counter.app, counter.slip"])
def test_importing_the_terminals_modules_changes_no_environment_and_loads_no_escpos(modules, tmp_path):
    found = run(f"import json, os, sys; before = dict(os.environ); import {modules}; "
                "print(json.dumps({'changed': sorted(set(os.environ.items()) ^ set(before.items())), "
                "'escpos': sorted(m for m in sys.modules if m.split('.')[0] == 'escpos')}))", tmp_path)
    assert found == {"changed": [], "escpos": []}
    assert list(tmp_path.iterdir()) == []  # nor a folder made at import


def test_a_printed_ticket_leaves_the_environment_as_it_was_and_one_cache_folder(tmp_path):
    code = ("import json, os; before = dict(os.environ)\n"
            "from printing.printers import open_printer\n"
            "from printing.blocks import QR, Cut, Text\n"
            "printer = open_printer('dummy:')\n"
            "printer.print([Text('A017', size=4), Text('Grüße', align='left'), QR('https://example.org/t/x'), Cut()])\n"
            "print(json.dumps({'changed': sorted(set(os.environ.items()) ^ set(before.items())), "
            "'bytes': len(printer.output)}))")
    first = run(code, tmp_path)
    assert first["changed"] == [] and first["bytes"] > 100
    assert caches(tmp_path) == ["willkommen-escpos"]
    run(code, tmp_path)  # a second start reuses the folder
    assert caches(tmp_path) == ["willkommen-escpos"]


def caches(folder) -> list[str]:
    """The folders holding escpos' printer-database cache. (python-escpos 3.1 also makes one
    empty temporary folder at each import, whatever the environment says: `printing.library`.)"""
    return sorted(path.parent.name for path in folder.rglob("*.capabilities.pickle"))
