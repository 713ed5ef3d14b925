"""The benchmarks run (small counts, no timing asserted): each starts the real server in its
own process and prints its figures next to a baseline measured in the same run. Here the
server and its database under load; the terminals' and pages' benchmarks are in
test_bench_smoke_screens.py (two files: the two test workers take one each)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT


def runs_and_reports(which: str, figure: str, own: str, baseline: str) -> None:
    result = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", which], cwd=ROOT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    row = next(r for r in rows if r["figure"] == figure)
    # Willkommen's own figure and its baseline both came back measured; their size is the
    # benchmark's business, not the suite's
    assert isinstance(row[own], (int, float)) and row[own] > 0, row
    assert isinstance(row[baseline], (int, float)) and row[baseline] > 0, row


@pytest.mark.parametrize("which, figure, own, baseline", [
    ("draws", "draws_per_s", "willkommen", "echo_baseline"),
    ("postgres", "postgres_draws_per_s", "willkommen", "psycopg_insert_baseline"),
    ("failover", "failover", "seconds_to_draws_again", "baseline_seconds"),
    ("offices", "offices_on_one_postgresql", "call_to_screen_p99_ms_all_offices",
     "call_to_screen_p99_ms_one_office_on_sqlite"),
    ("memory", "rss_kb_per_idle_display", "willkommen", "server_rss_idle_kb"),
    ("recovery", "seconds_to_ready", "with_events", "empty_store"),
])
def test_a_benchmark_runs_and_reports_beside_its_baseline(which, figure, own, baseline):
    runs_and_reports(which, figure, own, baseline)


def test_paired_rounds_give_each_servers_event_loop_apart_from_its_other_threads():
    """`bench.paired` against this very checkout: each round says what both servers' event
    loops and their other threads spent a draw (the loop bounds the draws on one core)."""
    result = subprocess.run([sys.executable, "-m", "bench.paired", "--base", str(ROOT), "--rounds", "1",
                             "--seconds", "0.5", "--clients", "3"], cwd=ROOT, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    round_ = next(r for r in rows if r["figure"] == "paired_round")
    assert round_["base_loop_us"] > 0 and round_["new_loop_us"] > 0, round_
    assert round_["base_others_us"] >= 0 and round_["new_others_us"] >= 0, round_
    summary = next(r for r in rows if r["figure"] == "paired")
    assert summary["median_loop_ratio"] > 0, summary


def test_the_threads_benchmark_gives_the_event_loops_cpu_a_draw_apart():
    """`bench.threads`: the server's event loop's CPU a draw apart from its other threads', and
    the kiosks' own."""
    result = subprocess.run([sys.executable, "-m", "bench.threads", "--rounds", "1", "--seconds", "0.5",
                             "--warm", "0.5", "--clients", "3"], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    summary = next(r for r in rows if r["figure"] == "threads")
    assert summary["loop_us"] > 0 and summary["kiosks_us"] > 0, summary
