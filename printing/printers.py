"""Printers by URL, as the site config or `--printer` names them:

    serial:///dev/ttyUSB0?baudrate=19200      pyserial (also a pty, for tests)
    usb://04b8:0202                           USB vendor:product (needs libusb-1.0-0)
    tcp://10.0.0.5:9100                       a network printer
    file:///dev/usb/lp0                       a device file
    preview:///var/lib/willkommen/tickets     a PNG per ticket, no printer at all
    dummy:                                    bytes kept in memory (tests, demos)

`?paper=58` selects 58 mm paper (profile POS-5890, 384 dots); the default is 80 mm (TM-T20II,
576 dots); `?profile=NAME` names any python-escpos profile. Code pages are used only under the
numbers `printing.codepages` can trace to a source. `?text=raster` prints every line as an
image placed from the paper's left edge, the QR code as wide as the paper, and sends no code
page and no alignment: for printers that print some code page wrong or ignore `ESC a` for
images (some POS-58 models print every image flush left). Bigger tickets, the same on every
printer.

Health (`status()`): serial and TCP printers are asked with DLE EOT (real-time status) and
must answer one byte within a second each: "ok", "paper_near_end", "paper_out", "cover_open",
"offline" (no answer). Other kinds cannot tell (None). python-escpos' own `paper_status()`
waits for 16 bytes and reads a silent printer as "ok" (LIBRARIES.md), so this asks itself.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from printing.blocks import Block, Text
from printing.codepages import encoder
from printing.library import escpos  # python-escpos, imported when a printer is opened
from printing.output import print_ticket
from printing.preview import draw

SCHEMES = ("serial", "usb", "tcp", "file", "preview", "dummy")
PROFILES = {"80": "TM-T20II", "58": "POS-5890"}
TEXT_MODES = ("native", "raster")   # ?text=: code pages where they carry the script, or images only
ASK_ONLINE, ASK_COVER, ASK_PAPER = b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"


class PrinterError(Exception):
    """A printer that cannot be opened or used; `str()` says why in one line. `why` (if set)
    names the staff catalogue's `[cli.file]` sentence a command says instead (`config.command`),
    with `fields`: a printer URL the admin typed that names no device, or a wrong option."""

    def __init__(self, message: str, *, why: str = "", **fields: object):
        super().__init__(message)
        self.why, self.fields = why, {key: str(value) for key, value in fields.items()}


class Printer:
    def __init__(self, url: str, device, *, raster_only: bool = False, profile: str = "TM-T20II"):
        self.url, self.device, self.raster_only, self.profile = url, device, raster_only, profile

    def print(self, blocks: list[Block], *, name: str | None = None) -> None:
        """Print `blocks`; `name` says what they are ("F001-slip"), for printers that keep files."""
        try:
            print_ticket(self.device, blocks, raster_only=self.raster_only)
            if hasattr(self.device, "flush"):
                self.device.flush()
        except PrinterError:
            raise
        except Exception as exc:
            raise PrinterError(f"printing failed: {exc}") from exc

    def status(self) -> str | None:
        channel = getattr(self.device, "device", None)
        devices = escpos().printer
        if not isinstance(self.device, (devices.Serial, devices.Network)) or channel is None:
            return None
        online = ask(channel, ASK_ONLINE)
        if online is None:
            return "offline"
        paper = ask(channel, ASK_PAPER)
        if paper is not None and paper & 0x60:
            return "paper_out"
        if online & 0x08:
            cover = ask(channel, ASK_COVER)
            return "cover_open" if cover is not None and cover & 0x04 else "offline"
        if paper is not None and paper & 0x0C:
            return "paper_near_end"
        return "ok"

    @property
    def output(self) -> bytes:
        return self.device.output

    def close(self) -> None:
        try:
            self.device.close()
        except Exception:
            pass


class PreviewPrinter(Printer):
    def __init__(self, url: str, folder: Path, width: int, **options):
        super().__init__(url, None, **options)
        self.folder, self.width = folder, width
        self.folder.mkdir(parents=True, exist_ok=True)
        self.last: Path | None = None

    def print(self, blocks: list[Block], *, name: str | None = None) -> None:
        number = name or next((b.text for b in blocks if isinstance(b, Text) and b.size == 4), "ticket")
        self.last = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{number}.png"
        try:
            draw(blocks, self.width).save(self.last)
        except OSError as exc:  # a full disk is a failing printer, not a crashed kiosk
            raise PrinterError(f"cannot write {self.last}: {exc}") from exc

    def status(self) -> str | None:
        return "ok" if os.access(self.folder, os.W_OK) else "error"

    def close(self) -> None:
        pass


def ask(channel, command: bytes, timeout: float = 1.0) -> int | None:
    """Send a real-time status request and read its one-byte answer (None: no answer)."""
    try:
        if hasattr(channel, "reset_input_buffer"):  # pyserial
            channel.reset_input_buffer()
            channel.timeout = timeout
            channel.write(command)
            answer = channel.read(1)
        else:  # a socket
            channel.settimeout(timeout)
            channel.sendall(command)
            answer = channel.recv(1)
    except (OSError, TimeoutError):
        return None
    return answer[0] if answer else None


def dots(profile: str) -> int:
    """The paper's width in dots on `profile` (576, 80 mm, where the profile does not say)."""
    width = escpos().get_profile(profile).media.get("width", {}).get("pixels")
    return int(width) if str(width).isdigit() else 576


