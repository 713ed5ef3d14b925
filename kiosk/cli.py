"""`willkommen-kiosk`: the ticket kiosk.

    willkommen-kiosk --terminal kiosk-1 --token demo-kiosk-1 --printer preview:///tmp/tickets
    WILLKOMMEN_TOKEN=... willkommen-kiosk --url wss://queue.example.de/ --terminal kiosk-1

The printer comes from `--printer` or from the terminal's `printer` in the site config.
"""

from __future__ import annotations

import argparse
import os
import sys

from server.wire.session import ClientSession


def parser() -> argparse.ArgumentParser:
    """The options (tests/test_deploy.py reads deploy/willkommen-kiosk.service's with it)."""
    parser = argparse.ArgumentParser(prog="willkommen-kiosk", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("WILLKOMMEN_URL", "ws://127.0.0.1:8765/"),
                        help="the server (default ws://127.0.0.1:8765/ or $WILLKOMMEN_URL)")
    parser.add_argument("--terminal", default=os.environ.get("WILLKOMMEN_TERMINAL"),
                        help="this kiosk's id in the site config, e.g. kiosk-1 (or $WILLKOMMEN_TERMINAL)")
    parser.add_argument("--token", default=os.environ.get("WILLKOMMEN_TOKEN"),
                        help="this kiosk's token (better: $WILLKOMMEN_TOKEN, not visible in ps)")
    parser.add_argument("--printer", default=os.environ.get("WILLKOMMEN_PRINTER"),
                        help="serial://…, usb://VID:PID, tcp://host:9100, file://…, preview:///dir, dummy: "
                             "(or $WILLKOMMEN_PRINTER; default: the terminal's printer in the site config)")
    parser.add_argument("--on-print-failure", choices=["show", "cancel"], default="show",
                        help="show the number on screen (default) or cancel the ticket on the server")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds until the start screen returns")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.terminal or not args.token:
        print("willkommen-kiosk: --terminal and --token (or $WILLKOMMEN_TERMINAL, $WILLKOMMEN_TOKEN) are needed",
              file=sys.stderr)
        return 2
    if args.printer:
        from printing.printers import PrinterError, open_printer

        try:
            open_printer(args.printer).close()
        except PrinterError as exc:
            print(f"willkommen-kiosk: {exc}", file=sys.stderr)
            return 2
    from kiosk.app import KioskApp

    session = ClientSession(args.url, role="kiosk", terminal=args.terminal, token=args.token)
    KioskApp(session, printer_url=args.printer, on_print_failure=args.on_print_failure,
             idle_seconds=args.idle).run()
    return 0
