"""Options out of range: one line on stderr and status 2, like a configuration error, before
any database file is touched (`server/cli.py`)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.cli import parse_args

from .conftest import ROOT


@pytest.mark.parametrize(("option", "value"), [("--port", "99999"), ("--speed", "0")])
def test_an_option_out_of_range_is_one_line_and_status_2(tmp_path, option, value):
    db = tmp_path / "x.sqlite3"
    result = subprocess.run([sys.executable, "-m", "server", "--demo", option, value, "--db", str(db)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"willkommen-server: Angabe {option}: ") and repr(value) in lines[0]
    assert not db.exists()


def refused(argv: list[str]) -> str | None:
    """The one line the parser printed when it refused `argv`, or None when it accepted it."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            parse_args(argv)
        except SystemExit as exc:
            assert exc.code == 2
            assert len(err.getvalue().splitlines()) == 1, err.getvalue()
            return err.getvalue()
    return None


@settings(max_examples=60, deadline=None)  # a loaded machine is no failure
@given(st.one_of(st.integers(-70000, 70000), st.sampled_from([-1, 0, 65535, 65536])))
def test_a_port_is_accepted_exactly_from_0_to_65535(port):
    line = refused(["--port", str(port)])
    if 0 <= port <= 65535:
        assert line is None and parse_args(["--port", str(port)]).port == port
    else:
        assert "--port" in line


@settings(max_examples=60, deadline=None)  # a loaded machine is no failure
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 5e-324, -1.0])))
def test_a_speed_is_accepted_exactly_when_above_0_and_finite(speed):
    line = refused(["--speed", repr(speed)])
    if 0 < speed < float("inf"):
        assert line is None and parse_args(["--speed", repr(speed)]).speed == speed
    else:
        assert "--speed" in line