def open_printer(url: str) -> Printer:
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    profile = options.get("profile") or PROFILES.get(options.get("paper", "80"))
    if profile is None:
        raise PrinterError(f"paper must be 58 or 80 (mm), not {options.get('paper')!r}", why="printer_paper",
                           url=url, value=repr(options.get("paper")))
    text = options.get("text", "native")
    if text not in TEXT_MODES:
        raise PrinterError(f"text must be native or raster, not {text!r}", why="printer_text", url=url,
                           value=repr(text))
    raster_only = text == "raster"
    try:
        device_options = {"profile": profile, "magic_encode_args": {"encoder": encoder(profile)}}
    except Exception as exc:  # python-escpos: an unknown profile name
        raise PrinterError(f"unknown printer profile {profile!r}: {exc}", why="printer_profile",
                           value=repr(profile)) from exc
    scheme = parts.scheme
    if scheme not in SCHEMES:
        raise PrinterError(f"unknown printer scheme {scheme!r} in {url!r} (expected {', '.join(SCHEMES)})",
                           why="printer_scheme", url=url)
    path = unquote(parts.path)
    devices = escpos().printer
    try:
        if scheme == "preview":
            return PreviewPrinter(url, Path(path), dots(profile), profile=profile, raster_only=raster_only)
        if scheme == "dummy":
            return Printer(url, devices.Dummy(**device_options), raster_only=raster_only, profile=profile)
        if scheme in ("serial", "file") and not Path(path).exists():
            raise PrinterError(f"{scheme} device {path} does not exist", why="printer_missing", path=path)
        if scheme == "serial":
            device = devices.Serial(devfile=path, baudrate=int(options.get("baudrate", 19200)), timeout=1,
                                   **device_options)
        elif scheme == "file":
            device = devices.File(devfile=path, **device_options)
        elif scheme == "tcp":
            # python-escpos drops the socket of a failed connect unclosed (a ResourceWarning, an
            # error under the tests): ask once ourselves whether anyone answers there
            socket.create_connection((parts.hostname, parts.port or 9100), timeout=5).close()
            device = devices.Network(parts.hostname, port=parts.port or 9100, timeout=5, **device_options)
        else:
            vendor, product = (int(x, 16) for x in parts.netloc.split(":"))
            device = devices.Usb(vendor, product, **device_options)
        return Printer(url, device, raster_only=raster_only, profile=profile)
    except PrinterError:
        raise
    except Exception as exc:
        raise PrinterError(f"cannot open {url}: {exc}", why="printer_open", url=url, detail=exc) from exc
