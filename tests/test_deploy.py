"""The systemd unit in `deploy/` stays in step with the server it starts."""

from __future__ import annotations

import configparser
import shlex

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
