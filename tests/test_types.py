"""The queue core, the wire package and the callers of the office's methods (the edge's request
table, the demo month) type-check clean: mypy as configured in pyproject.toml ([tool.mypy]),
run as CI would run it. A renamed or re-shaped `Office` method fails here."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from .conftest import ROOT


def test_mypy_finds_no_error_in_the_core_and_the_wire_package():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"]
    assert {"server/core", "server/wire", "server/demo/month.py", "server/edge/requests.py"} <= set(checked)
