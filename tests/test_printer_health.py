"""Printer health over real bytes: a pseudo-terminal for serial, a TCP emulator on loopback."""

from __future__ import annotations

import time

import pytest

from config import load_site
from printing.printers import open_printer
from kiosk.ticket import layout
from server.wire import protocol as p
from server.edge import views

from .printer_emulator import NetworkPrinter, SerialPrinter

SITE = views.site(load_site())


def blocks(lang: str = "de"):
    ticket = p.TicketView(number="B004", service="extension", lang=lang, state="waiting", issued_at=time.time(),
                          token="some-status-token")
    return layout(SITE, p.Reply(re=1, ticket=ticket, ahead=0, eta=(0, 5)), lang=lang)


def wait_for(condition, timeout: float = 30.0) -> None:  # generous: a loaded CI machine
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


@pytest.fixture
def serial_printer():
    emulator = SerialPrinter()
    yield emulator
    emulator.close()


@pytest.fixture
def network_printer():
    emulator = NetworkPrinter()
    yield emulator
    emulator.close()


def test_a_serial_printer_gets_the_ticket_and_reports_its_paper(serial_printer):
    printer = open_printer(f"serial://{serial_printer.path}?baudrate=115200")
    try:
        assert printer.status() == "ok"
        printer.print(blocks())
        wait_for(lambda: b"\x1dV" in serial_printer.received)
        assert b"B004" in serial_printer.received
        serial_printer.paper = "near_end"
        assert printer.status() == "paper_near_end"
        serial_printer.paper = "out"
        assert printer.status() == "paper_out"
        serial_printer.silent = True
        assert printer.status() == "offline"  # no answer is not "ok"
    finally:
        printer.close()


def test_a_network_printer_that_goes_offline_midway(network_printer):
    printer = open_printer(network_printer.url)
    try:
        assert printer.status() == "ok"
        printer.print(blocks("fa"))
        wait_for(lambda: b"\x1dV" in network_printer.received)
        network_printer.online = False
        assert printer.status() == "offline"
        network_printer.online = True
        network_printer.paper = "out"
        assert printer.status() == "paper_out"
    finally:
        printer.close()


def test_kinds_that_cannot_tell_say_nothing(tmp_path):
    assert open_printer("dummy:").status() is None
    assert open_printer(f"preview://{tmp_path}").status() == "ok"


def test_a_preview_printer_that_cannot_write_says_so(tmp_path):
    from printing.printers import PrinterError

    printer = open_printer(f"preview://{tmp_path}")
    printer.folder = tmp_path / "gone" / "deeper"  # the folder vanished after start
    with pytest.raises(PrinterError, match=r"^cannot write .*gone/deeper/.*-B004\.png"):
        printer.print(blocks())
