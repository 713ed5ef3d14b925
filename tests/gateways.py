"""Real gateways for the message tests: an SMTP server (aiosmtpd, in its own thread) and
Kannel (Debian's bearerbox + smsbox, with kannel-extras' fakesmsc as the SMS centre), all on
127.0.0.1 with free ports. Nothing here is a fake of Willkommen's own code: the outbox talks
SMTP and HTTP to them as it would to an office's relay and Kannel."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def until(check, timeout: float = 15.0, what: str = "") -> None:
    """Wait until `check()` is true (the senders work on threads and timers)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {(what() if callable(what) else what) or check}")
        await asyncio.sleep(0.02)


# ---- SMTP --------------------------------------------------------------------------------

class Mailbox:
    """aiosmtpd's handler: keeps every message; refuses `nobody@…` for good (550) and
    `full@…` for now (452) while `full` is set."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []
        self.full = True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: no such user here"
        if address.startswith("full@") and self.full:
            return "452 4.2.2 mailbox full, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `options` go to its `Controller`/`SMTP` (TLS, STARTTLS, AUTH)."""

    def __init__(self, port: int | None = None, **options):
        from aiosmtpd.controller import Controller
        self.mailbox = Mailbox()
        self.port = port or free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **options)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


# ---- Kannel ------------------------------------------------------------------------------

CONF = """
group = core
admin-port = {admin}
admin-password = test-admin
smsbox-port = {box}
log-file = {folder}/bearerbox.log
log-level = 1
store-type = file
store-location = {folder}/store
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
connect-allow-ip = 127.0.0.1
denied-prefix = +999

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box}
sendsms-port = {sendsms}
log-file = {folder}/smsbox.log
log-level = 1

group = sendsms-user
username = office
password = kannel-secret
max-messages = 10
concatenation = true
"""
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$", re.MULTILINE)


def _bytes(data: str) -> bytes:
    return unquote_to_bytes(data.replace("+", "%20"))  # form encoding: '+' is the byte 0x20


@dataclass
class Sms:
    sender: str
    to: str
    coding: str
    text: str


@dataclass
class Kannel:
    """bearerbox, smsbox and fakesmsc, each its own process; `stop_smsbox`/`start_smsbox`
    take the sendsms interface away and bring it back (the gateway down)."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="willkommen-kannel-")))
    procs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = {name: free_port() for name in ("admin", "box", "smsc", "sendsms")}
        self.conf = self.folder / "kannel.conf"
        self.conf.write_text(CONF.format(folder=self.folder, **self.ports))
        self.smsc_log = self.folder / "fakesmsc.log"

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['sendsms']}/cgi-bin/sendsms"

    def _start(self, name: str, *argv: str, log: Path | None = None) -> None:
        out = open(log or self.folder / f"{name}.out", "ab")
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        out.close()

    def start(self) -> "Kannel":
        assert shutil.which("bearerbox", path="/usr/sbin:/usr/bin"), "Debian's kannel is not installed (.ci/run)"
        assert os.path.exists(FAKESMSC), "Debian's kannel-extras is not installed (.ci/run)"
        self._start("bearerbox", "/usr/sbin/bearerbox", str(self.conf))
        self._wait_port(self.ports["smsc"])
        # fakesmsc: one made-up incoming message (-m 0 sends none) keeps it running; it logs each SMS it gets
        self.start_smsc()
        self.start_smsbox()
        return self

    def stop_smsc(self) -> None:
        """The SMS centre (the provider) goes away; bearerbox keeps what it is given meanwhile."""
        self._end("fakesmsc")

    def start_smsc(self) -> None:
        self._start("fakesmsc", FAKESMSC, "-H", "127.0.0.1", "-r", str(self.ports["smsc"]), "-i", "0.1", "-m", "0",
                    "100 200 text unused", log=self.smsc_log)

    def start_smsbox(self) -> None:
        # smsbox ends at once ("Couldn't connect to the bearerbox") if bearerbox has not opened its
        # box port yet; on a loaded machine it opened the SMS centre's port first: start it again
        for _ in range(10):
            self._start("smsbox", "/usr/sbin/smsbox", str(self.conf))
            if self._wait_port(self.ports["sendsms"], self.procs["smsbox"]):
                return
            time.sleep(0.2)
        raise AssertionError(f"smsbox did not start: {self.logs()}")

    def stop_smsbox(self) -> None:
        self._end("smsbox")

    def _wait_port(self, port: int, proc: subprocess.Popen | None = None, timeout: float = 20.0) -> bool:
        """True once `port` takes a connection; False if `proc` (the one to open it) ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return True
            except OSError:
                if proc is not None and proc.poll() is not None:
                    return False
                time.sleep(0.05)
        raise AssertionError(f"Kannel did not listen on {port} within {timeout} s: {self.logs()}")

    def received(self) -> list[Sms]:
        """What the SMS centre got, decoded: UCS-2 texts from their URL-encoded bytes, the parts
        of a concatenated text (`udh`, sent as UCS-2 data) joined by their reference number."""
        found: list[Sms] = []
        parts: dict[tuple[str, int], dict[int, str]] = {}
        for sender, to, coding, rest in GOT.findall(self.smsc_log.read_text(errors="replace")):
            sender, to = unquote_to_bytes(sender).decode(), unquote_to_bytes(to).decode()
            if coding == "udh":  # "<udh> data <payload>": 05 00 03 <reference> <parts> <this part>
                udh, _, data = rest.split(" ", 2)
                header = _bytes(udh)
                pieces = parts.setdefault((to, header[3]), {})
                pieces[header[5]] = _bytes(data).decode("utf-16-be")
                if len(pieces) == header[4]:
                    found.append(Sms(sender, to, "ucs-2", "".join(pieces[i] for i in sorted(pieces))))
                continue
            raw = _bytes(rest)
            found.append(Sms(sender, to, coding, raw.decode("utf-16-be") if coding == "ucs-2" else raw.decode("latin-1")))
        return found

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
                         for p in sorted(self.folder.glob("*.log")) + sorted(self.folder.glob("*.out")))

    def _end(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(2)  # bearerbox waits for its boxes to say goodbye: a test's Kannel need not
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            proc.wait(5)

    def stop(self) -> None:
        for name in ("smsbox", "fakesmsc", "bearerbox"):
            self._end(name)
        shutil.rmtree(self.folder, ignore_errors=True)
