"""`willkommen-server appointments import FILE` against a real server process: a CSV and an
iCalendar export, imported again, with a moved and a cancelled appointment, and bad rows."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .conftest import ROOT, ServerProcess, always_open_config, token

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def office(tmp_path):
    config = always_open_config(tmp_path)
    server = ServerProcess(tmp_path / "office.sqlite3", "--config", str(config))
    yield server, config
    server.stop()


def run_import(office, path, *options: str) -> subprocess.CompletedProcess:
    server, config = office
    return subprocess.run([sys.executable, "-m", "server", "appointments", "import", str(path), "--config", str(config),
                           "--url", f"ws://127.0.0.1:{server.port}/", "--day", today(), *options],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def today() -> str:
    return datetime.now(BERLIN).date().isoformat()


async def checkin(office, code: str) -> p.Reply:
    server, _ = office
    async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                             token=token("kiosk-1")) as kiosk:
        await kiosk.ready()
        return await kiosk.request(p.Checkin(id=0, booking=code))


def at(hhmm: str) -> float:
    return datetime.fromisoformat(f"{today()} {hhmm}").replace(tzinfo=BERLIN).timestamp()


async def test_a_csv_export_is_booked_once_then_moved_and_cancelled(office, tmp_path):
    export = tmp_path / "day.csv"
    export.write_text("code;time;service;lang;name\nHD-1;09:30;residence;ar;Amira Example\n"
                      "HD-2;10:30;passport;;Jan Example\nHD-3;11:00;info;fa;\n", encoding="utf-8")
    first = run_import(office, export)
    assert (first.returncode, first.stderr.splitlines()[-1]) == (0, f"{export}: 3 gebucht oder verschoben, 0 storniert, "
                                                                     f"0 unverändert; 0 fehlerhaft")
    again = run_import(office, export)
    assert again.stderr.splitlines()[-1].endswith("0 gebucht oder verschoben, 0 storniert, 3 unverändert; 0 fehlerhaft")
    export.write_text("code;time;service;lang;status\nHD-1;09:45;residence;ar;\nHD-2;10:30;passport;;\n"
                      "HD-3;11:00;info;fa;storniert\n", encoding="utf-8")
    changed = run_import(office, export)
    assert changed.stderr.splitlines()[-1].endswith("1 gebucht oder verschoben, 1 storniert, 1 unverändert; 0 fehlerhaft")
    moved = await checkin(office, "hd-1")
    assert (moved.ticket.lang, moved.booking.due_at) == ("ar", at("09:45"))  # (a walk-in if 09:45 is long past)
    assert (await checkin(office, "HD-2")).ticket.lang == "de"  # the site's first language
    with pytest.raises(ServerError) as cancelled:
        await checkin(office, "HD-3")
    assert cancelled.value.code == "unknown_booking"
    office[0].stop()  # the database as the server leaves it: no names
    assert b"Example" not in (tmp_path / "office.sqlite3").read_bytes()
    office[0].proc.poll()


ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example booking//EN\r
BEGIN:VEVENT\r
UID:a1@booking.example\r
X-BOOKING-CODE:K7Q2\r
DTSTART;TZID=Europe/Berlin:{day}T103000\r
CATEGORIES:settlement\r
X-LANG:uk\r
SUMMARY:Olena Example\r
STATUS:{status}\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:a2@booking.example\r
X-BOOKING-CODE:Z9\r
DTSTART:{day}T111500\r
X-SERVICE:info\r
END:VEVENT\r
END:VCALENDAR\r
"""


async def test_an_icalendar_export_books_and_a_cancelled_event_is_withdrawn(office, tmp_path):
    export = tmp_path / "day.ics"
    export.write_text(ICS.format(day=today().replace("-", ""), status="CONFIRMED"), encoding="utf-8")
    assert run_import(office, export).stderr.splitlines()[-1].endswith("2 gebucht oder verschoben, 0 storniert, "
                                                                        "0 unverändert; 0 fehlerhaft")
    assert run_import(office, export).stderr.splitlines()[-1].endswith("2 unverändert; 0 fehlerhaft")
    booked = await checkin(office, "Z9")
    assert (booked.ticket.service, booked.booking.due_at) == ("info", at("11:15"))
    export.write_text(ICS.format(day=today().replace("-", ""), status="CANCELLED"), encoding="utf-8")
    assert run_import(office, export).stderr.splitlines()[-1].endswith("0 gebucht oder verschoben, 1 storniert, "
                                                                        "1 unverändert; 0 fehlerhaft")
    with pytest.raises(ServerError):
        await checkin(office, "K7Q2")


async def test_bad_rows_are_reported_by_line_and_the_good_ones_booked(office, tmp_path):
    export = tmp_path / "day.csv"
    export.write_text("code,time,service,status\nOK-1,09:00,info,\n,09:10,info,\nBAD-2,9.30,info,\n"
                      "BAD-3,10:00,bakery,\nBAD-4,10:00,info,maybe\nOK-2,12:00,passport,booked\n", encoding="utf-8")
    result = run_import(office, export)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [  # in the staff's words (config/strings/staff/de.toml, [cli.rows])
        f"{export}: Zeile 3: Der Code ist leer.",
        f"{export}: Zeile 4: Die Uhrzeit „9.30“ ist weder HH:MM noch JJJJ-MM-TT HH:MM.",
        f"{export}: Zeile 5: Termin BAD-3 (Dienstleistung „bakery“): Unbekannte Dienstleistung.",
        f"{export}: Zeile 6: Der Status „maybe“ ist weder booked noch cancelled.",
        f"{export}: 2 gebucht oder verschoben, 0 storniert, 0 unverändert; 4 fehlerhaft"]
    lines = run_import(office, export, "--lang", "en").stderr.splitlines()  # English on asking
    assert lines[:2] == [f"{export}: line 3: the code is empty",
                         f"{export}: line 4: time '9.30' is not HH:MM or YYYY-MM-DD HH:MM"]
    assert lines[2].startswith(f"{export}: line 5: appointment BAD-3: unknown service 'bakery' (expected one of")
    assert lines[3:] == [f"{export}: line 6: status 'maybe' is neither booked nor cancelled",
                         f"{export}: 0 booked or moved, 0 cancelled, 2 unchanged; 4 bad"]
    assert (await checkin(office, "OK-2")).ticket.service == "passport"


def test_an_unreadable_event_is_named_by_the_line_it_starts_on():
    from datetime import date

    from server.booking.appointments import read

    text = ICS.format(day="20261127", status="CONFIRMED").replace("20261127T111500", "20261127T11:15")
    rows, problems = read(text, tz=BERLIN, day=date(2026, 11, 27), default_lang="de")
    assert [(r.code, r.service, r.lang) for r in rows] == [("K7Q2", "settlement", "uk")]
    assert [pr.line for pr in problems] == [13] and "DTSTART" in problems[0].what


def test_without_a_running_server_nothing_is_booked_and_the_status_is_2(tmp_path):
    export = tmp_path / "day.csv"
    export.write_text("code,time,service\nA,10:00,info\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "server", "appointments", "import", str(export),  # said at once,
                             "--url", "ws://127.0.0.1:9/", "--timeout", "0.5"],  # not after the default 10 s
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Der Server unter ws://127.0.0.1:9/ ist als admin nicht erreichbar" in result.stderr
