"""The benchmarks of the terminals, the pages and the reports run (small counts, no timing
asserted), as test_bench_smoke.py's: the real server in its own process, each figure next to a
baseline measured in the same run."""

from __future__ import annotations

import pytest

from .test_bench_smoke import runs_and_reports


@pytest.mark.parametrize("which, figure, own, baseline", [
    ("call_to_screen", "call_to_screen_ms", "median", "counter_round_trip_median"),
    ("counter_page", "counter_page_call_to_screen_ms", "page_median", "client_median"),
    ("kiosk", "touch_to_printed_ms", "median", "max"),  # no baseline: the median is bounded by the max
    ("manager", "statistics_ms", "month_live", "baseline_month_scan"),
    ("report", "report_while_live_ms", "healthz_loaded_p99", "healthz_quiet_p99"),
    ("messages", "messages_after_a_draw", "posts_ms", "idle_loop_late_max_ms"),
    ("access", "access_registration_load", "draw_loaded_p99", "draw_quiet_p99"),
])
def test_a_benchmark_runs_and_reports_beside_its_baseline(which, figure, own, baseline):
    runs_and_reports(which, figure, own, baseline)
