"""What the booking system's exports really look like, imported by `willkommen-server
appointments import` against a real server process: an iCalendar event with two DTSTART lines,
CSV from German Excel (cp1252) and Excel's "Unicode text" (UTF-16, tabs), a code carrying
terminal escape sequences, and a large export booked in batches with progress shown."""

from __future__ import annotations

import json
import urllib.request

from .test_appointments_import import ICS, checkin, office, run_import, today  # noqa: F401 (fixture)


async def test_an_event_with_two_dtstart_lines_is_a_bad_row_and_the_others_are_booked(office, tmp_path):
    day = today().replace("-", "")
    text = ICS.format(day=day, status="CONFIRMED").replace(
        f"DTSTART:{day}T111500\r\n", f"DTSTART:{day}T111500\r\nDTSTART:{day}T121500\r\n")
    export = tmp_path / "day.ics"
    export.write_text(text, encoding="utf-8")
    result = run_import(office, export)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == "UID:a2@booking.example") - 1
    assert result.stderr.splitlines()[0] == (f"{export}: Zeile {line}: Termin a2@booking.example hat 2 Zeilen "
                                             "DTSTART: welche ist gemeint?")
    assert result.stderr.splitlines()[-1] == f"{export}: 1 gebucht oder verschoben, 0 storniert, 0 unverändert; 1 fehlerhaft"
    assert (await checkin(office, "K7Q2")).ticket.service == "settlement"


async def test_csv_from_german_excel_and_excels_unicode_text_are_read(office, tmp_path):
    german = tmp_path / "termine.csv"  # Excel "CSV (Trennzeichen-getrennt)": cp1252, semicolons
    german.write_bytes("Code;Time;Service;Lang;Name\r\nHD-ÄÖ1;09:30;residence;ar;Jürgen Müßig\r\n".encode("cp1252"))
    result = run_import(office, german)
    assert (result.returncode, result.stderr.splitlines()[-1]) == (0, f"{german}: 1 gebucht oder verschoben, 0 storniert, "
                                                                      "0 unverändert; 0 fehlerhaft")
    assert (await checkin(office, "HD-ÄÖ1")).ticket.lang == "ar"
    unicode_text = tmp_path / "termine.txt"  # Excel "Unicode-Text": UTF-16 LE with a byte order mark, tabs
    unicode_text.write_bytes("code\ttime\tservice\tlang\r\nHD-Ü2\t10:30\tpassport\tuk\r\n".encode("utf-16"))
    result = run_import(office, unicode_text)
    assert (result.returncode, result.stderr.splitlines()[-1]) == (0, f"{unicode_text}: 1 gebucht oder verschoben, "
                                                                      "0 storniert, 0 unverändert; 0 fehlerhaft")
    assert (await checkin(office, "HD-Ü2")).ticket.service == "passport"


def test_escape_sequences_in_a_file_never_reach_the_admins_terminal_raw(office, tmp_path):
    export = tmp_path / "day.csv"
    # the first row's service is unknown too: a server's refusal used to print the code raw
    export.write_text("code,time,service\nHD-\x1b]0;owned\x07\x1b[2J,09:30,bakery\n"
                      "HD-2,09:40,\x1b[31mbakery\u202e\n", encoding="utf-8")
    result = run_import(office, export)
    assert result.returncode == 1
    assert not any(ord(c) < 32 and c != "\n" or c in "\x7f\u202e" for c in result.stderr), repr(result.stderr)
    assert f"{export}: Zeile 2: Der Code HD-\\x1b]0;owned\\x07\\x1b[2J enthält Steuerzeichen." in result.stderr
    assert "(Dienstleistung „\\x1b[31mbakery\\u202e“)" in result.stderr  # the server's answer, shown as text


def test_a_large_export_is_booked_in_batches_with_progress(office, tmp_path):
    server, _ = office
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for i in range(1200):
        lines += ["BEGIN:VEVENT", f"UID:e{i}@booking.example", f"DTSTART:{today().replace('-', '')}T1{i % 10}0000",
                  f"X-SERVICE:{('info', 'passport', 'residence')[i % 3]}", "END:VEVENT"]
    export = tmp_path / "quarter.ics"
    export.write_text("\r\n".join(lines + ["END:VCALENDAR", ""]), encoding="utf-8")

    def commits() -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=30) as response:
            return json.load(response)["commits"]

    before = commits()
    result = run_import(office, export)
    assert result.stderr.splitlines()[-1] == f"{export}: 1200 gebucht oder verschoben, 0 storniert, 0 unverändert; 0 fehlerhaft"
    progress = [line for line in result.stderr.splitlines() if "Terminen gesendet" in line]
    assert progress[-1] == f"{export}: 1.200 von 1.200 Terminen gesendet" and len(progress) >= 3
    assert commits() - before <= 10  # in batches: a handful of commits, not 1,200
