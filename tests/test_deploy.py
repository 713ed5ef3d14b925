"""The systemd units in `deploy/` stay in step with the programs they start: the server, and
the kiosk, counter and display, which are started again whatever ends them."""

from __future__ import annotations

import configparser
import importlib
import re
import shlex
from pathlib import Path

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


def office_unit(office: str, port: int) -> tuple[configparser.SectionProxy, list[str]]:
    """The template unit as systemd makes an instance of it: `%i` the office, `${PORT}` from its
    server.env."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    text = (ROOT / "deploy" / "willkommen-server@.service").read_text(encoding="utf-8")
    parser.read_string(text.replace("%i", office))
    service = parser["Service"]
    return service, shlex.split(service["ExecStart"].replace("${PORT}", str(port)))


def test_office_template_unit_runs_one_server_per_office_with_its_own_files_and_port():
    service, (program, *argv) = office_unit("wetzlar", 8801)
    assert program == "/opt/willkommen/.venv/bin/willkommen-server"
    args = parse_args(argv)  # the options the unit passes are the server's own
    assert (str(args.config), args.host, args.port, args.db) == ("/etc/willkommen/wetzlar/office.toml",
                                                                 "127.0.0.1", 8801, None)  # db: the site file's
    assert service["EnvironmentFile"] == "/etc/willkommen/wetzlar/server.env"
    assert service["Environment"] == "PGPASSFILE=/etc/willkommen/wetzlar/pgpass"
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == "2"
    assert service["User"] == "willkommen" and int(service["LimitNOFILE"]) >= 16384
    # its own state folder, and in it the folder a network adoption writes to ([network] into)
    assert service["ReadWritePaths"] == "/var/lib/willkommen/wetzlar"
    assert service["StateDirectory"].split() == ["willkommen/wetzlar", "willkommen/wetzlar/adopted"]
    template = configparser.ConfigParser(strict=False, interpolation=None)
    template.read_string((ROOT / "deploy" / "willkommen-server@.service").read_text(encoding="utf-8"))
    assert template["Unit"]["StartLimitIntervalSec"] == "0"  # a database away at the start: tried until back
    other, _ = office_unit("giessen", 8802)
    assert other["EnvironmentFile"] != service["EnvironmentFile"]  # nothing shared between two offices


@pytest.mark.parametrize("unit, instance", [("willkommen-server", "wetzlar"), ("willkommen-host", "1")])
def test_each_template_unit_is_one_systemd_accepts(tmp_path, unit, instance):
    """`systemd-analyze verify` on an instance (an office's server, a host of several), with the
    program where this checkout has it: a misspelt key or value is a warning naming the file,
    and fails the test."""
    import shutil
    import subprocess
    import sys

    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    program = Path(sys.executable).parent / "willkommen-server"
    text = (ROOT / "deploy" / f"{unit}@.service").read_text(encoding="utf-8")
    (tmp_path / f"{unit}@.service").write_text(
        text.replace("/opt/willkommen/.venv/bin/willkommen-server", str(program)), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / f"{unit}@{instance}.service")],
                          capture_output=True, text=True, timeout=60)
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if f"{unit}@" in line]
    assert done.returncode == 0 and complaints == [], done.stdout + done.stderr


def test_host_unit_serves_its_groups_offices_from_their_folders_in_one_process():
    """`willkommen-host@1`: the offices its .env lists, each from its own folder (the template's),
    one process; restarted on failure but not after status 2."""
    from server.hosting import parse_args as host_args

    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((ROOT / "deploy" / "willkommen-host@.service").read_text(encoding="utf-8").replace("%i", "1"))
    service = parser["Service"]
    assert service["EnvironmentFile"] == "/etc/willkommen/host-1.env" and "Environment" not in service  # no PGPASSFILE
    offices = "/etc/willkommen/wetzlar /etc/willkommen/giessen"  # as systemd splits an unbraced $OFFICES
    program, *argv = shlex.split(service["ExecStart"].replace("$OFFICES", offices))
    assert program == "/opt/willkommen/.venv/bin/willkommen-server" and argv[0] == "host"
    args = host_args(argv[1:])
    assert [str(f) for f in args.folders] == offices.split() and args.host == "127.0.0.1"
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == "2"
    assert service["User"] == "willkommen" and int(service["LimitNOFILE"]) >= 16384
    assert parser["Unit"]["StartLimitIntervalSec"] == "0"


def test_reverse_proxy_example_reaches_each_office_by_name_with_websockets_and_a_port_of_its_own():
    conf = (ROOT / "deploy" / "nginx-offices.conf").read_text(encoding="utf-8")
    ports = re.findall(r"^\s+(\w+)\.willkommen\.example\s+(\d+);\s+# /etc/willkommen/(\w+)/server\.env: PORT=(\d+)",
                       conf, flags=re.M)
    assert ports and all(office == env_office and port == env_port for office, port, env_office, env_port in ports)
    assert len({port for _, port, _, _ in ports}) == len(ports)  # a port per office
    for needed in ("proxy_pass http://127.0.0.1:$willkommen_port;", "proxy_http_version 1.1;",
                   "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;",
                   "proxy_set_header Host $host;", "proxy_set_header X-Forwarded-For $remote_addr;"):
        assert needed in conf  # websockets pass, and the server sees the office's name
    timeout = int(re.search(r"proxy_read_timeout (\d+)s;", conf)[1])
    assert timeout > 20  # longer than the server's ping interval: a quiet terminal is not cut off


SCREEN = """
from textual.app import App
from textual.widgets import Label

class Screen(App):
    def compose(self):
        yield Label("Willkommen")

    def on_mount(self):
        self.set_timer(0.5, self.exit)

Screen().run()
"""


@pytest.mark.parametrize("client", ["kiosk", "counter", "display"])
def test_client_units_put_the_stream_textual_draws_on_onto_the_console(client):
    """Textual's Linux driver draws the whole screen on stderr, not stdout: a unit that sends
    stderr to the journal leaves the console blank and fills the journal with escape codes."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-c", SCREEN], stdin=follower, stdout=follower,
                              stderr=subprocess.PIPE, env={**os.environ, "TERM": "linux"}, timeout=60)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 0 and b"Willkommen" in done.stderr  # the screen went to stderr
    service = unit(f"willkommen-{client}.service")
    assert service["StandardOutput"] == "tty" and service["StandardError"] == "tty"
