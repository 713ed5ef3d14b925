"""An option with a value given twice is refused in one line (German, English with `--lang
en`), status 2, before anything is opened: argparse would keep the last and drop the first
silently (an IT admin passed two `--config` files and got one office's served). A flag given
twice says the same thing twice and is taken; an option meant to repeat (`--human`) repeats
(`config.command.StaffParser`, which every command's parser is)."""

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


@pytest.mark.parametrize("lang", ["de", "en"])
def test_two_config_files_are_refused_in_one_line_and_nothing_is_opened(tmp_path, lang):
    db = tmp_path / "office.sqlite3"
    done = subprocess.run([sys.executable, "-m", "server", "--config", "wetzlar.toml", "--db", str(db),
                           "--config=giessen.toml", "--lang", lang], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == {
        "de": "willkommen-server: --config ist zweimal angegeben (wetzlar.toml, dann giessen.toml): bitte nur "
              "einmal angeben, nur eine Angabe kann gelten (--help zeigt alle Optionen)\n",
        "en": "willkommen-server: --config is given twice (wetzlar.toml, then giessen.toml): give it once, only one "
              "can count (--help lists the options)\n"}[lang]
    assert not db.exists()


def said(main, argv: list[str]) -> tuple[int | None, str]:
    """A command's `main(argv)` in this process, stopped where its parser refused: its status and line."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            return exc.code, err.getvalue()
    return None, err.getvalue()


def _server(argv):
    from server.cli import main
    return main(argv)


def _kiosk(argv):
    from kiosk.cli import main
    return main(argv)


def _counter(argv):
    from counter.cli import main
    return main(argv)


TWICE = [  # every command, one of its options with a value, given twice
    (_server, ["host", "/etc/willkommen/wetzlar", "--host", "127.0.0.1", "--host", "0.0.0.0"], "--host"),
    (_server, ["backup", "copy.sqlite3", "--db", "a.sqlite3", "--db", "b.sqlite3"], "--db"),
    (_server, ["restore", "copy.sqlite3", "--db", "a.sqlite3", "--db=b.sqlite3"], "--db"),
    (_server, ["demo-month", "--month", "2026-10", "--month", "2026-11"], "--month"),
    (_server, ["network", "send", "--to", "https://a.example/", "--to", "https://b.example/"], "--to"),
    (_server, ["network", "serve", "--port", "8770", "--port", "8771"], "--port"),
    (_server, ["appointments", "import", "termine.csv", "--url", "ws://a/", "--url", "ws://b/"], "--url"),
    (_server, ["plan", "import", "plan.csv", "--url", "ws://a/", "--url", "ws://b/"], "--url"),
    (_server, ["people", "hash", "--lang", "de", "--lang", "en"], "--lang"),
    (_kiosk, ["--printer", "dummy:", "--printer", "file:///tmp/x"], "--printer"),
    (_counter, ["--terminal", "counter-1", "--terminal", "counter-2"], "--terminal"),
]


@pytest.mark.parametrize(("main", "argv", "option"), TWICE, ids=[" ".join(argv[:2]) for _, argv, _ in TWICE])
def test_each_commands_option_given_twice_is_refused_naming_it(main, argv, option):
    status, line = said(main, argv)
    assert status == 2, line
    assert f": {option} ist zweimal angegeben (" in line and len(line.splitlines()) == 1, line


def refused(argv: list[str]) -> str | None:
    status, line = said(parse_args, argv)
    assert status in (None, 2), line
    return line if status == 2 else None


VALUES = {  # the server's options with a value, and values each accepts
    "--config": st.from_regex(r"[a-z][a-z0-9_./]{0,20}", fullmatch=True),
    "--db": st.from_regex(r"[a-z][a-z0-9_./]{0,20}", fullmatch=True),
    "--host": st.sampled_from(["127.0.0.1", "0.0.0.0", "::1", "localhost"]),
    "--port": st.integers(0, 65535).map(str),
    "--speed": st.floats(0.01, 1e6).map(repr),
    "--log-level": st.sampled_from(["debug", "info", "warning", "error"]),
    "--lang": st.sampled_from(["de", "en"]),
}


@settings(max_examples=80, deadline=None)  # a loaded machine is no failure
@given(st.sampled_from(sorted(VALUES)).flatmap(lambda option: st.tuples(st.just(option), VALUES[option],
                                                                         VALUES[option], st.booleans())))
def test_an_option_with_a_value_is_taken_once_and_refused_twice_whatever_the_values(given_):
    option, first, second, with_equals = given_
    assert refused([option, first]) is None
    twice = [option, first, f"{option}={second}"] if with_equals else [option, first, option, second]
    line = refused(["--demo", *twice])
    assert line is not None and line.startswith(f"willkommen-server: {option} ist zweimal angegeben ("), line
    # (German: in this process the words follow the process's own argv, pytest's; the command
    # line's `--lang en` is the first test's)


def test_a_flag_twice_and_an_option_meant_to_repeat_are_taken():
    assert refused(["--demo", "--demo"]) is None
    assert parse_args(["--demo", "--human", "counter-1", "--human", "counter-2"]).human == ["counter-1", "counter-2"]
