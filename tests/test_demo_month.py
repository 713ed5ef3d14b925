"""`willkommen-server demo-month`: a month of the demo office through the real core into a
demo database of its own, whose statistics a manager can try; it never writes into a file
that holds events."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from config import default_path, load_site
from server.cli import demo_month as command
from server.demo.month import office_days
from server.manager.stats.tables import Period, Statistics
from server.manager.stats.words import Words

from .conftest import ROOT


def test_a_month_is_filled_through_the_core_and_its_statistics_are_there(tmp_path, capsys):
    db = tmp_path / "demo-month.sqlite3"
    assert command(["--month", "2026-11", "--db", str(db), "--config", str(default_path())]) == 0
    said = capsys.readouterr().err
    assert "Nummern an 21 Öffnungstagen im November 2026" in said
    # the hint starts the server with the site file the month was made with (a review's admin's had none)
    assert f"Zum Ausprobieren: willkommen-server --config {default_path()} --db {db}, dann" in said
    conn = sqlite3.connect(db)
    try:
        kept = [d for (d,) in conn.execute("SELECT day FROM stats_days ORDER BY day")]
        assert kept == [d.isoformat() for d in office_days("2026-11")] and len(kept) == 21  # kept as a server keeps them
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM events")}
        tables = {t.name: t for t in Statistics(conn, load_site(), today="2026-12-07", now=0).tables(
            Period("2026-11-01", "2026-11-30"))}
        # visits ended "referred to a partner" that no counter referred to one (r-staff-2 finding 9)
        unreferred = conn.execute(
            "SELECT count(*) FROM events f WHERE f.kind = 'ticket_finished' AND json_extract(f.data, '$.outcome') = "
            "'referred' AND NOT EXISTS (SELECT 1 FROM events r WHERE r.kind = 'ticket_referred' AND r.day = f.day "
            "AND json_extract(r.data, '$.number') = json_extract(f.data, '$.number'))").fetchone()[0]
        finished_referred = conn.execute("SELECT count(*) FROM events WHERE kind = 'ticket_finished' AND "
                                         "json_extract(data, '$.outcome') = 'referred'").fetchone()[0]
    finally:
        conn.close()
    assert 4000 <= tickets <= 6000  # about 240 visitors an office day
    assert {"ticket_no_show", "ticket_parked", "ticket_transferred", "ticket_referred", "feedback_given",
            "counter_paused", "ticket_recalled"} <= kinds
    figures = tables["tickets"].rows
    assert sum(row[1] for row in figures) == tickets  # each visit drawn once
    assert sum(row[2] for row in figures) == sum(row[7] for row in figures) > 0  # every transfer out is one in
    assert all(row[3] > 0 for row in figures)  # every service served someone
    assert [row[1] for row in tables["arrivals"].rows] == [5, 4, 4, 4, 4]  # five Mondays in November 2026
    assert len(tables["languages"].rows) == len(load_site().languages)
    assert tables["referrals"].rows and tables["feedback_service"].rows and tables["interpreters"].rows
    assert finished_referred > 0 and unreferred == 0
    # the reasons visitors named go with their scores: every complaint's average below every praise's
    words = Words("de")
    average = {row[0]: row[3] for row in tables["feedback_reasons"].rows}
    praise = [average[words(f"reason.{r}")] for r in ("friendly", "well_explained", "quick")]
    complaints = [average[words(f"reason.{r}")] for r in ("waited_too_long", "did_not_understand", "not_solved")]
    assert max(complaints) < 3 < min(praise), average


def test_a_file_with_events_or_a_bad_month_is_refused_in_one_line(tmp_path):
    db = tmp_path / "office.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, at REAL, day TEXT, kind TEXT, data TEXT)")
    conn.execute("INSERT INTO events VALUES (1, 0, '2026-11-02', 'day_started', '{}')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    run = subprocess.run([sys.executable, "-m", "server", "demo-month", "--month", "2026-11", "--db", str(db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "already holds events" in run.stderr
    assert db.read_bytes() == before  # a real office's file is left as it was
    run = subprocess.run([sys.executable, "-m", "server", "demo-month", "--month", "November"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "--month 'November' ist kein Monat als JJJJ-MM" in run.stderr
