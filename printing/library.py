"""python-escpos, imported on first use and in this one place.

Why not at the top of each module: importing escpos costs ~0.2 s and calls
`logging.basicConfig()`, and its `escpos.capabilities` picks the folder of its printer-database
cache when it is imported, from the environment variable `ESCPOS_CAPABILITIES_PICKLE_DIR`
(without it, a fresh temporary folder per process that nobody removes). So `import printing`,
the kiosk's and the counter's modules import nothing of escpos and change no environment; the
first printer opened (or code-page table asked for) calls `escpos()`, which names our cache
folder for that one import and then leaves `os.environ` as it found it (a kiosk's environment
is what its child processes get). A folder the site names itself in that variable is used as
it is. (python-escpos 3.1 still makes one empty temporary folder at each import: its `mkdtemp()`
is the default argument of `environ.get`, called whether the variable is set or not. The cache
itself, 600 KB of profiles, goes to our folder and is reused by every start.)
"""

from __future__ import annotations

import os
import tempfile
import threading
from functools import cache
from pathlib import Path
from types import SimpleNamespace

PICKLE_DIR = "ESCPOS_CAPABILITIES_PICKLE_DIR"
_importing = threading.Lock()  # printers open in worker threads: one import, one environment change


def cache_folder() -> Path:
    return Path(tempfile.gettempdir()) / "willkommen-escpos"


@cache
def _imported() -> SimpleNamespace:
    ours = PICKLE_DIR not in os.environ
    if ours:
        cache_folder().mkdir(parents=True, exist_ok=True)
        os.environ[PICKLE_DIR] = str(cache_folder())
    try:
        from escpos import printer
        from escpos.capabilities import get_profile
        from escpos.constants import QR_ECLEVEL_M
        from escpos.magicencode import Encoder
    finally:
        if ours:
            del os.environ[PICKLE_DIR]
    return SimpleNamespace(printer=printer, get_profile=get_profile, Encoder=Encoder, QR_ECLEVEL_M=QR_ECLEVEL_M)


def escpos() -> SimpleNamespace:
    """python-escpos' parts this project uses: `printer` (the module of Serial, Network, Dummy,
    File, Usb), `get_profile`, `Encoder`, `QR_ECLEVEL_M`."""
    with _importing:
        return _imported()
