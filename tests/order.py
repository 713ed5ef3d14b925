"""The order the test files start in: the longest first, the fast subset's last.

The suite runs on three workers, each test file whole in one (`-n 3 --dist loadfile`); a worker
takes the next file when it has two tests left. pytest-xdist's own order (most tests first)
started the files of a few long tests last (tests/test_server_crash.py's two kill -9 walks,
44 s), so one worker went on alone for them while the other had nothing left. Here (with
`--no-loadscope-reorder`, pyproject.toml) the files of `LONGEST` start first, in its order, then
the others with the most tests first, and the files wholly in the fast subset (tests/fast.py:
quick tests that start nothing) last: what is left at the end are many short pieces the workers
share out evenly. A test's order inside its file stays as written.

`LONGEST`: the files whose tests took longest together, longest first: the per-file sums of
setup, call and teardown in `.venv/bin/python -m pytest --durations=0` (the whole suite, 2026-12-08).
A file not listed still runs, only later; a listed name the suite no longer has fails
tests/test_order.py.
"""

from __future__ import annotations

import pytest

LONGEST: tuple[str, ...] = (
    "test_bench_smoke.py", "test_bench_smoke_screens.py", "test_stats_report.py", "test_display_fit.py",
    "test_kiosk_service_fit.py", "test_register_outcome.py", "test_server_crash.py", "test_access_draw.py",
    "test_kiosk_held_draw.py", "test_register_page.py", "test_signin_lockout.py", "test_interpreters.py",
    "test_display_page.py", "test_hosting.py", "test_kiosk_appointments.py", "test_kiosk_register.py",
    "test_feedback_pages.py", "test_counter_screen.py", "test_estimate_held.py", "test_network_privacy.py",
    "test_stats_floor.py", "test_board_expiry.py", "test_privacy_notice.py", "test_counter_app.py",
    "test_slow_display.py", "test_core_lottery.py", "test_types.py",
)


def file_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """`items` with their files in the order above; each file's tests together, as written.
    Call it after the fast subset's tests are marked (tests/fast.py `mark_fast`)."""
    counts: dict[str, int] = {}
    slow: set[str] = set()  # files with a test outside the fast subset
    for item in items:
        counts[item.path.name] = counts.get(item.path.name, 0) + 1
        if item.get_closest_marker("fast") is None:
            slow.add(item.path.name)
    rank = {name: n for n, name in enumerate(LONGEST)}

    def key(item: pytest.Item) -> tuple[int, bool, int, str]:
        name = item.path.name
        return rank.get(name, len(LONGEST)), name not in slow, -counts[name], str(item.path)
    return sorted(items, key=key)  # stable: a file's tests keep their order
