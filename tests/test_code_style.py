"""Ruff holds the code to pyflakes and pycodestyle (`[tool.ruff]` in pyproject.toml): an unused
import, an undefined name or a shadowed one fails here, not in review."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is in the test extra: pip install -e '.[test]'"
    found = subprocess.run([ruff, "check", "--no-fix", "--output-format", "concise", "."], cwd=ROOT,
                           capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr
