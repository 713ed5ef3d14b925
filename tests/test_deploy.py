"""The systemd units in `deploy/` stay in step with the programs they start: the server, and
the kiosk, counter and display, which are started again whatever ends them."""

from __future__ import annotations

import configparser
import importlib
import shlex

import pytest

from server.cli import parse_args

from .conftest import ROOT


def unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((ROOT / "deploy" / name).read_text(encoding="utf-8"))
    return parser["Service"]


def test_service_unit_restarts_on_failure_as_its_own_user_with_the_database_under_var_lib():
    service = unit("willkommen.service")
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # a bad site file or database: say so, don't loop
    assert int(service["LimitNOFILE"]) >= 16384
    assert service["User"] == service["Group"] == "willkommen"
    assert service["StateDirectory"] == "willkommen"
    program, *argv = shlex.split(service["ExecStart"])
    assert program.endswith("/willkommen-server")
    args = parse_args(argv)  # the options the unit passes are the server's own
    assert str(args.db).startswith("/var/lib/willkommen/") and not args.demo
    assert "/var/lib/willkommen" in service["ReadWritePaths"].split()


def test_backup_unit_runs_the_online_backup_of_the_same_file():
    served = parse_args(shlex.split(unit("willkommen.service")["ExecStart"])[1:]).db
    backup = shlex.split(unit("willkommen-backup.service")["ExecStart"])[-1]  # sh -c '...'
    words = shlex.split(backup)
    assert words[1:3] == ["/opt/willkommen/.venv/bin/willkommen-server", "backup"]
    assert words[words.index("--db") + 1] == str(served)


def test_readme_points_to_the_unit_and_the_restore_procedure():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "deploy/willkommen.service" in readme and "willkommen-server restore" in readme


@pytest.mark.parametrize("client", ["kiosk", "counter", "display"])
def test_client_units_start_again_whatever_ends_them_on_a_console_with_their_secrets_in_a_file(client):
    service = unit(f"willkommen-{client}.service")
    assert service["Restart"] == "always" and "RestartPreventExitStatus" not in service
    assert unit_section(f"willkommen-{client}.service", "Unit")["StartLimitIntervalSec"] == "0"  # never gives up
    assert service["User"] == "willkommen" and service["EnvironmentFile"] == f"/etc/willkommen/{client}.env"
    assert service["StandardInput"] == "tty" and service["TTYPath"].startswith("/dev/tty")
    program, *argv = shlex.split(service["ExecStart"])
    assert program == f"/opt/willkommen/.venv/bin/willkommen-{client}"
    args = importlib.import_module(f"{client}.cli").parser().parse_args(argv)  # the program's own options
    assert "--token" not in argv and not getattr(args, "printer", None)  # from the environment file


def unit_section(name: str, section: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((ROOT / "deploy" / name).read_text(encoding="utf-8"))
    return parser[section]


def test_readme_tells_how_staff_stop_a_kiosk():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "deploy/willkommen-kiosk.service" in readme and "systemctl stop willkommen-kiosk" in readme
