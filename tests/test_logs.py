"""The server's log lines say their time with its offset from UTC, so an admin comparing them
with the pages (Berlin time) or another machine's logs reads the same instant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

LINE = """
import logging, time
from server.edge import logs
logs.setup()
logging.getLogger("willkommen.test").info("drawn", extra={"fields": {"ticket": "A001"}})
"""


@pytest.mark.fast
@pytest.mark.parametrize("zone, offset", [("UTC", timedelta(0)), ("Europe/Berlin", None), ("Asia/Kabul", timedelta(hours=4, minutes=30))])
def test_a_log_line_says_its_time_with_its_offset(zone, offset):
    done = subprocess.run([sys.executable, "-c", LINE], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TZ": zone})
    entry = json.loads(done.stderr.strip().splitlines()[-1])
    when = datetime.fromisoformat(entry["ts"])
    assert when.tzinfo is not None and (offset is None or when.utcoffset() == offset)
    assert abs((datetime.now().astimezone() - when).total_seconds()) < 60
    assert entry["msg"] == "drawn" and entry["ticket"] == "A001"
