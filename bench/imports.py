"""`python -m bench --only imports`: an iCalendar export of N appointments booked with
`willkommen-server appointments import` against the real server (its own process, loopback),
timed from the command's start to its exit; the parse alone is timed apart (the import's floor)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .common import ROOT, emit, process

SERVICES = ("residence", "extension", "passport", "card-pickup", "info")


def calendar(n: int, day: date) -> str:
    """N appointments on `day` and the days after (a booking system's export of a quarter)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//willkommen//EN"]
    for i in range(n):
        at = datetime.combine(day + timedelta(days=i // 400), datetime.min.time()) + timedelta(hours=8, seconds=72 * (i % 400))
        lines += ["BEGIN:VEVENT", f"UID:bench-{i}@example.org", f"X-BOOKING-CODE:B-{i:06d}",
                  f"DTSTART:{at:%Y%m%dT%H%M%S}", f"X-SERVICE:{SERVICES[i % len(SERVICES)]}", "X-LANG:de",
                  "SUMMARY:Termin", "END:VEVENT"]
    return "\r\n".join(lines + ["END:VCALENDAR", ""])


def run(n: int) -> dict:
    from config import load_site
    from server.booking.appointments import read

    site = load_site(None)
    with tempfile.TemporaryDirectory() as folder:
        ics = Path(folder) / "export.ics"
        ics.write_text(calendar(n, datetime.now(ZoneInfo(site.timezone)).date() + timedelta(days=1)), encoding="utf-8")
        started = time.perf_counter()
        rows, problems = read(ics.read_text(encoding="utf-8"), tz=ZoneInfo(site.timezone), day=date.today(),
                              default_lang="de")
        parse = time.perf_counter() - started
        assert len(rows) == n and not problems, problems[:3]
        db = Path(folder) / "bench.sqlite3"
        with process(["-m", "server", "--db", str(db), "--port", "0"], "serving") as (_, port):
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "server", "appointments", "import", str(ics),
                                   "--url", f"ws://127.0.0.1:{port}/"], cwd=ROOT, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return emit("appointments import", events=n, seconds=round(seconds, 2), per_second=round(n / seconds),
                    parse_seconds=round(parse, 2), summary=done.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000))
