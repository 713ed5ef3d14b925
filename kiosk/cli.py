"""`willkommen-kiosk`: the ticket kiosk.

    willkommen-kiosk --terminal kiosk-1 --token demo-kiosk-1 --printer preview:///tmp/tickets
    WILLKOMMEN_TOKEN=... willkommen-kiosk --url wss://queue.example.de/ --terminal kiosk-1
    willkommen-kiosk printer-test --printer serial:///dev/ttyUSB0?paper=58 [--profile NAME] [--raster]

The printer comes from `--printer` or from the terminal's `printer` in the site config.
`printer-test` prints the printer test page (printing/testpage.py) and says what it sent.
"""

from __future__ import annotations

import argparse
import os
import sys

from server.wire.session import ClientSession


def parser() -> argparse.ArgumentParser:
    """The options (tests/test_deploy.py reads deploy/willkommen-kiosk.service's with it)."""
    parser = argparse.ArgumentParser(prog="willkommen-kiosk", description=__doc__.split("\n")[0],
                                     epilog="willkommen-kiosk printer-test --help: the printer test page")
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


def printer_test_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="willkommen-kiosk printer-test",
                                     description="Print the printer test page: code pages, alignment, QR code, cut.")
    parser.add_argument("--printer", default=os.environ.get("WILLKOMMEN_PRINTER"),
                        help="the printer's URL, as for the kiosk (or $WILLKOMMEN_PRINTER)")
    parser.add_argument("--profile", help="a python-escpos profile (e.g. POS-5890, TM-T20II); default: the URL's")
    parser.add_argument("--raster", action="store_true",
                        help="every line as an image, no code pages, no alignment command (the URL's ?text=raster)")
    return parser


def with_options(url: str, **options: str) -> str:
    """`url` with query options added (or replaced)."""
    from urllib.parse import parse_qsl, urlencode

    base, _, query = url.partition("?")
    merged = dict(parse_qsl(query)) | {k: v for k, v in options.items() if v}
    return f"{base}?{urlencode(merged, safe=':/')}" if merged else base


def printer_test(argv: list[str]) -> int:
    args = printer_test_parser().parse_args(argv)
    if not args.printer:
        print("willkommen-kiosk printer-test: --printer (or $WILLKOMMEN_PRINTER) is needed", file=sys.stderr)
        return 2
    from printing.printers import PrinterError, open_printer
    from printing.testpage import test_page, used_pages

    url = with_options(args.printer, profile=args.profile, text="raster" if args.raster else "")
    try:
        printer = open_printer(url)
        width = getattr(printer, "width", None) or int(printer.device.profile.media["width"]["pixels"])
        printer.print(test_page(printer.profile, width, raster_only=printer.raster_only), name="printer-test")
    except PrinterError as exc:
        print(f"willkommen-kiosk printer-test: {exc}", file=sys.stderr)
        return 2
    from printing.codepages import code_pages

    numbers = code_pages(printer.profile)
    print(f"printed the test page on {url} (profile {printer.profile}, {width} dots)")
    if printer.raster_only:
        print("text: raster only, no code page sent")
    for page, langs in ([] if printer.raster_only else used_pages(printer.profile).items()):
        print(f"  ESC t {numbers[page]:>3} = {page:<8} {' '.join(langs) or 'ASCII'}")
    if getattr(printer, "last", None):
        print(f"picture: {printer.last}")
    printer.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["printer-test"]:
        return printer_test(argv[1:])
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
