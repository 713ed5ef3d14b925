"""The demo office in a process of its own for the picture scripts (`manager_screenshots.py`,
`staff_screenshots.py`): a temporary database, a free port, a morning let to fill the waiting
room before the pictures are taken."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def running_demo(*extra: str, speed: int, settle: float) -> Iterator[int]:
    """`willkommen-server --demo` at `speed` (with `extra` options) for the block; yields its port
    after `settle` seconds of the simulated morning."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.sqlite3"
        server = subprocess.Popen([sys.executable, "-m", "server", "--demo", "--speed", str(speed), "--port", "0",
                                   "--db", str(db), *extra], stderr=subprocess.PIPE, text=True)
        try:
            port = next(json.loads(line)["port"] for line in server.stderr
                        if line.startswith("{") and json.loads(line).get("msg") == "serving")
            threading.Thread(target=server.stderr.read, daemon=True).start()  # a full pipe would block it
            time.sleep(settle)  # let the morning fill the waiting room
            yield port
        finally:
            server.terminate()
            server.wait()


async def signed_in(page, port: int, name: str = "manager", password: str = "demo-manager") -> None:
    """`page` signed in on the demo as `name` (a demo password: README, "For managers")."""
    await page.goto(f"http://127.0.0.1:{port}/signin")
    await page.fill("#name", name)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(lambda url: "/signin" not in url)
